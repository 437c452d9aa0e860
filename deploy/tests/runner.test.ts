import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { parseTestsYaml, bundleFromArg, TestsYamlError } from '../tests-yaml.js';
import { renderTemplate, environmentVars } from '../overlays.js';
import { pendingAgainst, unitsOf, leaderOf } from '../model.js';
import { generateModelName, summary } from '../suite.js';
import { resolveDotted, runTestClass, defineTests, type SuiteContext } from '../context.js';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const zaza = join(repo, 'tests/zaza');

describe('tests.yaml', () => {
  it('reads the suite in zaza\'s schema and composes bundles from the repository files', () => {
    const t = parseTestsYaml(join(zaza, 'tests.yaml'));
    expect(t.charmName).toBe('masakari');
    expect(t.smoke).toEqual([{ alias: 'default_alias', name: 'local-masakari', base: join(repo, 'bundles/local/openstack-base.yaml'), overlays: [join(repo, 'bundles/masakari-overlay.yaml')] }]);
    expect(t.tests[0]).toBe('functest.deploy.DeployTest');
    expect(t.targetDeployStatus['masakari']).toEqual({ 'workload-status': 'active', 'workload-status-message-prefix': 'Unit is ready' });
    expect(bundleFromArg('blue:local-masakari', t)).toMatchObject({ alias: 'blue', base: join(repo, 'bundles/local/openstack-base.yaml') });
  });

  it('names the bad key', () => {
    const f = join(zaza, 'x.yaml');
    expect(() => parseTestsYaml(f, 'tests: [a.B]\ngate_bundle: [x]\n')).toThrow(/additional properties 'gate_bundle'/);
    expect(() => parseTestsYaml(f, 'tests: [notdotted]\n')).toThrow(TestsYamlError);
    expect(() => parseTestsYaml(f, 'tests: [a.B]\ntarget_deploy_status: {x: {workload-status: happy}}\n')).toThrow(/workload-status/);
  });

  it('loads a charm\'s upstream tests.yaml, with one warning per key or entry the runner does not act on', () => {
    const f = join(zaza, 'upstream-tests.yaml');
    const upstream = [
      'charm_name: sample',
      'tests:',
      '  - zaza.openstack.charm_tests.sample.tests.SampleTest',
      '  - zaza.openstack.charm_tests.tempest.tests.TempestTestWithKeystoneV3;smoke',
      '  - cross_model:',
      '    - zaza.openstack.charm_tests.sample.tests.CrossModelTest',
      'configure:',
      '  - zaza.openstack.charm_tests.vault.setup.auto_initialize',
      '  - default_alias:',
      '    - zaza.openstack.charm_tests.sample.setup.create_things',
      '  - cross_model:',
      '    - zaza.openstack.charm_tests.sample.setup.other_model',
      'gate_bundles:',
      '  - noble-caracal',
      '  - vault: noble-caracal-vault',
      '  - first: noble-caracal',
      '    second: noble-caracal-other',
      '  - ordered-pair:',
      '    - first: noble-caracal',
      '    - second: noble-caracal-other',
      'smoke_bundles: [noble-caracal]',
      'target_deploy_status:',
      '  vault:',
      '    workload-status: blocked',
      '    workload-status-message-prefix: Vault needs to be initialized',
      'configure_options:',
      '  sample_flavor: m1.tiny',
      'tests_options:',
      '  force_deploy:',
      '    - noble-caracal',
      '  trust: [noble-caracal]',
      '  tempest: { smoke: true }',
      '',
    ].join('\n');
    const t = parseTestsYaml(f, upstream);
    expect(t.gate.map((b) => `${b.alias}:${b.name}`)).toEqual(['default_alias:noble-caracal', 'vault:noble-caracal-vault']);
    expect(t.configure).toEqual(['zaza.openstack.charm_tests.vault.setup.auto_initialize', 'zaza.openstack.charm_tests.sample.setup.create_things']);
    expect(t.tests).toEqual(['zaza.openstack.charm_tests.sample.tests.SampleTest', 'zaza.openstack.charm_tests.tempest.tests.TempestTestWithKeystoneV3']);
    expect(t.warnings).toEqual([
      `${f}: gate_bundles[2]: not run: a multi-model entry (first, second); this runner deploys one model per entry`,
      `${f}: gate_bundles[3]: not run: a multi-model entry (ordered-pair); this runner deploys one model per entry`,
      `${f}: configure[2].cross_model: not run: steps for model alias 'cross_model' (this runner runs the default_alias steps on every model)`,
      `${f}: tests[1]: arguments 'smoke' are not passed: the class runs without them (zaza's direct_with_args runner is not supported)`,
      `${f}: tests[2].cross_model: not run: steps for model alias 'cross_model' (this runner runs the default_alias steps on every model)`,
      `${f}: tests_options.force_deploy: not acted on: this runner never deploys with --force (zaza does for the bundles listed)`,
      `${f}: tests_options.trust: not acted on: this runner never deploys with --trust (zaza does for the bundles listed)`,
      `${f}: tests_options.tempest: not acted on: no test of this suite reads it`,
      `${f}: configure_options.sample_flavor: not acted on: no configure step of this suite reads it`,
    ]);
    expect(parseTestsYaml(join(zaza, 'tests.yaml')).warnings).toEqual([]);
    expect(() => parseTestsYaml(f, 'tests: [a.B]\nforce_deploy: [x]\n')).toThrow(/additional properties 'force_deploy' \(zaza reads it under tests_options: tests_options.force_deploy\)/);
  });

  it('resolves every dotted name of the suite to a TypeScript export', async () => {
    const t = parseTestsYaml(join(zaza, 'tests.yaml'));
    for (const f of [...t.beforeDeploy, ...t.configure]) expect(typeof (await resolveDotted(zaza, f, 'function'))).toBe('function');
    for (const c of t.tests) expect(Object.keys((await resolveDotted<{ tests: object }>(zaza, c, 'test class')).tests).length).toBeGreaterThan(0);
    await expect(resolveDotted(zaza, 'functest.setup.nothing', 'function')).rejects.toThrow(/has no export 'nothing'/);
  });
});

describe('overlay templates', () => {
  it('renders {{ VAR }} like Jinja and refuses missing variables by name', () => {
    expect(renderTemplate('t', 'vip: {{ TEST_VIP00 }}\nx: {{TEST_X}}', { TEST_VIP00: '10.247.1.250', TEST_X: 'a&b' })).toBe('vip: 10.247.1.250\nx: a&b');
    expect(() => renderTemplate('t.j2', 'vip: {{ TEST_VIP00 }}', {})).toThrow(/t.j2 needs TEST_VIP00/);
    expect(environmentVars({ TEST_A: '1', HOME: '/root', OS_B: '2' })).toEqual({ TEST_A: '1', OS_B: '2' });
  });
});

const status = {
  applications: {
    masakari: { units: {
      'masakari/0': { 'workload-status': { current: 'active', message: 'Unit is ready' }, 'juju-status': { current: 'idle' }, leader: true, machine: '1',
        subordinates: { 'hacluster/0': { 'workload-status': { current: 'waiting', message: 'Waiting for peers' }, 'juju-status': { current: 'executing' } } } },
    } },
    hacluster: { 'subordinate-to': ['masakari'] },
    keystone: { units: { 'keystone/0': { 'workload-status': { current: 'error', message: 'hook failed: "install"' }, 'juju-status': { current: 'error' } } } },
  },
};

describe('model helpers', () => {
  it('flattens subordinates and judges the model as zaza does', () => {
    expect(unitsOf(status).map((u) => `${u.name}<${u.principal ?? ''}`)).toEqual(['hacluster/0<masakari/0', 'keystone/0<', 'masakari/0<']);
    expect(leaderOf(status, 'masakari').name).toBe('masakari/0');
    const r = pendingAgainst(status, {});
    expect(r.errors).toEqual(['keystone/0: hook failed: "install"']);
    expect(r.unitsInError).toEqual(['keystone/0']);
    expect(r.waiting).toEqual(['hacluster/0: executing/waiting "Waiting for peers"']);
    expect(pendingAgainst(status, { hacluster: { 'workload-status': 'waiting', 'workload-status-message-prefix': 'Waiting' } }).waiting).toEqual(['hacluster/0: executing/waiting "Waiting for peers"']);
  });

  it('names models like zaza: zaza-<12 hex>', () => {
    expect(generateModelName()).toMatch(/^zaza-[0-9a-f]{12}$/);
    expect(generateModelName()).not.toBe(generateModelName());
  });
});

describe('test classes', () => {
  it('runs tests in name order with setUp/tearDown and reports failures without stopping', async () => {
    const order: string[] = [];
    const lines: string[] = [];
    const ctx = { log: (l: string) => lines.push(l) } as unknown as SuiteContext;
    const cls = defineTests('T', {
      setUp: async () => { order.push('setUp'); },
      tearDown: async () => { order.push('tearDown'); },
      tests: { test_b: async () => { order.push('b'); throw new Error('boom'); }, test_a: async () => { order.push('a'); } },
    });
    const outcomes = await runTestClass(cls, ctx);
    expect(order).toEqual(['setUp', 'a', 'tearDown', 'setUp', 'b', 'tearDown']);
    expect(outcomes.map((o) => [o.test, o.ok])).toEqual([['T.test_a', true], ['T.test_b', false]]);
    expect(summary([{ model: 'zaza-0123456789ab', bundle: 'b', ok: false, deploySeconds: 12, outcomes, timings: [], kept: false }], 20)).toContain('FAILED T.test_b: Error: boom');
  });
});

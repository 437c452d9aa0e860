import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JujuCli } from '../driver.js';
import { parseTestsYaml } from '../tests-yaml.js';
import { runSuite } from '../suite.js';

/** A stand-in `juju` program: records its argv and prints the document real juju 3 prints for that verb. */
function fakeJuju(dir: string, outputs: Record<string, string>): string {
  const program = join(dir, 'juju');
  const cases = Object.entries(outputs).map(([verb, out]) => `  ${verb}) printf '%s\\n' '${out}' ;;`).join('\n');
  writeFileSync(program, `#!/bin/sh\necho "$@" >> ${join(dir, 'argv.log')}\ncase "$1" in\n${cases}\n  *) exit 0 ;;\nesac\n`);
  chmodSync(program, 0o755);
  return program;
}

describe('JujuCli', () => {
  it('keeps secret option values out of the transcript', async () => {
    const { redact } = await import('../driver.js');
    expect(redact(['config', '-m', 'm', 'hacluster', 'maas_credentials=a:b:c', 'maas_url=http://x', 'admin-password=p'])).toEqual(
      ['config', '-m', 'm', 'hacluster', 'maas_credentials=<redacted>', 'maas_url=http://x', 'admin-password=<redacted>']);
  });

  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'zaza-driver-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads juju 3 documents keyed by unit (exec, run) and passes the model explicitly', async () => {
    const program = fakeJuju(dir, {
      exec: JSON.stringify({ 'masakari/0': { id: '2', results: { 'return-code': 3, stdout: 'out', stderr: 'err' }, status: 'completed' } }),
      run: JSON.stringify({ 'masakari/0': { id: '4', results: { segments: '[]', count: 0 }, status: 'completed', message: '' } }),
      status: JSON.stringify({ applications: {} }),
    });
    const cli = new JujuCli('juju', program);
    expect(await cli.exec('zaza-0123456789ab', 'masakari/0', 'crm status')).toEqual({ code: 3, stdout: 'out', stderr: 'err' });
    expect(await cli.runAction('zaza-0123456789ab', 'masakari/0', 'list-segments')).toEqual({ id: '4', status: 'completed', message: '', results: { segments: '[]', count: 0 } });
    await cli.removeUnit('zaza-0123456789ab', 'nova-compute/2');
    const argv = readFileSync(join(dir, 'argv.log'), 'utf8').trim().split('\n');
    expect(argv[0]).toBe('exec -m zaza-0123456789ab --unit masakari/0 --format json -- crm status');
    expect(argv[1]).toMatch(/^run -m zaza-0123456789ab masakari\/0 list-segments --format json --wait=600s$/);
    expect(argv[2]).toBe('remove-unit -m zaza-0123456789ab nova-compute/2 --no-prompt');
  });

  it('reads juju-local\'s action document (not keyed by unit) and names failures', async () => {
    const program = fakeJuju(dir, {
      run: JSON.stringify({ id: '7', results: {}, status: 'failed', message: 'segment: "x" not found', unit: 'masakari/0' }),
      deploy: '',
    });
    const cli = new JujuCli('juju-local', program);
    expect(await cli.runAction('m', 'masakari/0', 'list-hosts', { segment: 'x' })).toMatchObject({ status: 'failed', message: 'segment: "x" not found' });
  });

  it('asks juju-local for status in this process (no CLI process per poll) and names a failure', async () => {
    const saved = process.env.JUJU_LOCAL_HOME;
    process.env.JUJU_LOCAL_HOME = dir;
    try {
      const cli = new JujuCli('juju-local', join(dir, 'not-a-program'), undefined, true);
      await expect(cli.status('m')).rejects.toThrow(/juju-local status -m m --format json failed \(exit 1\): ERROR model "m" not found/);
    } finally {
      if (saved === undefined) delete process.env.JUJU_LOCAL_HOME;
      else process.env.JUJU_LOCAL_HOME = saved;
    }
  });
  it('runs every juju-local verb in this process when made by create() (no CLI process per exec or action)', async () => {
    const saved = process.env.JUJU_LOCAL_HOME;
    process.env.JUJU_LOCAL_HOME = dir;
    try {
      // dir has no bin/juju-local: a spawned CLI would fail with ENOENT, not with the verb's own error.
      const cli = JujuCli.create('juju-local', dir);
      expect(await cli.exec('m', 'masakari/0', 'true')).toEqual({ code: 1, stdout: '', stderr: 'ERROR model "m" not found (see: juju-local models)\n' });
      await expect(cli.config('m', 'hacluster', { maas_credentials: 'k:t:s' })).rejects.toThrow(
        /^juju-local config -m m hacluster maas_credentials=<redacted> failed \(exit 1\): ERROR model "m" not found \(see: juju-local models\)$/);
      expect(() => new JujuCli('juju', 'juju', undefined, true)).toThrow(/only juju-local/);
    } finally {
      if (saved === undefined) delete process.env.JUJU_LOCAL_HOME;
      else process.env.JUJU_LOCAL_HOME = saved;
    }
  });
});

describe('a deploy that fails', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'zaza-failing-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stops at the unit in error and prints the end of that unit\'s log', async () => {
    const errored = { applications: { 'rabbitmq-server': { units: { 'rabbitmq-server/0': {
      'workload-status': { current: 'error', message: 'hook failed: "amqp-relation-changed"' }, 'juju-status': { current: 'error' } } } } } };
    fakeJuju(dir, { status: JSON.stringify(errored), 'debug-log': 'unit-rabbitmq-server-0: 01:13:02 ERROR rabbitmqctl add_user exited 75' });
    const lines: string[] = [];
    const savedPath = process.env.PATH;
    process.env.PATH = `${dir}:${savedPath}`;
    try {
      const config = parseTestsYaml(join(dir, 'tests.yaml'), 'tests: [functest.deploy.DeployTest]\n');
      const result = await runSuite({
        config, bundles: [{ alias: 'default_alias', name: 'b', base: join(dir, 'b.yaml'), overlays: [] }], backend: 'juju', repoRoot: dir,
        parallel: 1, keep: 'faulty', deployTimeoutMs: 10_000, modelName: undefined, out: (l) => lines.push(l),
      });
      expect(result.reports[0]!.error).toBe('units in error: rabbitmq-server/0: hook failed: "amqp-relation-changed"');
    } finally {
      process.env.PATH = savedPath;
    }
    const argv = readFileSync(join(dir, 'argv.log'), 'utf8').trim().split('\n');
    expect(argv.filter((a) => a.startsWith('debug-log'))).toEqual([expect.stringMatching(/^debug-log -m zaza-[0-9a-f]{12} --no-tail -n 60 --include rabbitmq-server\/0$/)]);
    expect(lines.join('\n')).toMatch(/last log lines of rabbitmq-server\/0:\nunit-rabbitmq-server-0: 01:13:02 ERROR rabbitmqctl add_user exited 75/);
  });
});

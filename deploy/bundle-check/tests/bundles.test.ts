import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { loadBundle, BundleError } from '../load.js';
import { checkBundle } from '../check.js';
import { existsSync } from 'node:fs';
import { loadBundle as localLoad } from '../../../localmodel/bundle/load.js';
import { buildStandins } from '../../standins.js';

const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const b = (p: string) => join(repo, 'bundles', p);

describe('bundles', () => {
  it('real cloud: stock base + masakari overlay relate through existing, matching endpoints', () => {
    const bundle = loadBundle(b('openstack-base.yaml'), [b('masakari-overlay.yaml')]);
    const result = checkBundle(bundle, repo);
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([]);
    // every application, stock or ours, is checked against its charm's endpoints and options
    expect(result.unchecked).toEqual([]);
    expect(bundle.applications['masakari']).toMatchObject({ num_units: 3, charmRef: join(repo, 'build/masakari.charm') });
    expect(bundle.applications['pacemaker-remote']!.options).toEqual({ 'enable-stonith': false, 'enable-resources': false });
    expect(bundle.relations).toContainEqual(['hacluster:pacemaker-remote', 'pacemaker-remote:pacemaker-remote']);
  });

  it('stonith overlay turns fencing on and reads the MAAS endpoint and key from files next to it', () => {
    const bundle = loadBundle(b('openstack-base.yaml'), [b('masakari-overlay.yaml'), b('stonith-maas-overlay.yaml')]);
    expect(checkBundle(bundle, repo).problems).toEqual([]);
    expect(bundle.applications['pacemaker-remote']!.options).toEqual({ 'enable-stonith': true, 'enable-resources': false });
    expect(bundle.applications['hacluster']!.options).toEqual({
      cluster_count: 3, corosync_transport: 'unicast',
      maas_url: `include-file://${b('maas-url')}`, maas_credentials: `include-file://${b('maas-credentials')}`,
    });
    expect(bundle.applications['hacluster']!.charmRef).toBe(join(repo, 'build/hacluster-ext.charm'));
  });

  it('local model: stand-in base + the same masakari overlay', () => {
    const bundle = loadBundle(b('local/openstack-base.yaml'), [b('masakari-overlay.yaml')]);
    const result = checkBundle(bundle, repo);
    expect(result.problems).toEqual([]);
    expect(result.unchecked).toEqual([]);
    expect(bundle.applications['keystone']!.charmRef).toBe(join(repo, 'build/standins/keystone.charm'));
    expect(Object.keys(bundle.applications).sort()).toEqual([
      'hacluster', 'keystone', 'masakari', 'masakari-monitors', 'masakari-mysql-router', 'nova-cloud-controller', 'nova-compute',
      'pacemaker-remote', 'rabbitmq-server',
    ]);
  });

  it('TLS overlays: vault on a real cloud, the local-ca stand-in on the local model, both on the certificates endpoints', () => {
    const real = loadBundle(b('openstack-base.yaml'), [b('masakari-overlay.yaml'), b('tls-overlay.yaml')]);
    const realResult = checkBundle(real, repo);
    expect(realResult.problems).toEqual([]);
    expect(realResult.unchecked).toEqual([]);
    expect(real.relations).toContainEqual(['masakari:certificates', 'vault:certificates']);
    const local = loadBundle(b('local/openstack-base.yaml'), [b('masakari-overlay.yaml'), b('local/tls-overlay.yaml')]);
    const localResult = checkBundle(local, repo);
    expect(localResult.problems).toEqual([]);
    expect(localResult.unchecked).toEqual([]);
    expect(local.applications['local-ca']!.charmRef).toBe(join(repo, 'build/standins/local-ca.charm'));
    expect(local.relations).toContainEqual(['masakari-monitors:certificates', 'local-ca:certificates']);
  });

  it('names what is wrong: unknown endpoint, mismatched interface, subordinate with units, bad option', () => {
    const base = b('openstack-base.yaml');
    const overlay = join(repo, 'bundles/bad-overlay.yaml');
    const typo = join(repo, 'bundles/typo-overlay.yaml');
    const texts = {
      [overlay]: [
        'applications:',
        '  masakari-monitors:',
        '    charm: ../build/masakari-monitors.charm',
        '    num_units: 2',
        'relations:',
        '  - [keystone:identity-sevice, glance:identity-service]',
        '  - [glance:amqp, keystone:identity-service]',
        '  - [nova-compute:juju-info, masakari-monitors:container]',
      ].join('\n'),
    };
    texts[typo] = 'applications:\n  hacluster:\n    options:\n      maas_uri: http://x\n      cluster_count: three\n';
    const result = checkBundle(loadBundle(base, [b('masakari-overlay.yaml'), overlay, typo], texts), repo);
    expect(result.problems).toContainEqual(expect.stringMatching(/hacluster: option 'maas_uri' is not in the charm's config.yaml \(accepted: .*maas_url/));
    expect(result.problems).toContainEqual(expect.stringMatching(/hacluster: option 'cluster_count' must be of type int, got "three"/));
    expect(result.problems).toContainEqual(expect.stringMatching(/keystone has no endpoint 'identity-sevice' \(has: .*identity-service/));
    expect(result.problems).toContainEqual(expect.stringMatching(/interfaces differ \(rabbitmq vs keystone\)/));
    expect(result.problems).toContainEqual(expect.stringMatching(/masakari-monitors: a subordinate takes no num_units/));
  });

  it('an overlay setting an application to null removes it and its relations', () => {
    const overlay = join(repo, 'bundles/remove.yaml');
    const bundle = loadBundle(b('openstack-base.yaml'), [overlay], { [overlay]: 'applications:\n  neutron-gateway:\n' });
    expect(bundle.applications['neutron-gateway']).toBeUndefined();
    expect(bundle.relations.some(([x, y]) => x.startsWith('neutron-gateway:') || y.startsWith('neutron-gateway:'))).toBe(false);
    const result = checkBundle(bundle, repo);
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual(['masakari-mysql-router: subordinate with no container-scoped relation to a principal: it gets no units']);
  });

  it('rejects malformed bundles with the file and key named', () => {
    const f = join(repo, 'bundles/x.yaml');
    expect(() => loadBundle(f, [], { [f]: 'aplications: {}' })).toThrow(/unknown top-level key 'aplications'/);
    expect(() => loadBundle(f, [], { [f]: 'applications:\n  foo:\n    num_units: 1' })).toThrow(/'foo' .*has no 'charm'/);
    expect(() => loadBundle(f, [], { [f]: 'relations: [[a]]' })).toThrow(BundleError);
  });
});

describe('bundles through the local model\'s own loader', () => {
  const built = ['masakari', 'hacluster-ext', 'pacemaker-remote', 'masakari-monitors'].every((c) => existsSync(join(repo, 'build', `${c}.charm`)));
  it.skipIf(!built)('juju-local accepts the local base + masakari overlay', async () => {
    await buildStandins(() => undefined);
    const plan = localLoad(b('local/openstack-base.yaml'), [b('masakari-overlay.yaml')]);
    expect(plan.applications.map((a) => `${a.name}:${a.numUnits}`).sort()).toEqual([
      'hacluster:0', 'keystone:1', 'masakari-monitors:0', 'masakari-mysql-router:1', 'masakari:3', 'nova-cloud-controller:1', 'nova-compute:3', 'pacemaker-remote:0', 'rabbitmq-server:1',
    ]);
    expect(plan.relations).toHaveLength(11);
  }, 60_000);
});

/**
 * The package layers are only worth having if they hold what the charms install: a drift would not break a deploy
 * (the install hook installs what is missing) but would silently bring the slow path back.
 */
import { describe, expect, it } from 'vitest';
import { archivePackageSets, packagesForCharms } from '../archive-packages.js';
import { platformFor } from '../../../charms/masakari/src/platform.js';
import { packagesToInstall } from '../../../charms/masakari-monitors/src/platform.js';
import { PACKAGES as PACEMAKER_REMOTE } from '../../../charms/pacemaker-remote/src/remote-state.js';
import { PACKAGES as HACLUSTER_EXT } from '../../../charms/hacluster-ext/src/charm.js';
import { PACKAGES as KEYSTONE } from '../../../tests/zaza/charms/keystone/src/charm.js';
import { PACKAGES as MYSQL } from '../../../tests/zaza/charms/mysql/src/charm.js';
import { PACKAGES as RABBITMQ } from '../../../tests/zaza/charms/rabbitmq/src/charm.js';
import { HYPERVISOR_PACKAGES as NOVA_COMPUTE } from '../../../tests/zaza/charms/nova-compute/src/hypervisor.js';

const sorted = (list: readonly string[]) => [...list].sort();

describe('charm install sets in the archive', () => {
  it('match what each charm installs on Debian 12 with its default config', () => {
    const installs: Record<string, readonly string[]> = {
      masakari: platformFor('debian').packages,
      'masakari-monitors': packagesToInstall('remote', false),
      'pacemaker-remote': PACEMAKER_REMOTE,
      'hacluster-ext': HACLUSTER_EXT,
      keystone: KEYSTONE,
      mysql: MYSQL,
      rabbitmq: RABBITMQ,
      'nova-compute': NOVA_COMPUTE,
    };
    const declared = Object.fromEntries(archivePackageSets.flatMap((set) => (set.charms ?? []).map((charm) => [charm, sorted(set.packages)])));
    expect(declared).toEqual(Object.fromEntries(Object.entries(installs).map(([charm, list]) => [charm, sorted(list)])));
  });

  it('gives a machine the union of its charms\' sets, and nothing for charms without one', () => {
    const compute = packagesForCharms(['nova-compute', 'masakari-monitors', 'pacemaker-remote']);
    expect(compute).toEqual(sorted([...new Set([...packagesToInstall('remote', false), ...PACEMAKER_REMOTE, ...NOVA_COMPUTE])]));
    expect(packagesForCharms(['nova-cloud-controller', 'unknown-charm'])).toEqual([]);
    expect(packagesForCharms([])).toEqual([]);
  });
});

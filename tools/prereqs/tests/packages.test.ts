import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hostCommands } from '../../../localmodel/machines/prerequisites.js';
import { LAB_PACKAGES } from '../../../tests/lab/cluster/prereqs.js';
import { benchPackages, hostPackages, startPackages } from '../packages.js';

const benchmarks = readdirSync(fileURLToPath(new URL('../../bench', import.meta.url)))
  .filter((f) => f.endsWith('.ts') && f !== 'main.ts')
  .map((f) => f.slice(0, -'.ts'.length));

const packagesOf = (sets: readonly { packages: readonly string[] }[]): Set<string> => new Set(sets.flatMap((set) => set.packages));

describe('host package sets', () => {
  it('npm start installs every package whose command the local model checks for', () => {
    const startSet = packagesOf(startPackages);
    const missing = Object.entries(hostCommands).filter(([, pkg]) => !startSet.has(pkg)).map(([command, pkg]) => `${command} (${pkg})`);
    expect(missing).toEqual([]);
  });

  it('npm start leaves the test tiers\' daemons to npm test', () => {
    const startSet = packagesOf(startPackages);
    expect(startSet.has('masakari-api')).toBe(false);
    expect(startSet.has('pacemaker')).toBe(false);
    expect(startPackages.length).toBeLessThan(hostPackages.length);
  });

  it('npm run bench -- hacluster-cib installs every package the cluster lab it starts checks for', () => {
    const benchSet = packagesOf(benchPackages(['hacluster-cib']));
    expect(LAB_PACKAGES.filter((pkg) => !benchSet.has(pkg))).toEqual([]);
  });

  it('the local model benchmarks install every package whose command the local model checks for', () => {
    for (const bench of ['localmodel', 'localmodel-machines', 'functest-parallel']) {
      const benchSet = packagesOf(benchPackages([bench]));
      expect({ bench, missing: Object.values(hostCommands).filter((pkg) => !benchSet.has(pkg)) }).toEqual({ bench, missing: [] });
    }
  });

  it('every benchmark a set names is a script in tools/bench, and a benchmark installs only what it names', () => {
    const named = hostPackages.flatMap((set) => set.bench ?? []);
    expect(named.filter((name) => !benchmarks.includes(name))).toEqual([]);
    expect(benchPackages(['host-files'])).toEqual([]);
  });
});

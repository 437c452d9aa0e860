import { describe, expect, it } from 'vitest';
import { hostCommands } from '../../../localmodel/machines/prerequisites.js';
import { hostPackages, startPackages } from '../packages.js';

describe('host package sets', () => {
  it('npm start installs every package whose command the local model checks for', () => {
    const startSet = new Set(startPackages.flatMap((set) => set.packages));
    const missing = Object.entries(hostCommands).filter(([, pkg]) => !startSet.has(pkg)).map(([command, pkg]) => `${command} (${pkg})`);
    expect(missing).toEqual([]);
  });

  it('npm start leaves the test tiers\' daemons to npm test', () => {
    const startSet = new Set(startPackages.flatMap((set) => set.packages));
    expect(startSet.has('masakari-api')).toBe(false);
    expect(startSet.has('pacemaker')).toBe(false);
    expect(startPackages.length).toBeLessThan(hostPackages.length);
  });
});

import { describe, expect, it } from 'vitest';
import { charmsOnMachine } from '../agent/machine-charms.js';
import { DB, SUB } from './fixtures.js';
import { deployApps, emptyState, meta } from './simulate.js';

const APP = { name: 'app', requires: { db: { interface: 'mysql' } } };
const SUB_OF_SUB = { name: 'subsub', subordinate: true, requires: { host: { interface: 'juju-info', scope: 'container' } } };

describe('charms on a machine (what its package layer should hold)', () => {
  it('names the principal charms placed there and the subordinates related to them with container scope', () => {
    const state = emptyState();
    deployApps(state, [
      { name: 'db', meta: meta(DB), units: 1 },
      { name: 'front', meta: meta(APP), units: 2 },
      { name: 'logger', meta: meta(SUB), units: 0 },
    ], [['front', 'db', 'db', 'db'], ['logger', 'host', 'front', 'juju-info']]);
    const machineOf = (unit: string) => state.units[unit]!.machine;
    // the application name differs from the charm name: the charm's own name is what is reported
    expect(charmsOnMachine(state, machineOf('front/0'))).toEqual(['app', 'sub']);
    expect(charmsOnMachine(state, machineOf('front/1'))).toEqual(['app', 'sub']);
    // a global relation to a principal elsewhere brings nothing
    expect(charmsOnMachine(state, machineOf('db/0'))).toEqual(['db']);
    expect(charmsOnMachine(state, 'no-such-machine')).toEqual([]);
  });

  it('follows subordinates of subordinates and ignores dying units and relations', () => {
    const state = emptyState();
    deployApps(state, [
      { name: 'db', meta: meta(DB), units: 1 },
      { name: 'logger', meta: meta(SUB), units: 0 },
      { name: 'shipper', meta: meta(SUB_OF_SUB), units: 0 },
    ], [['logger', 'host', 'db', 'juju-info'], ['shipper', 'host', 'logger', 'juju-info']]);
    const machine = state.units['db/0']!.machine;
    expect(charmsOnMachine(state, machine)).toEqual(['db', 'sub', 'subsub']);
    for (const relation of Object.values(state.relations)) if (relation.endpoints.some((e) => e.application === 'shipper')) relation.life = 'dying';
    expect(charmsOnMachine(state, machine)).toEqual(['db', 'sub']);
    state.units['db/0']!.life = 'dying';
    expect(charmsOnMachine(state, machine)).toEqual([]);
  });
});

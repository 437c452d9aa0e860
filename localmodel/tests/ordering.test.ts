import { describe, expect, it } from 'vitest';
import { deployApps, emptyState, hooksOf, meta, settle, startMachines } from './simulate.js';
import { addUnits, integrate, queueAction, removeRelation, removeUnits, setConfig } from '../agent/operations.js';
import { nextOp } from '../agent/resolver.js';
import { relationSet } from '../hooktools/tools/relation.js';
import { statusSet } from '../hooktools/tools/unit.js';
import { applyCommit } from '../agent/transitions.js';

const server = meta({ name: 'server', provides: { api: { interface: 'http' } }, peers: { cluster: { interface: 'peer' } } });
const client = meta({ name: 'client', requires: { api: { interface: 'http' } } });
const sub = meta({ name: 'sub', subordinate: true, requires: { host: { interface: 'juju-info', scope: 'container' } } });

function host(state: ReturnType<typeof emptyState>) {
  return { state, network: () => ({ address: '10.0.0.9', cidr: '10.0.0.0/24', hostname: 'h', fqdn: 'h.sim', interfaceName: 'eth0' }), log: () => {}, changed: () => {} };
}

describe('start sequence (juju-contract §3.1)', () => {
  it('install, relation-created, leader-elected, config-changed, start; non-leaders get leader-settings-changed', () => {
    const state = emptyState();
    deployApps(state, [{ name: 'server', meta: server, units: 2 }]);
    const log = settle(state);
    expect(hooksOf(log, 'server/0').slice(0, 5)).toEqual(['install', 'cluster-relation-created', 'leader-elected', 'config-changed', 'start']);
    expect(hooksOf(log, 'server/1').slice(0, 5)).toEqual(['install', 'cluster-relation-created', 'leader-settings-changed', 'config-changed', 'start']);
    expect(state.units['server/0']!.workload.current).toBe('unknown');
  });
});

describe('relation hooks (§3.2)', () => {
  it('joined is followed at once by changed for the same unit; units join in sorted order; non-peer before peer', () => {
    const state = emptyState();
    deployApps(state, [{ name: 'server', meta: server, units: 2 }, { name: 'client', meta: client, units: 1 }], [['client', 'api', 'server', 'api']]);
    const log = settle(state);
    const c = hooksOf(log, 'client/0');
    expect(c.slice(0, 5)).toEqual(['install', 'api-relation-created', 'leader-elected', 'config-changed', 'start']);
    expect(c.slice(5, 9)).toEqual(['api-relation-joined:server/0', 'api-relation-changed:server/0', 'api-relation-joined:server/1', 'api-relation-changed:server/1']);
    const s0 = hooksOf(log, 'server/0');
    expect(s0.indexOf('api-relation-joined:client/0')).toBeLessThan(s0.indexOf('cluster-relation-joined:server/1'));
    const joined = log.find((r) => r.unit === 'client/0' && r.hook.kind === 'relation-joined')!;
    expect(joined.relationList).toEqual(['server/0']);
  });

  it('a unit\'s committed data gives the remote units relation-changed; a failed hook\'s data is never seen', () => {
    const state = emptyState();
    deployApps(state, [{ name: 'server', meta: server, units: 1 }, { name: 'client', meta: client, units: 1 }], [['client', 'api', 'server', 'api']]);
    settle(state);
    const rel = Object.values(state.relations).find((r) => r.key === 'client:api server:api')!;
    const before = rel.unitSettings['server/0']!.version;
    // A failing config-changed on server/0 writes relation data: discarded.
    setConfig(state, 'server', { message: 'x' }, []);
    const failed = settle(state, (ctx, s) => {
      if (ctx.unit === 'server/0' && ctx.hook?.name === 'config-changed') {
        relationSet({ ctx, host: host(s), args: ['-r', String(rel.id), 'secret=never'], stdin: null });
        return false;
      }
    });
    expect(hooksOf(failed, 'server/0')).toEqual(['config-changed']);
    expect(rel.unitSettings['server/0']!.data.secret).toBeUndefined();
    expect(rel.unitSettings['server/0']!.version).toBe(before);
    expect(nextOp(state, 'server/0', { now: 0, updateStatusMs: Infinity })).toBeNull();
    // resolved (retry) runs it again; this time it commits and client/0 gets relation-changed.
    state.units['server/0']!.uniter.error = null;
    const log = settle(state, (ctx, s) => {
      if (ctx.unit === 'server/0' && ctx.hook?.name === 'config-changed') relationSet({ ctx, host: host(s), args: ['-r', String(rel.id), 'ok=yes'], stdin: null });
    });
    expect(hooksOf(log, 'server/0')).toEqual(['config-changed']);
    expect(hooksOf(log, 'client/0')).toEqual(['api-relation-changed:server/0']);
    expect(rel.unitSettings['server/0']!.data.ok).toBe('yes');
  });

  it('resolved --no-retry commits the failed hook without running it', () => {
    const state = emptyState();
    deployApps(state, [{ name: 'client', meta: client, units: 1 }]);
    const log = settle(state, (ctx) => ctx.hook?.name !== 'install');
    expect(hooksOf(log, 'client/0')).toEqual(['install']);
    const failure = state.units['client/0']!.uniter.error!;
    state.units['client/0']!.uniter.error = null;
    applyCommit(state, 'client/0', failure.hook, undefined);
    expect(hooksOf(settle(state), 'client/0')).toEqual(['leader-elected', 'config-changed', 'start']);
  });

  it('application data changes give app-level relation-changed with no remote unit', () => {
    const state = emptyState();
    deployApps(state, [{ name: 'server', meta: server, units: 1 }, { name: 'client', meta: client, units: 1 }], [['client', 'api', 'server', 'api']]);
    settle(state);
    const rel = Object.values(state.relations).find((r) => r.key === 'client:api server:api')!;
    // An action runs before other pending work and changes nothing in relations.
    queueAction(state, 'server/0', 'x', {});
    expect(settle(state)).toEqual([]);
    expect(Object.values(state.actions)[0]!.status).toBe('completed');
    // leader writes app data from a hook
    setConfig(state, 'server', { message: 'y' }, []);
    const l2 = settle(state, (ctx, s) => {
      if (ctx.unit === 'server/0' && ctx.hook?.name === 'config-changed') relationSet({ ctx, host: host(s), args: ['-r', String(rel.id), '--app', 'url=http://x'], stdin: null });
    });
    const appChanged = l2.find((r) => r.unit === 'client/0')!;
    expect(appChanged.hook).toMatchObject({ name: 'api-relation-changed', remoteUnit: '', remoteApp: 'server' });
  });

  it('removing a relation: departed for each remote unit, then broken, on both sides; the relation goes away', () => {
    const state = emptyState();
    deployApps(state, [{ name: 'server', meta: server, units: 2 }, { name: 'client', meta: client, units: 1 }], [['client', 'api', 'server', 'api']]);
    settle(state);
    removeRelation(state, 'client', 'server');
    const log = settle(state);
    expect(hooksOf(log, 'client/0')).toEqual(['api-relation-departed:server/0', 'api-relation-departed:server/1', 'api-relation-broken']);
    expect(hooksOf(log, 'server/1')).toEqual(['api-relation-departed:client/0', 'api-relation-broken']);
    const departed = log.find((r) => r.unit === 'client/0' && r.hook.kind === 'relation-departed')!;
    expect(departed.hook.departingUnit).toBe('server/0');
    expect(departed.relationList).toEqual(['server/1']);
    expect(Object.values(state.relations).map((r) => r.key)).toEqual(['server:cluster']);
  });
});

describe('removal, leadership and subordinates (§3.3-3.5)', () => {
  it('a removed unit departs everything (departing = itself), breaks, stops, removes; the others see it depart; a new leader is elected', () => {
    const state = emptyState();
    deployApps(state, [{ name: 'server', meta: server, units: 3 }, { name: 'client', meta: client, units: 1 }], [['client', 'api', 'server', 'api']]);
    settle(state);
    expect(state.applications.server!.leader).toBe('server/0');
    removeUnits(state, ['server/0']);
    const log = settle(state);
    expect(hooksOf(log, 'server/0')).toEqual([
      'api-relation-departed:client/0', 'api-relation-broken', 'cluster-relation-departed:server/1', 'cluster-relation-departed:server/2', 'stop', 'remove',
    ]);
    expect(log.find((r) => r.unit === 'server/0' && r.hook.kind === 'relation-departed')!.hook.departingUnit).toBe('server/0');
    expect(hooksOf(log, 'client/0')).toEqual(['api-relation-departed:server/0']);
    expect(hooksOf(log, 'server/1')).toContain('leader-elected');
    expect(hooksOf(log, 'server/2')).not.toContain('leader-elected');
    expect(state.units['server/0']).toBeUndefined();
    expect(state.applications.server!.leader).toBe('server/1');
  });

  it('a subordinate gets one unit per principal unit; each sees only its principal; removing the principal removes it first', () => {
    const state = emptyState();
    deployApps(state, [{ name: 'server', meta: server, units: 2 }, { name: 'sub', meta: sub, units: 0 }], [['sub', 'host', 'server', 'juju-info']]);
    const log = settle(state);
    expect(Object.keys(state.units).sort()).toEqual(['server/0', 'server/1', 'sub/0', 'sub/1']);
    expect(state.units['sub/0']!.principal).toBe('server/0');
    expect(state.units['sub/0']!.machine).toBe(state.units['server/0']!.machine);
    expect(hooksOf(log, 'sub/1').filter((h) => h.includes('joined'))).toEqual(['host-relation-joined:server/1']);
    expect(hooksOf(log, 'server/1').filter((h) => h.includes('juju-info-relation-joined'))).toEqual(['juju-info-relation-joined:sub/1']);
    removeUnits(state, ['server/1']);
    const l2 = settle(state);
    const order = l2.map((r) => `${r.unit} ${r.hook.name}`);
    expect(order.indexOf('sub/1 remove')).toBeLessThan(order.indexOf('server/1 stop'));
    expect(Object.keys(state.units).sort()).toEqual(['server/0', 'sub/0']);
  });

  it('new units join existing relations and peers; leader-settings-changed follows leader-set', () => {
    const state = emptyState();
    deployApps(state, [{ name: 'server', meta: server, units: 1 }]);
    settle(state);
    addUnits(state, 'server', 1);
    startMachines(state);
    const log = settle(state);
    expect(hooksOf(log, 'server/0')).toEqual(['cluster-relation-joined:server/1', 'cluster-relation-changed:server/1']);
    state.applications.server!.leaderSettingsVersion++;
    expect(hooksOf(settle(state), 'server/1')).toEqual(['leader-settings-changed']);
  });
});

describe('upgrade, config and update-status', () => {
  it('upgrade-charm is followed by config-changed; update-status only when idle and due', () => {
    const state = emptyState();
    deployApps(state, [{ name: 'client', meta: client, units: 1 }]);
    settle(state);
    state.applications.client!.charmRevision = 2;
    expect(hooksOf(settle(state), 'client/0')).toEqual(['upgrade-charm', 'config-changed']);
    const unit = state.units['client/0']!;
    expect(nextOp(state, 'client/0', { now: unit.uniter.lastUpdateStatus + 1000, updateStatusMs: 60_000 })).toBeNull();
    expect(nextOp(state, 'client/0', { now: unit.uniter.lastUpdateStatus + 60_000, updateStatusMs: 60_000 })).toMatchObject({ kind: 'hook', hook: { name: 'update-status' } });
  });

  it('status-set is immediate even when the hook fails; Juju sets maintenance before install', () => {
    const state = emptyState();
    deployApps(state, [{ name: 'client', meta: client, units: 1 }]);
    let seen = '';
    settle(state, (ctx, s) => {
      if (ctx.hook?.name === 'install') {
        seen = s.units['client/0']!.workload.message;
        statusSet({ ctx, host: host(s), args: ['blocked', 'no db'], stdin: null });
        return false;
      }
    });
    expect(seen).toBe('installing charm software');
    expect(state.units['client/0']!.workload).toMatchObject({ current: 'blocked', message: 'no db' });
  });

  it('integrate infers endpoints and refuses duplicates', () => {
    const state = emptyState();
    deployApps(state, [{ name: 'server', meta: server, units: 1 }, { name: 'client', meta: client, units: 1 }]);
    expect(integrate(state, 'client', 'server').key).toBe('client:api server:api');
    expect(() => integrate(state, 'server', 'client')).toThrow('relation client:api server:api already exists');
    expect(() => integrate(state, 'client', 'nope')).toThrow('application "nope" not found (applications: client, server)');
  });
});

describe('placement in the model', () => {
  it('lxd:N makes a container machine on N; unit placements share machines; re-deploy adds nothing twice', async () => {
    const { deploy } = await import('../agent/operations.js');
    const { statusDocument } = await import('../cli/status.js');
    const state = emptyState();
    const req = {
      applications: [
        { name: 'server', charmDir: '/x', charmSource: '/x', meta: server, numUnits: 2, placements: [{ kind: 'machine' as const, machine: '5' }, { kind: 'machine' as const, machine: '5', container: 'lxd' as const }], options: {}, expose: false, bindings: {} },
        { name: 'client', charmDir: '/x', charmSource: '/x', meta: client, numUnits: 2, placements: [{ kind: 'unit' as const, application: 'server', unit: 1 }, { kind: 'new' as const, container: 'lxd' as const }], options: {}, expose: false, bindings: {} },
      ],
      bundleMachines: [{ id: '5', constraints: 'cores=2' }],
      relations: [],
    };
    deploy(state, req);
    expect(Object.keys(state.machines).sort()).toEqual(['0', '0/lxd/0', '1', '1/lxd/0']);
    expect(state.machines['0']!.constraints).toBe('cores=2');
    expect(state.units['server/0']!.machine).toBe('0');
    expect(state.units['server/1']!.machine).toBe('0/lxd/0');
    expect(state.units['client/0']!.machine).toBe('0/lxd/0');
    expect(state.units['client/1']!.machine).toBe('1/lxd/0');
    expect(state.machines['0/lxd/0']!.backendId).toBe('0-lxd-0');
    const doc = statusDocument(state, true) as any;
    expect(Object.keys(doc.machines['0'].containers)).toEqual(['0/lxd/0']);
    deploy(state, req);
    expect(Object.keys(state.machines).length).toBe(4);
    expect(Object.keys(state.units).length).toBe(4);
  });
});

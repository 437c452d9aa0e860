/**
 * The CLI verbs' own logic without a model on disk: argument helpers, `status` as document and table, and
 * `wait`'s readiness, each over a model state settled by the simulator (tests/simulate.ts).
 */
import { describe, expect, it } from 'vitest';
import { collect, formatWait, keyValues, parseTimeout, parseWait, resolveUnit } from '../cli/common.js';
import { formatStatus, shownWorkload, statusDocument, statusTabular } from '../cli/status.js';
import { readiness } from '../cli/wait.js';
import { status } from '../model/state.js';
import { deployApps, emptyState, meta, settle, startMachines } from './simulate.js';

const server = meta({ name: 'server', provides: { api: { interface: 'http' } } });
const client = meta({ name: 'client', requires: { api: { interface: 'http' } } });

function settled() {
  const state = emptyState();
  deployApps(state, [{ name: 'server', meta: server, units: 2 }, { name: 'client', meta: client, units: 1 }], [['server', 'api', 'client', 'api']]);
  startMachines(state);
  settle(state);
  for (const unit of Object.values(state.units)) {
    unit.workload = status('active', 'ready');
    unit.agent = status('idle');
  }
  return state;
}

describe('CLI argument helpers', () => {
  it('collects repeated flags in both spellings and leaves the rest in order', () => {
    expect(collect(['b.yaml', '--overlay', 'o1.yaml', '--overlay=o2.yaml', '-m', 'x'], ['--overlay'])).toEqual({ values: ['o1.yaml', 'o2.yaml'], rest: ['b.yaml', '-m', 'x'] });
    expect(() => collect(['--overlay'], ['--overlay'])).toThrow(/flag needs an argument: --overlay/);
  });

  it('reads key=value words, values with = kept whole', () => {
    expect(keyValues(['a=1', 'b=x=y', 'c='])).toEqual({ a: '1', b: 'x=y', c: '' });
    expect(() => keyValues(['=1'])).toThrow(/expected "key=value", got "=1"/);
  });

  it('reads timeouts and juju --wait durations, absent meaning the default', () => {
    expect(parseTimeout('90s', 1)).toBe(90_000);
    expect(parseTimeout('10m', 1)).toBe(600_000);
    expect(parseTimeout('250ms', 1)).toBe(250);
    expect(parseTimeout(undefined, 7)).toBe(7);
    expect(() => parseTimeout('soon', 1)).toThrow(/invalid timeout "soon"/);
    expect(parseWait('1m30s', 1)).toBe(90_000);
    expect(parseWait('45', 1)).toBe(45_000);
    expect(parseWait('0', 5)).toBe(5);
    expect(() => parseWait('later', 1)).toThrow(/invalid --wait "later"/);
    expect(formatWait(90_000)).toBe('1m30s');
  });

  it('resolves <app>/leader to the leader unit and says why it cannot', () => {
    const state = settled();
    expect(resolveUnit(state, 'server/leader')).toBe(state.applications['server']!.leader);
    expect(resolveUnit(state, 'server/1')).toBe('server/1');
    expect(() => resolveUnit(state, 'nothing/leader')).toThrow(/application "nothing" not found/);
  });
});

describe('status', () => {
  it('shows each unit under its application with juju\'s keys, the relation both ways, and the leader', () => {
    const state = settled();
    const doc = statusDocument(state, true) as { applications: Record<string, any>; model: any; machines: Record<string, unknown> };
    expect(doc.model['model-status']).toEqual({ current: 'available' });
    expect(Object.keys(doc.machines)).toHaveLength(3);
    expect(Object.keys(doc.applications['server'].units)).toEqual(['server/0', 'server/1']);
    expect(doc.applications['server'].units['server/0']['workload-status']).toMatchObject({ current: 'active', message: 'ready' });
    expect(doc.applications['server'].relations).toEqual({ api: [{ 'related-application': 'client', interface: 'http', scope: 'global' }] });
    expect(doc.applications['client'].relations).toEqual({ api: [{ 'related-application': 'server', interface: 'http', scope: 'global' }] });
    const leader = state.applications['server']!.leader!;
    expect(doc.applications['server'].units[leader].leader).toBe(true);
    expect((statusDocument(state, false) as { model: any }).model['model-status'].current).toBe('suspended');
  });

  it('shows a failed hook as the workload status until resolved, in the table too', () => {
    const state = settled();
    state.units['client/0']!.uniter.error = { hook: { kind: 'config-changed', name: 'config-changed' }, at: state.units['client/0']!.workload.since } as never;
    expect(shownWorkload(state.units['client/0']!)).toMatchObject({ current: 'error', message: 'hook failed: "config-changed"' });
    const table = statusTabular(state, true);
    expect(table).toMatch(/client\/0\*?\s+error/);
    const { controller: _, ...shown } = JSON.parse(formatStatus(state, 'json', true)) as Record<string, unknown>;
    const { controller: __, ...built } = statusDocument(state, true);
    expect(shown).toEqual(built);
    expect(formatStatus(state, 'tabular', true)).toBe(table);
  });
});

describe('wait readiness', () => {
  it('is ready when every unit is idle with nothing to run and shows an accepted workload', () => {
    const r = readiness(settled(), { expected: {} });
    expect(r).toEqual({ ready: true, errors: [], waiting: [], total: 3, done: 3 });
  });

  it('says what it waits for: a workload not yet accepted, a machine not started; and fails on a unit in error', () => {
    const state = settled();
    state.units['server/1']!.workload = status('waiting', 'for peers');
    expect(readiness(state, { expected: {} }).waiting).toEqual(['server/1 (workload waiting: for peers; want active)']);
    expect(readiness(state, { expected: { server: ['active', 'waiting'] } }).ready).toBe(true);
    expect(readiness(state, { expected: {}, applications: ['client'] })).toMatchObject({ ready: true, total: 1 });
    const machine = Object.values(state.machines)[0]!;
    machine.status = status('down');
    expect(readiness(state, { expected: { '*': ['active', 'waiting'] } }).waiting).toEqual([`machine ${machine.id} down (powered off)`]);
    state.units['client/0']!.uniter.error = { hook: { kind: 'install', name: 'install' }, at: '' } as never;
    expect(readiness(state, { expected: { '*': ['active', 'waiting'] } }).errors).toEqual(['client/0: hook failed: "install"']);
  });
});

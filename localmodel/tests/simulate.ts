/**
 * Drives the pure resolver and transitions without processes: every unit runs its next operation in turn until
 * nothing is left. `onHook` plays the charm (it may write relation data through a HookContext).
 */
import { charmMetaFromTexts, type CharmMeta } from '../charm/metadata.js';
import { HookContext, commitContext } from '../hooktools/context.js';
import { nextOp } from '../agent/resolver.js';
import { applyCommit, applyPreHookStatus, leaveScope, reconcile, removeUnit } from '../agent/transitions.js';
import { deploy, type DeployApplication } from '../agent/operations.js';
import { compareUnits, newModelState, type HookSpec, type ModelState } from '../model/state.js';
import yaml from 'js-yaml';

export function meta(doc: object): CharmMeta {
  return charmMetaFromTexts({ metadata: yaml.dump(doc), config: yaml.dump({ options: { message: { type: 'string', default: 'hi' } } }) }, 'test');
}

export function emptyState(): ModelState {
  return newModelState({
    name: 'sim', uuid: '00000000-0000-4000-8000-000000000000', backend: 'host', created: new Date().toISOString(),
    settings: { 'update-status-hook-interval': '5m', 'automatically-retry-hooks': false },
  });
}

export function deployApps(state: ModelState, apps: { name: string; meta: CharmMeta; units: number }[], relations: [string, string, string, string][] = []): void {
  const list: DeployApplication[] = apps.map((a) => ({
    name: a.name, charmDir: '/nowhere', charmSource: '/nowhere', meta: a.meta, numUnits: a.units, placements: [], options: {}, expose: false, bindings: {},
  }));
  deploy(state, { applications: list, bundleMachines: null, relations: relations.map(([a, ae, b, be]) => [{ application: a, endpoint: ae }, { application: b, endpoint: be }]) });
  startMachines(state);
  reconcile(state);
}

export function startMachines(state: ModelState): void {
  for (const m of Object.values(state.machines)) {
    if (m.status.current !== 'started') {
      const n = Number(m.id.split('/')[0]);
      Object.assign(m, { address: `10.0.0.${n + 1}`, cidr: '10.0.0.0/24', fqdn: `${m.hostname}.sim` });
      m.status = { current: 'started', message: '', since: '' };
    }
  }
}

export interface Recorded {
  unit: string;
  hook: HookSpec;
  relationList?: string[];
}

export type HookPlayer = (ctx: HookContext, state: ModelState) => boolean | void;

/** Runs every unit until quiet; returns the hooks in the order they ran. A player returning false fails the hook. */
export function settle(state: ModelState, onHook: HookPlayer = () => true, maxSteps = 2000): Recorded[] {
  const log: Recorded[] = [];
  const net = (u: string) => {
    const m = state.machines[state.units[u]!.machine]!;
    return { address: m.address, cidr: m.cidr, hostname: m.hostname, fqdn: m.fqdn, interfaceName: 'eth0' };
  };
  for (let step = 0; step < maxSteps; step++) {
    let progressed = false;
    for (const name of Object.keys(state.units).sort(compareUnits)) {
      const unit = state.units[name];
      if (!unit) continue;
      const op = nextOp(state, name, { now: 0, updateStatusMs: Number.POSITIVE_INFINITY });
      if (!op) continue;
      progressed = true;
      if (op.kind === 'deposed') unit.uniter.leader = false;
      else if (op.kind === 'leave-scope') leaveScope(state.relations[String(op.relationId)]!, unit);
      else if (op.kind === 'remove-unit') removeUnit(state, name);
      else if (op.kind === 'action') state.actions[op.actionId]!.status = 'completed';
      else {
        const members = new Map<number, string[]>();
        for (const [id, local] of Object.entries(unit.uniter.relations)) {
          let m = Object.keys(local.members);
          if (op.hook.relationId === Number(id) && op.hook.kind === 'relation-joined') m.push(op.hook.remoteUnit!);
          if (op.hook.relationId === Number(id) && op.hook.kind === 'relation-departed') m = m.filter((x) => x !== op.hook.remoteUnit);
          members.set(Number(id), m.sort(compareUnits));
        }
        const ctx = new HookContext(name, op.hook, null, members);
        applyPreHookStatus(unit, op.hook);
        const rec: Recorded = { unit: name, hook: op.hook };
        if (op.hook.relationId !== undefined) rec.relationList = [...(members.get(op.hook.relationId) ?? [])];
        log.push(rec);
        if (onHook(ctx, state) === false) {
          unit.uniter.error = { hook: op.hook, at: '' };
        } else {
          commitContext(state, ctx);
          applyCommit(state, name, op.hook, net(name));
          if (op.hook.kind === 'remove') removeUnit(state, name);
        }
      }
      reconcile(state);
    }
    if (!progressed) return log;
  }
  throw new Error('model did not settle');
}

export function hooksOf(log: Recorded[], unit: string): string[] {
  return log.filter((r) => r.unit === unit).map((r) => (r.hook.remoteUnit ? `${r.hook.name}:${r.hook.remoteUnit}` : r.hook.name));
}

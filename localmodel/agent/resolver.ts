/**
 * The per-unit resolver (juju-contract §3): given the model and one unit's uniter state, the single next
 * operation. Pure: the agent executes what this returns and records the outcome with `applyCommit`.
 */
import { createHash } from 'node:crypto';
import { effectiveConfig } from '../charm/config.js';
import { compareUnits, type HookSpec, type ModelState, type RelationState, type UnitState } from '../model/state.js';

export type Op =
  | { kind: 'hook'; hook: HookSpec }
  | { kind: 'action'; actionId: string }
  /** Local state changes that run no hook. */
  | { kind: 'deposed' }
  | { kind: 'leave-scope'; relationId: number }
  | { kind: 'remove-unit' };

export function configHash(state: ModelState, app: string): string {
  const a = state.applications[app]!;
  const cfg = effectiveConfig(a.meta, a.config);
  const sorted = Object.fromEntries(Object.keys(cfg).sort().map((k) => [k, cfg[k]]));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 24);
}

/** The unit's own endpoint in a relation. */
export function ownEndpoint(rel: RelationState, unit: UnitState) {
  return rel.endpoints.find((e) => e.application === unit.application)!;
}

export function isPeer(rel: RelationState): boolean {
  return rel.endpoints.length === 1 || rel.endpoints[0]!.role === 'peer';
}

/** The container a unit lives in: its principal's name for a subordinate, its own name otherwise. */
export function containerOf(unit: UnitState): string {
  return unit.principal ?? unit.name;
}

/** Whether a unit takes part in a relation (a subordinate only in container relations with its own principal). */
export function participates(state: ModelState, unit: UnitState, rel: RelationState): boolean {
  if (!rel.endpoints.some((e) => e.application === unit.application)) return false;
  if (rel.scope !== 'container' || !unit.principal || isPeer(rel)) return true;
  const principalApp = state.units[unit.principal]?.application;
  const other = rel.endpoints.find((e) => e.application !== unit.application)!;
  if (other.application === principalApp) return true;
  return state.applications[other.application]?.meta.subordinate === true;
}

/** The remote units the unit should currently see joined in a relation. */
export function remoteView(state: ModelState, unit: UnitState, rel: RelationState): string[] {
  if (rel.life === 'dying' || unit.life === 'dying') return [];
  const peer = isPeer(rel);
  return rel.inScope
    .filter((name) => name !== unit.name)
    .map((name) => state.units[name])
    .filter((u): u is UnitState => u !== undefined)
    .filter((u) => (peer ? u.application === unit.application : u.application !== unit.application))
    .filter((u) => rel.scope !== 'container' || containerOf(u) === containerOf(unit))
    .map((u) => u.name)
    .sort(compareUnits);
}

function relationHook(rel: RelationState, unit: UnitState, kind: string, extra: Partial<HookSpec>): HookSpec {
  const ep = ownEndpoint(rel, unit);
  const remoteApp = extra.remoteUnit ? extra.remoteUnit.slice(0, extra.remoteUnit.indexOf('/')) : rel.endpoints.find((e) => e.application !== unit.application)?.application ?? unit.application;
  return { name: `${ep.name}-relation-${kind}`, kind: `relation-${kind}`, relationId: rel.id, remoteApp, ...extra };
}

function relationsInOrder(state: ModelState, unit: UnitState): RelationState[] {
  const rels = Object.values(state.relations).filter((r) => participates(state, unit, r));
  // Non-peer relations are processed before peer relations (relation/resolver.go).
  return rels.sort((a, b) => Number(isPeer(a)) - Number(isPeer(b)) || a.id - b.id);
}

function nextRelationOp(state: ModelState, unit: UnitState): Op | null {
  for (const rel of relationsInOrder(state, unit)) {
    const local = unit.uniter.relations[String(rel.id)];
    if (!local?.created || local.broken) continue;
    const version = (u: string): number => rel.unitSettings[u]?.version ?? 0;
    if (local.changedPending) {
      const remote = local.changedPending;
      return { kind: 'hook', hook: relationHook(rel, unit, 'changed', { remoteUnit: remote, seen: version(remote) }) };
    }
    const view = remoteView(state, unit, rel);
    const members = Object.keys(local.members).sort(compareUnits);
    const gone = members.filter((m) => !view.includes(m));
    if (gone.length > 0) {
      const remote = gone[0]!;
      const departing = unit.life === 'dying' ? unit.name : remote;
      return { kind: 'hook', hook: relationHook(rel, unit, 'departed', { remoteUnit: remote, departingUnit: departing }) };
    }
    const ending = rel.life === 'dying' || unit.life === 'dying';
    if (ending) {
      if (members.length > 0) continue;
      if (isPeer(rel)) return { kind: 'leave-scope', relationId: rel.id };
      return { kind: 'hook', hook: relationHook(rel, unit, 'broken', { remoteUnit: '' }) };
    }
    const peer = isPeer(rel);
    const leader = state.applications[unit.application]?.leader === unit.name;
    for (const e of rel.endpoints) {
      const app = e.application;
      if (peer ? leader : app === unit.application) continue;
      const v = rel.appSettings[app]?.version ?? 0;
      if (v > 0 && v !== (local.appVersions[app] ?? 0)) {
        return { kind: 'hook', hook: { ...relationHook(rel, unit, 'changed', { remoteUnit: '' }), remoteApp: app, seen: v } };
      }
    }
    const joining = view.find((u) => !(u in local.members));
    if (joining) return { kind: 'hook', hook: relationHook(rel, unit, 'joined', { remoteUnit: joining, seen: version(joining) }) };
    const changed = members.find((m) => local.members[m] !== version(m));
    if (changed) return { kind: 'hook', hook: relationHook(rel, unit, 'changed', { remoteUnit: changed, seen: version(changed) }) };
  }
  return null;
}

function hook(name: string, seen?: number | string): Op {
  return { kind: 'hook', hook: { name, kind: name, ...(seen === undefined ? {} : { seen }) } };
}

export interface ResolverClock {
  now: number;
  updateStatusMs: number;
}

/** The single next operation for a unit, or null when it has nothing to do (or waits for `resolved`). */
export function nextOp(state: ModelState, unitName: string, clock: ResolverClock): Op | null {
  const unit = state.units[unitName];
  if (!unit) return null;
  const u = unit.uniter;
  const app = state.applications[unit.application]!;
  const pendingAction = Object.values(state.actions)
    .filter((a) => a.unit === unitName && a.status === 'pending')
    .sort((a, b) => Number(a.id) - Number(b.id))[0];
  if (u.error) return pendingAction && u.charmDeployed > 0 ? { kind: 'action', actionId: pendingAction.id } : null;

  if (unit.life === 'dying') {
    if (u.leader && app.leader !== unit.name) return { kind: 'deposed' };
    const rel = nextRelationOp(state, unit);
    if (rel) return rel;
    // Created but never joined relations of a dying unit still need broken; uncreated ones need nothing.
    if (Object.values(state.units).some((s) => s.principal === unit.name)) return null;
    if (u.started && !u.stopped) return hook('stop');
    if (u.installed) return hook('remove');
    return { kind: 'remove-unit' };
  }

  if (!u.installed) return hook('install', app.charmRevision);

  for (const rel of relationsInOrder(state, unit)) {
    const local = u.relations[String(rel.id)];
    if (rel.life === 'alive' && !local?.created) return { kind: 'hook', hook: relationHook(rel, unit, 'created', { remoteUnit: '' }) };
  }

  if (app.leader === unit.name && !u.leader) return hook('leader-elected', app.leaderSettingsVersion);
  if (app.leader !== unit.name && u.leader) return { kind: 'deposed' };
  if (!u.leader && app.leaderSettingsVersion !== u.leaderSettingsSeen) return hook('leader-settings-changed', app.leaderSettingsVersion);

  if (pendingAction) return { kind: 'action', actionId: pendingAction.id };

  if (u.startPending) return hook('start');
  if (app.charmRevision !== u.charmRevision) return hook('upgrade-charm', app.charmRevision);
  const hash = configHash(state, unit.application);
  if (hash !== u.configHash) return hook('config-changed', hash);

  const rel = nextRelationOp(state, unit);
  if (rel) return rel;

  if (u.started && clock.now - u.lastUpdateStatus >= clock.updateStatusMs) return hook('update-status');
  return null;
}

/** When the next update-status is due (ms since epoch), for the agent's idle wait. */
export function updateStatusDue(unit: UnitState, clock: ResolverClock): number {
  return unit.uniter.lastUpdateStatus + clock.updateStatusMs;
}

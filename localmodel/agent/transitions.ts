/**
 * Pure state transitions of the model: what a committed hook records in the uniter state, Juju's own statuses
 * around hooks, and the controller's duties (leader election, subordinate units, removal of finished things).
 */
import { compareUnits, now, status, unitNumber, type HookSpec, type ModelState, type RelationState, type UnitState } from '../model/state.js';
import { containerOf, isPeer, participates } from './resolver.js';
import type { NetInfo } from '../hooktools/context.js';

/** Records a successfully run (or `resolved --no-retry` skipped) hook in the unit's uniter state. */
export function applyCommit(state: ModelState, unitName: string, hook: HookSpec, net: NetInfo | undefined, at = Date.now()): void {
  const unit = state.units[unitName];
  if (!unit) return;
  const u = unit.uniter;
  const app = state.applications[unit.application];
  const rel = hook.relationId === undefined ? undefined : state.relations[String(hook.relationId)];
  const local = hook.relationId === undefined ? undefined : u.relations[String(hook.relationId)];
  switch (hook.kind) {
    case 'install':
      u.installed = true;
      u.charmRevision = Number(hook.seen ?? app?.charmRevision ?? 0);
      break;
    case 'leader-elected':
      u.leader = true;
      u.leaderSettingsSeen = app?.leaderSettingsVersion ?? 0;
      break;
    case 'leader-settings-changed':
      u.leaderSettingsSeen = Number(hook.seen ?? 0);
      break;
    case 'config-changed':
      u.configHash = String(hook.seen ?? '');
      if (!u.started) u.startPending = true;
      break;
    case 'start':
      u.started = true;
      u.startPending = false;
      u.lastUpdateStatus = at;
      if (!unit.charmSetStatus) unit.workload = status('unknown', '');
      break;
    case 'upgrade-charm':
      u.charmRevision = Number(hook.seen ?? 0);
      u.configHash = '';
      break;
    case 'update-status':
      u.lastUpdateStatus = at;
      break;
    case 'stop':
      u.stopped = true;
      unit.workload = status('maintenance', '');
      break;
    case 'remove':
      unit.workload = status('terminated', '');
      break;
    case 'relation-created':
      if (rel) {
        u.relations[String(rel.id)] = { created: true, members: {}, appVersions: {}, changedPending: null, broken: false };
        enterScope(rel, unit, net);
      }
      break;
    case 'relation-joined':
      if (local && hook.remoteUnit) {
        local.members[hook.remoteUnit] = Number(hook.seen ?? 0);
        local.changedPending = hook.remoteUnit;
      }
      break;
    case 'relation-changed':
      if (local && hook.remoteUnit) {
        local.members[hook.remoteUnit] = Number(hook.seen ?? 0);
        if (local.changedPending === hook.remoteUnit) local.changedPending = null;
      } else if (local && hook.remoteApp) {
        local.appVersions[hook.remoteApp] = Number(hook.seen ?? 0);
      }
      break;
    case 'relation-departed':
      if (local && hook.remoteUnit) delete local.members[hook.remoteUnit];
      break;
    case 'relation-broken':
      if (local && rel) {
        local.broken = true;
        leaveScope(rel, unit);
      }
      break;
  }
  u.lastUpdateStatus = hook.kind === 'update-status' || hook.kind === 'start' ? at : u.lastUpdateStatus;
}

function enterScope(rel: RelationState, unit: UnitState, net: NetInfo | undefined): void {
  if (!rel.inScope.includes(unit.name)) rel.inScope.push(unit.name);
  // Juju publishes the unit's addresses before it joins (relation-set doc).
  if (!rel.unitSettings[unit.name] && net) {
    rel.unitSettings[unit.name] = {
      data: { 'egress-subnets': `${net.address}/32`, 'ingress-address': net.address, 'private-address': net.address },
      version: 1,
    };
  }
}

export function leaveScope(rel: RelationState, unit: UnitState): void {
  rel.inScope = rel.inScope.filter((n) => n !== unit.name);
  const local = unit.uniter.relations[String(rel.id)];
  if (local) local.broken = true;
}

/** Juju's status before a hook runs (runhook.go): install / stop / remove messages. */
export function applyPreHookStatus(unit: UnitState, hook: HookSpec): void {
  if (hook.kind === 'install' && !unit.charmSetStatus) unit.workload = status('maintenance', 'installing charm software');
  if (hook.kind === 'stop') unit.workload = status('maintenance', 'stopping charm software');
  if (hook.kind === 'remove') unit.workload = status('maintenance', 'cleaning up prior to charm deletion');
}

export function runningMessage(hook: HookSpec): string {
  return hook.remoteUnit ? `running ${hook.name} hook for ${hook.remoteUnit}` : `running ${hook.name} hook`;
}

export function newUnit(state: ModelState, application: string, machine: string, principal: string | null): UnitState {
  const app = state.applications[application]!;
  const name = `${application}/${app.nextUnit++}`;
  const unit: UnitState = {
    name,
    application,
    machine,
    principal,
    life: 'alive',
    workload: status('waiting', 'waiting for machine'),
    charmSetStatus: false,
    agent: status('allocating', ''),
    workloadVersion: '',
    openedPorts: [],
    charmState: {},
    uniter: {
      installed: false,
      started: false,
      startPending: false,
      leader: false,
      leaderSettingsSeen: 0,
      configHash: '',
      charmRevision: app.charmRevision,
      charmDeployed: 0,
      stopped: false,
      relations: {},
      error: null,
      lastUpdateStatus: 0,
    },
  };
  state.units[name] = unit;
  return unit;
}

/** Marks a unit dying together with its subordinates. */
export function destroyUnit(state: ModelState, unitName: string): void {
  const unit = state.units[unitName];
  if (!unit) return;
  unit.life = 'dying';
  for (const sub of Object.values(state.units)) if (sub.principal === unitName) sub.life = 'dying';
}

/** Removes a unit for good (after its remove hook, or by force). */
export function removeUnit(state: ModelState, unitName: string): void {
  const unit = state.units[unitName];
  if (!unit) return;
  for (const rel of Object.values(state.relations)) rel.inScope = rel.inScope.filter((n) => n !== unitName);
  for (const a of Object.values(state.actions)) {
    if (a.unit === unitName && a.status === 'pending') {
      a.status = 'aborted';
      a.message = 'unit removed';
    }
  }
  delete state.units[unitName];
  const app = state.applications[unit.application];
  if (app?.leader === unitName) app.leader = null;
}

/**
 * The controller's duties after any change; returns true when something changed. Idempotent.
 * - one leader per application (the lowest-numbered alive unit when there is none or it is dying);
 * - a subordinate unit for each principal unit of a container-scoped relation; subordinates of dying principals die;
 * - dying relations with nobody in scope, and dying applications without units, go away.
 */
export function reconcile(state: ModelState): boolean {
  let changed = false;
  for (const rel of Object.values(state.relations)) {
    if (rel.scope !== 'container' || rel.life !== 'alive' || isPeer(rel)) continue;
    const subEp = rel.endpoints.find((e) => state.applications[e.application]?.meta.subordinate);
    const prinEp = rel.endpoints.find((e) => !state.applications[e.application]?.meta.subordinate);
    if (!subEp || !prinEp) continue;
    for (const principal of Object.values(state.units).filter((u) => u.application === prinEp.application && u.life === 'alive' && !u.principal)) {
      const has = Object.values(state.units).some((u) => u.application === subEp.application && u.principal === principal.name);
      if (!has) {
        newUnit(state, subEp.application, principal.machine, principal.name);
        changed = true;
      }
    }
  }
  for (const sub of Object.values(state.units)) {
    if (!sub.principal || sub.life !== 'alive') continue;
    const principal = state.units[sub.principal];
    const stillRelated = principal && principal.life === 'alive' && Object.values(state.relations).some(
      (r) => r.life === 'alive' && r.scope === 'container' && r.endpoints.some((e) => e.application === sub.application) && r.endpoints.some((e) => e.application === principal.application),
    );
    if (!stillRelated) {
      sub.life = 'dying';
      changed = true;
    }
  }
  for (const app of Object.values(state.applications)) {
    const current = app.leader ? state.units[app.leader] : undefined;
    if (current && current.life === 'alive') continue;
    const candidates = Object.values(state.units).filter((u) => u.application === app.name && u.life === 'alive').map((u) => u.name).sort(compareUnits);
    const next = candidates[0] ?? (current ? app.leader : null);
    if (next !== app.leader) {
      app.leader = next;
      changed = true;
    }
  }
  for (const rel of Object.values(state.relations)) {
    const anyoneLeft = rel.inScope.length > 0 || Object.values(state.units).some((u) => {
      const l = u.uniter.relations[String(rel.id)];
      return l?.created && !l.broken && participates(state, u, rel);
    });
    if (rel.life === 'dying' && !anyoneLeft) {
      delete state.relations[String(rel.id)];
      for (const u of Object.values(state.units)) delete u.uniter.relations[String(rel.id)];
      changed = true;
    }
  }
  for (const app of Object.values(state.applications)) {
    if (app.life !== 'dying') continue;
    if (Object.values(state.units).some((u) => u.application === app.name)) continue;
    for (const rel of Object.values(state.relations)) if (rel.endpoints.some((e) => e.application === app.name)) rel.life = 'dying';
    if (!Object.values(state.relations).some((r) => r.endpoints.some((e) => e.application === app.name))) {
      delete state.applications[app.name];
      changed = true;
    }
  }
  return changed;
}

export function unitTag(unit: string): string {
  return `unit-${unit.replace('/', '-')}`;
}

export function sortUnitNames(names: string[]): string[] {
  return names.sort(compareUnits);
}

export { unitNumber, now, containerOf };

/**
 * Model changes the CLI asks for (deploy, add-unit, integrate, config, run, resolved...), as pure mutations of
 * the model state. Errors say what is wrong and what is accepted; nothing is changed when one is thrown.
 */
import { inferRelation, parseEndpointSpec } from '../charm/endpoints.js';
import { relationScope, type CharmMeta } from '../charm/metadata.js';
import { parseOptionText, type ConfigValue } from '../charm/config.js';
import type { Placement } from '../bundle/placement.js';
import { compareUnits, now, relationKey, status, type ActionState, type MachineState, type ModelState, type RelationEndpoint, type RelationState } from '../model/state.js';
import { destroyUnit, newUnit } from './transitions.js';
import { backendMachineId } from '../backend/backend.js';

export interface DeployApplication {
  name: string;
  charmDir: string;
  charmSource: string;
  meta: CharmMeta;
  numUnits: number;
  placements: Placement[];
  options: Record<string, ConfigValue>;
  expose: boolean;
  bindings: Record<string, string>;
}

export interface DeployRequest {
  applications: DeployApplication[];
  /** Bundle machine ids to create (placements of kind machine then name these, not model machines). */
  bundleMachines: { id: string; constraints?: string }[] | null;
  relations: { application: string; endpoint: string }[][];
}

export function addMachine(state: ModelState, parent?: string, containerType?: string, constraints?: string): MachineState {
  let id: string;
  if (parent) {
    const siblings = Object.keys(state.machines).filter((m) => m.startsWith(`${parent}/${containerType}/`)).length;
    id = `${parent}/${containerType}/${siblings}`;
  } else id = String(state.counters.machine++);
  const backendId = backendMachineId(id);
  const hostname = `${state.name}-${backendId}`.slice(0, 63).replace(/-+$/, '');
  const m: MachineState = {
    id,
    backendId,
    status: status('pending', ''),
    hostname,
    fqdn: '',
    address: '',
    cidr: '',
    ...(parent ? { parent, containerType } : {}),
    ...(constraints ? { constraints } : {}),
    life: 'alive',
  };
  state.machines[id] = m;
  return m;
}

function machineForPlacement(state: ModelState, p: Placement, bundleMap: Map<string, string> | null, plannedUnits: Map<string, string>): string {
  let host: string | undefined;
  if (p.kind === 'new') host = undefined;
  else if (p.kind === 'machine') {
    if (bundleMap) {
      // Bundle machines are made when first used, so a re-deploy of the same bundle adds none it does not need.
      host = bundleMap.get(p.machine);
      if (!host) bundleMap.set(p.machine, (host = addMachine(state).id));
    } else host = p.machine;
    if (!state.machines[host]) throw new Error(`machine "${p.machine}" not found (machines: ${Object.keys(state.machines).join(', ') || 'none'})`);
  } else {
    const unitName = `${p.application}/${p.unit ?? 0}`;
    host = plannedUnits.get(unitName) ?? state.units[unitName]?.machine;
    if (!host) throw new Error(`unit "${unitName}" not found for placement`);
  }
  if (p.container) return addMachine(state, host ?? addMachine(state).id, p.container).id;
  return host ?? addMachine(state).id;
}

export function addPeerRelations(state: ModelState, app: string): void {
  const meta = state.applications[app]!.meta;
  for (const ep of Object.values(meta.endpoints).filter((e) => e.role === 'peer')) {
    createRelation(state, [{ application: app, name: ep.name, role: ep.role, interface: ep.interface, scope: ep.scope }]);
  }
}

export function createRelation(state: ModelState, endpoints: RelationEndpoint[]): RelationState {
  const key = relationKey(endpoints);
  const existing = Object.values(state.relations).find((r) => r.key === key);
  if (existing) {
    if (existing.life === 'alive') throw new Error(`relation ${key} already exists`);
    throw new Error(`relation ${key} is being removed; try again when it is gone`);
  }
  const id = state.counters.relation++;
  const scope = endpoints.some((e) => e.scope === 'container') ? 'container' : 'global';
  const rel: RelationState = { id, key, endpoints, scope, life: 'alive', inScope: [], unitSettings: {}, appSettings: {} };
  state.relations[String(id)] = rel;
  return rel;
}

export function integrate(state: ModelState, a: string, b: string): RelationState {
  const metaOf = (app: string): CharmMeta => {
    const s = state.applications[app];
    if (!s || s.life !== 'alive') throw new Error(`application "${app}" not found (applications: ${Object.keys(state.applications).sort().join(', ') || 'none'})`);
    return s.meta;
  };
  const [l, r] = inferRelation(parseEndpointSpec(a), parseEndpointSpec(b), metaOf);
  const scope = relationScope(l.endpoint, r.endpoint);
  const toEp = (x: typeof l): RelationEndpoint => ({ application: x.application, name: x.endpoint.name, role: x.endpoint.role, interface: x.endpoint.interface, scope });
  return createRelation(state, [toEp(l), toEp(r)]);
}

export function removeRelation(state: ModelState, a: string, b: string): RelationState {
  const sa = parseEndpointSpec(a);
  const sb = parseEndpointSpec(b);
  const matches = Object.values(state.relations).filter((r) => {
    if (r.endpoints.length !== 2 || r.life !== 'alive') return false;
    const fits = (s: typeof sa, e: RelationEndpoint): boolean => s.application === e.application && (!s.endpoint || s.endpoint === e.name);
    const [x, y] = r.endpoints as [RelationEndpoint, RelationEndpoint];
    return (fits(sa, x) && fits(sb, y)) || (fits(sa, y) && fits(sb, x));
  });
  if (matches.length === 0) throw new Error(`relation between "${a}" and "${b}" not found`);
  if (matches.length > 1) throw new Error(`ambiguous relation: ${matches.map((m) => `"${m.key}"`).join(', ')}; name the endpoints`);
  matches[0]!.life = 'dying';
  return matches[0]!;
}

export function deploy(state: ModelState, req: DeployRequest): string[] {
  const notes: string[] = [];
  const bundleMap = req.bundleMachines ? new Map<string, string>() : null;
  const machinesBefore = new Set(Object.keys(state.machines));
  // Applications whose units are placed beside another application's units come after that application.
  const order: DeployApplication[] = [];
  const pending = [...req.applications];
  while (pending.length > 0) {
    const i = pending.findIndex((a) => a.placements.every((p) => p.kind !== 'unit' || !pending.some((o) => o.name === p.application)));
    order.push(...pending.splice(i < 0 ? 0 : i, 1));
  }
  const plannedUnits = new Map<string, string>();
  for (const app of order) {
    const existing = state.applications[app.name];
    if (existing) {
      if (existing.meta.name !== app.meta.name) throw new Error(`application "${app.name}" exists with charm "${existing.meta.name}", not "${app.meta.name}"`);
      Object.assign(existing.config, app.options);
      const have = Object.values(state.units).filter((u) => u.application === app.name && u.life === 'alive');
      for (const u of have) plannedUnits.set(u.name, u.machine);
      for (let i = have.length; i < app.numUnits; i++) {
        const machine = machineForPlacement(state, app.placements[i] ?? { kind: 'new' }, bundleMap, plannedUnits);
        const unit = newUnit(state, app.name, machine, null);
        plannedUnits.set(unit.name, machine);
        notes.push(`added unit ${unit.name} to machine ${machine}`);
      }
      notes.push(`application ${app.name} exists: options applied`);
      continue;
    }
    state.applications[app.name] = {
      name: app.name,
      charmDir: app.charmDir,
      charmSource: app.charmSource,
      charmRevision: 1,
      meta: app.meta,
      config: { ...app.options },
      exposed: app.expose,
      bindings: app.bindings,
      leader: null,
      leaderSettings: {},
      leaderSettingsVersion: 1,
      appStatus: null,
      nextUnit: 0,
      life: 'alive',
    };
    notes.push(`deployed application ${app.name} (charm ${app.meta.name})`);
    addPeerRelations(state, app.name);
    for (let i = 0; i < app.numUnits; i++) {
      const machine = machineForPlacement(state, app.placements[i] ?? { kind: 'new' }, bundleMap, plannedUnits);
      const unit = newUnit(state, app.name, machine, null);
      plannedUnits.set(unit.name, machine);
      notes.push(`added unit ${unit.name} to machine ${machine}`);
    }
  }
  for (const [bundleId, id] of bundleMap ?? []) {
    const constraints = req.bundleMachines?.find((m) => m.id === bundleId)?.constraints;
    if (constraints && state.machines[id]) state.machines[id]!.constraints = constraints;
  }
  for (const id of Object.keys(state.machines).filter((m) => !machinesBefore.has(m))) notes.push(`added new machine ${id}`);
  for (const [a, b] of req.relations) {
    const key = [a, b].map((e) => `${e!.application}:${e!.endpoint}`).join(' ');
    try {
      const rel = integrate(state, `${a!.application}:${a!.endpoint}`, `${b!.application}:${b!.endpoint}`);
      notes.push(`added relation ${rel.key}`);
    } catch (error) {
      if (!/already exists/.test((error as Error).message)) throw error;
      notes.push(`relation ${key} exists`);
    }
  }
  return notes;
}

export function addUnits(state: ModelState, app: string, count: number, placement?: Placement): string[] {
  const a = state.applications[app];
  if (!a || a.life !== 'alive') throw new Error(`application "${app}" not found`);
  if (a.meta.subordinate) throw new Error(`cannot add units to subordinate application "${app}": it gets one unit per related principal unit`);
  if (!Number.isInteger(count) || count < 1) throw new Error(`-n must be a positive integer, got ${count}`);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const machine = machineForPlacement(state, placement ?? { kind: 'new' }, null, new Map());
    out.push(newUnit(state, app, machine, null).name);
  }
  return out;
}

export function removeUnits(state: ModelState, units: string[]): void {
  for (const u of units) {
    const unit = state.units[u];
    if (!unit) throw new Error(`unit "${u}" not found`);
    if (unit.principal) throw new Error(`unit "${u}" is a subordinate: remove the relation to its principal, or the principal unit`);
  }
  for (const u of units) destroyUnit(state, u);
}

export function removeApplication(state: ModelState, app: string): void {
  const a = state.applications[app];
  if (!a) throw new Error(`application "${app}" not found`);
  a.life = 'dying';
  for (const u of Object.values(state.units)) if (u.application === app) destroyUnit(state, u.name);
  for (const r of Object.values(state.relations)) if (r.endpoints.some((e) => e.application === app)) r.life = 'dying';
}

export function setConfig(state: ModelState, app: string, values: Record<string, string>, reset: string[]): void {
  const a = state.applications[app];
  if (!a) throw new Error(`application "${app}" not found`);
  const parsed: Record<string, ConfigValue> = {};
  for (const [k, v] of Object.entries(values)) parsed[k] = parseOptionText(a.meta, k, v);
  for (const k of reset) {
    if (!a.meta.config[k]) throw new Error(`charm "${a.meta.name}" has no option "${k}"`);
  }
  for (const k of reset) delete a.config[k];
  Object.assign(a.config, parsed);
}

export function queueAction(state: ModelState, unit: string, name: string, params: Record<string, unknown>, waitMs?: number): ActionState {
  const u = state.units[unit];
  if (!u) throw new Error(`unit "${unit}" not found`);
  const id = String(state.counters.action++);
  const action: ActionState = { id, unit, name, params, status: 'pending', message: '', results: {}, log: [], enqueued: now(), ...(waitMs !== undefined ? { waitMs } : {}) };
  state.actions[id] = action;
  return action;
}

export function resolved(state: ModelState, unit: string): void {
  const u = state.units[unit];
  if (!u) throw new Error(`unit "${unit}" not found`);
  if (!u.uniter.error) throw new Error(`unit "${unit}" is not in an error state`);
}

export function unitsOf(state: ModelState, app: string): string[] {
  return Object.keys(state.units).filter((n) => state.units[n]!.application === app).sort(compareUnits);
}

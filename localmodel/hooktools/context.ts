/**
 * One hook's (or action's) view of the model, as the hook tools see it (juju-contract §1.4): remote data cached
 * once read; own relation data, ports and charm state buffered and committed only when the hook exits 0;
 * status, leader settings and logs applied at once.
 */
import { randomBytes } from 'node:crypto';
import type { ActionState, HookSpec, ModelState, RelationState, UnitState } from '../model/state.js';

export interface NetInfo {
  address: string;
  cidr: string;
  hostname: string;
  fqdn: string;
  interfaceName: string;
}

/** What the tools need from the agent besides the context. */
export interface ToolHost {
  readonly state: ModelState;
  network(unit: string): NetInfo;
  log(unit: string, level: string, logger: string, message: string): void;
  /** Something was applied immediately (status, leader settings, action log): persist and wake the uniters. */
  changed(): void;
}

export type PortOp = { op: 'open' | 'close'; port: string; endpoints: string[] };

export class HookContext {
  readonly id: string;
  /** Remote settings read in this context (repeat reads see the same values). */
  readonly readCache = new Map<string, Record<string, string>>();
  /** Own unit / own app settings written in this context, keyed by relation id. */
  readonly unitWrites = new Map<number, Record<string, string>>();
  readonly appWrites = new Map<number, Record<string, string>>();
  readonly portOps: PortOp[] = [];
  charmState: Record<string, string> | null = null;
  leaderSeenFalse = false;
  actionResults: Record<string, unknown> = {};
  actionFailed = false;
  actionMessage = '';
  rebootRequested: 'none' | 'after' | 'now' = 'none';

  constructor(
    readonly unit: string,
    readonly hook: HookSpec | null,
    readonly action: ActionState | null,
    /** Remote units each relation shows in this context (relation-list), fixed at hook start. */
    readonly members: ReadonlyMap<number, readonly string[]>,
  ) {
    this.id = `${unit}-${hook ? hook.name : `action-${action?.name ?? ''}`}-${randomBytes(8).toString('hex')}`;
  }

  get relationId(): number {
    return this.hook?.relationId ?? -1;
  }

  unitState(state: ModelState): UnitState {
    const u = state.units[this.unit];
    if (!u) throw new Error(`unit ${this.unit} no longer exists`);
    return u;
  }
}

export function relationName(rel: RelationState, application: string): string {
  const ep = rel.endpoints.find((e) => e.application === application) ?? rel.endpoints[0]!;
  return `${ep.name}:${rel.id}`;
}

/** Applies a successful hook's buffered changes; returns the relations whose data changed. */
export function commitContext(state: ModelState, ctx: HookContext): number[] {
  const unit = state.units[ctx.unit];
  if (!unit) return [];
  const changed: number[] = [];
  const apply = (bag: { data: Record<string, string>; version: number } | undefined, next: Record<string, string>): { data: Record<string, string>; version: number } => {
    const before = bag ?? { data: {}, version: 0 };
    const same = JSON.stringify(sortObject(before.data)) === JSON.stringify(sortObject(next));
    return same ? before : { data: { ...next }, version: before.version + 1 };
  };
  for (const [id, data] of ctx.unitWrites) {
    const rel = state.relations[String(id)];
    if (!rel) continue;
    const next = apply(rel.unitSettings[ctx.unit], data);
    if (next !== rel.unitSettings[ctx.unit]) changed.push(id);
    rel.unitSettings[ctx.unit] = next;
  }
  for (const [id, data] of ctx.appWrites) {
    const rel = state.relations[String(id)];
    if (!rel) continue;
    const next = apply(rel.appSettings[unit.application], data);
    if (next !== rel.appSettings[unit.application]) changed.push(id);
    rel.appSettings[unit.application] = next;
  }
  if (ctx.portOps.length > 0) {
    const ports = new Set(unit.openedPorts);
    for (const op of ctx.portOps) {
      if (op.op === 'open') ports.add(op.port);
      else ports.delete(op.port);
    }
    unit.openedPorts = sortPorts([...ports]);
  }
  if (ctx.charmState) unit.charmState = { ...ctx.charmState };
  return changed;
}

function sortObject(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function sortPorts(ports: string[]): string[] {
  const key = (p: string): [string, number] => {
    const [range, proto = ''] = p.split('/');
    return [proto, Number((range ?? '').split('-')[0]) || 0];
  };
  return ports.sort((a, b) => {
    const [pa, na] = key(a);
    const [pb, nb] = key(b);
    return pa === pb ? na - nb : pa < pb ? -1 : 1;
  });
}

/**
 * What the unit says about fencing holds: one `cibadmin --query` gives the fence log and the budget st-maas was
 * configured with; the view is kept in kv (the status reads it) and the hold goes to the principal over `ha`
 * (`recovery-hold`), so masakari's status shows it too. Read in update-status and by the hold actions: a budget
 * hold is written by the fencer, which runs no hook, so update-status is when a unit can notice it.
 */
import { XMLParser } from 'fast-xml-parser';
import type { JsonValue } from '../../../../reactive/kv.js';
import type { UnitStatus } from '../../../../reactive/charm.js';
import { foldLog, type FenceLogState } from './budget.js';
import { parseCrmConfig, type Runner } from './cib-log.js';

export const HOLD_VIEW = 'hacluster.fencing-hold';

/** What publishing needs of a hook context (kept structural: this module is imported by charm.ts). */
export interface HoldSink {
  readonly kv: { set(key: string, value: JsonValue): void };
  endpoint(name: 'ha'): { setRecoveryHold(holds: string | null): void };
}

export interface HoldView {
  readonly budgetHold: { readonly since: number; readonly note: string } | null;
  readonly operatorHold: { readonly since: number; readonly note: string } | null;
  /** Hosts let through within the window, and refused while held. */
  readonly fenced: readonly string[];
  readonly refused: readonly string[];
  /** Seconds from the first of those hosts to the last; null without any. */
  readonly span: number | null;
  /** The budget st-maas carries (null when the CIB has no st-maas or it has no budget). */
  readonly limit: number | null;
  readonly window: number | null;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['primitive', 'nvpair', 'instance_attributes', 'group', 'clone'].includes(name) });

interface XPrimitive { id?: string; instance_attributes?: { nvpair?: { name?: string; value?: string }[] }[] }

/** fence_budget / fence_window of st-maas in a whole CIB. */
export function budgetInCib(xml: string): { limit: number | null; window: number | null } {
  const doc = parser.parse(xml) as { cib?: { configuration?: { resources?: { primitive?: XPrimitive[] } } } };
  const st = (doc.cib?.configuration?.resources?.primitive ?? []).find((p) => p.id === 'st-maas');
  const params = new Map((st?.instance_attributes ?? []).flatMap((a) => a.nvpair ?? []).map((p) => [p.name, p.value]));
  const int = (v: string | undefined): number | null => (v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : null);
  return { limit: int(params.get('fence_budget')), window: int(params.get('fence_window')) };
}

export function holdView(state: FenceLogState, budget: { limit: number | null; window: number | null }): HoldView {
  const times = [...state.fenced, ...state.refused].map((h) => h.at);
  return {
    budgetHold: state.budgetHold && { since: state.budgetHold.since, note: state.budgetHold.note },
    operatorHold: state.operatorHold && { since: state.operatorHold.since, note: state.operatorHold.note },
    fenced: state.fenced.map((h) => h.target),
    refused: state.refused.map((h) => h.target),
    span: times.length === 0 ? null : Math.max(...times) - Math.min(...times),
    limit: budget.limit, window: budget.window,
  };
}

/** The view from a whole CIB (`cibadmin --query`). */
export function holdViewOf(cibXml: string, now: number): HoldView {
  const budget = budgetInCib(cibXml);
  return holdView(foldLog(parseCrmConfig(cibXml), now, budget.window ?? 3600), budget);
}

/** Reads the CIB once and computes the view; throws when the CIB cannot be read. */
export async function readHoldView(run: Runner, now: number): Promise<HoldView> {
  const r = await run(['cibadmin', '--query']);
  if (r.exitCode !== 0) throw new Error(`cibadmin --query failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  return holdViewOf(r.stdout, now);
}

/** Keeps the view for the status and tells the principal. */
export function publishHold(ctx: HoldSink, view: HoldView): void {
  ctx.kv.set(HOLD_VIEW, asJson(view));
  ctx.endpoint('ha').setRecoveryHold(relationHold(view));
}

/** The leader's hooks already query the whole CIB to converge it: the hold is read from that same answer. */
export function reportHold(ctx: HoldSink, cibXml: string): void {
  publishHold(ctx, holdViewOf(cibXml, Math.floor(Date.now() / 1000)));
}

export function asJson(view: HoldView): JsonValue {
  return view as unknown as JsonValue;
}

/** `recovery-hold` for the principal: the holds in force, space separated; null when none. */
export function relationHold(view: HoldView | null): string | null {
  if (view === null) return null;
  const holds = [...(view.budgetHold ? ['budget'] : []), ...(view.operatorHold ? ['operator'] : [])];
  return holds.length === 0 ? null : holds.join(' ');
}

function names(hosts: readonly string[]): string {
  return hosts.length > 3 ? `${hosts.slice(0, 3).join(', ')} and ${hosts.length - 3} more` : hosts.join(', ');
}

function utc(epoch: number): string {
  return `${new Date(epoch * 1000).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/** The status while a hold stands (it wins over "ready"), or null. */
export function holdStatus(view: HoldView | null): UnitStatus | null {
  if (view === null) return null;
  if (view.budgetHold !== null) {
    const lost = view.fenced.length + view.refused.length;
    const budget = view.limit === null ? '' : `; budget ${view.limit} per ${view.window ?? '?'} s`;
    return {
      status: 'blocked',
      message: `Fencing held since ${utc(view.budgetHold.since)}: ${lost} host${lost === 1 ? '' : 's'} lost within ${view.span ?? 0} s `
        + `(fenced: ${names(view.fenced) || 'none'}; refused, left powered: ${names(view.refused) || 'none'}${budget}). `
        + 'Check those hosts, then run release-fencing-hold i-have-checked=true',
    };
  }
  if (view.operatorHold !== null) {
    const refused = view.refused.length > 0 ? `; not fenced meanwhile: ${names(view.refused)}` : '';
    return {
      status: 'maintenance',
      message: `Recovery held by an operator since ${utc(view.operatorHold.since)} (${view.operatorHold.note || 'no reason given'}): `
        + `no host is fenced or evacuated${refused}. Run release-recovery to resume`,
    };
  }
  return null;
}

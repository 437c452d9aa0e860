/**
 * The fencing budget and the recovery holds, as pure functions over the fence log.
 *
 * The fence log is an append-only sequence of records kept in the CIB (crm_config, one
 * `<cluster_property_set id="fence-log-<seq>">` per record), so every member reads the same log. A record is
 * appended with `cibadmin --create`, which fails with "File exists" when the id is already there: two fences that
 * read the same log both try to create the same next sequence number and exactly one of them succeeds; the other
 * reads the log again and decides again with the winner's record counted. The CIB applies writes in one order on
 * every member (corosync's agreed order), so this holds whichever members run the fences.
 *
 * Records: `fenced` (a host was let through the budget), `hold` (fencing held, by the budget or by an operator),
 * `refused` (a host not fenced while held, once per host), `release` (an operator released one of the holds). The state is a fold over the records in sequence order.
 */

export type HoldScope = 'budget' | 'operator';

export type FenceRecord =
  | { readonly seq: number; readonly kind: 'fenced'; readonly at: number; readonly target: string }
  | { readonly seq: number; readonly kind: 'hold'; readonly at: number; readonly scope: HoldScope; readonly note: string; readonly target?: string }
  | { readonly seq: number; readonly kind: 'release'; readonly at: number; readonly scope: HoldScope }
  | { readonly seq: number; readonly kind: 'refused'; readonly at: number; readonly target: string };

/** A record before it has a sequence number (what a writer wants to append). */
export type NewRecord =
  | { readonly kind: 'fenced'; readonly at: number; readonly target: string }
  | { readonly kind: 'hold'; readonly at: number; readonly scope: HoldScope; readonly note: string; readonly target?: string }
  | { readonly kind: 'release'; readonly at: number; readonly scope: HoldScope }
  | { readonly kind: 'refused'; readonly at: number; readonly target: string };

export interface BudgetOptions {
  /** fence_budget_hosts: the most hosts fenced within the window, absolute. */
  readonly hosts: number;
  /** fence_budget_percent: the most hosts fenced within the window, as a percentage of the fenceable remotes. */
  readonly percent: number;
  /** fence_budget_window: seconds. */
  readonly window: number;
}

export const DEFAULT_BUDGET: BudgetOptions = { hosts: 3, percent: 34, window: 3600 };

export interface Hold {
  readonly scope: HoldScope;
  readonly since: number;
  readonly note: string;
}

export interface FenceLogState {
  /** The sequence number the next record must take. */
  readonly nextSeq: number;
  readonly budgetHold: Hold | null;
  readonly operatorHold: Hold | null;
  /** Distinct hosts let through within the window since the budget was last released, oldest first. */
  readonly fenced: readonly { readonly target: string; readonly at: number }[];
  /** Distinct hosts refused while a hold stands (since the newest hold), first refusal first. */
  readonly refused: readonly { readonly target: string; readonly at: number }[];
}

export const LOG_ID_PREFIX = 'fence-log-';

/**
 * How many hosts may be fenced within the window: both limits apply, and never fewer than one, because a budget
 * of zero would switch fencing off altogether (stonith-enabled=false says that honestly).
 */
export function fenceLimit(options: BudgetOptions, remotes: number): number {
  const share = Math.floor((remotes * options.percent) / 100);
  return Math.max(1, Math.min(options.hosts, share));
}

/** The log's state at `now` (epoch seconds) for a window of `window` seconds. */
export function foldLog(records: readonly FenceRecord[], now: number, window: number): FenceLogState {
  const ordered = [...records].sort((a, b) => a.seq - b.seq);
  let budgetHold: Hold | null = null;
  let operatorHold: Hold | null = null;
  let since = -Infinity; // fenced records before the budget's last release do not count
  const fenced = new Map<string, number>();
  let refused = new Map<string, number>();
  for (const r of ordered) {
    if (r.kind === 'hold') {
      const hold = { scope: r.scope, since: r.at, note: r.note };
      if (budgetHold === null && operatorHold === null) refused = new Map();
      if (r.target !== undefined && !refused.has(r.target)) refused.set(r.target, r.at);
      if (r.scope === 'budget') budgetHold ??= hold;
      else operatorHold ??= hold;
    } else if (r.kind === 'refused') {
      if (!refused.has(r.target)) refused.set(r.target, r.at);
    } else if (r.kind === 'release') {
      if (r.scope === 'budget') {
        budgetHold = null;
        since = r.seq;
        fenced.clear();
      } else operatorHold = null;
    } else if (r.seq > since && r.at > now - window) {
      fenced.set(r.target, Math.max(r.at, fenced.get(r.target) ?? -Infinity));
    }
  }
  const last = ordered.at(-1);
  return {
    nextSeq: last === undefined ? 1 : last.seq + 1,
    budgetHold, operatorHold,
    refused: budgetHold === null && operatorHold === null ? [] : [...refused].map(([target, at]) => ({ target, at })),
    fenced: [...fenced].map(([target, at]) => ({ target, at })).sort((a, b) => a.at - b.at || (a.target < b.target ? -1 : 1)),
  };
}

export type FenceDecision =
  | { readonly verdict: 'fence'; readonly append: NewRecord | null; readonly why: string }
  | { readonly verdict: 'refuse'; readonly append: NewRecord | null; readonly why: string };

function ago(seconds: number): string {
  return seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds)} s`;
}

/**
 * Whether `target` may be fenced now. A host already let through within the window is fenced again without a new
 * record (a retried or repeated fence of the same host does not spend the budget twice); a new host needs a free
 * place in the budget. Over budget, the first refusal also records the budget hold, which then refuses every
 * fence until an operator releases it.
 */
export function decideFence(state: FenceLogState, target: string, limit: number, window: number, now: number): FenceDecision {
  const refusal: NewRecord | null = state.refused.some((r) => r.target === target) ? null : { kind: 'refused', at: now, target };
  if (state.operatorHold !== null) {
    return { verdict: 'refuse', append: refusal, why: `recovery is held by an operator since ${ago(now - state.operatorHold.since)} ago (${state.operatorHold.note})` };
  }
  if (state.budgetHold !== null) {
    return { verdict: 'refuse', append: refusal, why: `fencing is held since ${ago(now - state.budgetHold.since)} ago: ${state.budgetHold.note}` };
  }
  if (state.fenced.some((f) => f.target === target)) {
    return { verdict: 'fence', append: null, why: `${target} was already let through the budget within the last ${window} s` };
  }
  const used = state.fenced.length;
  if (used < limit) {
    return { verdict: 'fence', append: { kind: 'fenced', at: now, target }, why: `host ${used + 1} of ${limit} allowed within ${window} s` };
  }
  const note = `budget of ${limit} host${limit === 1 ? '' : 's'} per ${window} s spent (${state.fenced.map((f) => f.target).join(', ')}); ${target} refused`;
  return { verdict: 'refuse', append: { kind: 'hold', at: now, scope: 'budget', note, target }, why: note };
}

/**
 * Records no decision depends on any more: fenced records outside the window or before the budget's last release,
 * holds and releases followed by a later hold or release of the same scope, refusals before the newest hold or
 * release. The newest record is always kept,
 * so the next sequence number never goes back.
 */
export function prunable(records: readonly FenceRecord[], now: number, window: number): number[] {
  const ordered = [...records].sort((a, b) => a.seq - b.seq);
  const newest = ordered.at(-1)?.seq;
  const lastOfScope = new Map<HoldScope, number>();
  for (const r of ordered) if (r.kind === 'hold' || r.kind === 'release') lastOfScope.set(r.scope, r.seq);
  const budgetRelease = ordered.filter((r) => r.kind === 'release' && r.scope === 'budget').at(-1)?.seq ?? -Infinity;
  return ordered.filter((r) => {
    if (r.seq === newest) return false;
    if (r.kind === 'fenced') return r.at <= now - window || r.seq < budgetRelease;
    if (r.kind === 'refused') return r.seq < Math.max(...lastOfScope.values());
    return lastOfScope.get(r.scope) !== r.seq;
  }).map((r) => r.seq);
}

const FIELD = /^[\x20-\x7e]*$/;

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The `<cluster_property_set>` that stores a record under sequence number `seq`. */
export function renderRecord(seq: number, record: NewRecord): string {
  const id = `${LOG_ID_PREFIX}${seq}`;
  const fields: [string, string][] = [['kind', record.kind], ['at', String(Math.floor(record.at))]];
  if (record.kind === 'fenced' || record.kind === 'refused') fields.push(['target', record.target]);
  else fields.push(['scope', record.scope]);
  if (record.kind === 'hold' && record.target !== undefined) fields.push(['target', record.target]);
  if (record.kind === 'hold') fields.push(['note', record.note.replace(/[^\x20-\x7e]/g, '?').slice(0, 400)]);
  const pairs = fields.map(([k, v]) => `<nvpair id="${id}-${k}" name="${LOG_ID_PREFIX}${k}" value="${attr(v)}"/>`).join('');
  return `<cluster_property_set id="${id}">${pairs}</cluster_property_set>`;
}

/**
 * Records from the property sets of crm_config (id → name → value, as parsed from the CIB). Sets that are not
 * log records, or are malformed, are skipped: they can only have been written by hand, and a fence decision must
 * not fail on them.
 */
export function recordsFromSets(sets: ReadonlyMap<string, ReadonlyMap<string, string>>): FenceRecord[] {
  const records: FenceRecord[] = [];
  for (const [id, pairs] of sets) {
    const m = new RegExp(`^${LOG_ID_PREFIX}(\\d{1,12})$`).exec(id);
    if (m === null) continue;
    const seq = Number(m[1]);
    const get = (k: string): string => pairs.get(`${LOG_ID_PREFIX}${k}`) ?? '';
    const at = Number(get('at'));
    if (!Number.isSafeInteger(at) || at < 0) continue;
    const kind = get('kind');
    const scope = get('scope');
    const target = get('target') !== '' && FIELD.test(get('target')) ? get('target') : undefined;
    if ((kind === 'fenced' || kind === 'refused') && target !== undefined) records.push({ seq, kind, at, target });
    else if ((kind === 'hold' || kind === 'release') && (scope === 'budget' || scope === 'operator')) {
      records.push(kind === 'hold' ? { seq, kind, at, scope, note: get('note'), ...(target === undefined ? {} : { target }) } : { seq, kind, at, scope });
    }
  }
  return records.sort((a, b) => a.seq - b.seq);
}

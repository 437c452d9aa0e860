/**
 * The fence log's shell: reads it with one `cibadmin --query --scope crm_config`, appends with
 * `cibadmin --create` (which refuses an id that exists: the atomic claim, see budget.ts), prunes with
 * `cibadmin --delete`. Used by the external/maas plugin inside the fencer and by the charm's actions and status.
 */
import { XMLParser } from 'fast-xml-parser';
import {
  decideFence, foldLog, LOG_ID_PREFIX, prunable, recordsFromSets, renderRecord,
  type FenceDecision, type FenceLogState, type FenceRecord, type NewRecord,
} from './budget.js';

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}
export type Runner = (argv: string[]) => Promise<RunResult>;

export class FenceLogError extends Error {}

/** cibadmin's exit code for "File exists" (CRM_EX_EXISTS): the id is taken. */
const EXISTS = 108;
/** More writers than this racing for one place means something else is wrong; give up and fail closed. */
const MAX_ATTEMPTS = 12;

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'cluster_property_set' || name === 'nvpair' });

interface XSet { id?: string; nvpair?: { name?: string; value?: string }[] }

type XCrmConfig = { cluster_property_set?: XSet[] } | '';

/** The log records in `cibadmin --query --scope crm_config` output, or in a whole CIB. */
export function parseCrmConfig(xml: string): FenceRecord[] {
  const doc = parser.parse(xml) as { crm_config?: XCrmConfig; cib?: { configuration?: { crm_config?: XCrmConfig } } };
  const sets = new Map<string, Map<string, string>>();
  const found = doc.crm_config ?? doc.cib?.configuration?.crm_config;
  const crmConfig = typeof found === 'object' ? found : {};
  for (const set of crmConfig.cluster_property_set ?? []) {
    if (typeof set.id !== 'string' || !set.id.startsWith(LOG_ID_PREFIX)) continue;
    sets.set(set.id, new Map((set.nvpair ?? []).map((p) => [String(p.name ?? ''), String(p.value ?? '')])));
  }
  return recordsFromSets(sets);
}

function failure(what: string, r: RunResult): FenceLogError {
  return new FenceLogError(`${what} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`);
}

export async function readLog(run: Runner): Promise<FenceRecord[]> {
  const r = await run(['cibadmin', '--query', '--scope', 'crm_config']);
  if (r.exitCode !== 0) throw failure('cibadmin --query --scope crm_config', r);
  return parseCrmConfig(r.stdout);
}

/** Creates the record under `seq`; false when another writer took that sequence number first. */
export async function createRecord(run: Runner, seq: number, record: NewRecord): Promise<boolean> {
  const r = await run(['cibadmin', '--create', '--scope', 'crm_config', '--xml-text', renderRecord(seq, record)]);
  if (r.exitCode === 0) return true;
  if (r.exitCode === EXISTS || /File exists/.test(r.stderr)) return false;
  throw failure(`cibadmin --create ${LOG_ID_PREFIX}${seq}`, r);
}

export async function deleteRecords(run: Runner, seqs: readonly number[]): Promise<void> {
  for (const seq of seqs) {
    const r = await run(['cibadmin', '--delete', '--xml-text', `<cluster_property_set id="${LOG_ID_PREFIX}${seq}"/>`]);
    if (r.exitCode !== 0) throw failure(`cibadmin --delete ${LOG_ID_PREFIX}${seq}`, r);
  }
}

export interface Appended {
  readonly seq: number;
  readonly attempts: number;
}

/**
 * Reads the log, computes what to append from its state, and appends it at the next sequence number; when another
 * writer got there first, reads again and decides again. `decide` returning null appends nothing.
 */
export async function appendDecided<T>(
  run: Runner, decide: (state: FenceLogState, records: readonly FenceRecord[]) => { result: T; append: NewRecord | null },
  now: () => number, window: number,
): Promise<{ result: T; appended: Appended | null; records: readonly FenceRecord[] }> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const records = await readLog(run);
    const state = foldLog(records, now(), window);
    const { result, append } = decide(state, records);
    if (append === null) return { result, appended: null, records };
    if (await createRecord(run, state.nextSeq, append)) return { result, appended: { seq: state.nextSeq, attempts: attempt }, records };
  }
  throw new FenceLogError(`the fence log kept changing under ${MAX_ATTEMPTS} attempts to append to it`);
}

export interface GateResult {
  readonly decision: FenceDecision;
  readonly appended: Appended | null;
}

/**
 * The budget gate in front of a power-off: decides from the shared log and records the decision (the claimed
 * place, or the budget hold). Old records are pruned after a claim; a failed prune changes no decision.
 */
export async function gateFence(run: Runner, target: string, limit: number, window: number, now: () => number): Promise<GateResult> {
  const { result, appended, records } = await appendDecided(run, (state) => {
    const decision = decideFence(state, target, limit, window, now());
    return { result: decision, append: decision.append };
  }, now, window);
  if (appended !== null && result.verdict === 'fence') {
    await deleteRecords(run, prunable(records, now(), window)).catch(() => undefined);
  }
  return { decision: result, appended };
}

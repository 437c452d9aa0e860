/**
 * The fencing budget at the point where the power is switched: before `off`/`reset`, the plugin claims a place in
 * the fence log every member shares (fencing/cib-log.ts). A refused fence exits 1 before MAAS is called, so the
 * host stays powered and its fence never succeeds: masakari's fence gate never evacuates it. Without a readable
 * CIB the fence is refused too (fail closed): a fencer that cannot read the CIB cannot tell how many hosts went.
 */
import { gateFence } from '../fencing/cib-log.js';
import { MaasError } from './maas-client.js';
import type { PluginIo } from './plugin.js';

export const BUDGET_CONFIG_NAMES = ['fence_budget', 'fence_window'] as const;

export interface BudgetParameters {
  /** The most hosts fenced within the window (hacluster-ext computes it from its options and the remotes). */
  readonly limit: number;
  /** Seconds. */
  readonly window: number;
}

type ParameterXml = (name: string, required: boolean, description: string, defaultValue?: string) => string;

export function budgetInfoXml(parameter: ParameterXml): string[] {
  return [
    parameter('fence_budget', false, 'The most hosts this device powers off within fence_window, counted over the whole cluster from the fence log in the CIB; unset: no budget'),
    parameter('fence_window', false, 'Seconds of the fencing budget\'s sliding window', '3600'),
  ];
}

function positiveInteger(value: string | undefined, name: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new MaasError(`${name} must be a positive whole number`);
  return n;
}

/** The budget the device was configured with, or null when it has none (fence_budget unset). */
export function budgetParameters(env: PluginIo['env']): BudgetParameters | null {
  const limit = env.fence_budget;
  if (limit === undefined || limit.trim() === '') return null;
  return { limit: positiveInteger(limit, 'fence_budget'), window: positiveInteger(env.fence_window ?? '3600', 'fence_window') };
}

/** True when the fence of `target` may go ahead; logs the decision either way. */
export async function fenceGate(target: string, budget: BudgetParameters, io: PluginIo, log: PluginIo['log']): Promise<boolean> {
  if (io.cib === undefined) throw new MaasError('fence_budget is set but the CIB cannot be reached from here');
  const now = (): number => Math.floor(io.now() / 1000);
  try {
    const { decision, appended } = await gateFence(io.cib, target, budget.limit, budget.window, now);
    const where = appended === null ? '' : ` (fence log record ${appended.seq}, attempt ${appended.attempts})`;
    if (decision.verdict === 'fence') {
      log('info', `fencing budget: ${target} let through: ${decision.why}${where}`);
      io.notify?.({ event: 'fence-started', host: target, at: io.now(), details: { why: decision.why } });
      return true;
    }
    // Pacemaker retries a refused fence a bounded number of times; the operator hears of it once per host (when
    // the refusal was recorded), and of the hold once (when it was entered).
    if (appended !== null) {
      io.notify?.({ event: 'fence-refused', host: target, at: io.now(), details: { why: decision.why } });
      if (decision.append?.kind === 'hold') {
        io.notify?.({ event: 'hold-entered', host: null, at: io.now(), details: { scope: 'budget', note: decision.append.note, limit: budget.limit, window: budget.window } });
      }
    }
    log('err', `fencing budget: ${target} NOT fenced, the host stays powered: ${decision.why}${where}; `
      + 'check the hosts, then run the release-fencing-hold action of hacluster-ext');
    return false;
  } catch (error) {
    log('err', `fencing budget: ${target} NOT fenced: the fence log could not be read or written (${error instanceof Error ? error.message : String(error)})`);
    return false;
  }
}

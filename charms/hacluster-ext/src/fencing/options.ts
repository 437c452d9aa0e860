/**
 * The fencing-safety options: the budget (fence_budget_hosts, fence_budget_percent, fence_budget_window) and the
 * rule that a cluster which fences must not ignore the loss of quorum unless the operator says so explicitly.
 */
import type { ConfigRules, ConfigValues } from '../../../../reactive/config.js';
import { DEFAULT_BUDGET, type BudgetOptions } from './budget.js';

export const fencingConfigRules: ConfigRules = {
  fence_budget_hosts: { minimum: 1, maximum: 1000 },
  fence_budget_percent: { minimum: 1, maximum: 100 },
  fence_budget_window: { minimum: 60, maximum: 604800 },
};

/**
 * no-quorum-policy=ignore lets a member cut off from the others keep acting as the whole cluster: it fences the
 * remotes it can no longer reach, and masakari's fence gate behind it lets their evacuation start, while the
 * majority still runs them. With fencing configured that is refused unless allow_no_quorum_ignore=true.
 */
export function quorumProblems(config: ConfigValues): string[] {
  const fencing = typeof config.maas_url === 'string' && config.maas_url.trim() !== '';
  if (config.no_quorum_policy !== 'ignore' || !fencing || config.allow_no_quorum_ignore === true) return [];
  return ['no_quorum_policy: "ignore" with MAAS fencing configured lets a member cut off from the others fence hosts '
    + 'the majority still runs; use stop (default) or freeze, or set allow_no_quorum_ignore=true to accept that'];
}

function int(config: ConfigValues, name: string, fallback: number): number {
  const v = config[name];
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : fallback;
}

export function budgetFrom(config: ConfigValues): BudgetOptions {
  return {
    hosts: int(config, 'fence_budget_hosts', DEFAULT_BUDGET.hosts),
    percent: int(config, 'fence_budget_percent', DEFAULT_BUDGET.percent),
    window: int(config, 'fence_budget_window', DEFAULT_BUDGET.window),
  };
}

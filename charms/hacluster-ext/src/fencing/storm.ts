/**
 * What keeps a refused fence from turning into a fence storm (measured on the lab cluster, Pacemaker 2.1.5: see
 * tests/fence-budget.component.test.ts). A refused fence fails before MAAS is called, so no refusal ever reaches
 * a BMC. Pacemaker then:
 * - within one fence operation, asks every member's fencer in turn, each running the device up to
 *   pcmk_off_retries times: 1 here (default 2), so one operation is one quick refusal per member;
 * - after stonith-max-attempts failed operations for a target, stops re-running the transition for that reason
 *   ("Too many failures ... giving up"): 3 here (default 10). It still schedules the fence again in every
 *   transition started by something else, one operation at a time (concurrent-fencing is false): seen 3 to 9
 *   operations in the 2 minutes after the first refusal. So the number of operations is NOT bounded; their cost
 *   is (one quick refusal per member, no MAAS request). Stopping them needs the remote's connection cleaned up
 *   (healthy host) or the hold released (dead host).
 */
import type { NvPair } from '../cib/model.js';

export const STONITH_MAX_ATTEMPTS = 3;

/** st-maas parameters: each member tries a fence once per operation (a refusal does not change on retry). */
export function refusalRetries(): NvPair[] {
  return [{ name: 'pcmk_off_retries', value: '1' }, { name: 'pcmk_reboot_retries', value: '1' }];
}

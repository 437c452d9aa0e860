/**
 * Queuing an event from any source on a member (the alert agent, the external/maas plugin, the charm's actions):
 * a file written and renamed, a detached sender started, and back to the caller. Nothing is queued while
 * notifications are off (no webhook list on this member), and a failure to queue never fails the caller: a fence
 * or an action must not depend on a webhook.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { toEvent, type EventInput } from './event.js';
import { NOTIFY_AGENT, NOTIFY_CONFIG, NOTIFY_SPOOL } from './paths.js';
import { enqueue, startSender } from './spool.js';

export interface QueuePlace {
  readonly config: string;
  readonly spool: string;
  readonly agent: string;
}

export const DEFAULT_PLACE: QueuePlace = { config: NOTIFY_CONFIG, spool: NOTIFY_SPOOL, agent: NOTIFY_AGENT };

/** True when the event was queued. The cluster name is the sender's to fill in (it reads the config). */
export function queueEvent(input: EventInput, flags: { clusterWide?: boolean; failedFence?: boolean } = {}, place: QueuePlace = DEFAULT_PLACE): boolean {
  try {
    if (!existsSync(place.config)) return false;
    const queuedNow = enqueue(place.spool, {
      event: toEvent(input, '', hostname().split('.')[0] ?? hostname()),
      clusterWide: flags.clusterWide === true, failedFence: flags.failedFence === true,
    });
    startSender(place.agent, place.spool, place.config);
    return queuedNow;
  } catch {
    return false;
  }
}

/**
 * Pacemaker's alert environment (CRM_alert_*) as notification events. Pacemaker calls the agent for node and
 * fencing events on every member, so such events are marked `clusterWide`: the sender delivers them only on the
 * DC (and on a member that cannot tell who the DC is, since a duplicate is better than silence).
 *
 * Pacemaker has no "fence started" alert and cannot tell a budget refusal from another failure: the
 * external/maas plugin reports both itself (stonith/budget-gate.ts), and a failed fence seen while a hold stands
 * is the refusal the plugin already reported, which the sender drops (sender.ts).
 */
import type { EventInput } from './event.js';

export interface AlertEvent {
  readonly input: EventInput;
  /** Seen by every member: deliver from the DC only. */
  readonly clusterWide: boolean;
  /** A failed fence: not sent when a fencing hold explains it. */
  readonly failedFence: boolean;
}

function when(env: Readonly<Record<string, string | undefined>>, now: number): number {
  const epoch = Number(env.CRM_alert_timestamp_epoch);
  const usec = Number(env.CRM_alert_timestamp_usec ?? '0');
  return Number.isSafeInteger(epoch) && epoch > 0 ? epoch * 1000 + (Number.isFinite(usec) ? Math.floor(usec / 1000) : 0) : now;
}

/** The event for one alert call, or null for the kinds and states operators are not told about. */
export function eventFromAlert(env: Readonly<Record<string, string | undefined>>, now: number): AlertEvent | null {
  const node = env.CRM_alert_node ?? '';
  if (node === '') return null;
  const at = when(env, now);
  if (env.CRM_alert_kind === 'node') {
    const state = env.CRM_alert_desc ?? '';
    if (state !== 'lost' && state !== 'member') return null;
    return {
      input: { event: state === 'lost' ? 'host-lost' : 'host-joined', host: node, at, details: { state, node_id: env.CRM_alert_nodeid ?? null } },
      clusterWide: true, failedFence: false,
    };
  }
  if (env.CRM_alert_kind === 'fencing') {
    const ok = env.CRM_alert_rc === '0';
    return {
      input: {
        event: ok ? 'fence-succeeded' : 'fence-failed', host: node, at,
        details: { action: env.CRM_alert_task ?? null, rc: Number.isSafeInteger(Number(env.CRM_alert_rc)) ? Number(env.CRM_alert_rc) : null, result: env.CRM_alert_desc ?? null },
      },
      clusterWide: true, failedFence: !ok,
    };
  }
  return null;
}

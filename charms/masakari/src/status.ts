/**
 * The unit's workload status as a pure function of facts, in the upstream charm's order and wording
 * (charms.openstack assess_status), plus what upstream does not say: a VIP without hacluster, hacluster not yet
 * clustered, the database not yet synced, and address problems.
 */
import type { UnitStatus } from '../../../reactive/charm.js';

export const REQUIRED_RELATIONS = ['shared-db', 'amqp', 'identity-service'] as const;
export type RequiredRelation = (typeof REQUIRED_RELATIONS)[number];

export interface StatusFacts {
  readonly unsupportedOs?: string;
  readonly installed: boolean;
  readonly paused: boolean;
  readonly relations: Readonly<Record<RequiredRelation, { readonly connected: boolean; readonly available: boolean }>>;
  readonly addressError?: string;
  /** Relation data that breaks a rule, described by relation, unit and key (never the values). */
  readonly invalidRelationData?: string;
  readonly vipSet: boolean;
  readonly haJoined: boolean;
  readonly haClustered: boolean;
  /** require-fencing's needs on this unit that are not met (fence-gate.ts), or null. */
  readonly fenceGate: { readonly status: 'blocked' | 'waiting'; readonly message: string } | null;
  /** hacluster-ext holds recovery (recovery-hold.ts): said instead of "Unit is ready". */
  readonly recoveryHold?: UnitStatus | null;
  /** Added to "Unit is ready" in parentheses (fence-gate.ts fencingNote). */
  readonly readyNote?: string | null;
  /** The certificates relation is joined and has not answered every request yet (tls-facts.ts). */
  readonly certificatesIncomplete?: boolean;
  readonly dbSynced: boolean;
  readonly isLeader: boolean;
  /** The leader's schema syncs that failed in a row, and when the next attempt is due (restarts.ts). */
  readonly dbSyncFailure?: { readonly failures: number; readonly nextAttemptMs: number; readonly exitCode: number };
  readonly servicesDown: readonly string[];
  readonly portsClosed: readonly number[];
}

export const PAUSED_MESSAGE = "Paused. Use 'resume' action to resume normal service.";

export function assessStatus(f: StatusFacts): UnitStatus {
  if (f.unsupportedOs) return { status: 'blocked', message: f.unsupportedOs };
  if (!f.installed) return { status: 'maintenance', message: 'Installing packages' };
  if (f.paused) return { status: 'maintenance', message: PAUSED_MESSAGE };

  const missing: string[] = [];
  const incomplete: string[] = [];
  for (const name of REQUIRED_RELATIONS) {
    const r = f.relations[name];
    if (!r.connected) missing.push(`'${name}' missing`);
    else if (!r.available) incomplete.push(`'${name}' incomplete`);
  }
  if (missing.length > 0) return { status: 'blocked', message: [...missing, ...incomplete].join(', ') };
  if (f.invalidRelationData) return { status: 'blocked', message: f.invalidRelationData };
  if (f.addressError) return { status: 'blocked', message: f.addressError };
  if (f.vipSet && !f.haJoined) return { status: 'blocked', message: "'ha' missing: vip is set, relate masakari to hacluster" };
  if (f.fenceGate?.status === 'blocked') return f.fenceGate;
  if (incomplete.length > 0) return { status: 'waiting', message: incomplete.join(', ') };
  if (f.certificatesIncomplete) return { status: 'waiting', message: "'certificates' incomplete: waiting for this unit's certificates" };
  if (f.dbSyncFailure) {
    const next = new Date(f.dbSyncFailure.nextAttemptMs).toISOString().slice(11, 19);
    return {
      status: 'waiting',
      message: `Database schema sync failed (masakari-manage exit ${f.dbSyncFailure.exitCode}, ${f.dbSyncFailure.failures} attempt(s)); ` +
        `next attempt after ${next} UTC; see /var/log/masakari/masakari-manage.log`,
    };
  }
  if (!f.dbSynced) {
    return f.isLeader
      ? { status: 'maintenance', message: 'Synchronising the database schema' }
      : { status: 'waiting', message: 'Waiting for the leader to synchronise the database schema' };
  }
  if (f.servicesDown.length > 0) return { status: 'blocked', message: `Services not running that should be: ${f.servicesDown.join(', ')}` };
  if (f.portsClosed.length > 0) return { status: 'blocked', message: `Ports which should be open, but are not: ${f.portsClosed.join(', ')}` };
  if (f.vipSet && !f.haClustered) return { status: 'waiting', message: "'ha' incomplete: waiting for hacluster to report clustered" };
  if (f.fenceGate) return f.fenceGate;
  if (f.recoveryHold) return f.recoveryHold;
  return { status: 'active', message: f.readyNote ? `Unit is ready (${f.readyNote})` : 'Unit is ready' };
}

/**
 * TCP ports in LISTEN state from the text of /proc/net/tcp and /proc/net/tcp6 (state 0A; the local port is the hex
 * after the colon of the second column).
 */
export function listeningPorts(...procNetTcp: readonly (string | null)[]): Set<number> {
  const ports = new Set<number>();
  for (const text of procNetTcp) {
    for (const line of (text ?? '').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== '0A') continue;
      const port = Number.parseInt(cols[1]!.split(':').pop() ?? '', 16);
      if (Number.isInteger(port)) ports.add(port);
    }
  }
  return ports;
}

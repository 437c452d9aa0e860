/** The unit's status from facts the handlers recorded; messages name what is missing and what to do. */
import type { UnitStatus } from '../../../reactive/charm.js';
import { boundedStatus } from '../../../reactive/decode/fields.js';

export type Facts =
  | { readonly stage: 'keys' }
  | { readonly stage: 'peers'; readonly have: number; readonly need: number; readonly problems: readonly string[] }
  | { readonly stage: 'pacemaker-down' }
  | { readonly stage: 'cib-invalid'; readonly problems: readonly string[] }
  | { readonly stage: 'waiting-leader' }
  | { readonly stage: 'clustered' };

export interface StatusInput {
  readonly installed: boolean;
  readonly paused: boolean;
  readonly facts: Facts | null;
  readonly maintenance: boolean;
  readonly isLeader: boolean;
  /** A fencing hold in force (fencing/report.ts): it wins over "ready". */
  readonly hold?: UnitStatus | null;
}

const MAX_PROBLEMS = 3;

function list(problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_PROBLEMS).join('; ');
  return problems.length > MAX_PROBLEMS ? `${shown}; and ${problems.length - MAX_PROBLEMS} more` : shown;
}

/** Every message bounded (STATUS_MAX): problems come from relation data and can be many. */
export function assess(input: StatusInput): UnitStatus {
  const status = assessUnbounded(input);
  return { status: status.status, message: boundedStatus(status.message) };
}

function assessUnbounded(input: StatusInput): UnitStatus {
  if (!input.installed) return { status: 'maintenance', message: 'Installing packages' };
  if (input.paused) return { status: 'maintenance', message: "Paused. Use 'resume' action to resume normal service." };
  const f = input.facts;
  if (f === null) return { status: 'waiting', message: 'Waiting for the first configuration' };
  switch (f.stage) {
    case 'keys':
      return { status: 'waiting', message: 'Waiting for the leader to share the cluster keys' };
    case 'peers':
      return f.problems.length > 0
        ? { status: 'blocked', message: list(f.problems) }
        : { status: 'waiting', message: `Waiting for peers: ${f.have} of cluster_count=${f.need} units known` };
    case 'pacemaker-down':
      return { status: 'blocked', message: 'Pacemaker is down: this node did not join the membership; check corosync-cfgtool -s and journalctl -u corosync' };
    case 'cib-invalid':
      return { status: 'blocked', message: `Cluster configuration not applied: ${list(f.problems)}` };
    case 'waiting-leader':
      return { status: 'waiting', message: 'Waiting for the leader to configure the cluster' };
    case 'clustered':
      return input.maintenance
        ? { status: 'maintenance', message: 'Pacemaker in maintenance mode' }
        : input.hold ?? { status: 'active', message: 'Unit is ready and clustered' };
  }
}

/**
 * Desired state of a pacemaker-remote unit as pure functions: what it publishes, which key it runs with, whether the
 * daemon must be (re)started, and the status that follows from the facts.
 */
import { createHash } from 'node:crypto';
import type { KeyAgreement, RemoteNodeInfo } from '../../../interfaces/pacemaker-remote/protocol.js';
import { boundedStatus } from '../../../reactive/decode/fields.js';

export const SERVICE = 'pacemaker_remote';
export const PACKAGES = ['pacemaker-remote', 'resource-agents'] as const;
export const AUTHKEY_PATH = '/etc/pacemaker/authkey';
/** pacemaker_remoted reads the key as hacluster; nobody needs to write it. */
export const AUTHKEY_FILE = { owner: 'hacluster', group: 'haclient', mode: 0o440 } as const;
export const PACEMAKER_DIR = { path: '/etc/pacemaker', owner: 'root', group: 'haclient', mode: 0o750 } as const;
/**
 * Left behind when corosync was pulled in (pacemaker-cli-utils installed before pacemaker-remote), this config
 * would let corosync form a one-node cluster of its own at the next boot — and the host monitor's autodetection
 * would then take the host for a cluster member.
 */
export const ROGUE_COROSYNC_CONF = '/etc/corosync/corosync.conf';

export interface RemoteConfig {
  readonly enableStonith: boolean;
  readonly enableResources: boolean;
}

export function remoteNodeInfo(fqdn: string, bindAddress: string, config: RemoteConfig): RemoteNodeInfo {
  return {
    remoteHostname: fqdn,
    remoteIp: bindAddress,
    stonithHostname: config.enableStonith ? fqdn : null,
    enableResources: config.enableResources,
  };
}

/** Identifies a key in unit state without keeping the key itself there. */
export function keyDigest(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface DaemonFacts {
  /** Digest of the key the daemon was last (re)started with, from unit state; null before the first start. */
  readonly runningDigest: string | null;
  readonly desiredDigest: string;
  readonly active: boolean;
}

/**
 * The daemon reads the key only at start, so a new key needs a restart. The digest of the key it was started with
 * is committed with the hook, so a hook killed between writing the key and restarting restarts on the next run.
 */
export function daemonAction(facts: DaemonFacts): 'none' | 'start' | 'restart' {
  if (facts.runningDigest !== facts.desiredDigest) return facts.active ? 'restart' : 'start';
  return facts.active ? 'none' : 'start';
}

export interface StatusFacts {
  readonly installed: boolean;
  /** The `pacemaker` package is present: this machine is a cluster member (the packages conflict). */
  readonly clusterMemberHere: boolean;
  readonly related: boolean;
  readonly agreement: KeyAgreement;
  /** The daemon is active and was started with the agreed key. */
  readonly runningWithKey: boolean;
}

export interface UnitStatus {
  readonly status: 'maintenance' | 'blocked' | 'waiting' | 'active';
  readonly message: string;
}

export const WAITING_FOR_KEY = 'Waiting for pacemaker key from hacluster';
export const CONFLICT_MESSAGE =
  "pacemaker is installed here: this machine is a cluster member and cannot also be a pacemaker remote " +
  '(the packages conflict); remove pacemaker-remote from this machine';

/** Bounded: the disagreement lists cluster units, and there can be many. */
export function assessRemoteStatus(facts: StatusFacts): UnitStatus {
  const status = assessUnbounded(facts);
  return { status: status.status, message: boundedStatus(status.message) };
}

function assessUnbounded(facts: StatusFacts): UnitStatus {
  if (facts.clusterMemberHere) return { status: 'blocked', message: CONFLICT_MESSAGE };
  if (!facts.installed) return { status: 'maintenance', message: 'Installing packages' };
  if (!facts.related) {
    return { status: 'blocked', message: "Missing relation: pacemaker-remote (relate to hacluster's pacemaker-remote endpoint)" };
  }
  const agreement = facts.agreement;
  switch (agreement.kind) {
    case 'none':
      return { status: 'waiting', message: WAITING_FOR_KEY };
    case 'invalid':
      return { status: 'blocked', message: `${agreement.unit} sent an unusable pacemaker-key: ${agreement.reason}` };
    case 'inconsistent':
      return {
        status: 'blocked',
        message: `hacluster units disagree on pacemaker-key (${agreement.groups.map((g) => g.join(',')).join(' vs ')}); ` +
          'keeping the current key until they agree',
      };
    case 'agreed':
      return facts.runningWithKey
        ? { status: 'active', message: 'Unit is ready' }
        : { status: 'blocked', message: `${SERVICE} is not running: see 'journalctl -u ${SERVICE}'` };
  }
}

/**
 * The cluster side of `pacemaker-remote`: read each remote unit's announcement (JSON, falling back to plain
 * values — see protocol.ts) and offer the cluster's pacemaker key (plain base64) on every relation, on join and
 * whenever it changes. Protocol: README.md.
 */
import { describeProblems } from '../../reactive/decode/fields.js';
import { Endpoint } from '../../reactive/endpoint.js';
import { decodeRemoteNodeInfo, nodeInfoProblems, PACEMAKER_KEY, type RemoteNodeInfo } from './protocol.js';

export interface AnnouncedRemote extends RemoteNodeInfo {
  readonly unit: string;
}

export interface RemoteProblem {
  readonly unit: string;
  /** `relation pacemaker-remote:5 (pacemaker-remote/0): remote-ip must be an IPv4 or IPv6 address` — bounded, no values. */
  readonly reason: string;
}

/** Keys Juju itself sets in every unit's bag: a unit with only these has not published yet. */
const JUJU_KEYS = new Set(['private-address', 'ingress-address', 'egress-subnets']);

export class PacemakerRemoteRequires extends Endpoint {
  static override readonly flagSuffixes = ['connected', 'available'] as const;
  /** The authkey we send: unit state keeps only its digest. */
  static override readonly secretKeys = [PACEMAKER_KEY];

  /**
   * Remotes that announced themselves, sorted by host name. A unit whose data is unusable is listed apart with
   * every key that failed, and counts as not announced: the caller decides what an incomplete set means.
   */
  remotes(): { remotes: AnnouncedRemote[]; problems: RemoteProblem[] } {
    const remotes: AnnouncedRemote[] = [];
    const problems: RemoteProblem[] = [];
    for (const unit of this.allJoinedUnits) {
      const decoded = decodeRemoteNodeInfo(unit.receivedRaw);
      if (decoded.ok) remotes.push({ unit: unit.name, ...decoded.value });
      else if (Object.keys(unit.receivedRaw).some((k) => !JUJU_KEYS.has(k))) {
        // a unit that has not published yet is not a problem
        problems.push({ unit: unit.name, reason: describeProblems(`relation ${unit.relation.id} (${unit.name})`, nodeInfoProblems(decoded)) });
      }
    }
    remotes.sort((a, b) => (a.remoteHostname < b.remoteHostname ? -1 : a.remoteHostname > b.remoteHostname ? 1 : 0));
    return { remotes, problems };
  }

  /** Plain base64 of the cluster's pacemaker authkey on every relation (only changed values are sent). */
  offerKey(base64Key: string): void {
    for (const relation of this.relations) relation.toPublishRaw.setRaw(PACEMAKER_KEY, base64Key);
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
    this.toggleFlag('available', this.remotes().remotes.length > 0);
  }
}

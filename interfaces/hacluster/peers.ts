/**
 * The `hanode` peer endpoint of hacluster: each unit publishes its ring address and host name (plain strings,
 * like stock hacluster), `ready` once it can build corosync.conf, `member_ready` once it runs in the cluster, and
 * the leader's `trigger-corosync-update` asks every peer to reload the ring. Protocol: README.md.
 */
import { decodeFields, describeProblems, field, type Problem } from '../../reactive/decode/fields.js';
import { accept, hostname, hostOrAddress, identifier, refuse, type Decoder } from '../../reactive/decode/values.js';
import { Endpoint } from '../../reactive/endpoint.js';

export interface HanodePeer {
  readonly unit: string;
  readonly address: string;
  readonly hostname: string;
  readonly ready: boolean;
  readonly memberReady: boolean;
  readonly trigger: string | null;
}

export interface HanodeSelf {
  readonly address: string;
  readonly hostname: string;
  readonly ready: boolean;
  readonly memberReady: boolean;
}

/** `True` as stock hacluster writes it; yes/1 too. Anything else is not ready (never an error: it is a flag). */
const truthy: Decoder<boolean> = (raw) => accept(/^(true|yes|1)$/i.test(raw.trim()));

/**
 * The peer's ring address and node name go into corosync.conf (`ring0_addr:`, `name:`) and the name into the
 * CIB, so only an IP address or an RFC 1123 name passes: no braces, line breaks, spaces or `:` outside an IPv6
 * literal, whatever the peer sends.
 */
const HANODE = {
  address: field('private-address', hostOrAddress),
  hostname: field('hostname', hostname),
  ready: field('ready', truthy, false),
  memberReady: field('member_ready', truthy, false),
  trigger: field<string | null>('trigger-corosync-update', (raw) => {
    const token = identifier(64)(raw);
    return token.ok ? token : refuse('must be a token of at most 64 letters, digits, _ . -');
  }, null),
};

/** A peer whose data is unusable: the relation, the unit and every key with the rule it broke (never the value). */
export interface HanodeProblem {
  readonly unit: string;
  readonly message: string;
}

export function unitNumber(unit: string): number {
  return Number.parseInt(unit.split('/')[1] ?? '', 10);
}

export class HanodePeers extends Endpoint {
  static override readonly flagSuffixes = ['connected'] as const;

  publishSelf(self: HanodeSelf): void {
    for (const relation of this.relations) {
      relation.toPublishRaw.setRaw('private-address', self.address);
      relation.toPublishRaw.setRaw('hostname', self.hostname);
      relation.toPublishRaw.setRaw('ready', self.ready ? 'True' : null);
      relation.toPublishRaw.setRaw('member_ready', self.memberReady ? 'True' : null);
    }
  }

  /** Leader: a new token makes every peer reload its corosync ring once. */
  publishTrigger(token: string): void {
    for (const relation of this.relations) relation.toPublishRaw.setRaw('trigger-corosync-update', token);
  }

  /** Peers that told us a valid address and host name, by unit number (this unit not included). */
  peers(): HanodePeer[] {
    return this.decoded().peers;
  }

  /** Peers that sent something unusable; they are left out of `peers()` and count as not ready. */
  problems(): HanodeProblem[] {
    return this.decoded().problems;
  }

  private decoded(): { peers: HanodePeer[]; problems: HanodeProblem[] } {
    const peers: HanodePeer[] = [];
    const problems: HanodeProblem[] = [];
    for (const u of this.allJoinedUnits) {
      const result = decodeFields(u.receivedRaw, HANODE);
      if (result.ok) {
        peers.push({ unit: u.name, ...result.value });
        continue;
      }
      // A peer that has not said where it is yet is still joining, not broken.
      const invalid: readonly Problem[] = result.invalid;
      if (invalid.length > 0) problems.push({ unit: u.name, message: describeProblems(`relation ${u.relation.id} (${u.name})`, invalid) });
    }
    peers.sort((a, b) => unitNumber(a.unit) - unitNumber(b.unit));
    return { peers, problems };
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
  }
}

/**
 * The `hanode` peer endpoint of hacluster: each unit publishes its ring address and host name (plain strings,
 * like stock hacluster), `ready` once it can build corosync.conf, `member_ready` once it runs in the cluster, and
 * the leader's `trigger-corosync-update` asks every peer to reload the ring. Protocol: README.md.
 */
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

function truthy(value: string | undefined): boolean {
  return value !== undefined && /^(true|yes|1)$/i.test(value.trim());
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

  /** Peers that told us their address and host name, by unit number (this unit not included). */
  peers(): HanodePeer[] {
    return this.allJoinedUnits
      .filter((u) => u.receivedRaw['private-address'] && u.receivedRaw.hostname)
      .map((u) => ({
        unit: u.name,
        address: u.receivedRaw['private-address'] as string,
        hostname: u.receivedRaw.hostname as string,
        ready: truthy(u.receivedRaw.ready),
        memberReady: truthy(u.receivedRaw.member_ready),
        trigger: u.receivedRaw['trigger-corosync-update'] ?? null,
      }))
      .sort((a, b) => unitNumber(a.unit) - unitNumber(b.unit));
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
  }
}

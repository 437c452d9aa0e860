/**
 * `cloud-compute` (interface nova-compute) between the nova-cloud-controller and nova-compute stand-ins.
 * Plain strings as the stock charms write them: the controller sends `region`; the compute sends `hostname`
 * and `private-address`. The stand-ins add one key of their own, `nova-api-url`: where the Nova emulator takes
 * compute registrations and heartbeats (what nova-compute does over RPC through the conductor in real Nova).
 */
import { Endpoint, type Relation } from '../../../../reactive/endpoint.js';

export class CloudComputeProvides extends Endpoint {
  static override readonly flagSuffixes = ['connected'] as const;

  publish(relation: Relation, data: { region: string; novaApiUrl: string }): void {
    relation.toPublishRaw.setRaw('region', data.region);
    relation.toPublishRaw.setRaw('nova-api-url', data.novaApiUrl);
  }

  /** Compute hosts announced on the relations, by unit. */
  computeHosts(): { unit: string; hostname: string }[] {
    return this.allJoinedUnits.flatMap((u) => (u.receivedRaw['hostname'] ? [{ unit: u.name, hostname: u.receivedRaw['hostname'] }] : []));
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
  }
}

export class CloudComputeRequires extends Endpoint {
  static override readonly flagSuffixes = ['connected', 'available'] as const;

  announce(hostname: string, address: string): void {
    for (const relation of this.relations) {
      relation.toPublishRaw.setRaw('hostname', hostname);
      relation.toPublishRaw.setRaw('private-address', address);
    }
  }

  /** The controller's answer: where Nova is and which region; null until it has answered. */
  controller(): { novaApiUrl: string; region: string } | null {
    for (const u of this.allJoinedUnits) {
      const url = u.receivedRaw['nova-api-url'];
      if (url && /^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(url)) return { novaApiUrl: url.replace(/\/$/, ''), region: u.receivedRaw['region'] ?? 'RegionOne' };
    }
    return null;
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
    this.toggleFlag('available', this.controller() !== null);
  }
}

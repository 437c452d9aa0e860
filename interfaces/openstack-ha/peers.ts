/** The `openstack-ha` peer endpoint (`cluster`): publish our endpoint addresses, read the peers'. See README.md. */
import { Endpoint } from '../../reactive/endpoint.js';
import { compareUnitNames, decodePeer, encodeAddresses, type Peer, type PeerAddresses } from './protocol.js';

export class OpenstackHaPeers extends Endpoint {
  static override readonly flagSuffixes = ['connected', 'available'] as const;

  publishAddresses(addresses: PeerAddresses): void {
    this.publishRawToAll(encodeAddresses(addresses));
  }

  /** Peers with an address, ordered by unit number (not including this unit). */
  peers(): Peer[] {
    return this.allJoinedUnits
      .map((u) => decodePeer(u.name, u.receivedRaw))
      .filter((p): p is Peer => p !== null)
      .sort((a, b) => compareUnitNames(a.unit, b.unit));
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
    this.toggleFlag('available', this.peers().length > 0);
  }
}

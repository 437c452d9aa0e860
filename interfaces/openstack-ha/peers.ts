/** The `openstack-ha` peer endpoint (`cluster`): publish our endpoint addresses, read the peers'. See README.md. */
import { Endpoint } from '../../reactive/endpoint.js';
import { decodeUnits, type UnitProblems } from '../../reactive/decode/remote.js';
import { checkPeer, compareUnitNames, encodeAddresses, type Peer, type PeerAddresses } from './protocol.js';

export class OpenstackHaPeers extends Endpoint {
  static override readonly flagSuffixes = ['connected', 'available'] as const;

  publishAddresses(addresses: PeerAddresses): void {
    this.publishRawToAll(encodeAddresses(addresses));
  }

  private decoded() {
    return decodeUnits(this.allJoinedUnits, (u) => checkPeer(u.name, u.receivedRaw));
  }

  /** Peers with valid addresses, ordered by unit number (not including this unit); a peer with a bad one is left out. */
  peers(): Peer[] {
    return this.decoded().complete.map((c) => c.value).sort((a, b) => compareUnitNames(a.unit, b.unit));
  }

  /** Peers whose addresses break a rule, with the keys. */
  invalidData(): readonly UnitProblems[] {
    return this.decoded().invalid;
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
    this.toggleFlag('available', this.peers().length > 0);
  }
}

/**
 * The `openstack-ha` peer protocol (endpoint `cluster`) as data; see README.md.
 * Each unit publishes, as plain strings, the address it serves each endpoint type on; peers build their haproxy
 * backends from these (the peer's `private-address`, set by Juju, is the fallback).
 */

export type RawBag = Readonly<Record<string, string>>;

export interface PeerAddresses {
  readonly publicAddress: string;
  readonly internalAddress: string;
  readonly adminAddress: string;
}

export function encodeAddresses(a: PeerAddresses): Record<string, string> {
  return {
    'public-address': a.publicAddress,
    'internal-address': a.internalAddress,
    'admin-address': a.adminAddress,
  };
}

export interface Peer {
  readonly unit: string;
  readonly privateAddress: string;
  readonly publicAddress: string;
  readonly internalAddress: string;
  readonly adminAddress: string;
}

/** A peer counts once Juju has given it a private (or ingress) address; missing endpoint addresses fall back to it. */
export function decodePeer(unit: string, raw: RawBag): Peer | null {
  const privateAddress = (raw['private-address'] ?? raw['ingress-address'])?.trim();
  if (!privateAddress) return null;
  const pick = (k: string): string => raw[k]?.trim() || privateAddress;
  return {
    unit,
    privateAddress,
    publicAddress: pick('public-address'),
    internalAddress: pick('internal-address'),
    adminAddress: pick('admin-address'),
  };
}

/** Unit names ordered by unit number (`masakari/2` before `masakari/10`). */
export function compareUnitNames(a: string, b: string): number {
  const [an, ai] = a.split('/');
  const [bn, bi] = b.split('/');
  if (an !== bn) return (an ?? '') < (bn ?? '') ? -1 : 1;
  return Number(ai) - Number(bi);
}

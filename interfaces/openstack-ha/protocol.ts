/**
 * The `openstack-ha` peer protocol (endpoint `cluster`) as data; see README.md.
 * Each unit publishes, as plain strings, the address it serves each endpoint type on; peers build their haproxy
 * backends from these (the peer's `private-address`, set by Juju, is the fallback).
 */

import { decodeFields, field, type BagResult } from '../../reactive/decode/fields.js';
import { ipAddress } from '../../reactive/decode/values.js';

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

/**
 * A peer counts once Juju has given it a private (or ingress) address; missing endpoint addresses fall back to it.
 * Every address must be an IP address: it becomes a `server` line of haproxy.cfg.
 */
export function checkPeer(unit: string, raw: RawBag): BagResult<Peer> {
  const bag = { ...raw, 'private-address': raw['private-address'] ?? raw['ingress-address'] ?? '' };
  const decoded = decodeFields(bag, {
    privateAddress: field('private-address', ipAddress),
    publicAddress: field<string | null>('public-address', ipAddress, null),
    internalAddress: field<string | null>('internal-address', ipAddress, null),
    adminAddress: field<string | null>('admin-address', ipAddress, null),
  });
  if (!decoded.ok) return decoded;
  const v = decoded.value;
  return {
    ok: true,
    value: {
      unit,
      privateAddress: v.privateAddress,
      publicAddress: v.publicAddress ?? v.privateAddress,
      internalAddress: v.internalAddress ?? v.privateAddress,
      adminAddress: v.adminAddress ?? v.privateAddress,
    },
  };
}

export function decodePeer(unit: string, raw: RawBag): Peer | null {
  const checked = checkPeer(unit, raw);
  return checked.ok ? checked.value : null;
}

/** Unit names ordered by unit number (`masakari/2` before `masakari/10`). */
export function compareUnitNames(a: string, b: string): number {
  const [an, ai] = a.split('/');
  const [bn, bi] = b.split('/');
  if (an !== bn) return (an ?? '') < (bn ?? '') ? -1 : 1;
  return Number(ai) - Number(bi);
}

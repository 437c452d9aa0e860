/**
 * Which certificates an OpenStack API unit asks for (pure): one for the machine's host name carrying every address
 * the unit answers on, and one per binding that has its own public host name (`os-<binding>-hostname`). The shape
 * charm-helpers' cert_utils gives the stock API charms, so a provider configured for them issues ours too.
 */
import type { CertRequest } from './protocol.js';

export const API_BINDINGS = ['public', 'internal', 'admin'] as const;
export type ApiBinding = (typeof API_BINDINGS)[number];

export interface BindingFacts {
  /** This unit's address on the binding. */
  readonly address: string;
  /** The VIP in the binding's network, when the service is clustered. */
  readonly vip?: string;
  /** `os-<binding>-hostname`: the name clients reach the binding by. */
  readonly hostname?: string;
}

export interface UnitNames {
  /** The machine's host name: the common name of the unit's own certificate. */
  readonly hostname: string;
  /** The unit's main address (what the peers and haproxy reach it on). */
  readonly address: string;
  readonly bindings: Readonly<Partial<Record<ApiBinding, BindingFacts>>>;
}

/**
 * The unit's certificate names every address and VIP, so the hop from haproxy on any unit to this unit's API
 * verifies against the unit's address, and a client that reaches the VIP by address verifies too. Bindings with a
 * host name of their own get a certificate for that name (with their address and VIP) as well.
 */
export function certificateRequests(names: UnitNames): CertRequest[] {
  const bindings = API_BINDINGS.flatMap((b) => (names.bindings[b] ? [names.bindings[b]!] : []));
  const all = [names.address, ...bindings.flatMap((b) => [b.address, ...(b.vip ? [b.vip] : [])])];
  const own: CertRequest = { commonName: names.hostname, sans: [...new Set(all)].sort() };
  const named = new Map<string, Set<string>>();
  for (const b of bindings) {
    if (!b.hostname || b.hostname === names.hostname) continue;
    const sans = named.get(b.hostname) ?? new Set<string>();
    sans.add(b.address);
    if (b.vip) sans.add(b.vip);
    named.set(b.hostname, sans);
  }
  return [own, ...[...named].sort(([a], [b]) => (a < b ? -1 : 1)).map(([commonName, sans]) => ({ commonName, sans: [...sans].sort() }))];
}

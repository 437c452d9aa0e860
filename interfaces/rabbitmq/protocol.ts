/**
 * The `rabbitmq` relation protocol (endpoint `amqp`) as data; see README.md.
 * Both directions are classic plain strings (rabbitmq-server is a classic hooks charm).
 */
import { decodeFields, field, type BagResult } from '../../reactive/decode/fields.js';
import { pemCertificates } from '../../reactive/decode/pem.js';
import { bracketHost, encodeUserInfo, hostOrAddress, identifier, integer, list, port, secret, yesNo } from '../../reactive/decode/values.js';

export type RawBag = Readonly<Record<string, string>>;

export interface AccessRequest {
  readonly username: string;
  readonly vhost: string;
  /** The requirer's address on the amqp binding. */
  readonly privateAddress?: string;
  /** Optional extras rabbitmq-server understands: queue TTL policy and admin tag. */
  readonly admin?: boolean;
  readonly ttlName?: string;
  readonly ttlRegex?: string;
  readonly ttlMs?: number;
}

export function encodeRequest(request: AccessRequest): Record<string, string | null> {
  return {
    username: request.username,
    vhost: request.vhost,
    'private-address': request.privateAddress ?? null,
    admin: request.admin === undefined ? null : String(request.admin),
    ttlname: request.ttlName ?? null,
    ttlreg: request.ttlRegex ?? null,
    ttl: request.ttlMs === undefined ? null : String(request.ttlMs),
  };
}

/** A requirer unit's request as rabbitmq reads it; null until both username and vhost are there. */
export function decodeRequest(raw: RawBag): AccessRequest | null {
  // User and vhost become rabbitmqctl arguments on the broker side: plain names only.
  const decoded = decodeFields({ ...raw, 'private-address': raw['private-address'] ?? raw['ingress-address'] ?? '' }, {
    username: field('username', identifier(64)),
    vhost: field('vhost', identifier(64)),
    address: field<string | null>('private-address', hostOrAddress, null),
    ttlMs: field<number | null>('ttl', integer(0, 2 ** 31 - 1), null),
  });
  if (!decoded.ok) return null;
  const { username, vhost, address } = decoded.value;
  return { username, vhost, ...(address ? { privateAddress: address } : {}) };
}

/** One rabbitmq unit's answer. */
export interface BrokerUnit {
  readonly unit: string;
  readonly address: string;
  readonly hostname?: string;
  readonly password: string;
  readonly sslPort?: number;
  /** The CA's certificates as PEM text (parsed; rabbitmq-server sends them base64-encoded). */
  readonly sslCa?: string;
  readonly clustered: boolean;
  readonly vip?: string;
  readonly haVipOnly: boolean;
}

const BROKER_FIELDS = {
  address: field('private-address', hostOrAddress),
  password: field('password', secret()),
  hostname: field<string | null>('hostname', hostOrAddress, null),
  sslPort: field<number | null>('ssl_port', port, null),
  sslCa: field<string | null>('ssl_ca', pemCertificates(), null),
  clustered: field('clustered', yesNo, false),
  vip: field<string[]>('vip', list(hostOrAddress, 16), []),
  haVipOnly: field('ha-vip-only', yesNo, false),
};

/** One broker unit's answer, typed; missing while it has not sent both an address and the password. */
export function checkBrokerUnit(unit: string, raw: RawBag): BagResult<BrokerUnit> {
  const bag = { ...raw, 'private-address': raw['private-address'] ?? raw['ingress-address'] ?? '' };
  const decoded = decodeFields(bag, BROKER_FIELDS);
  if (!decoded.ok) return decoded;
  const v = decoded.value;
  return {
    ok: true,
    value: {
      unit,
      address: v.address,
      password: v.password,
      ...(v.hostname !== null ? { hostname: v.hostname } : {}),
      ...(v.sslPort !== null ? { sslPort: v.sslPort } : {}),
      ...(v.sslCa !== null ? { sslCa: v.sslCa } : {}),
      clustered: v.clustered,
      // rabbitmq-server passes its vip option on, which may list one VIP per network: the first is the broker's.
      ...(v.vip.length > 0 ? { vip: v.vip[0]! } : {}),
      haVipOnly: v.haVipOnly,
    },
  };
}

/** Null while the unit has not answered with both an address and the password, or sent a value that breaks a rule. */
export function decodeBrokerUnit(unit: string, raw: RawBag): BrokerUnit | null {
  const checked = checkBrokerUnit(unit, raw);
  return checked.ok ? checked.value : null;
}

/** What a requirer needs to connect: every broker host (sorted), the credentials and TLS settings. */
export interface BrokerAccess {
  readonly username: string;
  readonly vhost: string;
  readonly password: string;
  readonly hosts: readonly string[];
  readonly port: number;
  readonly ssl: boolean;
  readonly sslCa?: string;
}

/**
 * Combines the answering units. Every unit with an address and the password is a host (the stock charms' rule,
 * and the fix of LP#1950331 where only one host made it into transport_url); when rabbit is clustered behind a
 * VIP with ha-vip-only, the VIP alone.
 */
export function brokerAccess(request: { username: string; vhost: string }, units: readonly BrokerUnit[]): BrokerAccess | null {
  if (units.length === 0) return null;
  const first = units[0]!;
  const vipOnly = units.find((u) => u.clustered && u.haVipOnly && u.vip);
  const hosts = vipOnly ? [vipOnly.vip!] : [...new Set(units.map((u) => u.address))].sort(compareAddresses);
  const sslPort = units.find((u) => u.sslPort !== undefined)?.sslPort;
  const sslCa = units.find((u) => u.sslCa)?.sslCa;
  return {
    username: request.username,
    vhost: request.vhost,
    password: first.password,
    hosts,
    port: sslPort ?? 5672,
    ssl: sslPort !== undefined,
    ...(sslCa ? { sslCa } : {}),
  };
}

/** Numeric order for IPv4 addresses (10.0.0.9 before 10.0.0.10), text order otherwise. */
export function compareAddresses(a: string, b: string): number {
  const v4 = (s: string): number[] | null => (/^\d+\.\d+\.\d+\.\d+$/.test(s) ? s.split('.').map(Number) : null);
  const pa = v4(a);
  const pb = v4(b);
  if (pa && pb) {
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** oslo.messaging transport URL: `rabbit://user:pass@h1:port,user:pass@h2:port/vhost`. */
export function transportUrl(access: BrokerAccess): string {
  const auth = `${encodeUserInfo(access.username)}:${encodeUserInfo(access.password)}`;
  const hosts = access.hosts.map((h) => `${auth}@${bracketHost(h)}:${access.port}`).join(',');
  return `rabbit://${hosts}/${encodeUserInfo(access.vhost)}`;
}

/**
 * The `rabbitmq` relation protocol (endpoint `amqp`) as data; see README.md.
 * Both directions are classic plain strings (rabbitmq-server is a classic hooks charm).
 */
import { encodeUserInfo, urlHost } from '../mysql-shared/protocol.js';

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
  const username = raw.username?.trim();
  const vhost = raw.vhost?.trim();
  if (!username || !vhost) return null;
  const address = (raw['private-address'] ?? raw['ingress-address'])?.trim();
  return { username, vhost, ...(address ? { privateAddress: address } : {}) };
}

/** One rabbitmq unit's answer. */
export interface BrokerUnit {
  readonly unit: string;
  readonly address: string;
  readonly hostname?: string;
  readonly password: string;
  readonly sslPort?: number;
  /** Base64 PEM, as rabbitmq-server sends it. */
  readonly sslCa?: string;
  readonly clustered: boolean;
  readonly vip?: string;
  readonly haVipOnly: boolean;
}

const truthy = (value: string | undefined): boolean => ['true', 'yes', '1'].includes((value ?? '').trim().toLowerCase());

/** Null while the unit has not answered with both an address and the password. */
export function decodeBrokerUnit(unit: string, raw: RawBag): BrokerUnit | null {
  const address = (raw['private-address'] ?? raw['ingress-address'])?.trim();
  const password = raw.password;
  if (!address || !password) return null;
  const sslPort = raw.ssl_port?.trim() ? Number(raw.ssl_port.trim()) : undefined;
  return {
    unit,
    address,
    password,
    ...(raw.hostname?.trim() ? { hostname: raw.hostname.trim() } : {}),
    ...(sslPort !== undefined && Number.isInteger(sslPort) && sslPort > 0 && sslPort < 65536 ? { sslPort } : {}),
    ...(raw.ssl_ca?.trim() ? { sslCa: raw.ssl_ca.trim() } : {}),
    clustered: truthy(raw.clustered),
    ...(raw.vip?.trim() ? { vip: raw.vip.trim() } : {}),
    haVipOnly: truthy(raw['ha-vip-only']),
  };
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
  const hosts = access.hosts.map((h) => `${auth}@${urlHost(h)}:${access.port}`).join(',');
  return `rabbit://${hosts}/${encodeUserInfo(access.vhost)}`;
}

/**
 * Config rules beyond config.yaml's types: ranges and patterns as JSON-schema keywords (checked by the framework
 * with ajv), plus checks that need code (IP addresses, CIDRs, PEM material, option combinations). Messages name
 * the option and what is accepted; secret values are never echoed.
 */
import { BlockList, isIP } from 'node:net';
import type { ConfigCheck, ConfigRules, ConfigValues } from '../../../reactive/config.js';

const HOSTNAME = '^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$';
const TIMEOUT_MS = { minimum: 1, maximum: 3_600_000 };

export const configRules: ConfigRules = {
  'evacuation-delay': { minimum: 0, maximum: 3600 },
  'fence-confirm-timeout': { minimum: 10, maximum: 3600 },
  'notification-expiration': { minimum: 60, maximum: 31_536_000 },
  'check-expired-interval': { minimum: 10, maximum: 86_400 },
  region: { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$' },
  'vip_iface': { pattern: '^[A-Za-z0-9_.:@-]{1,15}$' },
  'vip_cidr': { minimum: 1, maximum: 128 },
  'worker-multiplier': { exclusiveMinimum: 0, maximum: 64 },
  'haproxy-server-timeout': TIMEOUT_MS,
  'haproxy-client-timeout': TIMEOUT_MS,
  'haproxy-queue-timeout': TIMEOUT_MS,
  'haproxy-connect-timeout': TIMEOUT_MS,
  'os-public-hostname': { pattern: HOSTNAME },
  'os-internal-hostname': { pattern: HOSTNAME },
  'os-admin-hostname': { pattern: HOSTNAME },
  'openstack-origin': { enum: ['distro'] },
};

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Parses `10.0.0.0/24` or `fd00::/64`; null when it is not a network in CIDR notation. */
export function parseCidr(text: string): Cidr | null {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return null;
  const version = isIP(m[1]!);
  const prefix = Number(m[2]);
  if (version === 0 || prefix > (version === 4 ? 32 : 128)) return null;
  return { address: m[1]!, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export function inCidr(address: string, cidr: Cidr): boolean {
  const version = isIP(address);
  if (version === 0 || (version === 4) !== (cidr.family === 'ipv4')) return false;
  const list = new BlockList();
  list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  return list.check(address, cidr.family);
}

export function parseVips(value: unknown): string[] {
  return typeof value === 'string' ? value.split(/\s+/).filter((v) => v !== '') : [];
}

/** Base64 of PEM text containing the given block type; returns the PEM or null. */
export function decodePem(value: string, kinds: readonly string[]): string | null {
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return null;
  const text = Buffer.from(compact, 'base64').toString('utf8');
  return kinds.some((k) => new RegExp(`-----BEGIN ${k}-----[\\s\\S]+-----END ${k}-----`).test(text)) ? text : null;
}

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

export const configCheck: ConfigCheck = (config: ConfigValues) => {
  const errors: string[] = [];
  for (const vip of parseVips(config.vip)) {
    if (isIP(vip) === 0) errors.push(`vip: "${vip}" is not an IP address (accepted: space-separated IPv4/IPv6 addresses)`);
  }
  const vips = parseVips(config.vip);
  if (new Set(vips).size !== vips.length) errors.push('vip: an address is listed twice');
  const cidr = config['vip_cidr'];
  if (typeof cidr === 'number' && vips.some((v) => isIP(v) === 4) && cidr > 32) {
    errors.push(`vip_cidr: ${cidr} is too long for an IPv4 VIP (accepted: 1-32)`);
  }
  for (const type of ['public', 'internal', 'admin']) {
    const net = str(config[`os-${type}-network`]);
    if (net && !parseCidr(net)) errors.push(`os-${type}-network: "${net}" is not a network in CIDR notation (e.g. 10.5.0.0/16)`);
  }
  if (config['dns-ha'] === true) errors.push('dns-ha: DNS HA is not supported by this charm (accepted: false; use vip with hacluster)');
  const cert = str(config['ssl_cert']);
  const key = str(config['ssl_key']);
  const ca = str(config['ssl_ca']);
  if (cert && !decodePem(cert, ['CERTIFICATE'])) errors.push('ssl_cert: not a base64-encoded PEM certificate');
  if (key && !decodePem(key, ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'])) errors.push('ssl_key: not a base64-encoded PEM private key');
  if (ca && !decodePem(ca, ['CERTIFICATE'])) errors.push('ssl_ca: not a base64-encoded PEM certificate');
  if (Boolean(cert) !== Boolean(key)) errors.push('ssl_cert/ssl_key: set both or neither');
  return errors;
};

/** require-fencing (default true): evacuate only after a confirmed fence (fence-gate.ts). */
export function fencingRequired(config: ConfigValues): boolean {
  return config['require-fencing'] !== false;
}

export function tlsEnabled(config: ConfigValues): boolean {
  return str(config['ssl_cert']) !== '' && str(config['ssl_key']) !== '';
}

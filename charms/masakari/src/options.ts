/**
 * Config rules beyond config.yaml's types: ranges and patterns as JSON-schema keywords (checked by the framework
 * with ajv), plus checks that need code (IP addresses, CIDRs, PEM material, option combinations). Messages name
 * the option and what is accepted; secret values are never echoed.
 */
import { BlockList, isIP } from 'node:net';
import type { ConfigCheck, ConfigRules, ConfigValues } from '../../../reactive/config.js';
import { keyMatchesCertificate, pemCertificates, pemPrivateKey } from '../../../reactive/decode/pem.js';
import type { Decoder } from '../../../reactive/decode/values.js';

const HOSTNAME = '^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$';
const TIMEOUT_MS = { minimum: 1, maximum: 3_600_000 };

export const configRules: ConfigRules = {
  'evacuation-delay': { minimum: 0, maximum: 3600 },
  'fence-confirm-timeout': { minimum: 10, maximum: 3600 },
  'recovery-cooldown': { minimum: 0, maximum: 604_800 },
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
  vip: { maxLength: 1024 },
  'os-public-network': { maxLength: 64 },
  'os-internal-network': { maxLength: 64 },
  'os-admin-network': { maxLength: 64 },
  ssl_cert: { maxLength: 262_144 },
  ssl_key: { maxLength: 65_536 },
  ssl_ca: { maxLength: 262_144 },
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

/** ssl_cert, ssl_key and ssl_ca parsed by Node's crypto; null for an option that is unset or does not parse. */
export interface TlsMaterial {
  readonly cert: string | null;
  readonly key: string | null;
  readonly ca: string | null;
}

export function tlsMaterial(config: ConfigValues): TlsMaterial {
  const parse = (option: string, decode: Decoder<string>): string | null => {
    const value = str(config[option]);
    if (!value) return null;
    const decoded = decode(value);
    return decoded.ok ? decoded.value : null;
  };
  return { cert: parse('ssl_cert', pemCertificates()), key: parse('ssl_key', pemPrivateKey()), ca: parse('ssl_ca', pemCertificates()) };
}

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/** Messages name the option and the rule; values are never repeated (an option may hold a key, and may be 100 KB). */
export const configCheck: ConfigCheck = (config: ConfigValues) => {
  const errors: string[] = [];
  const vips = parseVips(config.vip);
  if (vips.length > 16) errors.push('vip: at most 16 addresses are accepted');
  else if (vips.some((vip) => isIP(vip) === 0)) errors.push('vip: must be space-separated IPv4 or IPv6 addresses');
  else if (new Set(vips).size !== vips.length) errors.push('vip: an address is listed twice');
  const cidr = config['vip_cidr'];
  if (typeof cidr === 'number' && vips.some((v) => isIP(v) === 4) && cidr > 32) {
    errors.push('vip_cidr: must be 1-32 when a VIP is an IPv4 address');
  }
  for (const type of ['public', 'internal', 'admin']) {
    const net = str(config[`os-${type}-network`]);
    if (net && !parseCidr(net)) errors.push(`os-${type}-network: must be a network in CIDR notation (e.g. 10.5.0.0/16)`);
  }
  if (config['dns-ha'] === true) errors.push('dns-ha: DNS HA is not supported by this charm (accepted: false; use vip with hacluster)');
  const tls = tlsMaterial(config);
  const cert = str(config['ssl_cert']);
  const key = str(config['ssl_key']);
  const ca = str(config['ssl_ca']);
  if (cert && !tls.cert) errors.push('ssl_cert: must be base64 of PEM certificates that parse');
  if (key && !tls.key) errors.push('ssl_key: must be base64 of one unencrypted PEM private key that parses');
  if (ca && !tls.ca) errors.push('ssl_ca: must be base64 of PEM certificates that parse');
  if (Boolean(cert) !== Boolean(key)) errors.push('ssl_cert/ssl_key: set both or neither');
  else if (tls.cert && tls.key && !keyMatchesCertificate(tls.cert, tls.key)) errors.push('ssl_key: must be the private key of the first certificate in ssl_cert');
  return errors;
};

/** require-fencing (default true): evacuate only after a confirmed fence (fence-gate.ts). */
export function fencingRequired(config: ConfigValues): boolean {
  return config['require-fencing'] !== false;
}

export function tlsEnabled(config: ConfigValues): boolean {
  return str(config['ssl_cert']) !== '' && str(config['ssl_key']) !== '';
}

/**
 * The `mysql-shared` relation protocol (endpoint `shared-db`) as data; see README.md.
 * Both directions are classic plain strings: mysql-router / percona-cluster write them with relation-set and the
 * stock requirer is a RelationBase layer, so nothing here is JSON.
 */

import { decodeFields, field, type BagResult, type Problem } from '../../reactive/decode/fields.js';
import { pemCertificates } from '../../reactive/decode/pem.js';
import { bracketHost, encodeUserInfo, hostOrAddress, identifier, integer, list, port, secret, unitName, yesNo } from '../../reactive/decode/values.js';

export type RawBag = Readonly<Record<string, string>>;

/** What a requirer asks for. With a prefix the keys become `<prefix>_database` etc. (masakari uses none). */
export interface DatabaseRequest {
  readonly database: string;
  readonly username: string;
  /** The requirer's address on the shared-db binding: the database grants access from there. */
  readonly hostname: string;
  readonly prefix?: string;
}

function key(prefix: string | undefined, name: string): string {
  return prefix ? `${prefix}_${name}` : name;
}

export function encodeRequest(request: DatabaseRequest): Record<string, string> {
  return {
    [key(request.prefix, 'database')]: request.database,
    [key(request.prefix, 'username')]: request.username,
    [key(request.prefix, 'hostname')]: request.hostname,
  };
}

/** The requests found in one requirer unit's bag (unprefixed and prefixed ones), in key order. */
export function decodeRequests(raw: RawBag): DatabaseRequest[] {
  return readRequests(raw).requests;
}

/**
 * The requests of one requirer unit's bag, and the keys of those it asked for but wrote wrongly: names and the
 * address go into SQL grants on the database side, so anything but a plain name is refused, and the database side
 * says which key of which unit broke which rule.
 */
export function readRequests(raw: RawBag): { requests: DatabaseRequest[]; refused: Problem[] } {
  const requests: DatabaseRequest[] = [];
  const refused: Problem[] = [];
  const prefixes = new Set<string | undefined>();
  for (const k of Object.keys(raw).sort()) {
    if (k === 'database') prefixes.add(undefined);
    else if (k.endsWith('_database')) prefixes.add(k.slice(0, -'_database'.length));
  }
  for (const prefix of prefixes) {
    if (prefix !== undefined && !identifier(32)(prefix).ok) {
      refused.push({ key: 'a key ending in _database', rule: 'must have a prefix of letters, digits, _ . or -' });
      continue;
    }
    const bag = { ...raw, hostname: raw[key(prefix, 'hostname')] ?? raw['ingress-address'] ?? raw['private-address'] ?? '' };
    const decoded = decodeFields(bag, {
      database: field(key(prefix, 'database'), identifier(64)),
      username: field(key(prefix, 'username'), identifier(32)),
      hostname: field('hostname', hostOrAddress),
    });
    if (!decoded.ok) {
      // A request still being written (a key missing) is not refused: the next relation-changed completes it.
      refused.push(...decoded.invalid);
      continue;
    }
    const { database, username, hostname } = decoded.value;
    requests.push(prefix === undefined ? { database, username, hostname } : { database, username, hostname, prefix });
  }
  return { requests, refused };
}

/** What the database side answers to one requirer application. */
export interface ConnectionInfo {
  readonly host: string;
  readonly port: number;
  readonly password: string;
  /** Unit names allowed to connect, e.g. `masakari/0`. */
  readonly allowedUnits: readonly string[];
  /** The CA's certificates as PEM text (parsed; the database side sends them base64-encoded). */
  readonly sslCa?: string;
  readonly waitTimeout?: number;
}

export function encodeConnectionInfo(info: ConnectionInfo, prefix?: string): Record<string, string | null> {
  return {
    db_host: info.host,
    db_port: String(info.port),
    [key(prefix, 'password')]: info.password,
    [key(prefix, 'allowed_units')]: [...info.allowedUnits].join(' '),
    ssl_ca: info.sslCa ?? null,
    wait_timeout: info.waitTimeout === undefined ? null : String(info.waitTimeout),
  };
}

/** How a database unit's answer is decoded: where, the password, who may connect, the optional extras. */
function connectionFields(prefix: string | undefined) {
  return {
    host: field('db_host', hostOrAddress),
    port: field('db_port', port, 3306),
    password: field(key(prefix, 'password'), secret()),
    allowedUnits: field(key(prefix, 'allowed_units'), list(unitName)),
    sslCa: field<string | null>('ssl_ca', pemCertificates(), null),
    waitTimeout: field<number | null>('wait_timeout', integer(1, 31_536_000), null),
    seriesUpgrading: field('cluster-series-upgrading', yesNo, false),
  };
}

/**
 * Reads the database side's bag into typed values. Complete only when host, password and allowed_units are there,
 * this unit is listed in allowed_units and the cluster is not in a series upgrade — the stock interface's rule:
 * before our unit is listed the grant for our address may not exist yet, so that counts as missing, not invalid.
 */
export function checkConnectionInfo(raw: RawBag, localUnit: string, prefix?: string): BagResult<ConnectionInfo> {
  const decoded = decodeFields(raw, connectionFields(prefix));
  if (!decoded.ok) return decoded;
  const v = decoded.value;
  if (!v.allowedUnits.includes(localUnit)) return { ok: false, missing: [key(prefix, 'allowed_units')], invalid: [] };
  if (v.seriesUpgrading) return { ok: false, missing: ['cluster-series-upgrading'], invalid: [] };
  return {
    ok: true,
    value: {
      host: v.host,
      port: v.port,
      password: v.password,
      allowedUnits: v.allowedUnits,
      ...(v.sslCa !== null ? { sslCa: v.sslCa } : {}),
      ...(v.waitTimeout !== null ? { waitTimeout: v.waitTimeout } : {}),
    },
  };
}

/** The answer when complete and valid, else null (checkConnectionInfo says why). */
export function decodeConnectionInfo(raw: RawBag, localUnit: string, prefix?: string): ConnectionInfo | null {
  const checked = checkConnectionInfo(raw, localUnit, prefix);
  return checked.ok ? checked.value : null;
}

/** The SQLAlchemy URI OpenStack services use: `mysql+pymysql://user:pass@host:port/db[?ssl_ca=path]`. */
export function databaseUri(options: {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly database: string;
  readonly sslCaPath?: string;
  readonly scheme?: string;
}): string {
  const scheme = options.scheme ?? 'mysql+pymysql';
  const auth = `${encodeUserInfo(options.username)}:${encodeUserInfo(options.password)}`;
  const query = options.sslCaPath ? `?ssl_ca=${encodeURIComponent(options.sslCaPath)}` : '';
  return `${scheme}://${auth}@${bracketHost(options.host)}:${options.port}/${encodeURIComponent(options.database)}${query}`;
}

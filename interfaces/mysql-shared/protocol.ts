/**
 * The `mysql-shared` relation protocol (endpoint `shared-db`) as data; see README.md.
 * Both directions are classic plain strings: mysql-router / percona-cluster write them with relation-set and the
 * stock requirer is a RelationBase layer, so nothing here is JSON.
 */

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
  const found: DatabaseRequest[] = [];
  const prefixes = new Set<string | undefined>();
  for (const k of Object.keys(raw).sort()) {
    if (k === 'database') prefixes.add(undefined);
    else if (k.endsWith('_database')) prefixes.add(k.slice(0, -'_database'.length));
  }
  for (const prefix of prefixes) {
    const database = raw[key(prefix, 'database')]?.trim();
    const username = raw[key(prefix, 'username')]?.trim();
    const hostname = (raw[key(prefix, 'hostname')] ?? raw['ingress-address'] ?? raw['private-address'])?.trim();
    if (!database || !username || !hostname) continue;
    found.push(prefix === undefined ? { database, username, hostname } : { database, username, hostname, prefix });
  }
  return found;
}

/** What the database side answers to one requirer application. */
export interface ConnectionInfo {
  readonly host: string;
  readonly port: number;
  readonly password: string;
  /** Unit names allowed to connect, e.g. `masakari/0`. */
  readonly allowedUnits: readonly string[];
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

/**
 * Reads the database side's bag. Ready (non-null) only when host, password and allowed_units are present, this
 * unit is listed in allowed_units and the cluster is not in a series upgrade — the stock interface's rule: before
 * our unit is listed the grant for our address may not exist yet.
 */
export function decodeConnectionInfo(raw: RawBag, localUnit: string, prefix?: string): ConnectionInfo | null {
  const host = raw.db_host?.trim();
  const password = raw[key(prefix, 'password')];
  const allowed = (raw[key(prefix, 'allowed_units')] ?? '').split(/\s+/).filter((u) => u !== '');
  if (!host || !password || allowed.length === 0) return null;
  if (!allowed.includes(localUnit)) return null;
  if ((raw['cluster-series-upgrading'] ?? '').trim().toLowerCase() === 'true') return null;
  const port = raw.db_port?.trim() ? Number(raw.db_port.trim()) : 3306;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  const waitTimeout = raw.wait_timeout?.trim() ? Number(raw.wait_timeout.trim()) : undefined;
  return {
    host,
    port,
    password,
    allowedUnits: allowed,
    ...(raw.ssl_ca?.trim() ? { sslCa: raw.ssl_ca.trim() } : {}),
    ...(waitTimeout !== undefined && Number.isFinite(waitTimeout) ? { waitTimeout } : {}),
  };
}

/** Brackets an IPv6 literal for use in a URL authority. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Percent-encodes a URL user-info part. Beyond what URLs need, `$` and `%` are always encoded: oslo.config
 * substitutes `$name` inside option values, and SQLAlchemy / kombu decode percent-escapes.
 */
export function encodeUserInfo(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
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
  return `${scheme}://${auth}@${urlHost(options.host)}:${options.port}/${encodeURIComponent(options.database)}${query}`;
}

/**
 * Real Keystone (Debian's 22.0.2 under uwsgi, MariaDB-backed) inside the test namespace, set up the way the
 * keystone charm sets it up for a related service: a service domain and project, a service user with the admin
 * role, and the catalog entries (masakari as instance-ha, nova as compute).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { grantDatabase, type MariaDb } from './mariadb.js';
import { inNetns, type Netns } from './netns.js';
import { httpAnswers, run, startDaemon, stopDaemon, waitFor, type Daemon } from './processes.js';

export interface Keystone {
  readonly daemon: Daemon;
  readonly url: string;
  /** POST/GET against the identity API as the cloud admin. */
  admin<T>(method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

const ADMIN_PASSWORD = 'ct-admin-Pw4x';

export async function startKeystone(ns: Netns, dir: string, db: MariaDb): Promise<Keystone> {
  mkdirSync(dir, { recursive: true });
  await grantDatabase(db, 'keystone', 'keystone', 'ct-keystone-Pw7q');
  const conf = join(dir, 'keystone.conf');
  writeFileSync(conf, [
    '[DEFAULT]', `log_file = ${join(dir, 'keystone.log')}`,
    '[database]', `connection = mysql+pymysql://keystone:ct-keystone-Pw7q@${ns.nsAddress}:3306/keystone`,
    '[fernet_tokens]', `key_repository = ${join(dir, 'fernet-keys')}`,
    '[credential]', `key_repository = ${join(dir, 'credential-keys')}`,
    '[token]', 'provider = fernet', '',
  ].join('\n'));
  const manage = (...args: string[]): Promise<string> => run(inNetns(ns, {}, ['keystone-manage', '--config-file', conf, ...args]), { timeoutMs: 180_000 });
  await manage('db_sync');
  await manage('fernet_setup', '--keystone-user', 'root', '--keystone-group', 'root');
  await manage('credential_setup', '--keystone-user', 'root', '--keystone-group', 'root');
  const url = `http://${ns.nsAddress}:5000`;
  await manage('bootstrap', '--bootstrap-password', ADMIN_PASSWORD, '--bootstrap-admin-url', `${url}/v3/`,
    '--bootstrap-internal-url', `${url}/v3/`, '--bootstrap-public-url', `${url}/v3/`, '--bootstrap-region-id', 'RegionOne');
  // The keystone charm serves the admin API on 35357 and the public one on 5000: one uwsgi on both.
  const daemon = startDaemon('keystone', inNetns(ns, {}, [
    'env', `OS_KEYSTONE_CONFIG_DIR=${dir}`, 'uwsgi', '--plugins', 'python3', '--http-socket', `${ns.nsAddress}:5000`,
    '--http-socket', `${ns.nsAddress}:35357`, '--add-header', 'Connection: close', '--master', '--processes', '2',
    '--threads', '4', '--wsgi-file', '/usr/bin/keystone-wsgi-public', '--die-on-term', '--lazy-apps',
  ]), join(dir, 'uwsgi.log'));
  await waitFor('Keystone', () => httpAnswers(`${url}/v3`), 180_000, daemon);

  const token = await fetch(`${url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: ADMIN_PASSWORD } } }, scope: { project: { name: 'admin', domain: { name: 'Default' } } } } }),
  }).then((r) => r.headers.get('x-subject-token'));
  if (!token) throw new Error('keystone: no admin token');
  const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${url}/v3${path}`, { method, headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await r.text();
    if (!r.ok) throw new Error(`keystone ${method} ${path}: HTTP ${r.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
  return { daemon, url, admin, stop: () => stopDaemon(daemon) };
}

export interface ServiceAccount {
  readonly domainId: string;
  readonly projectId: string;
  readonly userId: string;
}

/** What the keystone charm does for identity-service: domain, project, user with admin role, catalog entries. */
export async function registerService(k: Keystone, o: {
  username: string; password: string; service: string; type: string; urls: Record<'public' | 'internal' | 'admin', string>;
}): Promise<ServiceAccount> {
  const domain = await findOrCreate(k, '/domains', 'domain', { name: 'service_domain', enabled: true });
  const project = await findOrCreate(k, `/projects?domain_id=${domain}`, 'project', { name: 'services', domain_id: domain, enabled: true }, '/projects');
  const user = (await k.admin<{ user: { id: string } }>('POST', '/users', { user: { name: o.username, password: o.password, domain_id: domain, enabled: true } })).user.id;
  const roles = await k.admin<{ roles: { id: string; name: string }[] }>('GET', '/roles?name=admin');
  await k.admin('PUT', `/projects/${project}/users/${user}/roles/${roles.roles[0]!.id}`);
  await addCatalogEntry(k, o.service, o.type, o.urls);
  return { domainId: domain, projectId: project, userId: user };
}

export async function addCatalogEntry(k: Keystone, name: string, type: string, urls: Record<'public' | 'internal' | 'admin', string>): Promise<void> {
  const service = (await k.admin<{ service: { id: string } }>('POST', '/services', { service: { name, type, enabled: true } })).service.id;
  for (const [iface, url] of Object.entries(urls)) {
    await k.admin('POST', '/endpoints', { endpoint: { service_id: service, interface: iface, url, region_id: 'RegionOne', enabled: true } });
  }
}

async function findOrCreate(k: Keystone, listPath: string, kind: string, body: Record<string, unknown>, createPath = `/${kind}s`): Promise<string> {
  const sep = listPath.includes('?') ? '&' : '?';
  const found = await k.admin<Record<string, { id: string }[]>>('GET', `${listPath}${sep}name=${encodeURIComponent(String(body.name))}`);
  const existing = found[`${kind}s`]?.[0];
  if (existing) return existing.id;
  return (await k.admin<Record<string, { id: string }>>('POST', createPath, { [kind]: body }))[kind]!.id;
}

/**
 * What the stock keystone charm does for identity-credentials with requested_roles and requested_grants (as
 * masakari-monitors asks): the roles created, the user created in the service domain, granted those roles on the
 * services project and nothing else (no admin-role).
 */
export async function registerCredentials(k: Keystone, o: { username: string; password: string; roles: readonly string[] }): Promise<ServiceAccount> {
  const domain = await findOrCreate(k, '/domains', 'domain', { name: 'service_domain', enabled: true });
  const project = await findOrCreate(k, `/projects?domain_id=${domain}`, 'project', { name: 'services', domain_id: domain, enabled: true }, '/projects');
  const user = (await k.admin<{ user: { id: string } }>('POST', '/users', { user: { name: o.username, password: o.password, domain_id: domain, enabled: true } })).user.id;
  for (const name of o.roles) {
    const role = await findOrCreate(k, '/roles', 'role', { name });
    await k.admin('PUT', `/projects/${project}/users/${user}/roles/${role}`);
  }
  return { domainId: domain, projectId: project, userId: user };
}

/** A project-scoped token for a user of the service domain, as masakari-monitors' openstacksdk gets one. */
export async function userToken(k: Keystone, o: { username: string; password: string; project: string }): Promise<string> {
  const r = await fetch(`${k.url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: {
      identity: { methods: ['password'], password: { user: { name: o.username, domain: { name: 'service_domain' }, password: o.password } } },
      scope: { project: { name: o.project, domain: { name: 'service_domain' } } },
    } }),
  });
  const token = r.headers.get('x-subject-token');
  if (!r.ok || !token) throw new Error(`keystone: no token for ${o.username}: HTTP ${r.status}`);
  return token;
}

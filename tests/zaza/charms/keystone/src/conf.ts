/** Keystone's files as pure functions of the facts (config, database, address). */

export const KEYSTONE_CONF = '/etc/keystone/keystone.conf';
export const UWSGI_INI = '/etc/keystone/standin-uwsgi.ini';
export const SYSTEMD_DROPIN = '/etc/systemd/system/keystone.service.d/standin.conf';
export const ADMIN_OPENRC = '/root/admin-openrc';
/** Stock keystone's v3 service domain; `default` holds the admin. */
export const SERVICE_DOMAIN = 'service_domain';
export const ADMIN_ROLE = 'admin';
export const PUBLIC_PORT = 5000;
/** Stock keystone answers auth_port 35357; the same API is served there too. */
export const ADMIN_PORT = 35357;

/**
 * `workers`: uwsgi processes. With one, Keystone caches in its own memory (dogpile.cache.memory): validating a token
 * then costs about 13 ms instead of 250–450 ms on a test machine, and every call a hook makes validates one. That
 * cache is private to a process, so with several processes (which could then disagree, e.g. about a revoked token)
 * caching stays off. Stock keystone uses memcached for the same purpose.
 */
export function keystoneConf(databaseUri: string, workers = 1): string {
  return [
    '# Written by the keystone stand-in charm; changes are overwritten.',
    '[DEFAULT]',
    'log_dir = /var/log/keystone',
    '',
    '[database]',
    `connection = ${databaseUri}`,
    'max_retries = -1',
    '',
    // bcrypt's cost: Keystone's default of 12 rounds costs about 0.3 s per token or user on a small test machine,
    // and every hook that talks to Keystone pays it; 4 is the lowest bcrypt takes. A stand-in's setting only.
    '[identity]',
    'password_hash_rounds = 4',
    '',
    '[token]',
    'provider = fernet',
    'expiration = 3600',
    '',
    '[fernet_tokens]',
    'key_repository = /etc/keystone/fernet-keys/',
    '',
    '[credential]',
    'key_repository = /etc/keystone/credential-keys/',
    '',
    '[cache]',
    ...(workers === 1 ? ['enabled = true', 'backend = dogpile.cache.memory'] : ['enabled = false']),
    '',
  ].join('\n');
}

/**
 * Debian's unit starts uwsgi with 8 processes x 32 threads and the apparmor plugin; a 2-core CI machine and a
 * container without AppArmor want fewer workers and no profile. `Connection: close` avoids the keep-alive
 * resets python clients see against --http-socket.
 */
export function uwsgiIni(workers: number): string {
  return [
    '[uwsgi]',
    'plugins = python3',
    'master = true',
    `processes = ${workers}`,
    'threads = 4',
    'enable-threads = true',
    // Each process imports Keystone itself (about 3 CPU-s); one process with 4 threads serves a test cloud.
    'lazy-apps = true',
    'die-on-term = true',
    'no-orphans = true',
    'buffer-size = 65535',
    `http-socket = 0.0.0.0:${PUBLIC_PORT}`,
    `http-socket = 0.0.0.0:${ADMIN_PORT}`,
    'add-header = Connection: close',
    'wsgi-file = /usr/bin/keystone-wsgi-public',
    'name = keystone-api',
    'chdir = /var/lib/keystone',
    'logto = /var/log/keystone/keystone-uwsgi.log',
    '',
  ].join('\n');
}

/**
 * SIGINT ends uwsgi at once under any ini. The package's own ini lacks die-on-term, so SIGTERM (systemd's default)
 * makes it reload instead, and the stop of the boot-time instance waited 15 s for systemd to kill it.
 */
export function systemdDropIn(): string {
  return ['[Service]', 'ExecStart=', `ExecStart=/usr/bin/uwsgi --ini ${UWSGI_INI}`, 'KillSignal=SIGINT', ''].join('\n');
}

/** Where Keystone keeps its fernet token keys and its credential encryption keys. */
export const KEY_REPOSITORIES = ['/etc/keystone/fernet-keys', '/etc/keystone/credential-keys'] as const;

/**
 * A fresh key repository as `keystone-manage fernet_setup` (or `credential_setup`) leaves it: the primary key `1`
 * and the staged key `0`, each a Fernet key (32 random bytes, URL-safe base64 with padding, no newline).
 */
export function keyRepositoryFiles(random: (size: number) => Buffer): { name: string; content: string }[] {
  const key = () => random(32).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
  return [{ name: '1', content: key() }, { name: '0', content: key() }];
}

export function adminOpenrc(address: string, password: string, region: string): string {
  return [
    `export OS_AUTH_URL=http://${address}:${PUBLIC_PORT}/v3`,
    'export OS_IDENTITY_API_VERSION=3',
    'export OS_USERNAME=admin',
    `export OS_PASSWORD='${password}'`,
    'export OS_PROJECT_NAME=admin',
    'export OS_USER_DOMAIN_NAME=Default',
    'export OS_PROJECT_DOMAIN_NAME=Default',
    `export OS_REGION_NAME=${region}`,
    '',
  ].join('\n');
}

/** The service types stock keystone accepts for the names its requirers send (ensure_valid_service). */
export const SERVICE_TYPES: Readonly<Record<string, string>> = {
  masakari: 'instance-ha',
  nova: 'compute',
  placement: 'placement',
  glance: 'image',
  neutron: 'network',
  cinderv3: 'volumev3',
  keystone: 'identity',
};

/**
 * The values of /etc/masakari/masakari.conf as a pure function of config and relation data. Every section the
 * engine and API read is here: [DEFAULT] (messaging, the privileged user the engine calls nova as, recovery
 * timing), [database], [taskflow] (LP#1882656), [coordination], [keystone_authtoken], [host_failure], and with
 * require-fencing the recovery flows that start with the fence gate ([taskflow_driver_recovery_flows], [fence_gate]).
 */
import type { ConfigValues } from '../../../reactive/config.js';
import { databaseUri, type ConnectionInfo } from '../../../interfaces/mysql-shared/protocol.js';
import { transportUrl, type BrokerAccess } from '../../../interfaces/rabbitmq/protocol.js';
import { internalAuthUrl, adminAuthUrl, type ServiceCredentials } from '../../../interfaces/keystone/protocol.js';
import { fencingRequired } from './options.js';

export const CONF_DIR = '/etc/masakari';
export const CONF_PATH = `${CONF_DIR}/masakari.conf`;
export const API_PASTE_PATH = `${CONF_DIR}/api-paste.ini`;
export const DB_CA_PATH = `${CONF_DIR}/db-ca.pem`;
export const RABBIT_CA_PATH = `${CONF_DIR}/rabbitmq-ca.pem`;
export const KEYSTONE_CA_PATH = `${CONF_DIR}/keystone-ca.pem`;
export const DATABASE = 'masakari';
export const DB_USER = 'masakari';
export const AMQP_USER = 'masakari';
export const AMQP_VHOST = 'masakari';
/** The fence gate's entry point in 'masakari.task_flow.tasks' (see fence-gate.ts). */
export const FENCE_GATE_TASK = 'fenced_host_disable_task';

export interface ConfInputs {
  readonly config: ConfigValues;
  readonly db: ConnectionInfo;
  readonly amqp: BrokerAccess;
  readonly keystone: ServiceCredentials;
}

/**
 * oslo.config substitutes `$name` in values; `$$` is a literal dollar. Values with a line break cannot be
 * written to an ini file at all.
 */
export function iniValue(value: string, what: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`${what} contains a line break and cannot be written to masakari.conf`);
  return value.replace(/\$/g, '$$$$');
}

/**
 * The tooz backend for [coordination]: the MySQL driver on the database masakari already has (tooz takes named
 * locks with GET_LOCK). tooz does not percent-decode the URL's password, so a password with URL syntax in it
 * cannot be expressed; the caller then runs without coordination and says so.
 */
export function coordinationUrl(db: ConnectionInfo): string | null {
  const safe = /^[A-Za-z0-9._~-]+$/;
  if (!safe.test(db.password)) return null;
  const host = db.host.includes(':') ? `[${db.host}]` : db.host;
  return `mysql://${DB_USER}:${db.password}@${host}:${db.port}/${DATABASE}`;
}

const optionalInt = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);

export function masakariConfContext(inputs: ConfInputs): Record<string, unknown> {
  const { config, db, amqp, keystone } = inputs;
  const internal = config['use-internal-endpoints'] === true;
  const domain = keystone.serviceDomain ?? 'default';
  const dbUri = iniValue(databaseUri({
    host: db.host, port: db.port, username: DB_USER, password: db.password, database: DATABASE,
    ...(db.sslCa ? { sslCaPath: DB_CA_PATH } : {}),
  }), 'the database URI');
  const coordination = coordinationUrl(db);
  const keystoneCa = keystone.caCert ? KEYSTONE_CA_PATH : null;
  return {
    debug: config.debug === true,
    useSyslog: config['use-syslog'] === true,
    region: iniValue(String(config.region ?? 'RegionOne'), 'region'),
    transportUrl: iniValue(transportUrl(amqp), 'the transport URL'),
    rabbitSsl: amqp.ssl,
    rabbitCaPath: amqp.ssl && amqp.sslCa ? RABBIT_CA_PATH : null,
    domain: iniValue(domain, 'service_domain'),
    // The engine's nova client picks nova's endpoint from the catalog: service type, name, interface.
    novaCatalogInfo: `compute:nova:${internal ? 'internalURL' : 'publicURL'}`,
    privilegedUser: iniValue(keystone.serviceUsername, 'service_username'),
    privilegedPassword: iniValue(keystone.servicePassword, 'service_password'),
    privilegedProject: iniValue(keystone.serviceTenant, 'service_tenant'),
    privilegedAuthUrl: `${internal ? internalAuthUrl(keystone) : `${keystone.serviceProtocol}://${bracket(keystone.serviceHost)}:${keystone.servicePort}`}/v3`,
    evacuationDelay: optionalInt(config['evacuation-delay']) ?? 60,
    notificationExpiration: optionalInt(config['notification-expiration']),
    checkExpiredInterval: optionalInt(config['check-expired-interval']),
    databaseConnection: dbUri,
    coordinationUrl: coordination,
    wwwAuthenticateUri: `${keystone.serviceProtocol}://${bracket(keystone.serviceHost)}:${keystone.servicePort}`,
    authUrl: internal ? internalAuthUrl(keystone) : adminAuthUrl(keystone),
    authInterface: internal ? 'internal' : 'public',
    keystoneCaPath: keystoneCa,
    // The local memcached (the distribution's default listens on 127.0.0.1 only).
    memcachedServers: '127.0.0.1:11211',
    evacuateAllInstances: config['evacuate-all-instances'] !== false,
    fenceGate: !fencingRequired(config) ? null : {
      task: FENCE_GATE_TASK,
      timeout: optionalInt(config['fence-confirm-timeout']) ?? 300,
    },
  };
}

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

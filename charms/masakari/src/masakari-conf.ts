/**
 * The values of /etc/masakari/masakari.conf as a pure function of config and relation data. Every section the
 * engine and API read is here: [DEFAULT] (messaging, the privileged user the engine calls nova as, recovery
 * timing), [database], [taskflow] (LP#1882656), [coordination], [keystone_authtoken], [host_failure], and with
 * require-fencing the recovery flows that start with the fence gate ([taskflow_driver_recovery_flows], [fence_gate]).
 */
import type { ConfigValues } from '../../../reactive/config.js';
import { databaseUri, type ConnectionInfo } from '../../../interfaces/mysql-shared/protocol.js';
import { transportUrl, type BrokerAccess } from '../../../interfaces/rabbitmq/protocol.js';
import { internalAuthUrl, adminAuthUrl, serviceBaseUrl, type ServiceCredentials } from '../../../interfaces/keystone/protocol.js';
import { bracketHost } from '../../../reactive/decode/values.js';
import { osloValue } from '../../../reactive/oslo-ini.js';
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
/** recovery-cooldown's default, as config.yaml says (the README explains the choice). */
export const RECOVERY_COOLDOWN_DEFAULT = 3600;

export interface ConfInputs {
  readonly config: ConfigValues;
  readonly db: ConnectionInfo;
  readonly amqp: BrokerAccess;
  readonly keystone: ServiceCredentials;
}

/** A value oslo.config reads back exactly as given (reactive/oslo-ini.ts); a line break is refused. */
export function iniValue(value: string, what: string): string {
  return osloValue(value, what);
}

/** Every string in a template context made an ini value (numbers and booleans pass as they are). */
function iniValues<T>(value: T, what: string): T {
  if (typeof value === 'string') return iniValue(value, what) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, iniValues(v, k)])) as T;
}

/**
 * The tooz backend for [coordination]: the MySQL driver on the database masakari already has (tooz takes named
 * locks with GET_LOCK). tooz does not percent-decode the URL's password, so a password with URL syntax in it
 * cannot be expressed; the caller then runs without coordination and says so.
 */
export function coordinationUrl(db: ConnectionInfo): string | null {
  const safe = /^[A-Za-z0-9._~-]+$/;
  if (!safe.test(db.password)) return null;
  return `mysql://${DB_USER}:${db.password}@${bracketHost(db.host)}:${db.port}/${DATABASE}`;
}

const optionalInt = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);

export function masakariConfContext(inputs: ConfInputs): Record<string, unknown> {
  const { config, db, amqp, keystone } = inputs;
  const internal = config['use-internal-endpoints'] === true;
  const domain = keystone.serviceDomain ?? 'default';
  const dbUri = databaseUri({
    host: db.host, port: db.port, username: DB_USER, password: db.password, database: DATABASE,
    ...(db.sslCa ? { sslCaPath: DB_CA_PATH } : {}),
  });
  const coordination = coordinationUrl(db);
  const keystoneCa = keystone.caCert ? KEYSTONE_CA_PATH : null;
  return iniValues({
    debug: config.debug === true,
    useSyslog: config['use-syslog'] === true,
    region: String(config.region ?? 'RegionOne'),
    transportUrl: transportUrl(amqp),
    rabbitSsl: amqp.ssl,
    rabbitCaPath: amqp.ssl && amqp.sslCa ? RABBIT_CA_PATH : null,
    domain,
    // The engine's nova client picks nova's endpoint from the catalog: service type, name, interface.
    novaCatalogInfo: `compute:nova:${internal ? 'internalURL' : 'publicURL'}`,
    privilegedUser: keystone.serviceUsername,
    privilegedPassword: keystone.servicePassword,
    privilegedProject: keystone.serviceTenant,
    privilegedAuthUrl: `${internal ? internalAuthUrl(keystone) : serviceBaseUrl(keystone)}/v3`,
    evacuationDelay: optionalInt(config['evacuation-delay']) ?? 60,
    notificationExpiration: optionalInt(config['notification-expiration']),
    checkExpiredInterval: optionalInt(config['check-expired-interval']),
    databaseConnection: dbUri,
    coordinationUrl: coordination,
    wwwAuthenticateUri: serviceBaseUrl(keystone),
    authUrl: internal ? internalAuthUrl(keystone) : adminAuthUrl(keystone),
    authInterface: internal ? 'internal' : 'public',
    keystoneCaPath: keystoneCa,
    // The local memcached (the distribution's default listens on 127.0.0.1 only).
    memcachedServers: '127.0.0.1:11211',
    evacuateAllInstances: config['evacuate-all-instances'] !== false,
    fenceGate: !fencingRequired(config) ? null : {
      task: FENCE_GATE_TASK,
      timeout: optionalInt(config['fence-confirm-timeout']) ?? 300,
      cooldown: optionalInt(config['recovery-cooldown']) ?? RECOVERY_COOLDOWN_DEFAULT,
    },
  }, 'masakari.conf');
}


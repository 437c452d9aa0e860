/**
 * Every file the charm owns on the machine, as data: path, content, owner/group/mode, and which services read it.
 * Pure apart from template rendering (passed in). The shell writes them atomically and restarts only the services
 * whose files changed.
 */
import type { ConfigValues } from '../../../reactive/config.js';
import { bracketHost } from '../../../reactive/decode/values.js';
import type { DesiredFile } from '../../../reactive/restart-map.js';
import type { ConnectionInfo } from '../../../interfaces/mysql-shared/protocol.js';
import type { BrokerAccess } from '../../../interfaces/rabbitmq/protocol.js';
import type { ServiceCredentials } from '../../../interfaces/keystone/protocol.js';
import { API_PORT, BACKEND_PORT } from './addresses.js';
import {
  API_PASTE_PATH, CONF_PATH, DB_CA_PATH, KEYSTONE_CA_PATH, RABBIT_CA_PATH, masakariConfContext,
} from './masakari-conf.js';
import { fencingRequired } from './options.js';
import { NO_TLS, TLS_DIR, type TlsPlan } from './tls.js';
import { DIST_INFO_DIR, distInfo, MODULES, PACKAGE_DIR } from './fence-gate.js';
import { apiServiceFiles, type Platform } from './platform.js';
import { POLICY_PATH, policyFile } from './policy.js';
import {
  PACKAGED_WSGI, WRAPPED_ENGINE, WRAPPED_ENGINE_SOURCE, WRAPPED_MANAGE, WRAPPED_MANAGE_SOURCE, WRAPPED_WSGI,
  WRAPPED_WSGI_SOURCE, type Workarounds,
} from './debian-workarounds.js';

export const HAPROXY_CFG = '/etc/haproxy/haproxy.cfg';
export const HAPROXY_PEM = '/etc/haproxy/masakari.pem';
export const ENGINE_DEFAULT = '/etc/default/masakari-engine';
export const HAPROXY_STATS_PORT = 8888;

export type Render = (template: string, context: Readonly<Record<string, unknown>>) => Promise<string>;

export interface Backend {
  readonly unit: string;
  readonly address: string;
}

export interface FileInputs {
  readonly platform: Platform;
  readonly config: ConfigValues;
  readonly db: ConnectionInfo;
  readonly amqp: BrokerAccess;
  readonly keystone: ServiceCredentials;
  /** This unit and its peers: haproxy sends requests to every one of them. */
  readonly backends: readonly Backend[];
  readonly workers: number;
  readonly statsPassword: string;
  /** Debian package bugs to work around (see debian-workarounds.ts). */
  readonly workarounds: Workarounds;
  /** The API's TLS (tls.ts); absent or `none`: plain http. */
  readonly tls?: TlsPlan;
  /** Files found in TLS_DIR: those the plan does not name any more are removed. */
  readonly tlsFilesPresent?: readonly string[];
}

export interface DesiredState {
  readonly files: DesiredFile[];
  /** Files the charm wrote in other circumstances that must go now (e.g. the workaround's wrappers). */
  readonly removals: string[];
  /** Path → services reading it, in restart order. */
  readonly restartMap: Record<string, string[]>;
}

const SECRET = (group: string) => ({ owner: 'root', group, mode: 0o640 });
const PUBLIC = { owner: 'root', group: 'root', mode: 0o644 };

/**
 * haproxy splits a line into words at white space and treats `#` as a comment; a line whose first word is a section
 * keyword starts a section wherever it is indented. Backend addresses are decoded as IP addresses at the boundary
 * (interfaces/openstack-ha); this refuses anything else again rather than write it.
 */
function haproxyWord(value: string, what: string): string {
  if (!/^[A-Za-z0-9._:[\]-]+$/.test(value)) throw new Error(`${what} for haproxy.cfg must be letters, digits and . _ : [ ] - only`);
  return value;
}

function timeout(config: ConfigValues, option: string, fallback: number): string {
  const v = config[option];
  return `${typeof v === 'number' ? v : fallback}ms`;
}


export async function desiredState(i: FileInputs, render: Render): Promise<DesiredState> {
  const api = i.platform.apiService;
  const engine = 'masakari-engine';
  const files: DesiredFile[] = [];
  const removals: string[] = [];
  const restartMap: Record<string, string[]> = {};
  const add = (path: string, content: string, options: DesiredFile['options'], services: string[]): void => {
    files.push({ path, content, ...(options ? { options } : {}) });
    restartMap[path] = services;
  };

  // CA certificates the relations hand over (decoded and parsed at the boundary), written before the config that points at them.
  const cas: [string | undefined, string][] = [[i.db.sslCa, DB_CA_PATH], [i.amqp.ssl ? i.amqp.sslCa : undefined, RABBIT_CA_PATH], [i.keystone.caCert, KEYSTONE_CA_PATH]];
  for (const [value, path] of cas) {
    if (value) add(path, value, PUBLIC, [engine, api]);
    else removals.push(path);
  }

  add(CONF_PATH, await render('masakari.conf', masakariConfContext(i)), SECRET('masakari'), [engine, api]);
  add(API_PASTE_PATH, await render('api-paste.ini', {}), SECRET('masakari'), [api]);
  add(POLICY_PATH, policyFile(), PUBLIC, [api]);

  const executable = { owner: 'root', group: 'root', mode: 0o755 };
  const wsgiScript = i.workarounds.readDeleted ? WRAPPED_WSGI : PACKAGED_WSGI;
  const tls = i.tls ?? NO_TLS;
  const tlsOn = tls.pems.length > 0;
  for (const f of apiServiceFiles(i.platform, { workers: i.workers, wsgiScript, confPath: CONF_PATH, loopbackOnly: tlsOn })) {
    add(f.path, await render(f.template, f.context), PUBLIC, [api]);
  }
  if (i.workarounds.readDeleted) {
    add(WRAPPED_WSGI, WRAPPED_WSGI_SOURCE, executable, [api]);
    add(WRAPPED_ENGINE, WRAPPED_ENGINE_SOURCE, executable, [engine]);
  } else {
    removals.push(WRAPPED_WSGI, WRAPPED_ENGINE);
    restartMap[WRAPPED_WSGI] = [api];
    restartMap[WRAPPED_ENGINE] = [engine];
  }
  // masakari-manage is run by the charm (db sync), never by a service: nothing to restart.
  if (i.workarounds.taskflowAlembic) add(WRAPPED_MANAGE, WRAPPED_MANAGE_SOURCE, executable, []);
  else removals.push(WRAPPED_MANAGE);
  // The fence gate's package: only the engine loads it, and only when masakari.conf names it.
  const gateFiles = [
    ...MODULES.map((m) => ({ path: `${PACKAGE_DIR}/${m}`, content: () => render(`masakari_fence_gate/${m}`, {}) })),
    ...distInfo().map((f) => ({ path: `${DIST_INFO_DIR}/${f.name}`, content: async () => f.content })),
  ];
  for (const f of gateFiles) {
    if (fencingRequired(i.config)) add(f.path, await f.content(), PUBLIC, [engine]);
    else { removals.push(f.path); restartMap[f.path] = [engine]; }
  }
  add(ENGINE_DEFAULT, await render('masakari-engine.default', i.workarounds.readDeleted ? { daemon: WRAPPED_ENGINE, workaround: 'read_deleted' } : { daemon: null, workaround: null }), PUBLIC, [engine]);

  // haproxy reads these at start and on reload (tls.ts: TLS ends in haproxy on every unit).
  const tlsPaths = new Set<string>();
  for (const f of tls.pems) {
    add(f.path, f.content, SECRET('haproxy'), ['haproxy']);
    tlsPaths.add(f.path);
  }
  if (tls.peerCa && tls.peerCa.content !== null) {
    add(tls.peerCa.path, tls.peerCa.content, PUBLIC, ['haproxy']);
    tlsPaths.add(tls.peerCa.path);
  }
  for (const path of [HAPROXY_PEM, ...(i.tlsFilesPresent ?? []).map((name) => `${TLS_DIR}/${name}`)]) {
    if (!tlsPaths.has(path)) {
      removals.push(path);
      restartMap[path] = ['haproxy'];
    }
  }
  const self = i.backends[0];
  const haproxy = await render('haproxy.cfg', {
    port: API_PORT,
    statsPort: HAPROXY_STATS_PORT,
    statsPassword: i.statsPassword,
    tls: tlsOn && self ? {
      pems: tls.pems.map((f) => f.path),
      peerCa: tls.peerCa!.path,
      unitBind: haproxyWord(bracketHost(self.address), 'the unit address'),
      backendPort: BACKEND_PORT,
    } : null,
    timeouts: {
      queue: timeout(i.config, 'haproxy-queue-timeout', 9000),
      connect: timeout(i.config, 'haproxy-connect-timeout', 9000),
      client: timeout(i.config, 'haproxy-client-timeout', 90000),
      server: timeout(i.config, 'haproxy-server-timeout', 90000),
    },
    backends: i.backends.map((b) => ({ name: haproxyWord(b.unit.replace('/', '-'), 'a server name'), address: haproxyWord(bracketHost(b.address), 'a server address'), port: BACKEND_PORT })),
  });
  add(HAPROXY_CFG, haproxy, SECRET('haproxy'), ['haproxy']);
  return { files, removals, restartMap };
}

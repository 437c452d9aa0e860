/**
 * One masakari unit as the charm lays it out on Debian 12, built from the charm's own pure functions: relation
 * data in the stock charms' shapes (pointing at the real MariaDB, RabbitMQ and Keystone) decoded by the charm's
 * interfaces, files from desiredState() written with their owners and modes into a tree that is bind-mounted
 * over the real paths, and the services started the way systemd would start the packaged units.
 */
import { chownSync, cpSync, existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { LocalHost } from '../../../../reactive/host/local-host.js';
import { KeyValueStore } from '../../../../reactive/kv.js';
import { Templates } from '../../../../reactive/templating.js';
import { decodeConnectionInfo } from '../../../../interfaces/mysql-shared/protocol.js';
import { brokerAccess, decodeBrokerUnit, type BrokerUnit } from '../../../../interfaces/rabbitmq/protocol.js';
import { decodeCredentials, type ServiceCredentials } from '../../../../interfaces/keystone/protocol.js';
import { workaroundDecision, type WorkaroundDecision } from '../../src/facts.js';
import { desiredState, type DesiredState } from '../../src/files.js';
import { DIST_INFO_DIR, PACKAGE_DIR } from '../../src/fence-gate.js';
import { platformFor } from '../../src/platform.js';
import { CHARM_DIR } from '../fixtures.js';
import { inNetns, type Netns } from './netns.js';
import { uidOf } from './users.js';

/** Charm path → where it lives in the test tree (bind-mounted back over the charm path). */
export const MOUNTED_DIRS = [
  '/etc/masakari', '/etc/haproxy', '/etc/default', '/usr/local/lib/masakari-charm', '/var/lib/masakari', '/var/log/masakari', '/run/haproxy',
  PACKAGE_DIR, DIST_INFO_DIR,
];

export interface Layout {
  readonly root: string;
  readonly mounts: Record<string, string>;
  readonly createdHostDirs: string[];
}

export function prepareLayout(root: string): Layout {
  const mounts: Record<string, string> = {};
  const createdHostDirs: string[] = [];
  for (const dir of MOUNTED_DIRS) {
    const mirror = join(root, dir.replace(/^\//, '').replace(/\//g, '_'));
    mkdirSync(mirror, { recursive: true });
    // Start from what the packages installed there, as on a real machine (policy files, defaults).
    if (existsSync(dir)) cpSync(dir, mirror, { recursive: true, preserveTimestamps: true });
    else { mkdirSync(dir, { recursive: true }); createdHostDirs.push(dir); }
    mounts[dir] = mirror;
  }
  const masakari = uidOf('masakari');
  const group = uidOf('masakari', 'group');
  const lock = join(mounts['/var/lib/masakari']!, 'lock');
  mkdirSync(lock, { recursive: true });
  for (const p of [mounts['/var/lib/masakari']!, lock, mounts['/var/log/masakari']!]) chownSync(p, masakari, group);
  return { root, mounts, createdHostDirs };
}

export function removeCreatedHostDirs(layout: Layout): void {
  for (const dir of layout.createdHostDirs) {
    if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
  }
}

export function mapPath(layout: Layout, path: string): string {
  for (const [dir, mirror] of Object.entries(layout.mounts)) if (path.startsWith(`${dir}/`)) return join(mirror, path.slice(dir.length + 1));
  throw new Error(`${path} is outside the mounted directories`);
}

export interface StockRelationData {
  readonly sharedDb: Record<string, string>;
  readonly amqp: Record<string, Record<string, string>>;
  readonly identity: Record<string, string>;
}

export interface RenderedUnit {
  readonly state: DesiredState;
  readonly credentials: ServiceCredentials;
  readonly decision: WorkaroundDecision;
}

export async function renderUnit(layout: Layout, unit: string, address: string, data: StockRelationData, config: Record<string, string | number | boolean | null>): Promise<RenderedUnit> {
  const db = decodeConnectionInfo(data.sharedDb, unit);
  const brokers = Object.entries(data.amqp).map(([u, bag]) => decodeBrokerUnit(u, bag)).filter((b): b is BrokerUnit => b !== null);
  const access = brokerAccess({ username: 'masakari', vhost: 'masakari' }, brokers);
  const credentials = decodeCredentials(data.identity);
  if (!db || !access || !credentials) throw new Error('relation data incomplete for the charm');
  const host = new LocalHost();
  const decision = await workaroundDecision(host, new KeyValueStore({}));
  const templates = new Templates(join(CHARM_DIR, 'templates'));
  const state = await desiredState({
    platform: platformFor('debian'), config, db, amqp: access, keystone: credentials,
    backends: [{ unit, address }], workers: 1, statsPassword: 'ct-stats-pw', workarounds: decision.workarounds,
  }, (t, c) => templates.render(t, c));
  for (const f of state.files) await host.writeFile(mapPath(layout, f.path), f.content, f.options);
  return { state, credentials, decision };
}

/** argv running a command in the unit's namespace with its directories mounted. */
export function onUnit(ns: Netns, layout: Layout, argv: readonly string[]): string[] {
  return inNetns(ns, layout.mounts, argv);
}

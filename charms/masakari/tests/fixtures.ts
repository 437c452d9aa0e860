/**
 * Relation data shaped exactly as the stock charms send it (upstream-charms.md §2): plain strings everywhere,
 * keystone's TLS placeholders as __null__, hacluster's "clustered" as "yes". And a harness for one masakari unit
 * on Debian 12 with the package versions that have the read_deleted bug.
 */
import { join } from 'node:path';
import { Harness } from '../../../reactive/testing/harness.js';
import { RecordingHost } from '../../../reactive/testing/recording-host.js';
import { charm } from '../src/actions.js';

export const CHARM_DIR = join(import.meta.dirname, '..');

export const DEBIAN_OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';
export const UBUNTU_OS_RELEASE = 'PRETTY_NAME="Ubuntu 24.04 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n';

/** mysql-router (subordinate on the masakari unit) answering after it created the grants. */
export function routerData(allowed = 'masakari/0 masakari/1 masakari/2'): Record<string, string> {
  return { db_host: '127.0.0.1', db_port: '3306', password: 'Xk3mDq9vLw2p', allowed_units: allowed, 'private-address': '127.0.0.1' };
}

export function rabbitData(n: number): Record<string, string> {
  return { hostname: `10.5.0.${n}`, 'private-address': `10.5.0.${n}`, password: 'Rb7tQ2nW8zLp' };
}

export const KEYSTONE_DATA: Record<string, string> = {
  admin_domain_id: '8d5b5c1b9a2f4f0e9d0c7b6a5f4e3d2c', admin_project_id: '1f2e3d4c5b6a79880796a5b4c3d2e1f0', admin_role: 'Admin',
  admin_user_id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', api_version: '3', auth_host: '10.5.0.40', auth_port: '35357',
  auth_protocol: 'http', ca_cert: '__null__', created_roles: '', https_keystone: '__null__', internal_host: '10.5.0.40',
  internal_port: '5000', internal_protocol: 'http', 'private-address': '10.5.0.40', service_domain: 'service_domain',
  service_domain_id: '0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b', service_host: '10.5.0.40', service_password: 'Ks8vPz3mQw7n',
  service_port: '5000', service_protocol: 'http', service_tenant: 'services', service_tenant_id: '5c4b3a2918f7e6d5c4b3a29180f7e6d5',
  service_type: 'instance-ha', service_user_id: '9f8e7d6c5b4a39281706f5e4d3c2b1a0', service_username: 'masakari',
  ssl_cert: '__null__', ssl_key: '__null__',
};

export const HACLUSTER_CLUSTERED: Record<string, string> = { clustered: 'yes', 'private-address': '10.5.0.11' };

export interface UnitOptions {
  readonly unit?: string;
  readonly address?: string;
  readonly leader?: boolean;
  readonly os?: string;
  readonly masakariVersion?: string;
  readonly omVersion?: string;
  readonly taskflowVersion?: string;
  /** What the Debian bug probe finds. */
  readonly probe?: { readDeleted: boolean; taskflowAlembic: boolean; fails?: boolean };
  /** Exit code of masakari-manage db sync (mutable: tests flip it). */
  readonly sync?: { exitCode: number };
  readonly host?: RecordingHost;
  /**
   * The charm's require-fencing (default true) blocks a unit without the ha relation; most tests here are about
   * one unit without hacluster, so they run with it off unless they ask for it.
   */
  readonly requireFencing?: boolean;
}

export async function masakariHarness(o: UnitOptions = {}) {
  const host = o.host ?? new RecordingHost();
  const harness = new Harness(charm, { charmDir: CHARM_DIR, unit: o.unit ?? 'masakari/0', address: o.address ?? '10.5.0.11', host });
  for (const binding of ['', 'public', 'internal', 'admin', 'cluster', 'shared-db', 'amqp']) {
    harness.setNetwork(binding, o.address ?? '10.5.0.11', '10.5.0.0/16', 'eth0');
  }
  // Dependencies of masakari-api that apt would pull in with it.
  host.setPackageVersion('python3-masakari', o.masakariVersion ?? '14.0.2-2');
  host.setPackageVersion('python3-oslo.messaging', o.omVersion ?? '14.0.3-0+deb12u1');
  host.setPackageVersion('python3-taskflow', o.taskflowVersion ?? '5.0.0-3');
  await host.seedFile('/etc/os-release', o.os ?? DEBIAN_OS_RELEASE);
  const probe: { readDeleted: boolean; taskflowAlembic: boolean; fails?: boolean } = o.probe ?? { readDeleted: true, taskflowAlembic: true };
  const state = (affected: boolean) => (affected ? 'affected' : 'unaffected');
  host.onCommand(['/usr/bin/python3', '-c'], () => probe.fails ? { exitCode: 1, stdout: '', stderr: 'ImportError' } : ({
    exitCode: 0, stdout: `read_deleted ${state(probe.readDeleted)}\ntaskflow_alembic ${state(probe.taskflowAlembic)}\n`, stderr: '',
  }));
  const sync = o.sync ?? { exitCode: 0 };
  host.onCommand((argv) => argv.includes('db') && argv.includes('sync'), () => ({ exitCode: sync.exitCode, stdout: '', stderr: sync.exitCode ? 'OperationalError' : '' }));
  harness.model.isLeader = o.leader ?? true;
  harness.model.config['require-fencing'] = o.requireFencing ?? false;
  return { harness, host, probe, sync };
}

/** Adds the three required relations as the stock charms fill them; returns their ids. */
export async function relateAll(harness: Awaited<ReturnType<typeof masakariHarness>>['harness'], units = 3) {
  const db = await harness.addRelation('shared-db', 'mysql-router', { units: { 'mysql-router/0': routerData() } });
  const rabbits: Record<string, Record<string, string>> = {};
  for (let i = 0; i < units; i++) rabbits[`rabbitmq-server/${i}`] = rabbitData(9 + i);
  const amqp = await harness.addRelation('amqp', 'rabbitmq-server', { units: rabbits });
  const keystone = await harness.addRelation('identity-service', 'keystone', { units: { 'keystone/0': KEYSTONE_DATA } });
  return { db, amqp, keystone };
}

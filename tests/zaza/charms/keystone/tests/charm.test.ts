import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../../../../reactive/testing/recording-host.js';
import { Harness } from '../../../../../reactive/testing/harness.js';
import { charm, seams } from '../src/charm.js';
import { ADMIN_OPENRC, KEY_REPOSITORIES, KEYSTONE_CONF, SYSTEMD_DROPIN, keyRepositoryFiles } from '../src/conf.js';
import type { IdentityAdmin } from '../src/identity-admin.js';

const CHARM_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Records what the charm asks Keystone to ensure; ids are derived from names. */
function recordingAdmin(log: string[]): IdentityAdmin {
  const rec = (what: string, id: string) => { log.push(what); return id; };
  return {
    adminIds: async () => ({ userId: 'u-admin', projectId: 'p-admin', domainId: 'default' }),
    ensureDomain: async (n: string) => rec(`domain ${n}`, `d-${n}`),
    ensureProject: async (n: string, d: string) => rec(`project ${n} in ${d}`, `p-${n}`),
    ensureRole: async (n: string) => rec(`role ${n}`, `r-${n}`),
    ensureUser: async (n: string, d: string, _pw: string, p: string) => rec(`user ${n} in ${d} project ${p}`, `u-${n}`),
    grant: async (p: string, u: string, r: string) => { log.push(`grant ${r} to ${u} on ${p}`); },
    ensureRegion: async (r: string) => { log.push(`region ${r}`); },
    ensureService: async (n: string, t: string) => rec(`service ${n} ${t}`, `s-${n}`),
    ensureEndpoint: async (s: string, i: string, url: string, r: string) => { log.push(`endpoint ${s} ${i} ${url} ${r}`); },
  } as unknown as IdentityAdmin;
}

describe('keystone stand-in', () => {
  let host: RecordingHost;
  let harness: Harness<string, typeof charm.endpointClasses>;
  let calls: string[];

  beforeEach(() => {
    calls = [];
    seams.admin = () => recordingAdmin(calls);
    seams.answers = async () => true;
    host = new RecordingHost({ hostname: 'machine-0' });
    void host.ensureUser('keystone', { group: 'keystone', system: true });  // what the Debian package creates
    host.onCommand('systemctl', () => ({ exitCode: 0, stdout: '', stderr: '' }));
    host.onCommand('runuser', () => ({ exitCode: 0, stdout: '', stderr: '' }));
    host.onCommand('keystone-manage', () => ({ exitCode: 0, stdout: '', stderr: '' }));
    harness = new Harness(charm, { charmDir: CHARM_DIR, unit: 'keystone/0', host, address: '10.247.0.1' });
  });
  afterEach(() => harness.cleanup());

  async function withDatabase(): Promise<string> {
    await harness.beginWithInitialHooks();
    const db = await harness.addRelation('shared-db', 'masakari-mysql-router', { units: { 'masakari-mysql-router/0': {} } });
    expect(harness.relationData(db)).toMatchObject({ database: 'keystone', username: 'keystone', hostname: '10.247.0.1' });
    await harness.updateRelationData(db, 'masakari-mysql-router/0', { db_host: '10.247.0.1', db_port: '3306', password: 'dbpw', allowed_units: 'keystone/0' });
    return db;
  }

  it('installs with the uwsgi drop-in first, syncs the schema, bootstraps the admin once', async () => {
    await withDatabase();
    expect(host.file(SYSTEMD_DROPIN)).toContain('ExecStart=/usr/bin/uwsgi --ini /etc/keystone/standin-uwsgi.ini');
    expect(host.file(KEYSTONE_CONF)).toContain('connection = mysql+pymysql://keystone:dbpw@10.247.0.1:3306/keystone');
    expect(host.file(SYSTEMD_DROPIN)).toContain('KillSignal=SIGINT');
    expect(host.file(KEYSTONE_CONF)).toMatch(/\[cache\]\nenabled = true\nbackend = dogpile.cache.memory\n/);  // one process
    // the package's boot-time instance is stopped at install, and started again only once configured
    const keystoneActions = host.serviceActions.filter((a) => a.name === 'keystone').map((a) => a.action);
    expect(keystoneActions).toEqual(['stop', 'enable', 'restart']);
    const manage = host.commands.filter((c) => c.argv[0] === 'runuser').map((c) => c.argv[5]);
    expect(manage).toEqual(['db_sync', 'bootstrap']);
    expect(host.commands.filter((c) => c.argv[0] === 'keystone-manage')).toEqual([]);
    for (const dir of KEY_REPOSITORIES) {
      expect(host.directoryMeta(dir)).toMatchObject({ owner: 'keystone', group: 'keystone', mode: 0o700 });
      for (const name of ['0', '1']) {
        expect(host.fileMeta(`${dir}/${name}`)).toMatchObject({ owner: 'keystone', group: 'keystone', mode: 0o600 });
        expect(host.file(`${dir}/${name}`)).toMatch(/^[A-Za-z0-9_-]{43}=$/);
      }
      expect(host.file(`${dir}/0`)).not.toBe(host.file(`${dir}/1`));
    }
    const keys = KEY_REPOSITORIES.map((dir) => host.file(`${dir}/1`));
    const boot = host.commands.find((c) => c.argv[5] === 'bootstrap')!;
    // the admin password reaches keystone-manage through the environment, never the command line
    expect(boot.env?.['OS_BOOTSTRAP_PASSWORD']).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(boot.argv.join(' ')).not.toContain(boot.env!['OS_BOOTSTRAP_PASSWORD']!);
    expect(host.file(ADMIN_OPENRC)).toContain(`OS_PASSWORD='${boot.env!['OS_BOOTSTRAP_PASSWORD']}'`);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    await harness.runHook('update-status');
    expect(host.commands.filter((c) => c.argv[0] === 'runuser')).toHaveLength(2);
    expect(KEY_REPOSITORIES.map((dir) => host.file(`${dir}/1`))).toEqual(keys);  // never rotated by a hook
  });

  it('keeps the in-process cache off when several uwsgi processes serve', async () => {
    await harness.updateConfig({ workers: 3 });
    await withDatabase();
    expect(host.file(KEYSTONE_CONF)).toMatch(/\[cache\]\nenabled = false\n/);
    expect(host.file('/etc/keystone/standin-uwsgi.ini')).toContain('processes = 3');
  });

  it('makes Fernet keys: 32 random bytes in URL-safe base64 with padding', () => {
    const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => 250 + (i % 6)));
    const files = keyRepositoryFiles(() => bytes);
    expect(files.map((f) => f.name)).toEqual(['1', '0']);
    expect(files[0]!.content).toBe(bytes.toString('base64url') + '=');
    expect(Buffer.from(files[0]!.content, 'base64url')).toEqual(bytes);
  });

  it('registers masakari as instance-ha with its user and answers with the stock keys', async () => {
    const db = await withDatabase();
    const rel = await harness.addRelation('identity-service', 'masakari', {
      units: { 'masakari/0': { service: 'masakari', region: 'RegionOne', public_url: 'http://10.247.0.100:15868/v1/%(tenant_id)s', internal_url: 'http://10.247.0.100:15868/v1/%(tenant_id)s', admin_url: 'http://10.247.0.100:15868/v1/%(tenant_id)s' } },
    });
    expect(calls).toEqual(expect.arrayContaining([
      'user masakari in d-service_domain project p-services', 'grant r-admin to u-masakari on p-services', 'service masakari instance-ha',
      'endpoint s-masakari public http://10.247.0.100:15868/v1/%(tenant_id)s RegionOne',
    ]));
    const data = harness.relationData(rel);
    expect(data).toMatchObject({
      auth_host: '10.247.0.1', auth_port: '35357', auth_protocol: 'http', service_host: '10.247.0.1', service_port: '5000',
      service_username: 'masakari', service_tenant: 'services', service_tenant_id: 'p-services', service_domain: 'service_domain',
      api_version: '3', service_type: 'instance-ha',
    });
    expect(data['service_password']).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const before = calls.length;
    await harness.runHook('update-status');
    await harness.addRelationUnit(rel, 'masakari/1', { service: 'masakari', region: 'RegionOne', public_url: 'http://10.247.0.100:15868/v1/%(tenant_id)s', internal_url: 'http://10.247.0.100:15868/v1/%(tenant_id)s', admin_url: 'http://10.247.0.100:15868/v1/%(tenant_id)s' });
    expect(calls.length).toBe(before);  // same request again: no keystone round trip
    // another application's request is registered without redoing masakari's
    await harness.addRelation('identity-service', 'nova-cloud-controller', { units: { 'nova-cloud-controller/0': { service: 'nova', region: 'RegionOne', public_url: 'http://10.247.0.9:8774/v2.1', internal_url: 'http://10.247.0.9:8774/v2.1', admin_url: 'http://10.247.0.9:8774/v2.1' } } });
    const added = calls.slice(before);
    expect(added).toContain('service nova compute');
    expect(added.filter((c) => c.includes('masakari'))).toEqual([]);
    // a new database (bootstrapped again) gets every registration again
    await harness.updateRelationData(db, 'masakari-mysql-router/0', { db_host: '10.247.0.2', db_port: '3306', password: 'dbpw2', allowed_units: 'keystone/0' });
    const redone = calls.slice(before + added.length);
    expect(redone).toEqual(expect.arrayContaining(['service masakari instance-ha', 'service nova compute']));
  });

  it('hands monitors credentials on identity-credentials, and rejects unknown services by name', async () => {
    await withDatabase();
    const creds = await harness.addRelation('identity-credentials', 'masakari-monitors', { units: { 'masakari-monitors/0': { username: 'masakari-monitors' } } });
    expect(harness.relationData(creds)).toMatchObject({ credentials_username: 'masakari-monitors', credentials_project: 'services', credentials_port: '5000', domain: 'service_domain' });
    await harness.addRelation('identity-service', 'odd', { units: { 'odd/0': { service: 'frobnicator', region: 'RegionOne', public_url: 'http://x', internal_url: 'http://x', admin_url: 'http://x' } } });
    expect(harness.status).toEqual({ status: 'blocked', message: expect.stringMatching(/odd\/0: unknown service 'frobnicator' \(accepted: masakari, nova/) });
  });
});

/**
 * The charm's rendered configuration driving the real masakari-api (uwsgi, through Debian's init script and the
 * charm's /etc/default file) and masakari-engine from Debian 12, behind the rendered haproxy, against real
 * MariaDB, RabbitMQ and Keystone; Nova is the project's emulator. Segment and host are created through the
 * operator actions' code path; a host-down notification is picked up by the engine and recovered.
 */
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NovaEmulator } from '../../../../tests/zaza/emulators/nova/server.js';
import { connectAsService, type Connection } from '../../src/api/connect.js';
import { OpenStackApiError } from '../../src/api/keystone-token.js';
import { MasakariClient } from '../../src/api/masakari-client.js';
import { CREDENTIALS_REQUEST } from '../../../masakari-monitors/src/credentials.js';
import { ActionParamError, runOperatorAction, validateParams, type OperatorAction } from '../../src/operator-actions.js';
import { KEYSTONE_DATA } from '../fixtures.js';
import { historyXml } from '../stonith-history.js';
import { mapPath, onUnit, prepareLayout, removeCreatedHostDirs, renderUnit, type Layout, type RenderedUnit } from './deployment.js';
import { addCatalogEntry, registerCredentials, registerService, startKeystone, userToken, type Keystone } from './keystone.js';
import { grantDatabase, startMariaDb, type MariaDb } from './mariadb.js';
import { createNetns, deleteNetns, type Netns } from './netns.js';
import { httpAnswers, run, sleep, startDaemon, stopDaemon, tail, waitFor, type Daemon } from './processes.js';
import { grantVhost, startRabbitMq, type RabbitMq } from './rabbitmq.js';
import { uidOf } from './users.js';

const UNIT = 'masakari/0';
const DB_PASSWORD = 'Ct7dbPw2x9';
const RABBIT_PASSWORD = 'Ct7rbPw4k1';
const SERVICE_PASSWORD = 'Ct7svcPw8m';
/** recovery-cooldown: long enough for the second failure to fall inside it, short enough to wait out for the third. */
const COOLDOWN = 60;

const transcript: string[] = [];
const started = Date.now();
function note(line: string): void {
  const entry = `[+${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`;
  transcript.push(entry);
  console.log(entry);
}

describe('masakari-api and masakari-engine from Debian with the charm-rendered configuration', () => {
  let root: string;
  let ns: Netns;
  let layout: Layout;
  let mariadb: MariaDb | undefined;
  let rabbit: RabbitMq | undefined;
  let keystone: Keystone | undefined;
  let nova: NovaEmulator | undefined;
  let novaUrl: string;
  const daemons: Daemon[] = [];
  let unit: RenderedUnit;
  let connection: Connection;
  let heartbeat: NodeJS.Timeout | undefined;
  let fencer: string;

  const action = async (name: OperatorAction, params: Record<string, unknown>) =>
    runOperatorAction(name, validateParams(name, params), connection.client);

  beforeAll(async () => {
    root = mkdtempSync(join('/var/tmp', 'masakari-ct-'));
    chmodSync(root, 0o755); // the daemons' own users must reach their directories
    ns = await createNetns(String(process.pid % 10000));
    note(`network namespace ${ns.name}: daemons on ${ns.nsAddress}, test process on ${ns.hostAddress}`);
    mariadb = await startMariaDb(ns, join(root, 'mariadb'));
    note('MariaDB ready');
    rabbit = await startRabbitMq(ns, join(root, 'rabbitmq'));
    note('RabbitMQ ready');
    keystone = await startKeystone(ns, join(root, 'keystone'), mariadb);
    note('Keystone ready (db_sync, fernet, bootstrap, uwsgi on 5000 and 35357)');

    nova = new NovaEmulator({ auth: { kind: 'keystone', url: `${keystone.url}/v3` }, actionDelayMs: 500 });
    novaUrl = (await nova.listen(0, ns.hostAddress)).url;
    const control = (path: string, body?: unknown) => fetch(`${novaUrl}/emulator${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    await control('/computes', { host: 'cmp1.maas' });
    await control('/computes', { host: 'cmp2.maas' });
    heartbeat = setInterval(() => void control('/computes/cmp2.maas/heartbeat').catch(() => undefined), 5000);
    await control('/servers', { name: 'ct-vm1', host: 'cmp1.maas' });
    note(`Nova emulator at ${novaUrl} with computes cmp1.maas, cmp2.maas and instance ct-vm1 on cmp1.maas`);

    // What mysql-router, rabbitmq-server and keystone would have done for the relations.
    await grantDatabase(mariadb, 'masakari', 'masakari', DB_PASSWORD);
    await grantVhost(rabbit, 'masakari', 'masakari', RABBIT_PASSWORD);
    const apiUrl = `http://${ns.nsAddress}:15868/v1/%(tenant_id)s`;
    const account = await registerService(keystone, { username: 'masakari', password: SERVICE_PASSWORD, service: 'masakari', type: 'instance-ha', urls: { public: apiUrl, internal: apiUrl, admin: apiUrl } });
    await addCatalogEntry(keystone, 'nova', 'compute', { public: `${novaUrl}/v2.1`, internal: `${novaUrl}/v2.1`, admin: `${novaUrl}/v2.1` });

    layout = prepareLayout(root);
    unit = await renderUnit(layout, UNIT, ns.nsAddress, {
      sharedDb: { db_host: ns.nsAddress, db_port: '3306', password: DB_PASSWORD, allowed_units: 'masakari/0 masakari/1 masakari/2', 'private-address': ns.nsAddress },
      amqp: { 'rabbitmq-server/0': { hostname: ns.nsAddress, 'private-address': ns.nsAddress, password: RABBIT_PASSWORD } },
      identity: {
        ...KEYSTONE_DATA, auth_host: ns.nsAddress, service_host: ns.nsAddress, internal_host: ns.nsAddress, 'private-address': ns.nsAddress,
        service_password: SERVICE_PASSWORD, service_tenant_id: account.projectId, service_domain_id: account.domainId, service_user_id: account.userId,
      },
    }, { 'evacuation-delay': 3, 'evacuate-all-instances': true, region: 'RegionOne', debug: true, 'use-internal-endpoints': false, 'recovery-cooldown': COOLDOWN });
    note(`rendered ${unit.state.files.length} files; ${unit.decision.changedMessage ?? unit.decision.versions}`);
    // There is no Pacemaker here: a script with stonith_admin's command line answers for the fencer. oslo.config
    // merges a repeated section, so the rendered [fence_gate] stays as the charm wrote it, plus these lines.
    fencer = join(root, 'fencer');
    mkdirSync(fencer, { recursive: true, mode: 0o755 });
    chownSync(fencer, uidOf('masakari'), uidOf('masakari', 'group')); // the engine's user logs the calls there
    writeFileSync(join(fencer, 'stonith_admin'), `#!/bin/sh\necho "$*" >> ${fencer}/calls\ncat ${fencer}/history.xml\n`, { mode: 0o755 });
    writeFileSync(join(fencer, 'history.xml'), historyXml('cmp1.maas', []));
    // The gate also reads hacluster-ext's holds from the CIB: no cluster here, so a stand-in answers with none held.
    writeFileSync(join(fencer, 'cibadmin'), `#!/bin/sh\necho "<crm_config/>"\n`, { mode: 0o755 });
    // masakari-api drops a host report equal to one from the last 180 s; the cooldown test fails cmp1 again sooner.
    appendFileSync(mapPath(layout, '/etc/masakari/masakari.conf'), `\n[fence_gate]\nstonith_admin = ${fencer}/stonith_admin\ncibadmin = ${fencer}/cibadmin\npoll_interval = 1\n\n[DEFAULT]\nduplicate_notification_detection_interval = 5\n`);

    const manage = unit.decision.workarounds.taskflowAlembic ? '/usr/local/lib/masakari-charm/masakari-manage' : 'masakari-manage';
    await run(onUnit(ns, layout, [manage, '--config-file', '/etc/masakari/masakari.conf', 'db', 'sync']), { timeoutMs: 180_000 });
    note('masakari-manage db sync done');
    // keystonemiddleware's token cache, as the unit runs it (the distribution default: 127.0.0.1:11211).
    daemons.push(startDaemon('memcached', onUnit(ns, layout, ['memcached', '-u', 'memcache', '-l', '127.0.0.1', '-p', '11211', '-m', '64']), join(root, 'memcached.out')));
    daemons.push(startDaemon('masakari-api', onUnit(ns, layout, ['runuser', '-u', 'masakari', '--', '/etc/init.d/masakari-api', 'systemd-start']), join(root, 'masakari-api.out')));
    daemons.push(startDaemon('masakari-engine', onUnit(ns, layout, ['runuser', '-u', 'masakari', '--', '/etc/init.d/masakari-engine', 'systemd-start']), join(root, 'masakari-engine.out')));
    daemons.push(startDaemon('haproxy', onUnit(ns, layout, ['haproxy', '-db', '-f', '/etc/haproxy/haproxy.cfg']), join(root, 'haproxy.out')));
    const ms = await waitFor('masakari-api behind haproxy', () => httpAnswers(`http://${ns.nsAddress}:15868/`), 180_000, daemons[1]);
    note(`masakari-api answers through haproxy on 15868 (${ms} ms after start)`);
    connection = await connectAsService(unit.credentials, { region: 'RegionOne', useInternalEndpoints: false, localApi: `http://${ns.nsAddress}:15858/v1` });
    note(`action client: keystone token for masakari@services, API ${connection.endpoint} (from the ${connection.via})`);
  }, 600_000);

  afterAll(async () => {
    if (heartbeat) clearInterval(heartbeat);
    for (const d of daemons.reverse()) await stopDaemon(d);
    await keystone?.stop();
    await rabbit?.stop();
    await mariadb?.stop();
    await nova?.close();
    if (ns) await deleteNetns(ns);
    if (layout) removeCreatedHostDirs(layout);
    const out = join(tmpdir(), 'masakari-component-transcript.txt');
    writeFileSync(out, `${transcript.join('\n')}\n`);
    console.log(`transcript written to ${out}`);
    if (root && process.env.MASAKARI_CT_KEEP !== '1') rmSync(root, { recursive: true, force: true });
  }, 120_000);

  it('uses the packaged uwsgi service with the charm files, and the read_deleted workaround exactly where needed', async () => {
    expect(unit.state.files.map((f) => f.path)).toEqual(expect.arrayContaining([
      '/etc/masakari/masakari.conf', '/etc/masakari/masakari-api-uwsgi.ini', '/etc/default/masakari-api', '/etc/haproxy/haproxy.cfg',
    ]));
    expect(unit.decision.workarounds.readDeleted).toBe(unit.decision.versions.includes('python3-oslo.messaging=14.0.3-0+deb12u1'));
    expect(unit.decision.workarounds.taskflowAlembic).toBe(unit.decision.versions.includes('python3-taskflow=5.0.0-3'));
    const unauthenticated = await fetch(`http://${ns.nsAddress}:15868/v1/segments`);
    expect(unauthenticated.status).toBe(401);
  });

  it('creates a segment and adds a host through the action code path', async () => {
    const segment = await action('create-segment', { name: 'ct-segment', 'recovery-method': 'auto', 'service-type': 'COMPUTE' });
    note(`create-segment → ${JSON.stringify(segment)}`);
    expect(segment).toMatchObject({ segment: { name: 'ct-segment', 'recovery-method': 'auto', 'service-type': 'COMPUTE' } });
    const host = await action('add-host', { segment: 'ct-segment', host: 'cmp1.maas' });
    note(`add-host → ${JSON.stringify(host)}`);
    expect(host).toMatchObject({ host: { name: 'cmp1.maas', segment: 'ct-segment', reserved: false, 'on-maintenance': false } });
    const hosts = await action('list-hosts', { segment: 'ct-segment' });
    note(`list-hosts → ${JSON.stringify(hosts)}`);
    expect(hosts.count).toBe(1);
  });

  it('refuses bad parameters before calling anything, and passes masakari/nova refusals on', async () => {
    expect(() => validateParams('create-segment', { name: 'x', 'recovery-method': 'sometimes' })).toThrow(ActionParamError);
    await expect(action('add-host', { segment: 'ct-segment', host: 'nothere.maas' })).rejects.toThrow(OpenStackApiError);
    await expect(action('add-host', { segment: 'ct-segment', host: 'nothere.maas' })).rejects.toThrow(/HTTP 400/);
    await expect(action('list-hosts', { segment: 'no-such-segment' })).rejects.toThrow(/no segment named or with UUID "no-such-segment" \(segments: ct-segment\)/);
  });

  it('posts a host-down notification; the engine waits for a confirmed fence, then recovers', async () => {
    await fetch(`${novaUrl}/emulator/computes/cmp1.maas/down`, { method: 'POST' });
    // A fence from an earlier failure proves nothing about this one: cmp1 was fenced 60 s ago (well inside the
    // gate's 300 s window), then came back (the monitors' STARTED report 30 s ago), and fails again now. (The
    // other end of an earlier failure, a finished recovery, is what the functional suite's second failure meets.)
    const earlier = { target: 'cmp1.maas', status: 'success', completed: Math.floor(Date.now() / 1000) - 60 } as const;
    writeFileSync(join(fencer, 'history.xml'), historyXml('cmp1.maas', [earlier]));
    const up = await connection.client.createHostUpNotification('cmp1.maas', new Date(Date.now() - 30_000));
    note(`notification ${up.notification_uuid} posted: cmp1.maas back online 30 s ago (its last fence was 60 s ago)`);
    const posted = await connection.client.createHostDownNotification('cmp1.maas', new Date());
    note(`notification ${posted.notification_uuid} posted for cmp1.maas: status ${posted.status}`);
    const calls = () => (existsSync(join(fencer, 'calls')) ? readFileSync(join(fencer, 'calls'), 'utf8').trim().split('\n') : []);
    await waitFor('the fence gate asking the fencer', async () => calls().length >= 3, 120_000, daemons[2]);
    await sleep(4000);
    const beforeFence = nova!.requests.filter((r) => r.method !== 'GET' && !r.path.startsWith('/emulator')).map((r) => `${r.method} ${r.path}`);
    note(`unfenced after ${calls().length} stonith_admin calls (${calls()[0]}); nova changes so far: ${beforeFence.length ? beforeFence.join('; ') : 'none'}`);
    expect(calls()[0]).toBe('--history cmp1.maas --verbose --output-as=xml');
    expect(beforeFence).toEqual([]);
    expect((await connection.client.getNotification(posted.notification_uuid)).status).toBe('running');
    const fencedAt = Math.floor(Date.now() / 1000);
    writeFileSync(join(fencer, 'history.xml'), historyXml('cmp1.maas', [{ target: 'cmp1.maas', status: 'success', completed: fencedAt }, earlier]));
    note(`fence recorded at ${fencedAt}`);
    let status = posted.status;
    const seen = [status];
    await waitFor('notification finished', async () => {
      status = (await connection.client.getNotification(posted.notification_uuid)).status;
      if (seen[seen.length - 1] !== status) { seen.push(status); note(`notification status → ${status}`); }
      return status === 'finished' || status === 'error' || status === 'failed';
    }, 120_000, daemons[2]).catch((e: Error) => {
      throw new Error(`${e.message}\nengine log:\n${tail(join(layout.mounts['/var/log/masakari']!, 'masakari-engine.log'), 40)}`);
    });
    const listed = await action('list-notifications', { limit: 5 });
    note(`list-notifications → ${String(listed.notifications)}`);
    expect(status).toBe('finished');
    const novaCalls = nova!.requests.filter((r) => !r.path.startsWith('/emulator')).map((r) => `${r.method} ${r.path} → ${r.status}`);
    note(`nova calls by masakari: ${novaCalls.join('; ')}`);
    const vm = (await (await fetch(`${novaUrl}/emulator/state`)).json()) as { servers: { name: string; host: string; vmState: string }[] };
    const moved = vm.servers.find((s) => s.name === 'ct-vm1');
    note(`ct-vm1 is now on ${moved?.host} (${moved?.vmState})`);
    expect(moved?.host).toBe('cmp2.maas');
    const services = (await (await fetch(`${novaUrl}/emulator/state`)).json()) as { services: { host: string; binary: string; status: string; forcedDown: boolean }[] };
    const cmp1 = services.services.find((x) => x.host === 'cmp1.maas' && x.binary === 'nova-compute');
    note(`cmp1.maas nova-compute: ${cmp1?.status}, forced_down ${cmp1?.forcedDown}`);
    expect(cmp1).toMatchObject({ status: 'disabled', forcedDown: true });
    const gateLine = readFileSync(join(layout.mounts['/var/log/masakari']!, 'masakari-engine.log'), 'utf8').split('\n').find((l) => l.includes("fence gate: host 'cmp1.maas'"));
    note(`engine log: ${gateLine?.replace(/^.*?fence gate/, 'fence gate')}`);
    expect(gateLine).toContain(`fenced at ${new Date(fencedAt * 1000).toISOString().replace(/\.\d+Z$/, 'Z')}`);
    // keystonemiddleware cached the validated tokens in the unit's memcached.
    const stats = await run(onUnit(ns, layout, ['/usr/bin/python3', '-c', "import memcache; s = memcache.Client(['127.0.0.1:11211']).get_stats()[0][1]; print(s['curr_items'], s['get_hits'])"]));
    note(`memcached: ${stats.trim().split(' ')[0]} items, ${stats.trim().split(' ')[1]} hits (keystonemiddleware token cache)`);
    expect(Number(stats.trim().split(' ')[0])).toBeGreaterThan(0);
    await sleep(0);
  });

  let firstRecovery = '';
  let withheld = '';
  const updatedAt = async (uuid: string): Promise<number> => {
    const n = (await connection.client.getNotification(uuid)) as { updated_at?: string };
    return Date.parse(`${n.updated_at ?? ''}Z`);
  };
  const awaitEnd = async (uuid: string): Promise<string> => {
    let status = '';
    await waitFor(`notification ${uuid} ended`, async () => {
      status = (await connection.client.getNotification(uuid)).status;
      return status === 'finished' || status === 'error' || status === 'failed';
    }, 120_000, daemons[2]).catch((e: Error) => {
      throw new Error(`${e.message}\nengine log:\n${tail(join(layout.mounts['/var/log/masakari']!, 'masakari-engine.log'), 40)}`);
    });
    return status;
  };

  it(`recovery-cooldown: cmp1 fails again inside its ${COOLDOWN} s cooldown; fenced, but nothing is evacuated, and the notification says why`, async () => {
    const finished = JSON.parse(String((await action('list-notifications', { limit: 5, status: 'finished' })).notifications)) as { uuid: string; outcome?: string }[];
    firstRecovery = finished.find((n) => n.outcome === 'Evacuation process completed!')!.uuid;
    // Well inside the cooldown, but not at its start: the third failure below falls inside the cooldown that this
    // withheld notification would start if it counted as a recovery.
    await sleep(15_000);
    // The operator brought cmp1 back: out of maintenance, its service up again, a new instance scheduled there.
    const cleared = await action('set-maintenance', { host: 'cmp1.maas', state: 'off' });
    note(`set-maintenance off → ${JSON.stringify(cleared)}`);
    await fetch(`${novaUrl}/emulator/servers`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'ct-vm2', host: 'cmp1.maas' }) });
    await sleep(6000); // past the shortened duplicate window
    await fetch(`${novaUrl}/emulator/computes/cmp1.maas/down`, { method: 'POST' });
    // Pacemaker fences it again: the gate would confirm this fence, so only the cooldown can stop the evacuation.
    writeFileSync(join(fencer, 'history.xml'), historyXml('cmp1.maas', [{ target: 'cmp1.maas', status: 'success', completed: Math.floor(Date.now() / 1000) }]));
    const requestsBefore = nova!.requests.length;
    const posted = await connection.client.createHostDownNotification('cmp1.maas', new Date());
    note(`notification ${posted.notification_uuid} posted for cmp1.maas again: status ${posted.status}`);
    withheld = posted.notification_uuid;
    const status = await awaitEnd(posted.notification_uuid);
    note(`notification status → ${status}`);
    expect(status).toBe('finished');
    const shown = await connection.client.getNotificationDetails(posted.notification_uuid);
    const messages = (shown.recovery_workflow_details ?? []).flatMap((step) => (step.progress_details ?? []).map((d) => `${step.name}: ${d.message ?? ''}`));
    note(`recovery_workflow_details (openstack notification show):\n    ${messages.join('\n    ')}`);
    const reason = `FencedHostDisableTask: recovery cooldown: host 'cmp1.maas' was recovered at `;
    expect(messages.find((m) => m.startsWith(reason))).toContain(`(notification ${firstRecovery}); it is not evacuated again before `);
    expect(messages.find((m) => m.startsWith(reason))).toContain(`(recovery-cooldown ${COOLDOWN} s)`);
    const listed = await action('list-notifications', { limit: 5 });
    const rows = JSON.parse(String(listed.notifications)) as { uuid: string; status: string; outcome?: string }[];
    note(`list-notifications → ${String(listed.notifications)}`);
    expect(rows.find((r) => r.uuid === posted.notification_uuid)?.outcome).toMatch(/^recovery cooldown: host 'cmp1\.maas' was recovered at /);
    // The first recovery's outcome is its evacuation, not a cooldown.
    expect(rows.filter((r) => r.outcome?.startsWith('recovery cooldown'))).toHaveLength(1);
    const novaChanges = nova!.requests.slice(requestsBefore).filter((r) => r.method !== 'GET' && !r.path.startsWith('/emulator')).map((r) => `${r.method} ${r.path}`);
    note(`nova changes by masakari since: ${novaChanges.length ? novaChanges.join('; ') : 'none'}`);
    expect(novaChanges).toEqual([]);
    const vm = (await (await fetch(`${novaUrl}/emulator/state`)).json()) as { servers: { name: string; host: string }[] };
    expect(vm.servers.find((x) => x.name === 'ct-vm2')?.host).toBe('cmp1.maas');
    const line = readFileSync(join(layout.mounts['/var/log/masakari']!, 'masakari-engine.log'), 'utf8').split('\n').find((l) => l.includes('fence gate: recovery cooldown'));
    note(`engine log: ${line?.replace(/^.*?fence gate/, 'fence gate')}`);
    expect(line).toContain("host 'cmp1.maas' was recovered at");
  });

  it('recovery-cooldown: a withheld failure does not restart the clock; once the cooldown after the last real recovery is over, cmp1 is evacuated again', async () => {
    const first = await updatedAt(firstRecovery);
    const second = await updatedAt(withheld);
    const wait = first + (COOLDOWN + 2) * 1000 - Date.now();
    note(`first recovery ended ${new Date(first).toISOString()}, the withheld one ${new Date(second).toISOString()}; waiting ${Math.max(0, Math.round(wait / 1000))} s`);
    if (wait > 0) await sleep(wait);
    // Had the withheld notification counted (taskflow's flows unreadable, or the gate's own atom not recognised),
    // this failure would fall inside its cooldown.
    expect(Date.now()).toBeLessThan(second + (COOLDOWN - 5) * 1000);
    await action('set-maintenance', { host: 'cmp1.maas', state: 'off' });
    writeFileSync(join(fencer, 'history.xml'), historyXml('cmp1.maas', [{ target: 'cmp1.maas', status: 'success', completed: Math.floor(Date.now() / 1000) }]));
    const posted = await connection.client.createHostDownNotification('cmp1.maas', new Date());
    const status = await awaitEnd(posted.notification_uuid);
    const outcome = JSON.parse(String((await action('list-notifications', { limit: 1 })).notifications))[0] as { uuid: string; outcome?: string };
    note(`third failure of cmp1.maas: notification ${posted.notification_uuid} ${status}, outcome "${outcome.outcome}"`);
    expect(status).toBe('finished');
    expect(outcome).toMatchObject({ uuid: posted.notification_uuid, outcome: 'Evacuation process completed!' });
    const vm = (await (await fetch(`${novaUrl}/emulator/state`)).json()) as { servers: { name: string; host: string }[] };
    note(`ct-vm2 is now on ${vm.servers.find((x) => x.name === 'ct-vm2')?.host}`);
    expect(vm.servers.find((x) => x.name === 'ct-vm2')?.host).toBe('cmp2.maas');
    const log = readFileSync(join(layout.mounts['/var/log/masakari']!, 'masakari-engine.log'), 'utf8');
    expect(log).not.toContain('not readable');
  });

  it("a compute's credentials (the monitors' notifier role, as keystone grants it) may report a failure and nothing else", async () => {
    const account = await registerCredentials(keystone!, { username: CREDENTIALS_REQUEST.username, password: 'Ct7monPw5z', roles: CREDENTIALS_REQUEST.requestedGrants });
    const token = await userToken(keystone!, { username: CREDENTIALS_REQUEST.username, password: 'Ct7monPw5z', project: CREDENTIALS_REQUEST.project });
    note(`keystone: user ${CREDENTIALS_REQUEST.username} (${account.userId}) holds only ${CREDENTIALS_REQUEST.requestedGrants.join(',')} on services`);
    await action('add-host', { segment: 'ct-segment', host: 'cmp2.maas' });
    const compute = new MasakariClient(`http://${ns.nsAddress}:15868/v1`, token);
    const segment = await connection.client.findSegment('ct-segment');
    const cmp2 = (await connection.client.listHosts(segment.uuid)).find((h) => h.name === 'cmp2.maas')!;
    const refusals: [string, () => Promise<unknown>][] = [
      ['create a segment', () => compute.createSegment({ name: 'forged', recoveryMethod: 'auto', serviceType: 'COMPUTE' })],
      ['list segments', () => compute.listSegments()],
      ['list hosts', () => compute.listHosts(segment.uuid)],
      ['put a host into maintenance', () => compute.updateHost(segment.uuid, cmp2.uuid, { on_maintenance: true })],
      ['add a host', () => compute.addHost(segment.uuid, { name: 'cmp3.maas', type: 'COMPUTE', controlAttributes: 'SSH', reserved: false })],
      ['list notifications', () => compute.listNotifications()],
    ];
    for (const [what, call] of refusals) {
      const error = await call().then(() => null, (e: unknown) => e);
      note(`compute credentials: ${what} → ${error instanceof OpenStackApiError ? error.message : 'ALLOWED'}`);
      expect(error).toBeInstanceOf(OpenStackApiError);
      expect((error as OpenStackApiError).status).toBe(403);
    }
    const reported = await compute.createHostUpNotification('cmp2.maas', new Date());
    note(`compute credentials: report cmp2.maas online → notification ${reported.notification_uuid}, status ${reported.status}`);
    expect(reported.status).toBe('new');
    expect((await connection.client.listHosts(segment.uuid)).find((h) => h.name === 'cmp2.maas')?.on_maintenance).toBe(false);
  });
});

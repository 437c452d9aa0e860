/** Every relation step of one masakari unit and the status after it, with data shaped as the stock charms send it. */
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceAction } from '../../../reactive/host/host.js';
import { RecordingHost } from '../../../reactive/testing/recording-host.js';
import { HookFailed } from '../../../reactive/testing/harness.js';
import { HACLUSTER_CLUSTERED, KEYSTONE_DATA, masakariHarness, rabbitData, relateAll, routerData } from './fixtures.js';
import { parseIni } from './ini.js';
import { NOTIFIER_ROLE as MONITORS_ROLE } from '../../masakari-monitors/src/credentials.js';
import { NOTIFIER_ROLE, POLICY_PATH } from '../src/policy.js';

const cleanups: (() => void)[] = [];
afterEach(() => { while (cleanups.length) cleanups.pop()!(); });

async function unit(options: Parameters<typeof masakariHarness>[0] = {}) {
  const made = await masakariHarness(options);
  cleanups.push(() => made.harness.cleanup());
  await made.harness.beginWithInitialHooks();
  return made;
}

describe('masakari relations, step by step', () => {
  it('installs the Debian packages and asks for the three relations', async () => {
    const { harness, host } = await unit();
    expect([...host.installedPackages.keys()]).toEqual(expect.arrayContaining(['masakari-api', 'masakari-engine', 'haproxy', 'memcached', 'python3-memcache', 'python3-tooz', 'python3-pymysql', 'uwsgi-plugin-python3']));
    expect(harness.status).toEqual({ status: 'blocked', message: "'shared-db' missing, 'amqp' missing, 'identity-service' missing" });
    expect(host.file('/etc/masakari/masakari.conf')).toBeNull();
  });

  it('amqp: requests user and vhost as plain strings; incomplete until rabbit answers', async () => {
    const { harness } = await unit();
    const amqp = await harness.addRelation('amqp', 'rabbitmq-server', { units: { 'rabbitmq-server/0': {} } });
    expect(harness.relationData(amqp)).toMatchObject({ username: 'masakari', vhost: 'masakari', 'private-address': '10.5.0.11' });
    expect(harness.status.message).toBe("'shared-db' missing, 'identity-service' missing, 'amqp' incomplete");
    await harness.updateRelationData(amqp, 'rabbitmq-server/0', rabbitData(9));
    expect(harness.isFlagSet('endpoint.amqp.available')).toBe(true);
    expect(harness.status.message).toBe("'shared-db' missing, 'identity-service' missing");
  });

  it('shared-db: requests the database from the binding address; ready only once this unit is in allowed_units', async () => {
    const { harness } = await unit();
    const db = await harness.addRelation('shared-db', 'mysql-router', { units: { 'mysql-router/0': {} } });
    expect(harness.relationData(db)).toMatchObject({ database: 'masakari', username: 'masakari', hostname: '10.5.0.11' });
    await harness.updateRelationData(db, 'mysql-router/0', routerData('masakari/1 masakari/2'));
    expect(harness.isFlagSet('endpoint.shared-db.available')).toBe(false);
    expect(harness.status.message).toContain("'shared-db' incomplete");
    await harness.updateRelationData(db, 'mysql-router/0', routerData('masakari/0 masakari/1 masakari/2'));
    expect(harness.isFlagSet('endpoint.shared-db.available')).toBe(true);
    expect(harness.status.message).toBe("'amqp' missing, 'identity-service' missing");
  });

  it('identity-service: registers masakari on 15868 with the tenant placeholder', async () => {
    const { harness } = await unit();
    const ks = await harness.addRelation('identity-service', 'keystone', { units: { 'keystone/0': {} } });
    expect(harness.relationData(ks)).toEqual({
      service: 'masakari', region: 'RegionOne',
      public_url: 'http://10.5.0.11:15868/v1/%(tenant_id)s',
      internal_url: 'http://10.5.0.11:15868/v1/%(tenant_id)s',
      admin_url: 'http://10.5.0.11:15868/v1/%(tenant_id)s',
    });
    await harness.updateConfig({ region: 'RegionTwo', 'os-public-hostname': 'masakari.example.com' });
    expect(harness.relationData(ks)).toMatchObject({ region: 'RegionTwo', public_url: 'http://masakari.example.com:15868/v1/%(tenant_id)s' });
    await harness.updateRelationData(ks, 'keystone/0', KEYSTONE_DATA);
    expect(harness.isFlagSet('endpoint.identity-service.available')).toBe(true);
  });

  it('with all three the leader syncs the schema once, starts the services and is ready', async () => {
    const { harness, host } = await unit();
    await relateAll(harness);
    const syncs = host.commands.filter((c) => c.argv.includes('db') && c.argv.includes('sync'));
    expect(syncs).toHaveLength(1);
    // Through the charm's wrapper: the probe (fixtures) reports python3-taskflow without its migrations.
    expect(syncs[0]!.argv).toEqual(['/usr/local/lib/masakari-charm/masakari-manage', '--config-file', '/etc/masakari/masakari.conf', 'db', 'sync']);
    expect(harness.model.leaderData).toMatchObject({ 'db-sync-done': 'True', 'db-synced-version': '14.0.2-2' });
    expect([...host.activeServices]).toEqual(expect.arrayContaining(['memcached', 'masakari-engine', 'masakari-api', 'haproxy']));
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    await harness.runHook('config-changed');
    await harness.runHook('update-status');
    expect(host.commands.filter((c) => c.argv.includes('sync'))).toHaveLength(1);
  });

  it('the schema is synced once per masakari version: again after an upgrade, never by a new leader for the same one', async () => {
    const { harness, host } = await unit();
    await relateAll(harness);
    host.setPackageVersion('python3-masakari', '14.0.3-1');
    await harness.runHook('upgrade-charm');
    expect(host.commands.filter((c) => c.argv.includes('sync'))).toHaveLength(2);
    expect(harness.model.leaderData['db-synced-version']).toBe('14.0.3-1');
    // Leadership moves away and back: the leader data already names this version.
    await harness.setLeader(false);
    await harness.setLeader(true);
    await harness.runHook('config-changed');
    expect(host.commands.filter((c) => c.argv.includes('sync'))).toHaveLength(2);
    expect(harness.status.message).toBe('Unit is ready');
  });

  it('a non-leader waits for the leader to sync, with API and engine stopped, then starts them', async () => {
    const { harness, host } = await unit({ unit: 'masakari/1', leader: false, address: '10.5.0.12' });
    await relateAll(harness);
    expect(host.commands.some((c) => c.argv.includes('sync'))).toBe(false);
    expect(harness.status).toEqual({ status: 'waiting', message: 'Waiting for the leader to synchronise the database schema' });
    expect(host.activeServices.has('masakari-api')).toBe(false);
    expect(host.activeServices.has('masakari-engine')).toBe(false);
    await harness.setLeaderData({ 'db-sync-done': 'True', 'db-synced-version': '14.0.2-2' });
    expect(host.activeServices.has('masakari-api')).toBe(true);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
  });

  it('a failed schema sync waits with the reason and backs off; the retry comes when it is due, in any hook', async () => {
    const sync = { exitCode: 1 };
    const { harness, host } = await unit({ sync });
    await relateAll(harness);
    expect(harness.status.status).toBe('waiting');
    expect(harness.status.message).toMatch(/^Database schema sync failed \(masakari-manage exit 1, 1 attempt\(s\)\); next attempt after \d\d:\d\d:\d\d UTC; see \/var\/log\/masakari/);
    expect(harness.model.leaderData['db-synced-version']).toBeUndefined();
    const syncs = () => host.commands.filter((c) => c.argv.includes('sync')).length;
    const first = harness.kv.get<{ failures: number; nextAttemptMs: number }>('masakari.db-sync-failures')!;
    expect(first.failures).toBe(1);
    expect(first.nextAttemptMs - Date.now()).toBeGreaterThan(50_000);
    // Not due yet: no hook runs masakari-manage (it would take about 100 s against a database that does not answer).
    host.clearRecords();
    await harness.runHook('update-status');
    await harness.runHook('config-changed');
    expect(syncs()).toBe(0);
    // Due and failing again: the pause doubles.
    harness.setStored('masakari.db-sync-failures', { ...first, nextAttemptMs: Date.now() - 1 });
    await harness.runHook('update-status');
    const second = harness.kv.get<{ failures: number; nextAttemptMs: number }>('masakari.db-sync-failures')!;
    expect(syncs()).toBe(1);
    expect(second.failures).toBe(2);
    expect(second.nextAttemptMs - Date.now()).toBeGreaterThan(110_000);
    // Due, and the database answers: update-status syncs and starts what waited for the schema.
    sync.exitCode = 0;
    harness.setStored('masakari.db-sync-failures', { ...second, nextAttemptMs: Date.now() - 1 });
    await harness.runHook('update-status');
    expect(harness.model.leaderData['db-synced-version']).toBe('14.0.2-2');
    expect(harness.kv.get('masakari.db-sync-failures')).toBeUndefined();
    expect(harness.status.message).toBe('Unit is ready');
  });

  it('cluster: publishes its addresses and puts every peer behind haproxy', async () => {
    const { harness, host } = await unit();
    await relateAll(harness);
    const peers = [...harness.model.relations.values()].find((r) => r.endpoint === 'cluster')!.id;
    expect(harness.relationData(peers)).toMatchObject({ 'public-address': '10.5.0.11', 'internal-address': '10.5.0.11', 'admin-address': '10.5.0.11' });
    host.clearRecords();
    await harness.addRelationUnit(peers, 'masakari/1', { 'private-address': '10.5.0.12', 'public-address': '10.5.0.12' });
    await harness.addRelationUnit(peers, 'masakari/2', { 'private-address': '10.5.0.13' });
    const cfg = host.file('/etc/haproxy/haproxy.cfg')!;
    expect(cfg.split('\n').filter((l) => l.trim().startsWith('server '))).toEqual([
      '    server masakari-0 10.5.0.11:15858 check inter 2000 rise 2 fall 3',
      '    server masakari-1 10.5.0.12:15858 check inter 2000 rise 2 fall 3',
      '    server masakari-2 10.5.0.13:15858 check inter 2000 rise 2 fall 3',
    ]);
    // haproxy reloads (no moment without a listener), the API is not touched.
    expect(host.serviceActions.filter((a) => a.action === 'reload' || a.action === 'restart').map((a) => `${a.action} ${a.name}`)).toEqual(['reload haproxy', 'reload haproxy']);
    await harness.removeRelationUnit(peers, 'masakari/2');
    expect(host.file('/etc/haproxy/haproxy.cfg')).not.toContain('masakari-2');
  });

  it('amqp: a rabbit unit joining or leaving changes transport_url and restarts API and engine only', async () => {
    const { harness, host } = await unit();
    const { amqp } = await relateAll(harness, 2);
    expect(parseIni(host.file('/etc/masakari/masakari.conf')!).DEFAULT!.transport_url).toBe('rabbit://masakari:Rb7tQ2nW8zLp@10.5.0.9:5672,masakari:Rb7tQ2nW8zLp@10.5.0.10:5672/masakari');
    host.clearRecords();
    await harness.addRelationUnit(amqp, 'rabbitmq-server/2', rabbitData(11));
    expect(parseIni(host.file('/etc/masakari/masakari.conf')!).DEFAULT!.transport_url).toContain('@10.5.0.11:5672/masakari');
    expect(host.serviceActions.filter((a) => a.action === 'restart').map((a) => a.name)).toEqual(['masakari-engine', 'masakari-api']);
    host.clearRecords();
    await harness.removeRelationUnit(amqp, 'rabbitmq-server/0');
    expect(parseIni(host.file('/etc/masakari/masakari.conf')!).DEFAULT!.transport_url).toBe('rabbit://masakari:Rb7tQ2nW8zLp@10.5.0.10:5672,masakari:Rb7tQ2nW8zLp@10.5.0.11:5672/masakari');
  });

  it('ha: vip without hacluster blocks; the resources go out; ready once hacluster says clustered', async () => {
    const { harness } = await unit();
    await relateAll(harness);
    await harness.updateConfig({ vip: '10.5.100.1' });
    expect(harness.status).toEqual({ status: 'blocked', message: "'ha' missing: vip is set, relate masakari to hacluster" });
    const ks = [...harness.model.relations.values()].find((r) => r.endpoint === 'identity-service')!.id;
    expect(harness.relationData(ks).public_url).toBe('http://10.5.100.1:15868/v1/%(tenant_id)s');
    const ha = await harness.addRelation('ha', 'hacluster', { units: { 'hacluster/0': { 'private-address': '10.5.0.11' } } });
    const sent = harness.relationData(ha);
    expect(sent).toEqual({
      corosync_bindiface: 'eth0',
      corosync_mcastport: '4440',
      json_clones: '{"cl_res_masakari_haproxy": "res_masakari_haproxy"}',
      json_delete_resources: '["res_masakari_eth0_vip"]',
      json_groups: '{"grp_masakari_vips": "res_masakari_242d562_vip"}',
      json_init_services: '["haproxy"]',
      json_resource_params: '{"res_masakari_242d562_vip": "  params ip=\\"10.5.100.1\\"  meta migration-threshold=\\"INFINITY\\" failure-timeout=\\"5s\\"  op monitor timeout=\\"20s\\" interval=\\"10s\\" depth=\\"0\\"", "res_masakari_haproxy": "  meta migration-threshold=\\"INFINITY\\" failure-timeout=\\"5s\\"  op monitor interval=\\"5s\\""}',
      json_resources: '{"res_masakari_242d562_vip": "ocf:heartbeat:IPaddr2", "res_masakari_haproxy": "lsb:haproxy"}',
    });
    expect(harness.status).toEqual({ status: 'waiting', message: "'ha' incomplete: waiting for hacluster to report clustered" });
    await harness.updateRelationData(ha, 'hacluster/0', HACLUSTER_CLUSTERED);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    // A VIP outside the unit's networks falls back to vip_iface/vip_cidr; the old one is deleted from pacemaker.
    await harness.updateConfig({ vip: '192.168.50.5', vip_iface: 'ens4', vip_cidr: 25 });
    const next = harness.relationData(ha);
    expect(JSON.parse(next.json_resources!)).toEqual({ res_masakari_ens4_vip: 'ocf:heartbeat:IPaddr2', res_masakari_haproxy: 'lsb:haproxy' });
    expect(JSON.parse(next.json_resource_params!).res_masakari_ens4_vip).toContain('params ip="192.168.50.5" nic="ens4" cidr_netmask="25"');
    expect(JSON.parse(next.json_delete_resources!)).toEqual(['res_masakari_242d562_vip']);
    expect(next.corosync_bindiface).toBe('ens4');
  });

  it('ha: haproxy, once handed to pacemaker, is left disabled in the init system (no enable/disable fight with hacluster)', async () => {
    const { harness, host } = await unit();
    await relateAll(harness);
    expect(host.enabledServices.has('haproxy')).toBe(true);
    const ha = await harness.addRelation('ha', 'hacluster', { units: { 'hacluster/0': { 'private-address': '10.5.0.11' } } });
    await harness.updateRelationData(ha, 'hacluster/0', HACLUSTER_CLUSTERED);
    // what hacluster-ext does with json_init_services
    host.setServiceEnabled('haproxy', false);
    const before = host.commands.length;
    await harness.runHook('config-changed');
    await harness.runHook('ha-relation-changed');
    const ran = host.commands.slice(before).map((c) => c.argv.join(' '));
    expect(ran.filter((c) => c.startsWith('systemctl enable') || c.startsWith('systemctl disable'))).toEqual([]);
    expect(host.enabledServices.has('haproxy')).toBe(false);
    expect(host.enabledServices.has('masakari-engine')).toBe(true);
  });

  it('require-fencing: the gate task in the flows, its package installed, masakari in haclient once pacemaker is there', async () => {
    const { harness, host } = await unit({ requireFencing: true });
    await relateAll(harness);
    expect(harness.status).toEqual({ status: 'blocked', message: "require-fencing needs the 'ha' relation to hacluster-ext (or set require-fencing=false)" });
    const conf = parseIni(host.file('/etc/masakari/masakari.conf')!);
    const flow = "pre:['fenced_host_disable_task'],main:['prepare_HA_enabled_instances_task'],"
      + "post:['evacuation_started_notify_task','evacuate_instances_task','evacuation_finished_notify_task']";
    expect(conf.taskflow_driver_recovery_flows).toEqual({ host_auto_failure_recovery_tasks: flow, host_rh_failure_recovery_tasks: flow });
    expect(conf.fence_gate).toEqual({ timeout: '300', cooldown: '3600' });
    // The monitors' role may create notifications, and the name is the one masakari-monitors asks keystone for.
    expect(host.file(POLICY_PATH)).toContain(`"os_masakari_api:notifications:create": "rule:admin_api or role:${MONITORS_ROLE}"`);
    expect(NOTIFIER_ROLE).toBe(MONITORS_ROLE);
    expect(host.file('/usr/lib/python3/dist-packages/masakari_fence_gate-1.0.dist-info/entry_points.txt'))
      .toBe('[masakari.task_flow.tasks]\nfenced_host_disable_task = masakari_fence_gate.task:FencedHostDisableTask\n'
        + 'evacuation_started_notify_task = masakari_fence_gate.notify:EvacuationStartedTask\n'
        + 'evacuation_finished_notify_task = masakari_fence_gate.notify:EvacuationFinishedTask\n');
    expect(host.file('/usr/lib/python3/dist-packages/masakari_fence_gate/notify.py')).toContain('class EvacuationStartedTask(base.MasakariTask)');
    expect(host.file('/usr/lib/python3/dist-packages/masakari_fence_gate/task.py')).toContain('class FencedHostDisableTask(base.MasakariTask)');

    const ha = await harness.addRelation('ha', 'hacluster', { units: { 'hacluster/0': { 'private-address': '10.5.0.11' } } });
    expect(harness.status).toEqual({ status: 'waiting', message: 'Waiting for pacemaker on this unit (fence gate)' });
    // hacluster-ext installs pacemaker, which creates haclient; its answer on the relation runs a hook here.
    await host.ensureGroup('haclient');
    host.clearRecords();
    await harness.updateRelationData(ha, 'hacluster/0', HACLUSTER_CLUSTERED);
    expect(host.groupMembers('haclient')).toEqual(['masakari']);
    expect(host.serviceActions.filter((a) => a.action === 'restart').map((a) => a.name)).toEqual(['masakari-engine']);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    // The cluster cannot fence yet (hacluster-ext without MAAS): the unit works, and says what that means.
    let stonith = 'false';
    host.onCommand(['crm_attribute'], () => ({ exitCode: 0, stdout: `${stonith}\n`, stderr: '' }));
    await harness.runHook('update-status');
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready (no fencing in the cluster: failed hosts are not evacuated)' });
    stonith = 'true';
    await harness.runHook('update-status');
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    host.clearRecords();
    await harness.runHook('config-changed');
    expect(host.serviceActions.filter((a) => a.action === 'restart')).toEqual([]);

    // Off: masakari's own flow again, the package gone, the engine restarted once.
    await harness.updateConfig({ 'require-fencing': false, 'fence-confirm-timeout': 600 });
    const plain = parseIni(host.file('/etc/masakari/masakari.conf')!);
    expect(plain.taskflow_driver_recovery_flows).toBeUndefined();
    expect(plain.fence_gate).toBeUndefined();
    expect(host.file('/usr/lib/python3/dist-packages/masakari_fence_gate/task.py')).toBeNull();
    expect(host.file('/usr/lib/python3/dist-packages/masakari_fence_gate-1.0.dist-info/METADATA')).toBeNull();
    // masakari.conf changed too, and the API reads it.
    expect(host.serviceActions.filter((a) => a.action === 'restart').map((a) => a.name)).toEqual(['masakari-engine', 'masakari-api']);
  });

  it('refuses a fence-confirm-timeout out of range, naming the option', async () => {
    const { harness } = await unit({ requireFencing: true });
    await harness.updateConfig({ 'fence-confirm-timeout': 5 });
    expect(harness.status.status).toBe('blocked');
    expect(harness.status.message).toContain('fence-confirm-timeout');
  });

  it('renders recovery-cooldown into the gate, 0 turning it off, and refuses a negative one naming the option', async () => {
    const { harness, host } = await unit({ requireFencing: true });
    await relateAll(harness);
    await harness.updateConfig({ 'recovery-cooldown': 0 });
    expect(parseIni(host.file('/etc/masakari/masakari.conf')!).fence_gate).toEqual({ timeout: '300', cooldown: '0' });
    await harness.updateConfig({ 'recovery-cooldown': -1 });
    expect(harness.status.status).toBe('blocked');
    expect(harness.status.message).toContain('recovery-cooldown');
    expect(parseIni(host.file('/etc/masakari/masakari.conf')!).fence_gate).toEqual({ timeout: '300', cooldown: '0' });
  });

  it('losing a required relation reports it missing again', async () => {
    const { harness } = await unit();
    const { db } = await relateAll(harness);
    await harness.removeRelation(db);
    expect(harness.status).toEqual({ status: 'blocked', message: "'shared-db' missing" });
  });

  it('reports services that are down and ports that are closed', async () => {
    const { harness, host } = await unit();
    await relateAll(harness);
    host.setServiceActive('masakari-engine', false);
    await harness.runHook('update-status');
    expect(harness.status).toEqual({ status: 'blocked', message: 'Services not running that should be: masakari-engine' });
    await harness.runHook('config-changed');
    expect(harness.status.message).toBe('Unit is ready');
    // /proc/net/tcp with only 15858 (0x3DF2) listening: haproxy's 15868 is not.
    await host.seedFile('/proc/net/tcp', '  sl  local_address rem_address   st\n   0: 00000000:3DF2 00000000:0000 0A 0\n');
    await harness.runHook('update-status');
    expect(harness.status).toEqual({ status: 'blocked', message: 'Ports which should be open, but are not: 15868' });
  });

  it('a service that will not start is reported, not a hook error, and is started again by the next hook', async () => {
    class Refusing extends RecordingHost {
      refuse = true;
      override async service(action: ServiceAction, name: string): Promise<void> {
        if (name === 'haproxy' && this.refuse && action !== 'stop') throw new Error('command failed: systemctl restart haproxy exited with code 1\nJob for haproxy.service failed');
        return super.service(action, name);
      }
    }
    const host = new Refusing();
    const { harness } = await unit({ host });
    await relateAll(harness);
    expect(harness.status).toEqual({ status: 'blocked', message: 'Services not running that should be: haproxy' });
    expect(harness.model.logs.some((l) => l.level === 'ERROR' && l.message.startsWith('haproxy did not start: command failed: systemctl restart haproxy exited with code 1; see journalctl -u haproxy'))).toBe(true);
    host.refuse = false;
    await harness.runHook('config-changed');
    expect(harness.status.message).toBe('Unit is ready');
  });

  it('a reload that fails once and leaves the service down is followed by a second start in the same hook', async () => {
    class FailsOnce extends RecordingHost {
      armed = false;
      failures = 0;
      override async service(action: ServiceAction, name: string): Promise<void> {
        if (this.armed && name === 'haproxy' && action === 'reload' && this.failures++ === 0) {
          this.setServiceActive(name, false);
          throw new Error('command failed: systemctl reload haproxy exited with code 1');
        }
        return super.service(action, name);
      }
    }
    const host = new FailsOnce();
    const { harness } = await unit({ host });
    await relateAll(harness);
    host.armed = true;
    await harness.updateConfig({ 'haproxy-client-timeout': 30_000 });
    expect(host.failures).toBe(1);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    expect(harness.model.logs.some((l) => l.level === 'WARNING' && l.message.startsWith('haproxy failed to start once'))).toBe(true);
    expect(harness.model.logs.some((l) => l.level === 'ERROR')).toBe(false);
    host.clearRecords();
    await harness.runHook('update-status');
    expect(host.serviceActions).toEqual([]); // started with the new file: nothing owed
  });
});

describe('a restart owed survives a failed restart and a killed hook', () => {
  /** A machine whose next restart of `service` fails and leaves the old process running. */
  class RestartFailsOnce extends RecordingHost {
    armed: string | null = null;
    override async service(action: ServiceAction, name: string): Promise<void> {
      if (action === 'restart' && name === this.armed) {
        this.armed = null;
        throw new Error(`command failed: systemctl restart ${name} exited with code 1`);
      }
      return super.service(action, name);
    }
  }
  const restarts = (host: RecordingHost) => host.serviceActions.filter((a) => a.action === 'restart').map((a) => a.name);

  it('a restart that fails (the old engine still running) is done by the next hook, update-status included', async () => {
    const host = new RestartFailsOnce();
    const { harness } = await unit({ host });
    await relateAll(harness);
    expect(harness.status.message).toBe('Unit is ready');
    host.armed = 'masakari-engine';
    host.clearRecords();
    await harness.updateConfig({ 'evacuation-delay': 120 });
    expect(restarts(host)).toEqual(['masakari-api']); // the engine's restart failed; it still runs the old config
    expect(harness.model.logs.some((l) => l.level === 'WARNING' && l.message.includes('masakari-engine') && l.message.includes('tried again'))).toBe(true);
    host.clearRecords();
    await harness.runHook('update-status');
    expect(host.writes).toEqual([]);
    expect(restarts(host)).toEqual(['masakari-engine']);
    host.clearRecords();
    await harness.runHook('update-status');
    expect(host.serviceActions).toEqual([]);
  });

  it('a hook killed after writing masakari.conf and before the restarts: Juju runs it again and it restarts', async () => {
    const { harness, host } = await unit();
    await relateAll(harness);
    expect(harness.status.message).toBe('Unit is ready');
    // A package upgrade needs a schema sync, and the hook dies in it (masakari-manage takes its time): after the
    // writes, before any restart.
    let killed = false;
    host.onCommand((argv) => argv.includes('db') && argv.includes('sync'), () => {
      if (!killed) {
        killed = true;
        throw new Error('hook process killed during masakari-manage db sync');
      }
      return { exitCode: 0, stdout: '', stderr: '' };
    });
    host.setPackageVersion('python3-masakari', '14.0.2-3');
    host.clearRecords();
    await expect(harness.updateConfig({ 'evacuation-delay': 120 })).rejects.toBeInstanceOf(HookFailed);
    expect(parseIni(host.file('/etc/masakari/masakari.conf')!).DEFAULT!.wait_period_after_service_update).toBe('120');
    expect(restarts(host)).toEqual([]);
    host.clearRecords();
    await harness.runHook('config-changed');
    expect(host.writes.map((w) => w.path)).not.toContain('/etc/masakari/masakari.conf'); // nothing new to write
    expect(restarts(host)).toEqual(['masakari-engine', 'masakari-api']);
    expect(harness.status.message).toBe('Unit is ready');
    host.clearRecords();
    await harness.runHook('config-changed');
    expect(host.serviceActions).toEqual([]);
  });
});

describe('relation data that breaks a rule', () => {
  it('a line break in keystone service_host blocks naming relation, unit and key; masakari.conf keeps its sections', async () => {
    const { harness, host } = await unit();
    const { keystone } = await relateAll(harness);
    const before = host.file('/etc/masakari/masakari.conf');
    host.clearRecords();
    await harness.updateRelationData(keystone, 'keystone/0', { service_host: '10.5.0.40\n[database]\nconnection = sqlite:////tmp/x', auth_port: '35357\r' });
    expect(harness.status).toEqual({
      status: 'blocked',
      message: `relation ${keystone} (keystone/0): service_host must be an IP address or a host name`,
    });
    expect(harness.isFlagSet('endpoint.identity-service.available')).toBe(false);
    expect(host.file('/etc/masakari/masakari.conf')).toBe(before);
    expect(host.writes).toEqual([]);
    expect(host.serviceActions).toEqual([]);
    await harness.updateRelationData(keystone, 'keystone/0', { service_host: '10.5.0.40', auth_port: '35357' });
    expect(harness.status.message).toBe('Unit is ready');
  });

  it('accepts what the stock charms send with IPv6 and host names', async () => {
    const { harness, host } = await unit();
    const { db, amqp, keystone } = await relateAll(harness, 1);
    await harness.updateRelationData(db, 'mysql-router/0', { db_host: 'fd00:5::10' });
    await harness.updateRelationData(amqp, 'rabbitmq-server/0', { 'private-address': 'fd00:5::9', hostname: 'rabbit-1.maas' });
    await harness.updateRelationData(keystone, 'keystone/0', { service_host: 'keystone.maas', auth_host: 'fd00:5::40', internal_host: 'keystone-int.maas' });
    expect(harness.status.message).toBe('Unit is ready');
    const conf = parseIni(host.file('/etc/masakari/masakari.conf')!);
    expect(conf.database!.connection).toBe('mysql+pymysql://masakari:Xk3mDq9vLw2p@[fd00:5::10]:3306/masakari');
    expect(conf.DEFAULT!.transport_url).toBe('rabbit://masakari:Rb7tQ2nW8zLp@[fd00:5::9]:5672/masakari');
    expect(conf.keystone_authtoken!.www_authenticate_uri).toBe('http://keystone.maas:5000');
    expect(conf.keystone_authtoken!.auth_url).toBe('http://[fd00:5::40]:35357');
  });

  it('a peer with a bad address stays out of haproxy.cfg and is named in the status', async () => {
    const { harness, host } = await unit();
    await relateAll(harness);
    const peers = [...harness.model.relations.values()].find((r) => r.endpoint === 'cluster')!.id;
    await harness.addRelationUnit(peers, 'masakari/1', { 'private-address': '10.5.0.12\nlisten evil\n    bind *:1' });
    expect(harness.status).toEqual({ status: 'blocked', message: `relation ${peers} (masakari/1): private-address must be an IPv4 or IPv6 address` });
    const cfg = host.file('/etc/haproxy/haproxy.cfg')!;
    expect(cfg).not.toContain('evil');
    expect(cfg.match(/^\s*server /gm)).toHaveLength(1);
  });
});

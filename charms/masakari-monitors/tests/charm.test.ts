import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../../reactive/testing/recording-host.js';
import { Harness } from '../../../reactive/testing/harness.js';
import { charm } from '../src/charm.js';
import { CONF_PATH } from '../src/conf.js';
import { PAUSED_MESSAGE } from '../src/monitors-state.js';
import { HOST_MONITOR, INSTANCE_MONITOR } from '../src/platform.js';

const CHARM_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECRET = 'Zx9$secretPW';

/** What stock keystone (v3) answers on identity-credentials, from its leader. */
const KEYSTONE_ANSWER = {
  auth_host: '10.5.0.10', auth_port: '35357', auth_protocol: 'http',
  credentials_host: '10.5.0.10', credentials_port: '5000', credentials_protocol: 'http',
  credentials_username: 'masakari-monitors', credentials_password: SECRET, credentials_project: 'services',
  credentials_project_id: '6b3e5d0c1f2a4e3b', api_version: '3', region: 'RegionOne', domain: 'service_domain',
  credentials_user_domain_name: 'service_domain', credentials_user_domain_id: '9a1c2b3d',
  credentials_project_domain_name: 'service_domain', credentials_project_domain_id: '9a1c2b3d',
};

const DEBIAN_UNIT = '[Unit]\nDescription=Masakari Host Monitor\n\n[Service]\nUser=masakari\nGroup=masakari\nExecStart=/etc/init.d/masakari-host-monitor systemd-start\n';

function saveEvidence(name: string, text: string): void {
  const dir = process.env.EVIDENCE_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), text);
}

describe('masakari-monitors charm', () => {
  let host: RecordingHost;
  let harness: Harness<string, typeof charm.endpointClasses>;

  beforeEach(async () => {
    host = new RecordingHost({ hostname: 'compute-1', fqdn: 'compute-1.maas' });
    await host.ensureUser('masakari', { group: 'masakari', system: true });
    await host.seedFile(`/lib/systemd/system/${HOST_MONITOR}.service`, DEBIAN_UNIT);
    await host.seedFile('/run/libvirt/libvirt-sock-ro', ''); // nova-compute's libvirtd runs here
    host.clearRecords();
    harness = new Harness(charm, { charmDir: CHARM_DIR, unit: 'masakari-monitors/0', host, principalUnit: 'nova-compute/0' });
    harness.setNetwork('container', '10.5.0.31', '10.5.0.0/24', 'ens4');
    await harness.addRelation('container', 'nova-compute', { units: { 'nova-compute/0': {} } });
  });
  afterEach(() => harness.cleanup());

  async function related(): Promise<string> {
    await harness.beginWithInitialHooks();
    const rid = await harness.addRelation('identity-credentials', 'keystone', { units: { 'keystone/0': {} } });
    await harness.updateRelationData(rid, 'keystone/0', KEYSTONE_ANSWER);
    return rid;
  }

  it('installs the monitors with pacemaker-remote so apt does not pull in pacemaker and corosync', async () => {
    await harness.beginWithInitialHooks();
    expect(host.packageActions).toEqual([
      { action: 'install', packages: ['masakari-host-monitor', 'masakari-instance-monitor', 'masakari-process-monitor', 'sudo', 'pacemaker-remote'] },
    ]);
    expect(harness.status).toEqual({ status: 'blocked', message: "'identity-credentials' missing" });
    expect(harness.isFlagSet('endpoint.container.connected')).toBe(true); // juju-info: the principal is there
  });

  it('stops the services the package started until it has configured them', async () => {
    await harness.beginWithInitialHooks();
    host.setServiceActive(HOST_MONITOR, true).setServiceActive(INSTANCE_MONITOR, true); // postinst started them
    host.clearRecords();
    await harness.runHook('update-status');
    expect(host.serviceActions).toEqual([{ action: 'stop', name: HOST_MONITOR }, { action: 'stop', name: INSTANCE_MONITOR }]);
    host.clearRecords();
    await harness.runHook('update-status');
    expect(host.serviceActions).toEqual([]);
  });

  it('calls a created relation without a joined keystone unit incomplete, not missing', async () => {
    await harness.beginWithInitialHooks();
    await harness.addRelation('identity-credentials', 'keystone');
    expect(harness.status).toEqual({ status: 'waiting', message: "'identity-credentials' incomplete" });
  });

  it('asks keystone as upstream does, plus only the notifier role (no Admin), and waits for a complete answer', async () => {
    await harness.beginWithInitialHooks();
    const rid = await harness.addRelation('identity-credentials', 'keystone', { units: { 'keystone/0': {} } });
    // The stock keystone charm creates requested_roles and grants requested_grants instead of its admin-role.
    expect(harness.relationData(rid)).toEqual({ username: 'masakari-monitors', project: 'services', requested_roles: 'masakari-notifier', requested_grants: 'masakari-notifier' });
    saveEvidence('masakari-monitors-published-identity-credentials.json', `${JSON.stringify(harness.relationData(rid), null, 2)}\n`);
    expect(harness.status).toEqual({ status: 'waiting', message: "'identity-credentials' incomplete" });
    // Keystone's endpoint data alone (no user yet) is not enough.
    const { credentials_password: _p, credentials_username: _u, ...endpointOnly } = KEYSTONE_ANSWER;
    await harness.updateRelationData(rid, 'keystone/0', endpointOnly);
    expect(harness.status).toEqual({ status: 'waiting', message: "'identity-credentials' incomplete" });
    expect(host.file(CONF_PATH)).toBeNull();
  });

  it('renders the config (0640 root:masakari) and starts both monitors once keystone answered', async () => {
    await related();
    const conf = host.file(CONF_PATH)!;
    saveEvidence('masakarimonitors.conf', conf);
    expect(host.fileMeta(CONF_PATH)).toEqual({ owner: 'root', group: 'masakari', mode: 0o640 });
    expect(conf).toContain('hostname = compute-1.maas\n');
    expect(conf).toContain('auth_url = http://10.5.0.10:35357\n');
    expect(conf).toContain('password = Zx9\\$secretPW\n');
    expect(conf).toContain('monitoring_samples = 2\n');
    expect(conf).toContain('restrict_to_remotes = True\npacemaker_node_type = remote\n');
    expect(conf).toContain('corosync_multicast_interfaces = ens4\n');
    expect(conf).toContain('helper_command = sudo privsep-helper --config-file /etc/masakarimonitors/masakarimonitors.conf\n');
    expect(host.file('/etc/default/masakari-host-monitor')).toContain('DAEMON_ARGS="--config-file=/etc/masakarimonitors/masakarimonitors.conf"');
    expect([...host.activeServices].sort()).toEqual([HOST_MONITOR, INSTANCE_MONITOR]);
    expect([...host.enabledServices].sort()).toEqual([HOST_MONITOR, INSTANCE_MONITOR]);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    expect(JSON.stringify(harness.model.logs) + harness.debugLines.join('\n')).not.toContain(SECRET);
  });

  it('is idempotent: further hooks write nothing, restart nothing, set nothing', async () => {
    const rid = await related();
    host.clearRecords();
    await harness.runHook('update-status');
    await harness.runHook('config-changed');
    await harness.runHook('identity-credentials-relation-changed', { relationId: rid }, 'keystone', 'keystone/0');
    expect(host.writes).toEqual([]);
    expect(host.serviceActions).toEqual([]);
    const calls = harness.history.slice(-3).flatMap((h) => h.toolCalls.filter((c) => ['relation-set', 'status-set'].includes(c.tool)));
    expect(calls).toEqual([]);
  });

  it('restarts the monitors once when an option or the password changes', async () => {
    const rid = await related();
    host.clearRecords();
    await harness.updateConfig({ 'monitoring-interval': 15, 'config-flags': 'tempdir=/var/tmp' });
    expect(host.writes.map((w) => w.path)).toEqual([CONF_PATH]);
    expect(host.file(CONF_PATH)).toMatch(/\[DEFAULT\]\ndebug = False\nhostname = compute-1.maas\ntempdir = \/var\/tmp\n/);
    expect(host.serviceActions).toEqual([{ action: 'restart', name: HOST_MONITOR }, { action: 'restart', name: INSTANCE_MONITOR }]);
    host.clearRecords();
    await harness.updateRelationData(rid, 'keystone/0', { credentials_password: 'rotated' });
    expect(host.serviceActions.map((a) => a.action)).toEqual(['restart', 'restart']);
  });

  it('blocks on bad options, naming each, and leaves the running config alone', async () => {
    await related();
    const before = host.file(CONF_PATH);
    host.clearRecords();
    await harness.updateConfig({ 'monitoring-samples': 0, 'pacemaker-node-type': 'member', 'config-flags': 'hostname=x' });
    expect(harness.status.status).toBe('blocked');
    expect(harness.status.message).toBe(
      'invalid config: config-flags: pair 1 sets a key the charm sets itself (debug, hostname, host); ' +
        'monitoring-samples: an integer from 1 to 100 is accepted; ' +
        'pacemaker-node-type: one of remote, cluster, autodetect is accepted',
    );
    expect(host.writes).toEqual([]);
    expect(host.serviceActions).toEqual([]);
    expect(host.file(CONF_PATH)).toBe(before);
    await harness.updateConfig({ 'monitoring-samples': 3, 'pacemaker-node-type': 'remote', 'config-flags': '' });
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
  });

  it('switches each monitor off and on', async () => {
    await related();
    host.clearRecords();
    await harness.updateConfig({ 'enable-instance-monitor': false });
    expect(host.serviceActions).toEqual([{ action: 'stop', name: INSTANCE_MONITOR }, { action: 'disable', name: INSTANCE_MONITOR }]);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    host.clearRecords();
    await harness.updateConfig({ 'enable-instance-monitor': true });
    expect(host.serviceActions).toEqual([{ action: 'enable', name: INSTANCE_MONITOR }, { action: 'start', name: INSTANCE_MONITOR }]);
  });

  it('holds the instance monitor back while libvirt does not run, and starts it once it does', async () => {
    await host.removeFile('/run/libvirt/libvirt-sock-ro');
    await related();
    expect([...host.activeServices]).toEqual([HOST_MONITOR]);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready (instance monitor waits for libvirt on this host)' });
    await host.seedFile('/run/libvirt/libvirt-sock-ro', '');
    host.clearRecords();
    await harness.runHook('update-status');
    expect(host.serviceActions).toEqual([{ action: 'enable', name: INSTANCE_MONITOR }, { action: 'start', name: INSTANCE_MONITOR }]);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
  });

  it('reports a monitor that died, and starts it again on the next hook', async () => {
    await related();
    host.setServiceActive(HOST_MONITOR, false);
    host.clearRecords();
    await harness.runHook('update-status');
    expect(host.serviceActions).toEqual([{ action: 'start', name: HOST_MONITOR }]);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
  });

  it('blocks pacemaker-node-type=cluster when the binding names no interface', async () => {
    await related();
    harness.model.networks.set('container', { bindAddresses: [], ingressAddresses: ['10.5.0.31'], egressSubnets: [] });
    await harness.updateConfig({ 'pacemaker-node-type': 'cluster' });
    expect(harness.status.status).toBe('blocked');
    expect(harness.status.message).toContain("pacemaker-node-type: 'cluster' needs the corosync interface");
  });

  it('pause stops the monitors and keeps them stopped; resume starts them', async () => {
    await related();
    host.clearRecords();
    expect((await harness.runAction('pause')).failed).toBe(false);
    expect(host.serviceActions).toEqual([{ action: 'stop', name: HOST_MONITOR }, { action: 'stop', name: INSTANCE_MONITOR }]);
    await harness.runHook('update-status');
    expect(host.activeServices.size).toBe(0);
    expect(harness.status).toEqual({ status: 'maintenance', message: PAUSED_MESSAGE });
    expect((await harness.runAction('restart-services')).failed).toBe(true);
    host.clearRecords();
    expect((await harness.runAction('resume')).failed).toBe(false);
    expect(host.serviceActions.filter((a) => a.action === 'start').map((a) => a.name)).toEqual([HOST_MONITOR, INSTANCE_MONITOR]);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
  });
});

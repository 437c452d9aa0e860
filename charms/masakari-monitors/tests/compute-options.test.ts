import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../../reactive/testing/recording-host.js';
import { Harness } from '../../../reactive/testing/harness.js';
import { charm } from '../src/charm.js';
import { PROCESS_LIST_PATH, parseComputeOptions, renderProcessList } from '../src/compute-options.js';
import { CONF_PATH } from '../src/conf.js';
import { HOST_MONITOR, INSTANCE_MONITOR, PROCESS_MONITOR } from '../src/platform.js';

const CHARM_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULTS = { 'libvirt-uri': 'qemu:///system', 'enable-process-monitor': false, 'process-monitor-processes': 'libvirtd=/usr/sbin/libvirtd,nova-compute=/usr/bin/nova-compute' };

/** The process list as masakari-processmonitor reads it: PyYAML's safe_load. */
function loadYaml(text: string): unknown {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: text, encoding: 'utf8' }));
}

describe('masakari-monitors compute options', () => {
  it('decodes the defaults: qemu:///system, process monitor off, libvirtd and nova-compute listed', () => {
    expect(parseComputeOptions(DEFAULTS)).toEqual({
      ok: true,
      options: {
        libvirtUri: 'qemu:///system', enableProcessMonitor: false,
        processes: [{ service: 'libvirtd', processName: '/usr/sbin/libvirtd' }, { service: 'nova-compute', processName: '/usr/bin/nova-compute' }],
      },
    });
    expect(parseComputeOptions({ ...DEFAULTS, 'libvirt-uri': 'qemu+tcp://compute-1.maas:16509/system' }).ok).toBe(true);
  });

  it('names each bad option without echoing its value', () => {
    const secret = 'qemu+ssh://root:hunter2@host/system';
    const result = parseComputeOptions({ 'libvirt-uri': secret, 'enable-process-monitor': 'yes', 'process-monitor-processes': 'libvirtd=/usr/sbin/libvirtd,bad unit=/x' });
    expect(result.ok).toBe(false);
    const problems = (result as { problems: readonly string[] }).problems;
    expect(problems.map((p) => p.split(':')[0])).toEqual(['libvirt-uri', 'enable-process-monitor', 'process-monitor-processes']);
    expect(problems.join(' ')).not.toContain('hunter2');
    expect(parseComputeOptions({ ...DEFAULTS, 'process-monitor-processes': 'libvirtd=relative/path' }).ok).toBe(false);
    expect(parseComputeOptions({ ...DEFAULTS, 'process-monitor-processes': 'a=/x,a=/y' }).ok).toBe(false);
    expect(parseComputeOptions({ ...DEFAULTS, 'enable-process-monitor': true, 'process-monitor-processes': '' })).toEqual({
      ok: false, problems: ['process-monitor-processes: at least one unit=/command entry is needed while enable-process-monitor is true'],
    });
  });

  it('renders the process list masakari-processmonitor loads, quoting names so none changes the document', () => {
    const text = renderProcessList([
      { service: 'libvirtd', processName: '/usr/sbin/libvirtd' },
      { service: 'nova-compute', processName: '/usr/bin/node /usr/local/lib/nova-standin/nova-compute-agent: # [x] {y}' },
    ]);
    expect(loadYaml(text)).toEqual([
      { process_name: '/usr/sbin/libvirtd', start_command: 'systemctl start libvirtd', pre_start_command: null, post_start_command: null,
        restart_command: 'systemctl restart libvirtd', pre_restart_command: null, post_restart_command: null, run_as_root: true },
      { process_name: '/usr/bin/node /usr/local/lib/nova-standin/nova-compute-agent: # [x] {y}', start_command: 'systemctl start nova-compute',
        pre_start_command: null, post_start_command: null, restart_command: 'systemctl restart nova-compute', pre_restart_command: null,
        post_restart_command: null, run_as_root: true },
    ]);
    expect(loadYaml(renderProcessList([]))).toEqual([]);
  });
});

describe('masakari-monitors charm: instance and process monitors on a compute', () => {
  let host: RecordingHost;
  let harness: Harness<string, typeof charm.endpointClasses>;
  beforeEach(async () => {
    host = new RecordingHost({ hostname: 'compute-1', fqdn: 'compute-1.maas' });
    await host.ensureUser('masakari', { group: 'masakari', system: true });
    await host.seedFile(`/lib/systemd/system/${HOST_MONITOR}.service`, '[Service]\nUser=masakari\nGroup=masakari\n');
    await host.seedFile('/run/libvirt/libvirt-sock-ro', '');
    host.clearRecords();
    harness = new Harness(charm, { charmDir: CHARM_DIR, unit: 'masakari-monitors/0', host, principalUnit: 'nova-compute/0' });
    harness.setNetwork('container', '10.5.0.31', '10.5.0.0/24', 'ens4');
    await harness.addRelation('container', 'nova-compute', { units: { 'nova-compute/0': {} } });
    await harness.beginWithInitialHooks();
    const rid = await harness.addRelation('identity-credentials', 'keystone', { units: { 'keystone/0': {} } });
    await harness.updateRelationData(rid, 'keystone/0', {
      auth_host: '10.5.0.10', auth_port: '35357', auth_protocol: 'http',
      credentials_host: '10.5.0.10', credentials_port: '5000', credentials_protocol: 'http',
      credentials_username: 'masakari-monitors', credentials_password: 'pw', credentials_project: 'services',
      credentials_project_id: '6b3e5d0c1f2a4e3b', api_version: '3', region: 'RegionOne', domain: 'service_domain',
      credentials_user_domain_name: 'service_domain', credentials_user_domain_id: '9a1c2b3d',
      credentials_project_domain_name: 'service_domain', credentials_project_domain_id: '9a1c2b3d',
    });
  });
  afterEach(() => harness.cleanup());

  it('runs the instance monitor against libvirt-uri by default, and the process monitor only when asked', async () => {
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    expect([...host.activeServices].sort()).toEqual([HOST_MONITOR, INSTANCE_MONITOR].sort());
    expect(host.file(CONF_PATH)).toMatch(/\[libvirt\]\nconnection_uri = qemu:\/\/\/system\n/);
    expect(host.file(CONF_PATH)).toContain(`process_list_path = ${PROCESS_LIST_PATH}`);
    host.clearRecords();
    await harness.updateConfig({ 'enable-process-monitor': true, 'process-monitor-processes': 'libvirtd=/usr/sbin/libvirtd', 'libvirt-uri': 'qemu:///session' });
    expect(host.file(CONF_PATH)).toMatch(/\[libvirt\]\nconnection_uri = qemu:\/\/\/session\n/);
    expect(loadYaml(host.file(PROCESS_LIST_PATH)!)).toMatchObject([{ process_name: '/usr/sbin/libvirtd', restart_command: 'systemctl restart libvirtd' }]);
    expect(host.serviceActions).toEqual(expect.arrayContaining([{ action: 'enable', name: PROCESS_MONITOR }, { action: 'start', name: PROCESS_MONITOR }]));
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    host.clearRecords();
    await harness.runHook('config-changed');
    expect(host.serviceActions).toEqual([]);
    await harness.updateConfig({ 'process-monitor-processes': 'libvirtd' });
    expect(harness.status.status).toBe('blocked');
    expect(harness.status.message).toContain('process-monitor-processes');
  });
});

describe('masakari-monitors charm upgrade', () => {
  it('installs what a newer revision adds (the process monitor) on upgrade-charm', async () => {
    const host = new RecordingHost({ hostname: 'compute-1', fqdn: 'compute-1.maas' });
    const harness = new Harness(charm, { charmDir: CHARM_DIR, unit: 'masakari-monitors/0', host, principalUnit: 'nova-compute/0' });
    try {
      await harness.beginWithInitialHooks();
      host.setPackageVersion(PROCESS_MONITOR, null);  // installed by an older revision that did not have it
      host.clearRecords();
      await harness.runHook('upgrade-charm');
      expect(host.packageActions).toEqual([{ action: 'install', packages: [PROCESS_MONITOR] }]);
    } finally {
      harness.cleanup();
    }
  });
});

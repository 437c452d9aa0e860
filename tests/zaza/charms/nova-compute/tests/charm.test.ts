import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../../../../reactive/testing/recording-host.js';
import { Harness } from '../../../../../reactive/testing/harness.js';
import { NovaEmulator } from '../../../emulators/nova/server.js';
import { charm, seams } from '../src/charm.js';
import { AGENT_CONFIG, UNIT_FILE, formatAgentConfig } from '../src/agent-config.js';

const CHARM_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = resolve(CHARM_DIR, '../../../..');

describe('nova-compute stand-in charm', () => {
  let host: RecordingHost;
  let harness: Harness<string, typeof charm.endpointClasses>;
  const deleted: string[] = [];

  beforeEach(() => {
    seams.program = async () => Buffer.from('#!/usr/bin/env node\n');
    seams.deleteCompute = async (url, h) => { deleted.push(`${url} ${h}`); return 204; };
    host = new RecordingHost({ hostname: 'machine-3', fqdn: 'machine-3.zaza-0123456789ab.localmodel' });
    host.onCommand('systemctl', () => ({ exitCode: 0, stdout: '', stderr: '' }));
    harness = new Harness(charm, { charmDir: CHARM_DIR, unit: 'nova-compute/0', host, address: '10.247.0.3' });
  });
  afterEach(() => harness.cleanup());

  it('announces its FQDN, runs the reporting service once the controller answers, deletes itself on stop', async () => {
    await harness.beginWithInitialHooks();
    expect(harness.status).toEqual({ status: 'blocked', message: 'Missing relation: cloud-compute' });
    // the hypervisor: Debian's libvirt and QEMU, libvirtd kept up (no idle timeout), started once
    expect([...host.installedPackages.keys()]).toEqual(expect.arrayContaining(['libvirt-daemon-system', 'libvirt-clients', 'qemu-system-x86']));
    expect(host.file('/etc/default/libvirtd')).toContain('LIBVIRTD_ARGS=""');
    expect(host.serviceActions.map((a) => `${a.action} ${a.name}`)).toContain('restart libvirtd');
    const rel = await harness.addRelation('cloud-compute', 'nova-cloud-controller', { units: { 'nova-cloud-controller/0': {} } });
    expect(harness.relationData(rel)).toMatchObject({ hostname: 'machine-3.zaza-0123456789ab.localmodel', 'private-address': '10.247.0.3' });
    await harness.updateRelationData(rel, 'nova-cloud-controller/0', { region: 'RegionOne', 'nova-api-url': 'http://10.247.0.1:8774' });
    expect(JSON.parse(host.file(AGENT_CONFIG)!)).toMatchObject({ novaApiUrl: 'http://10.247.0.1:8774', host: 'machine-3.zaza-0123456789ab.localmodel', hostIp: '10.247.0.3', reportIntervalS: 10, hypervisor: 'qemu' });
    expect(host.file(UNIT_FILE)).toContain('ExecStart=/usr/bin/node /usr/local/lib/nova-standin/nova-compute-agent /etc/nova/standin-compute.json');
    expect(host.serviceActions.map((a) => `${a.action} ${a.name}`)).toContain('restart nova-compute');
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    // a stopped service (simulated failure) is not restarted by a routine hook
    host.setServiceActive('nova-compute', false);
    const before = host.serviceActions.length;
    await harness.runHook('update-status');
    await harness.runHook('config-changed');
    expect(host.serviceActions.length).toBe(before);
    await harness.runHook('stop');
    expect(deleted).toEqual(['http://10.247.0.1:8774 machine-3.zaza-0123456789ab.localmodel']);
  });
});

describe('nova-compute agent against the Nova emulator', () => {
  let dir: string;
  let emulator: NovaEmulator;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'zaza-agent-')); });
  afterEach(async () => {
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers the hypervisor and keeps the service up by reporting', async () => {
    emulator = new NovaEmulator({ auth: { kind: 'shared-secret', secret: 's' }, serviceDownTimeMs: 2_000 });
    const { url } = await emulator.listen(0, '127.0.0.1');
    const config = join(dir, 'agent.json');
    writeFileSync(config, formatAgentConfig({ novaApiUrl: url, host: 'cmp9.example', hostIp: '10.1.2.3', reportIntervalS: 1, vcpus: 2, memoryMb: 1024, hypervisor: 'none' }));
    const agent = spawn(process.execPath, ['--import', join(REPO, 'tools/ts-register.mjs'), join(CHARM_DIR, 'src/agent.ts'), config], { cwd: REPO, stdio: 'pipe' });
    try {
      const deadline = Date.now() + 20_000;
      while (!emulator.requests.some((r) => r.path.endsWith('/heartbeat') && r.status === 204)) {
        if (Date.now() > deadline) throw new Error('agent did not report');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(emulator.state.hypervisors).toMatchObject([{ hostname: 'cmp9.example', hostIp: '10.1.2.3', vcpus: 2, memoryMb: 1024 }]);
      await new Promise((r) => setTimeout(r, 2_500));
      const service = emulator.state.services.find((s) => s.host === 'cmp9.example')!;
      expect(Date.now() - service.lastHeartbeat!).toBeLessThan(2_000);
    } finally {
      agent.kill('SIGTERM');
    }
  });
});

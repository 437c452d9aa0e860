/**
 * masakari-hostmonitor, started the way Debian's unit starts it (as `masakari`, through the packaged init wrapper)
 * with the config and defaults file the charm's own hooks wrote, on a pacemaker-remote node of a live cluster:
 * it must see the other remote, notice it going offline and POST the notification to (fake) masakari.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness } from '../../../reactive/testing/harness.js';
import { ClusterLab, gid, uid, waitFor } from '../../../tests/lab/cluster/lab.js';
import { LabNodeHost } from '../../../tests/lab/cluster/node-host.js';
import { deployRemoteUnit, type RemoteUnit } from '../../pacemaker-remote/tests/support/remote-unit.js';
import { charm } from '../src/charm.js';
import { CONF_PATH } from '../src/conf.js';
import { HOST_MONITOR } from '../src/platform.js';
import type { RecordedRequest } from './support/fake-openstack.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');
const progress = (line: string): void => void process.stdout.write(`[hostmonitor lab] ${line}\n`);
const PASSWORD = randomBytes(12).toString('hex');
const KEYSTONE_PORT = '15999';

describe.skipIf(process.getuid?.() !== 0)('masakari-hostmonitor on a pacemaker-remote node', () => {
  const key = randomBytes(256);
  // One member, two remotes run by the pacemaker-remote charm's hooks, and a machine for fake keystone+masakari.
  const lab = new ClusterLab({
    prefix: 'mmon', subnet: '10.78.1', members: ['m1'], remotes: ['c1', 'c2'], others: ['os'], remoteDaemons: 'hooks', authkey: key,
    domain: 'lab', baseDir: '/var/tmp/mmon-lab', log: progress,
    packages: ['masakari-host-monitor', 'masakari-instance-monitor', 'sudo'],
    // What the monitors keep per machine: config, the init script's defaults file, logs, runtime directories.
    privateDirs: { '/etc/masakarimonitors': 'root:root', '/etc/default': 'root:root', '/var/log/masakari': 'masakari:masakari' },
    runDirs: { '/run/masakari': 'masakari:masakari', '/run/lock/masakari': 'masakari:masakari', '/run/sudo': 'root:root' },
    services: {
      // What Debian's unit does: User=masakari, Group=masakari, ExecStart=/etc/init.d/masakari-host-monitor systemd-start.
      [HOST_MONITOR]: { argv: ['setpriv', '--reuid=masakari', '--regid=masakari', '--init-groups', `/etc/init.d/${HOST_MONITOR}`, 'systemd-start'] },
    },
  });
  const remotes: RemoteUnit[] = [];
  let harness: Harness<string, typeof charm.endpointClasses> | undefined;
  let recordFile = '';

  const requests = (): RecordedRequest[] =>
    existsSync(recordFile) ? readFileSync(recordFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RecordedRequest) : [];
  const monitorLog = (): string => {
    const file = lab.nodePath('c1', '/var/log/masakari/masakari-host-monitor.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  };

  beforeAll(async () => {
    await lab.create();
    await lab.start();
    for (const [i, name] of ['c1', 'c2'].entries()) {
      const remote = await deployRemoteUnit(lab, name, key, i);
      remotes.push(remote);
      const info = remote.published();
      await lab.addRemoteConnection(info.remoteHostname, info.remoteIp);
      await lab.waitForRemote(info.remoteHostname, true);
    }
    recordFile = lab.nodePath('os', '/requests.jsonl');
    // ts-register resolves its loader from the working directory: start in the repository.
    lab.defineService('fake-openstack', {
      argv: ['sh', '-c', 'cd "$0" && exec node --import ./tools/ts-register.mjs "$@"', REPO,
        join(HERE, 'support/fake-openstack.ts'), lab.address('os'), KEYSTONE_PORT, recordFile, 'masakari-monitors', PASSWORD],
    });
    await lab.startService('os', 'fake-openstack');
    await waitFor('fake openstack to listen', async () => readFileSync(lab.serviceOutput('os', 'fake-openstack'), 'utf8').includes('listening'), 20_000);
    progress('cluster m1 with remotes c1.lab, c2.lab online; fake keystone+masakari up');
  });

  afterAll(async () => {
    harness?.cleanup();
    for (const remote of remotes) remote.harness.cleanup();
    await lab.destroy();
  });

  it('runs with the charm-rendered config, sees the other remote, and reports it when it goes offline', async () => {
    const host = new LabNodeHost(lab, 'c1');
    harness = new Harness(charm, { charmDir: resolve(HERE, '..'), unit: 'masakari-monitors/0', host, principalUnit: 'nova-compute/0' });
    harness.setNetwork('container', lab.address('c1'), '10.78.1.0/24', 'eth0');
    await harness.updateConfig({ 'monitoring-interval': 2, 'monitoring-samples': 2, 'enable-instance-monitor': false });
    await harness.beginWithInitialHooks();
    await harness.addRelation('container', 'nova-compute', { units: { 'nova-compute/0': {} } });
    const os = lab.address('os');
    await harness.addRelation('identity-credentials', 'keystone', {
      units: {
        'keystone/0': {
          auth_host: os, auth_port: KEYSTONE_PORT, auth_protocol: 'http',
          credentials_host: os, credentials_port: KEYSTONE_PORT, credentials_protocol: 'http',
          credentials_username: 'masakari-monitors', credentials_password: PASSWORD, credentials_project: 'services',
          credentials_project_id: 'p-services', api_version: '3', region: 'RegionOne', domain: 'service_domain',
          credentials_user_domain_name: 'service_domain', credentials_user_domain_id: 'default',
          credentials_project_domain_name: 'service_domain', credentials_project_domain_id: 'default',
        },
      },
    });
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    const conf = statSync(lab.nodePath('c1', CONF_PATH));
    expect({ uid: conf.uid, gid: conf.gid, mode: conf.mode & 0o777 }).toEqual({ uid: 0, gid: gid('masakari'), mode: 0o640 });
    expect(uid('masakari')).toBeGreaterThan(0);

    await waitFor('the monitor to watch c2.lab', async () => /Recognized 'c2\.lab' as a new member of cluster/.test(monitorLog()), 60_000);
    const log = monitorLog();
    expect(log).toContain('Works on pacemaker-remote.');
    expect(log).not.toMatch(/doesn't have quorum|Neither pacemaker nor pacemaker-remote/);
    expect(log).not.toContain(PASSWORD);

    // Another hook changes nothing on the machine: same monitor process, no service action.
    const monitorPid = lab.servicePid('c1', HOST_MONITOR);
    expect(monitorPid).not.toBeNull();
    host.clearRecords();
    await harness.runHook('update-status');
    await harness.runHook('config-changed');
    expect(host.serviceActions).toEqual([]);
    expect(lab.servicePid('c1', HOST_MONITOR)).toBe(monitorPid);

    const t0 = Date.now();
    await lab.killRemote('c2');
    const notification = await waitFor('a COMPUTE_HOST notification for c2.lab', async () =>
      requests().find((r) => r.method === 'POST' && r.path.endsWith('/notifications')), 60_000);
    progress(`notification POSTed ${Date.now() - t0} ms after pacemaker_remoted on c2 was killed (interval 2 s, samples 2)`);
    expect(notification.status).toBe(202);
    expect(notification.path).toBe('/v1/p-services/notifications');
    expect(notification.body).toMatchObject({
      notification: {
        type: 'COMPUTE_HOST',
        hostname: 'c2.lab',
        payload: { event: 'STOPPED', cluster_status: 'OFFLINE', host_status: 'NORMAL' },
      },
    });
    // Authenticated as the charm's service user, through the catalog's public instance-ha endpoint.
    expect(requests().find((r) => r.path === '/v3/auth/tokens')).toMatchObject({ status: 201, body: { user: 'masakari-monitors' } });
  });
});

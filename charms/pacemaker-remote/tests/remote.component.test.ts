/**
 * The key the charm writes is the key a real pacemaker_remoted serves with, and a real cluster member connects
 * to it; after the cluster rotates its key, the charm's restart brings the remote back.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterLab, gid, uid, waitFor } from '../../../tests/lab/cluster/lab.js';
import { AUTHKEY_PATH, SERVICE } from '../src/remote-state.js';
import { deployRemoteUnit, type RemoteUnit } from './support/remote-unit.js';

const progress = (line: string): void => void process.stdout.write(`[pacemaker-remote lab] ${line}\n`);

// Namespaces need root; as root every prerequisite must be there (tools/prereqs), so a missing one fails the test.
describe.skipIf(process.getuid?.() !== 0)('pacemaker_remoted with the charm-written key, against a live cluster', () => {
  const key1 = randomBytes(256);
  const key2 = randomBytes(256);
  // One member is enough cluster for the remote charm (fencing is hacluster-ext's to test); c1 is the charm's.
  const lab = new ClusterLab({
    prefix: 'pmr', subnet: '10.78.0', members: ['m1'], remotes: ['c1'], remoteDaemons: 'hooks', authkey: key1,
    domain: 'lab', baseDir: '/var/tmp/pmr-lab', log: progress,
  });
  let remote: RemoteUnit;
  const nodeName = lab.fqdn('c1');

  beforeAll(async () => {
    await lab.create();
    const started = Date.now();
    await lab.start();
    progress(`cluster member m1 quorate after ${Date.now() - started} ms`);
  });

  afterAll(async () => {
    remote?.harness.cleanup();
    await lab.destroy();
  });

  it('joins: the charm writes the key (hacluster:haclient 0440), starts the daemon, the member connects', async () => {
    remote = await deployRemoteUnit(lab, 'c1', key1);
    const stat = statSync(lab.nodePath('c1', AUTHKEY_PATH));
    expect({ uid: stat.uid, gid: stat.gid, mode: stat.mode & 0o777 }).toEqual({ uid: uid('hacluster'), gid: gid('haclient'), mode: 0o440 });
    expect(remote.host.serviceActions).toContainEqual({ action: 'start', name: SERVICE });
    expect(remote.harness.status).toEqual({ status: 'active', message: 'Unit is ready' });

    // The cluster side, as hacluster does it: one ocf:pacemaker:remote per remote, from the published data.
    const info = remote.published();
    expect(info).toEqual({ remoteHostname: nodeName, remoteIp: lab.address('c1'), stonithHostname: null, enableResources: true });
    const t0 = Date.now();
    await lab.addRemoteConnection(info.remoteHostname, info.remoteIp);
    await lab.waitForRemote(nodeName, true);
    progress(`${nodeName} online ${Date.now() - t0} ms after its primitive was created`);
    // The remote sees the cluster through its own daemon's proxy, as masakari-hostmonitor will.
    let last = '';
    const seen = await waitFor('crm_mon to work on the remote', async () => {
      const out = await lab.exec('c1', ['crm_mon', '-1']);
      last = `${out.stdout}${out.stderr}`;
      return out.exitCode === 0 ? out.stdout : null;
    }, 20_000).catch(() => last);
    expect(seen).toMatch(new RegExp(`RemoteOnline: \\[ ${nodeName.replace('.', '\\.')} \\]`));
  });

  it('a second hook neither rewrites the key nor restarts the daemon', async () => {
    const pidBefore = lab.servicePid('c1', SERVICE);
    expect(pidBefore).not.toBeNull();
    remote.host.clearRecords();
    await remote.harness.runHook('update-status');
    await remote.harness.runHook('config-changed');
    expect(remote.host.serviceActions.filter((s) => s.action !== 'enable')).toEqual([]);
    expect(lab.servicePid('c1', SERVICE)).toBe(pidBefore);
  });

  it('after the cluster rotates its key the old one is refused, and the charm restart restores the connection', async () => {
    // The member takes the new key (a restarted pacemakerd drops its key cache).
    await lab.stopService('m1', 'pacemaker');
    lab.writePacemakerKey('m1', key2);
    await lab.startService('m1', 'pacemaker');
    await lab.waitForQuorum();
    await lab.waitForRemote(nodeName, false, 60_000);
    const states = (await lab.status()).nodes;
    expect(states.find((n) => n.name === nodeName)?.online).toBe(false);
    progress(`${nodeName} is not accepted with the old key: ${JSON.stringify(states)}`);

    const t0 = Date.now();
    remote.host.clearRecords();
    await remote.sendKey(key2);
    expect(remote.host.serviceActions).toEqual([{ action: 'restart', name: SERVICE }]);
    // A rejected key is a hard failure of the connection resource; hacluster-ext cleans it up, so do we.
    await lab.exec('m1', ['crm_resource', '--cleanup', '--resource', nodeName]);
    await lab.waitForRemote(nodeName, true);
    progress(`${nodeName} back online ${Date.now() - t0} ms after the key rotation reached the charm`);
    expect(remote.harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
  });
});

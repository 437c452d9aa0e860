/**
 * The key the charm writes is the key a real pacemaker_remoted serves with, and a real cluster member connects
 * to it; after the cluster rotates its key, the charm's restart brings the remote back.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHKEY_PATH, SERVICE } from '../src/remote-state.js';
import { addRemote, gid, nodeStates, REMOTED, rotateMemberKey, startMember, uid, waitForRemote, type ClusterMember } from './support/cluster.js';
import { NamespaceLab, waitFor } from './support/namespace-lab.js';
import { ensureRemotedUnpacked } from './support/remoted.js';
import { deployRemoteUnit, LAB_DOMAIN, type RemoteUnit } from './support/remote-unit.js';

const progress = (line: string): void => void process.stdout.write(`[pacemaker-remote lab] ${line}\n`);

// Namespaces need root; as root every prerequisite must be there (tools/prereqs), so a missing one fails the test.
describe.skipIf(process.getuid?.() !== 0)('pacemaker_remoted with the charm-written key, against a live cluster', () => {
  const lab = new NamespaceLab({ prefix: 'pmr', subnet: '10.78.0', baseDir: '/var/tmp/pmr-lab', log: progress });
  const key1 = randomBytes(256);
  const key2 = randomBytes(256);
  let member: ClusterMember;
  let remote: RemoteUnit;
  const nodeName = `c1.${LAB_DOMAIN}`;

  beforeAll(async () => {
    expect(await ensureRemotedUnpacked(progress), `${REMOTED} (unpacked from the pacemaker-remote package)`).toBe(true);
    for (const program of ['/usr/sbin/pacemakerd', '/usr/sbin/corosync']) expect(existsSync(program), program).toBe(true);
    await lab.clearLeftovers();
    await lab.addNode('m1', 1);
    await lab.addNode('c1', 11);
    const started = Date.now();
    member = await startMember(lab, 'm1', key1);
    progress(`cluster member m1 quorate after ${Date.now() - started} ms`);
  });

  afterAll(async () => {
    remote?.harness.cleanup();
    await lab.destroy();
  });

  it('joins: the charm writes the key (hacluster:haclient 0440), starts the daemon, the member connects', async () => {
    remote = await deployRemoteUnit(lab, 'c1', key1);
    const keyFile = join(lab.node('c1').dir, AUTHKEY_PATH);
    const stat = statSync(keyFile);
    expect({ uid: stat.uid, gid: stat.gid, mode: stat.mode & 0o777 }).toEqual({ uid: uid('hacluster'), gid: gid('haclient'), mode: 0o440 });
    expect(remote.host.serviceActions).toContainEqual({ action: 'start', name: SERVICE });
    expect(remote.harness.status).toEqual({ status: 'active', message: 'Unit is ready' });

    // The cluster side, as hacluster does it: one ocf:pacemaker:remote per remote, from the published data.
    const info = remote.published();
    expect(info).toEqual({ remoteHostname: nodeName, remoteIp: lab.node('c1').ip, stonithHostname: null, enableResources: true });
    const t0 = Date.now();
    await addRemote(lab, member.node, info.remoteHostname, info.remoteIp);
    await waitForRemote(lab, member.node, nodeName, true);
    progress(`${nodeName} online ${Date.now() - t0} ms after its primitive was created`);
    // The remote sees the cluster through its own daemon's proxy, as masakari-hostmonitor will.
    let last = '';
    const seen = await waitFor('crm_mon to work on the remote', 20_000, async () => {
      const out = await lab.exec('c1', ['crm_mon', '-1']);
      last = `${out.stdout}${out.stderr}`;
      return out.exitCode === 0 ? out.stdout : null;
    }).catch(() => last);
    expect(seen).toMatch(new RegExp(`RemoteOnline: \\[ ${nodeName.replace('.', '\\.')} \\]`));
  });

  it('a second hook neither rewrites the key nor restarts the daemon', async () => {
    const pidBefore = lab.daemonPid(remote.host.daemon(SERVICE)!);
    remote.host.clearRecords();
    await remote.harness.runHook('update-status');
    await remote.harness.runHook('config-changed');
    expect(remote.host.serviceActions.filter((s) => s.action !== 'enable')).toEqual([]);
    expect(lab.daemonPid(remote.host.daemon(SERVICE)!)).toBe(pidBefore);
  });

  it('after the cluster rotates its key the old one is refused, and the charm restart restores the connection', async () => {
    // The member takes the new key (a restarted pacemakerd drops its key cache).
    member = await rotateMemberKey(lab, member, key2);
    await waitForRemote(lab, member.node, nodeName, false, 60_000);
    const states = await nodeStates(lab, member.node);
    expect(states.find((n) => n.name === nodeName)?.online).toBe(false);
    progress(`${nodeName} is not accepted with the old key: ${JSON.stringify(states)}`);

    const t0 = Date.now();
    remote.host.clearRecords();
    await remote.sendKey(key2);
    expect(remote.host.serviceActions).toEqual([{ action: 'restart', name: SERVICE }]);
    // A rejected key is a hard failure of the connection resource; hacluster-ext cleans it up, so do we.
    await lab.exec(member.node, ['crm_resource', '--cleanup', '--resource', nodeName]);
    await waitForRemote(lab, member.node, nodeName, true);
    progress(`${nodeName} back online ${Date.now() - t0} ms after the key rotation reached the charm`);
    expect(remote.harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
  });
});

import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from '../../../reactive/testing/harness.js';
import { RecordingHost } from '../../../reactive/testing/recording-host.js';
import { encodeRemoteNodeInfo } from '../../../interfaces/pacemaker-remote/protocol.js';
import { charm } from '../src/actions.js';
import { FakePacemaker, pacemakerInvocations } from './support/fake-pacemaker.js';
import { MASAKARI_HA_DATA } from './support/fixtures.js';

const MAAS_KEY = 'ck123:tk456:s3cretValue';

/**
 * Real corosync checks the rendered file (`corosync -t`): syntax, value ranges, the node list. It must find
 * itself in the node list, so this unit's ring address becomes 127.0.0.1 in the copy, and the key is the unit's.
 */
async function expectCorosyncAccepts(conf: string, authkey: Buffer): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hacl-corosync-'));
  try {
    writeFileSync(join(dir, 'authkey'), authkey);
    const copy = conf.replace('ring0_addr: 10.0.0.1', 'ring0_addr: 127.0.0.1').replace('totem {', `totem {\n  keyfile: ${dir}/authkey`);
    writeFileSync(join(dir, 'corosync.conf'), copy);
    const r = await execa('corosync', ['-t', '-c', join(dir, 'corosync.conf')], { reject: false, all: true });
    expect(r.exitCode, r.all).toBe(0);
    // and the same check does reject a broken file
    writeFileSync(join(dir, 'corosync.conf'), copy.replace(/nodeid: \d+/, 'nodeid: x'));
    expect((await execa('corosync', ['-t', '-c', join(dir, 'corosync.conf')], { reject: false })).exitCode).not.toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

function remoteData(n: number, enableResources = false): Record<string, string> {
  return encodeRemoteNodeInfo({ remoteHostname: `cmp${n}.lab`, remoteIp: `10.0.1.${n}`, stonithHostname: `cmp${n}.lab`, enableResources });
}

async function cluster(options: { leader?: boolean; peers?: number; remotes?: number; config?: Record<string, string | number | boolean>; leaderData?: Record<string, string> } = {}) {
  const host = new RecordingHost({ hostname: 'api1', fqdn: 'api1.lab' });
  const h = new Harness(charm, { charmDir: 'charms/hacluster-ext', unit: 'hacluster-ext/0', host });
  const pacemaker = new FakePacemaker(['api1', ...Array.from({ length: options.peers ?? 2 }, (_, i) => `api${i + 2}`)]).install(host);
  cleanups.push(() => h.cleanup(), () => pacemaker.cleanup());
  h.setNetwork('hanode', '10.0.0.1');
  await h.setLeader(options.leader ?? true);
  if (options.leaderData) await h.setLeaderData(options.leaderData);
  const units = Object.fromEntries(Array.from({ length: options.peers ?? 2 }, (_, i) => [
    `hacluster-ext/${i + 1}`, { 'private-address': `10.0.0.${i + 2}`, hostname: `api${i + 2}`, ready: 'True' },
  ]));
  const hanode = await h.addRelation('hanode', 'hacluster-ext', { units });
  const ha = await h.addRelation('ha', 'masakari', { units: { 'masakari/0': { ...MASAKARI_HA_DATA } } });
  const remoteUnits = Object.fromEntries(Array.from({ length: options.remotes ?? 2 }, (_, i) => [`pacemaker-remote/${i}`, remoteData(i + 1)]));
  const remotes = await h.addRelation('pacemaker-remote', 'pacemaker-remote', { units: remoteUnits });
  await h.updateConfig({ maas_url: 'http://10.0.0.254:5240/MAAS', maas_credentials: MAAS_KEY, ...(options.config ?? {}) });
  await h.beginWithInitialHooks();
  return { h, host, pacemaker, hanode, ha, remotes };
}

describe('hacluster-ext leader', () => {
  it('forms the ring, applies one CIB that crm_verify accepts, answers clustered and sends the pacemaker key', async () => {
    const { h, host, pacemaker, ha, remotes } = await cluster();
    expect(h.status).toEqual({ status: 'active', message: 'Unit is ready and clustered' });
    expect(pacemaker.verifyFailures).toEqual([]);
    expect(pacemaker.replaced).toBe(1);
    // the applied stonith-enabled goes to the principal (a hook there when fencing is switched) and to the peers
    expect(h.relationData(ha)).toMatchObject({ clustered: 'yes', 'stonith-enabled': 'true' });
    expect(h.model.leaderData['stonith-enabled']).toBe('true');
    const key = h.model.leaderData['pacemaker-key'];
    expect(key).toBeTruthy();
    expect(h.relationData(remotes)['pacemaker-key']).toBe(key);

    const conf = host.file('/etc/corosync/corosync.conf') ?? '';
    expect(conf).toContain('transport: knet');
    expect([...conf.matchAll(/nodeid: (\d+)/g)].map((m) => m[1])).toEqual(['1000', '1001', '1002']);
    expect(conf).toContain('ring0_addr: 10.0.0.1');
    expect(conf).not.toContain('two_node');
    await expectCorosyncAccepts(conf, readFileSync(host.pathOnDisk('/etc/corosync/authkey')));
    expect(host.fileMeta('/etc/corosync/authkey')).toMatchObject({ mode: 0o400 });
    expect(host.fileMeta('/etc/pacemaker/authkey')).toMatchObject({ owner: 'hacluster', group: 'haclient', mode: 0o440 });
    expect(host.file('/etc/pacemaker/authkey')).not.toBeNull();

    expect(pacemaker.configuration).toContain('<primitive id="cmp1.lab" class="ocf" provider="pacemaker" type="remote">');
    expect(pacemaker.configuration).toContain('name="symmetric-cluster" value="false"');
    expect(pacemaker.configuration).toContain('name="stonith-enabled" value="true"');
    expect(pacemaker.configuration).toContain('name="dc-version"'); // pacemaker's own property kept
    expect(pacemaker.configuration).not.toContain('s3cretValue');
    expect(host.file('/var/lib/pacemaker/lrm/secrets/st-maas/apikey')).toBe(`${MAAS_KEY}\n`);
    expect(host.fileMeta('/var/lib/pacemaker/lrm/secrets/st-maas/apikey')).toMatchObject({ owner: 'root', mode: 0o600 });
    expect(host.serviceActions.map((a) => `${a.action} ${a.name}`)).toEqual(expect.arrayContaining(['restart corosync', 'start pacemaker']));
    // no secret in unit state: the keys (leader data, sent on pacemaker-remote) and the MAAS key are kept as digests
    await h.runHook('update-status');
    expect(h.status).toEqual({ status: 'active', message: 'Unit is ready and clustered' });
    // update-status reads config and leader data again, not the relations (no remote sent a secret)
    expect(h.history.at(-1)?.toolCalls.map((c) => c.tool).filter((t) => /^(config-get|leader-get|relation-get)$/.test(t))).toEqual(['config-get', 'leader-get']);
    const state = JSON.stringify(h.kv);
    for (const secret of [key, h.model.leaderData['corosync-key'], MAAS_KEY, 's3cretValue']) expect(state).not.toContain(secret);
  });

  it('is idempotent: a second hook writes nothing, restarts nothing and only queries the CIB', async () => {
    const { h, host, pacemaker } = await cluster();
    host.clearRecords();
    const before = pacemaker.replaced;
    await h.runHook('config-changed');
    await h.runHook('update-status');
    expect(host.writes).toEqual([]);
    expect(host.serviceActions).toEqual([]);
    expect(pacemaker.replaced).toBe(before);
    expect(pacemakerInvocations(host)).toEqual(['cibadmin --query', 'cibadmin --query']); // one per hook, no write
  });

  it('reloads the ring instead of restarting when a member joins or leaves', async () => {
    const { h, host, hanode } = await cluster();
    host.clearRecords();
    await h.addRelationUnit(hanode, 'hacluster-ext/3', { 'private-address': '10.0.0.4', hostname: 'api4', ready: 'True' });
    expect(host.file('/etc/corosync/corosync.conf')).toContain('nodeid: 1003');
    expect(host.serviceActions).toEqual([]);
    expect(host.commands.map((c) => c.argv.join(' '))).toContain('corosync-cfgtool -R');
    host.clearRecords();
    await h.removeRelationUnit(hanode, 'hacluster-ext/1');
    expect(host.file('/etc/corosync/corosync.conf')).not.toContain('nodeid: 1001');
    expect(host.serviceActions).toEqual([]);
    // a change outside the node list (here: netmtu) still restarts
    host.clearRecords();
    await h.updateConfig({ netmtu: 1400 });
    expect(host.serviceActions.map((a) => `${a.action} ${a.name}`)).toEqual(['stop pacemaker', 'restart corosync', 'start pacemaker']);
  });

  it('removes a departed remote with its rules and STONITH host names, and updates a moved one', async () => {
    const { h, pacemaker, remotes } = await cluster({ remotes: 3 });
    expect(pacemaker.configuration).toContain('cmp2.lab');
    await h.removeRelationUnit(remotes, 'pacemaker-remote/1');
    expect(pacemaker.configuration).not.toContain('cmp2');
    expect(pacemaker.configuration).toContain('name="hostnames" value="cmp1 cmp1.lab cmp3 cmp3.lab"');
    await h.updateRelationData(remotes, 'pacemaker-remote/0', { 'remote-ip': JSON.stringify('10.0.9.9') });
    expect(pacemaker.configuration).toContain('<nvpair id="cmp1.lab-instance_attributes-server" name="server" value="10.0.9.9"/>');
    expect(pacemaker.verifyFailures).toEqual([]);
  });

  it('accepts plain (non-JSON) values from remotes', async () => {
    const { h, pacemaker, remotes } = await cluster({ remotes: 1 });
    await h.addRelationUnit(remotes, 'pacemaker-remote/7', { 'remote-hostname': 'cmp7.lab', 'remote-ip': '10.0.1.7', 'stonith-hostname': 'cmp7.lab', 'enable-resources': 'False' });
    expect(pacemaker.configuration).toContain('<primitive id="cmp7.lab"');
    expect(h.status.status).toBe('active');
  });

  it('blocks with every problem named when remotes disagree or the principal sends bad data, and writes no CIB', async () => {
    const { h, pacemaker, remotes, ha } = await cluster({ remotes: 1 });
    const before = pacemaker.replaced;
    await h.addRelationUnit(remotes, 'pacemaker-remote/5', remoteData(5, true));
    expect(h.status.status).toBe('blocked');
    expect(h.status.message).toMatch(/pacemaker-remote.enable-resources: remotes disagree/);
    await h.updateRelationData(ha, 'masakari/0', { json_groups: '{"grp": "res_missing"}' });
    expect(h.status.message).toMatch(/ha.json_groups.grp.members\[0\]/);
    expect(pacemaker.replaced).toBe(before);
  });

  it('rejects bad config with a message naming the option, and writes nothing', async () => {
    const { h, host } = await cluster();
    host.clearRecords();
    await h.updateConfig({ corosync_key: 'not base64!!' });
    expect(h.status).toMatchObject({ status: 'blocked' });
    expect(h.status.message).toContain('corosync_key: must be base64');
    await h.updateConfig({ corosync_key: '', maas_credentials: 'only-one-part-secretish' });
    expect(h.status.message).toContain('maas_credentials: must be a MAAS API key of three parts');
    expect(h.status.message).not.toContain('secretish');
    await h.updateConfig({ maas_credentials: MAAS_KEY, no_quorum_policy: 'panic' });
    expect(h.status.message).toContain('no_quorum_policy: must be one of');
    await h.updateConfig({ no_quorum_policy: 'stop', stonith_action: 'poweroff' });
    expect(h.status.message).toMatch(/stonith_action: must be one of.*off.*reboot/);
    expect(host.writes).toEqual([]);
  });

  it('restarts on the next hook when a hook died between writing corosync.conf and restarting', async () => {
    const { h, host } = await cluster();
    const realService = host.service.bind(host);
    // killed at the restart's first step: corosync and pacemaker still run, on the old file
    host.service = async (action, name) => {
      if (action === 'stop' && name === 'pacemaker') throw new Error('killed');
      return realService(action, name);
    };
    await expect(h.updateConfig({ netmtu: 1400 })).rejects.toThrow('killed');
    expect(await host.serviceIsActive('pacemaker')).toBe(true);
    expect(host.file('/etc/corosync/corosync.conf')).toContain('netmtu: 1400'); // written before the hook died
    host.service = realService;
    host.clearRecords();
    // Juju retries the failed hook: the file is already right, but corosync still runs the old one.
    await h.runHook('config-changed');
    expect(host.writes).toEqual([]);
    expect(host.serviceActions.map((a) => `${a.action} ${a.name}`)).toEqual(['stop pacemaker', 'restart corosync', 'start pacemaker']);
    expect(h.status.status).toBe('active');
    // and once done, nothing is owed any more
    host.clearRecords();
    await h.runHook('config-changed');
    expect(host.serviceActions).toEqual([]);
  });

  it('reloads the ring on the next hook when a hook died between writing the node list and reloading', async () => {
    const { h, host, hanode } = await cluster();
    host.onCommand('corosync-cfgtool', () => { throw new Error('killed'); });
    await expect(h.addRelationUnit(hanode, 'hacluster-ext/3', { 'private-address': '10.0.0.4', hostname: 'api4', ready: 'True' })).rejects.toThrow('killed');
    expect(host.file('/etc/corosync/corosync.conf')).toContain('nodeid: 1003');
    host.onCommand('corosync-cfgtool', () => ({ exitCode: 0, stdout: '', stderr: '' }));
    host.clearRecords();
    await h.runHook('hanode-relation-changed', { relationId: hanode }, 'hacluster-ext', 'hacluster-ext/3');
    expect(host.writes).toEqual([]);
    expect(host.commands.map((c) => c.argv.join(' '))).toContain('corosync-cfgtool -R');
    expect(host.serviceActions).toEqual([]);
  });

  it('never sends the ring key to the remotes: with only corosync_key set, the pacemaker key is the generated one', async () => {
    const ringKey = Buffer.alloc(256, 3).toString('base64');
    const { h, host, remotes } = await cluster({ config: { corosync_key: ringKey } });
    expect(h.status.status).toBe('active');
    expect(readFileSync(host.pathOnDisk('/etc/corosync/authkey')).toString('base64')).toBe(ringKey);
    const sent = h.relationData(remotes)['pacemaker-key'];
    expect(sent).toBe(h.model.leaderData['pacemaker-key']);
    expect(sent).not.toBe(ringKey);
    expect(readFileSync(host.pathOnDisk('/etc/pacemaker/authkey')).toString('base64')).toBe(sent);
    await h.updateConfig({ pacemaker_key: ringKey });
    expect(h.status).toMatchObject({ status: 'blocked' });
    expect(h.status.message).toContain('pacemaker_key: must differ from corosync_key');
  });

  it('refuses a maas_url that carries credentials, naming the option that holds them', async () => {
    const { h } = await cluster();
    await h.updateConfig({ maas_url: 'http://admin:hunter2@10.0.0.254:5240/MAAS' });
    expect(h.status.status).toBe('blocked');
    expect(h.status.message).toContain('maas_url: must not carry a user or password');
    expect(h.status.message).toContain('maas_credentials');
    expect(h.status.message).not.toContain('hunter2');
  });

  it('uses two_node with exactly two members and waits below cluster_count', async () => {
    const two = await cluster({ peers: 1, config: { cluster_count: 2 } });
    expect(two.host.file('/etc/corosync/corosync.conf')).toContain('two_node: 1');
    await expectCorosyncAccepts(two.host.file('/etc/corosync/corosync.conf') ?? '', readFileSync(two.host.pathOnDisk('/etc/corosync/authkey')));
    const alone = await cluster({ peers: 0 });
    expect(alone.h.status).toEqual({ status: 'waiting', message: 'Waiting for peers: 1 of cluster_count=3 units known' });
    expect(alone.host.file('/etc/corosync/corosync.conf')).toBeNull();
  });

  it('tells the principal whether the cluster fences, and again when that changes', async () => {
    const { h, ha, remotes } = await cluster({ remotes: 0 });
    expect(h.relationData(ha)['stonith-enabled']).toBe('false');
    expect(h.model.leaderData['stonith-enabled']).toBe('false');
    await h.addRelationUnit(remotes, 'pacemaker-remote/0', remoteData(1));
    expect(h.relationData(ha)['stonith-enabled']).toBe('true');
    expect(h.model.leaderData['stonith-enabled']).toBe('true');
  });
});

describe('hacluster-ext non-leader and actions', () => {
  it('waits for the leader keys, then configures corosync without writing the CIB', async () => {
    const waiting = await cluster({ leader: false });
    expect(waiting.h.status).toEqual({ status: 'waiting', message: 'Waiting for the leader to share the cluster keys' });
    const key = Buffer.alloc(256, 7).toString('base64');
    const { h, host, pacemaker, ha } = await cluster({ leader: false, leaderData: { 'corosync-key': key, 'pacemaker-key': key, 'cib-digest': 'abc' } });
    expect(host.file('/etc/corosync/corosync.conf')).toContain('nodeid: 1002');
    expect(pacemaker.replaced).toBe(0);
    expect(h.status.status).toBe('active');
    expect(h.relationData(ha)['stonith-enabled']).toBeUndefined();
    // the leader switched fencing on: a non-leader passes it on to its principal
    await h.setLeaderData({ 'stonith-enabled': 'true' });
    expect(h.relationData(ha)['stonith-enabled']).toBe('true');
  });

  it('status returns crm_mon as JSON; update-ring insists; delete-node-from-ring is leader only', async () => {
    const { h, host } = await cluster();
    host.onCommand('crm_mon', () => ({ exitCode: 0, stdout: '<pacemaker-result><summary><nodes_configured number="3"/></summary></pacemaker-result>', stderr: '' }));
    const status = await h.runAction('status');
    expect(JSON.parse(status.results.result as string)).toMatchObject({ 'pacemaker-result': { summary: { nodes_configured: { number: '3' } } } });
    const refused = await h.runAction('update-ring', { 'i-really-mean-it': false });
    expect(refused.failed).toBe(true);
    expect(refused.message).toContain('i-really-mean-it: must be true');
    host.onCommand(['crm_node', '--list'], () => ({ exitCode: 0, stdout: '1000 api1 member\n1001 api2 member\n1002 api3 member\n1 node1 lost', stderr: '' }));
    host.onCommand(['crm_node', '--force'], () => ({ exitCode: 0, stdout: '', stderr: '' }));
    const ring = await h.runAction('update-ring', { 'i-really-mean-it': true });
    expect(ring.results).toMatchObject({ removed: 'node1' });
    const bad = await h.runAction('delete-node-from-ring', { node: 'x; rm -rf /' });
    expect(bad.message).toContain('node: the pacemaker node name');
  });

  it('pause and resume put the member in standby and back, and say so in the status', async () => {
    const { h, host } = await cluster();
    const attributes: string[] = [];
    host.onCommand('crm_attribute', (argv) => { attributes.push(argv.slice(1).join(' ')); return { exitCode: 0, stdout: '', stderr: '' }; });
    expect((await h.runAction('pause')).failed).toBe(false);
    expect(h.status).toEqual({ status: 'maintenance', message: "Paused. Use 'resume' action to resume normal service." });
    expect((await h.runAction('resume')).failed).toBe(false);
    expect(h.status.status).toBe('active');
    expect(attributes).toEqual(['--node api1 --name standby --update on', '--node api1 --name standby --delete']);
  });

  it('a peer reloads its ring once per update-ring token from the leader', async () => {
    const key = Buffer.alloc(256, 9).toString('base64');
    const { h, host, hanode } = await cluster({ leader: false, leaderData: { 'corosync-key': key, 'pacemaker-key': key, 'cib-digest': 'x' } });
    host.clearRecords();
    await h.updateRelationData(hanode, 'hacluster-ext/1', { 'trigger-corosync-update': 'token-1' });
    await h.runHook('update-status');
    expect(host.commands.filter((c) => c.argv.join(' ') === 'corosync-cfgtool -R')).toHaveLength(1);
  });
});

describe('install', () => {
  it('stops the cluster the package started and drops its default CIB, so no ghost node1 survives', async () => {
    const host = new RecordingHost({ hostname: 'api1', fqdn: 'api1.lab' });
    const h = new Harness(charm, { charmDir: 'charms/hacluster-ext', unit: 'hacluster-ext/0', host });
    cleanups.push(() => h.cleanup());
    await host.writeFile('/var/lib/pacemaker/cib/cib.xml', '<cib><configuration><nodes><node id="1" uname="node1"/></nodes></configuration></cib>');
    await host.writeFile('/var/lib/pacemaker/cib/cib.xml.sig', 'sig');
    // the backups pacemaker-based falls back to when cib.xml is missing
    await host.writeFile('/var/lib/pacemaker/cib/cib-2.raw', '<cib><configuration><nodes><node id="1" uname="node1"/></nodes></configuration></cib>');
    await host.writeFile('/var/lib/pacemaker/cib/cib-2.raw.sig', 'sig');
    await host.writeFile('/var/lib/pacemaker/cib/cib.last', '2');
    await host.writeFile('/var/lib/pacemaker/cib/shadow.mine', 'an operator\'s crm shadow copy');
    await host.service('start', 'corosync');
    await host.service('start', 'pacemaker');
    host.clearRecords();
    h.begin();
    await h.runHook('install');
    expect(await host.listDirectory('/var/lib/pacemaker/cib')).toEqual(['shadow.mine']);
    expect(host.serviceActions.map((a) => `${a.action} ${a.name}`)).toEqual(['stop pacemaker', 'stop corosync']);
  });
});

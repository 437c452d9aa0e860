/**
 * A one-member corosync/pacemaker cluster in a NamespaceLab node, and pacemaker-remote connections to other
 * nodes: just enough cluster for the remote charm's component tests (fencing is hacluster-ext's to test).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { waitFor, type LabDaemon, type NamespaceLab } from './namespace-lab.js';

/** The Debian build of pacemaker-remoted, unpacked beside pacemaker (the packages conflict). */
export const REMOTED = '/opt/pacemaker-remote/usr/sbin/pacemaker-remoted';

function corosyncConf(clusterName: string, name: string, ip: string): string {
  return [
    `totem {\n  version: 2\n  cluster_name: ${clusterName}\n  transport: knet\n  crypto_cipher: none\n  crypto_hash: none\n  token: 1000\n}`,
    `nodelist {\n  node {\n    ring0_addr: ${ip}\n    name: ${name}\n    nodeid: 1\n  }\n}`,
    'quorum {\n  provider: corosync_votequorum\n}',
    'logging {\n  to_logfile: yes\n  logfile: /var/log/corosync/corosync.log\n  to_syslog: no\n  to_stderr: no\n  timestamp: on\n}',
    '',
  ].join('\n');
}

/** dc-deadtime 5 s makes a fresh cluster elect its DC in seconds instead of ~20. */
const SEED_CIB = `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="opt-dc-deadtime" name="dc-deadtime" value="5s"/>
        <nvpair id="opt-stonith-enabled" name="stonith-enabled" value="false"/>
        <nvpair id="opt-recheck" name="cluster-recheck-interval" value="60s"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
`;

export interface ClusterMember {
  readonly node: string;
  readonly corosync: LabDaemon;
  readonly pacemakerd: LabDaemon;
}

function writeAuthkey(lab: NamespaceLab, name: string, authkey: Buffer): void {
  const keyPath = join(lab.node(name).dir, '/etc/pacemaker/authkey');
  writeFileSync(keyPath, authkey, { mode: 0o640 });
  chownSync(keyPath, 0, gid('haclient'));
}

async function startPacemaker(lab: NamespaceLab, name: string): Promise<LabDaemon> {
  const pacemakerd = await lab.startDaemon(name, ['pacemakerd'], 'pacemakerd', { PCMK_logfile: '/var/log/pacemaker/pacemaker.log' });
  await waitFor('a quorate cluster with a DC', 60_000, async () => {
    const out = (await lab.exec(name, ['crm_mon', '-1'])).stdout;
    return /partition with quorum/.test(out) && /Current DC: \S+/.test(out);
  });
  return pacemakerd;
}

/** Writes the member's config and key, starts corosync and pacemakerd, waits for a quorate partition with a DC. */
export async function startMember(lab: NamespaceLab, name: string, authkey: Buffer): Promise<ClusterMember> {
  const node = lab.node(name);
  writeFileSync(join(node.dir, '/etc/corosync/corosync.conf'), corosyncConf(lab.options.prefix, name, node.ip));
  writeAuthkey(lab, name, authkey);
  const cibPath = join(node.dir, '/var/lib/pacemaker/cib/cib.xml');
  writeFileSync(cibPath, SEED_CIB, { mode: 0o600 });
  chownSync(cibPath, uid('hacluster'), gid('haclient'));

  const corosync = await lab.startDaemon(name, ['corosync', '-f'], 'corosync');
  await waitFor('corosync ring', 20_000, async () => (await lab.exec(name, ['corosync-cfgtool', '-s'])).exitCode === 0);
  return { node: name, corosync, pacemakerd: await startPacemaker(lab, name) };
}

/** Restarts pacemaker on a member with a new authkey (a fresh pacemakerd has no cached key). */
export async function rotateMemberKey(lab: NamespaceLab, member: ClusterMember, authkey: Buffer): Promise<ClusterMember> {
  await lab.stopDaemon(member.pacemakerd, 'SIGTERM', 60_000);
  writeAuthkey(lab, member.node, authkey);
  return { ...member, pacemakerd: await startPacemaker(lab, member.node) };
}

function idFromName(database: 'passwd' | 'group'): (name: string) => number {
  return (name) => Number(execFileSync('getent', [database, name], { encoding: 'utf8' }).split(':')[2]);
}
export const uid = idFromName('passwd');
export const gid = idFromName('group');

/** An `ocf:pacemaker:remote` connection, the shape hacluster gives it (node name = primitive id). */
export function remotePrimitive(nodeName: string, server: string): string {
  return (
    `<primitive id="${nodeName}" class="ocf" provider="pacemaker" type="remote">` +
    `<instance_attributes id="${nodeName}-ia"><nvpair id="${nodeName}-server" name="server" value="${server}"/>` +
    `<nvpair id="${nodeName}-reconnect" name="reconnect_interval" value="15s"/></instance_attributes>` +
    `<operations><op id="${nodeName}-monitor" name="monitor" interval="5s" timeout="15s"/></operations></primitive>`
  );
}

export async function addRemote(lab: NamespaceLab, member: string, nodeName: string, server: string): Promise<void> {
  const result = await lab.exec(member, ['cibadmin', '--create', '--scope', 'resources', '--xml-text', remotePrimitive(nodeName, server)]);
  if (result.exitCode !== 0) throw new Error(`cibadmin --create ${nodeName} failed: ${result.stderr}`);
}

export interface NodeState {
  readonly name: string;
  readonly online: boolean;
  readonly type: string;
}

/** Node states from `crm_mon --output-as=xml` on a member. */
export async function nodeStates(lab: NamespaceLab, member: string): Promise<NodeState[]> {
  const out = await lab.exec(member, ['crm_mon', '-1', '--output-as=xml']);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(out.stdout) as {
    'pacemaker-result'?: { nodes?: { node?: Record<string, string> | Record<string, string>[] } };
  };
  const raw = doc['pacemaker-result']?.nodes?.node ?? [];
  return (Array.isArray(raw) ? raw : [raw]).map((n) => ({ name: n.name ?? '', online: n.online === 'true', type: n.type ?? '' }));
}

export async function waitForRemote(lab: NamespaceLab, member: string, nodeName: string, online: boolean, timeoutMs = 60_000): Promise<void> {
  await waitFor(`${nodeName} to be ${online ? 'online' : 'offline'}`, timeoutMs, async () =>
    (await nodeStates(lab, member)).some((n) => n.name === nodeName && n.type === 'remote' && n.online === online),
  );
}

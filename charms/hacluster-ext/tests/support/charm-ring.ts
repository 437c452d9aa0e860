/**
 * Runs the charm's leader hooks in the harness for members with the given addresses and returns what it wrote for
 * corosync and pacemaker (corosync.conf from the template, the generated keys), so a live cluster can run on them.
 */
import { readFileSync } from 'node:fs';
import { RecordingHost } from '../../../../reactive/testing/recording-host.js';
import { Harness } from '../../../../reactive/testing/harness.js';
import { charm } from '../../src/actions.js';
import { FakePacemaker } from './fake-pacemaker.js';

export interface CharmRing {
  readonly corosyncConf: string;
  readonly corosyncKey: Buffer;
  readonly pacemakerKey: Buffer;
}

/** `members[0]` is the leader unit hacluster-ext/0; member i is unit i (node id 1000 + i). */
export async function charmRenderedRing(members: readonly { name: string; address: string }[]): Promise<CharmRing> {
  const [self, ...peers] = members;
  if (!self) throw new Error('at least one member');
  const host = new RecordingHost({ hostname: self.name });
  const pacemaker = new FakePacemaker(members.map((m) => m.name), { verify: false }).install(host);
  const h = new Harness(charm, { charmDir: 'charms/hacluster-ext', unit: 'hacluster-ext/0', host });
  try {
    h.setNetwork('hanode', self.address);
    await h.setLeader(true);
    await h.addRelation('hanode', 'hacluster-ext', {
      units: Object.fromEntries(peers.map((p, i) => [`hacluster-ext/${i + 1}`, { 'private-address': p.address, hostname: p.name, ready: 'True' }])),
    });
    await h.beginWithInitialHooks();
    const conf = host.file('/etc/corosync/corosync.conf');
    if (conf === null) throw new Error(`the charm wrote no corosync.conf (status: ${h.status.status} ${h.status.message})`);
    return {
      corosyncConf: conf,
      corosyncKey: readFileSync(host.pathOnDisk('/etc/corosync/authkey')),
      pacemakerKey: readFileSync(host.pathOnDisk('/etc/pacemaker/authkey')),
    };
  } finally {
    h.cleanup();
    pacemaker.cleanup();
  }
}

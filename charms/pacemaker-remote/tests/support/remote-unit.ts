/**
 * Runs the pacemaker-remote charm's own hooks for a cluster-lab remote (through the harness, against the node's
 * LabNodeHost), so that the key file and the daemon in the node are the ones the charm's code wrote and started.
 * The lab must leave the remotes to the hooks (`remoteDaemons: 'hooks'`).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Harness } from '../../../../reactive/testing/harness.js';
import { decodeRemoteNodeInfo, nodeInfoProblems, type RemoteNodeInfo } from '../../../../interfaces/pacemaker-remote/protocol.js';
import type { ClusterLab } from '../../../../tests/lab/cluster/lab.js';
import { LabNodeHost } from '../../../../tests/lab/cluster/node-host.js';
import { charm } from '../../src/charm.js';

const CHARM_DIR = join(dirname(fileURLToPath(import.meta.url)), '../..');

export interface RemoteUnit {
  readonly harness: Harness<string, typeof charm.endpointClasses>;
  readonly host: LabNodeHost;
  readonly relationId: string;
  /** What the unit published, decoded the way hacluster reads it. */
  published(): RemoteNodeInfo;
  /** hacluster (all its units) now sends this key. */
  sendKey(key: Buffer): Promise<void>;
}

/** Deploys the charm on a node and relates it to one hacluster unit that sends `key` in relation-joined. */
export async function deployRemoteUnit(lab: ClusterLab, nodeName: string, key: Buffer, unitNumber = 0): Promise<RemoteUnit> {
  const host = new LabNodeHost(lab, nodeName);
  const harness = new Harness(charm, { charmDir: CHARM_DIR, unit: `pacemaker-remote/${unitNumber}`, host });
  harness.setNetwork('pacemaker-remote', lab.address(nodeName), `${lab.options.subnet}.0/24`, 'eth0');
  await harness.beginWithInitialHooks();
  const relationId = await harness.addRelation('pacemaker-remote', 'hacluster', {
    units: { 'hacluster/0': { 'pacemaker-key': key.toString('base64') } },
  });
  return {
    harness,
    host,
    relationId,
    published: () => {
      const decoded = decodeRemoteNodeInfo(harness.relationData(relationId));
      if (!decoded.ok) throw new Error(`${nodeName} published unusable data: ${nodeInfoProblems(decoded).map((p) => `${p.key} ${p.rule}`).join('; ')}`);
      return decoded.value;
    },
    sendKey: (next) => harness.updateRelationData(relationId, 'hacluster/0', { 'pacemaker-key': next.toString('base64') }),
  };
}

/**
 * Runs the pacemaker-remote charm's own hooks for a NamespaceLab node (through the harness, against a LabHost), so
 * that the key file and the daemon in the node are the ones the charm's code wrote and started.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Harness } from '../../../../reactive/testing/harness.js';
import { decodeRemoteNodeInfo, type RemoteNodeInfo } from '../../../../interfaces/pacemaker-remote/protocol.js';
import { charm } from '../../src/charm.js';
import { REMOTED } from './cluster.js';
import { LabHost } from './lab-host.js';
import type { NamespaceLab } from './namespace-lab.js';

const CHARM_DIR = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const LAB_DOMAIN = 'lab';

export function debInstalled(name: string): boolean {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Status}', name], { encoding: 'utf8' }).includes('install ok installed');
  } catch {
    return false;
  }
}

export interface RemoteUnit {
  readonly harness: Harness<string, typeof charm.endpointClasses>;
  readonly host: LabHost;
  readonly relationId: string;
  /** What the unit published, decoded the way hacluster reads it. */
  published(): RemoteNodeInfo;
  /** hacluster (all its units) now sends this key. */
  sendKey(key: Buffer): Promise<void>;
}

/** Deploys the charm on a node and relates it to one hacluster unit that sends `key` in relation-joined. */
export async function deployRemoteUnit(lab: NamespaceLab, nodeName: string, key: Buffer, unitNumber = 0): Promise<RemoteUnit> {
  const host = new LabHost(lab, nodeName, {
    domain: LAB_DOMAIN,
    services: { pacemaker_remote: { argv: [REMOTED], env: { PCMK_logfile: '/var/log/pacemaker/pacemaker.log' } } },
    packages: {
      'pacemaker-remote': () => existsSync(REMOTED),
      'resource-agents': () => debInstalled('resource-agents'),
    },
  });
  const harness = new Harness(charm, { charmDir: CHARM_DIR, unit: `pacemaker-remote/${unitNumber}`, host });
  harness.setNetwork('pacemaker-remote', lab.node(nodeName).ip, `${lab.options.subnet}.0/24`, 'eth0');
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
      if (!decoded.ok) throw new Error(`${nodeName} published unusable data: ${decoded.reason}`);
      return decoded.value;
    },
    sendKey: (next) => harness.updateRelationData(relationId, 'hacluster/0', { 'pacemaker-key': next.toString('base64') }),
  };
}

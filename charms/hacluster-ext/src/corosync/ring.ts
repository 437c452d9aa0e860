/**
 * Corosync's view of the cluster as data: the node list from the hanode peers (node id = 1000 + unit number,
 * as stock hacluster numbers them), two_node only with exactly two members, and the files that carry keys.
 */
import type { Settings } from '../options.js';

export interface RingMember {
  readonly unit: string;
  readonly hostname: string;
  readonly address: string;
}

export interface RingNode {
  readonly name: string;
  readonly address: string;
  readonly id: number;
}

export const COROSYNC_CONF = '/etc/corosync/corosync.conf';
export const COROSYNC_AUTHKEY = '/etc/corosync/authkey';
export const PACEMAKER_AUTHKEY = '/etc/pacemaker/authkey';
export const UIDGID = '/etc/corosync/uidgid.d/hacluster';
export const OVERRIDES = ['corosync', 'pacemaker'].map((s) => `/etc/systemd/system/${s}.service.d/overrides.conf`);

export function nodeId(unit: string): number {
  return 1000 + Number.parseInt(unit.split('/')[1] ?? '0', 10);
}

/** Sorted by node id; duplicate addresses or host names are reported, not silently merged. */
export function ringNodes(members: readonly RingMember[]): { nodes: RingNode[]; problems: string[] } {
  const problems: string[] = [];
  const nodes = [...members].map((m) => ({ name: m.hostname, address: m.address, id: nodeId(m.unit) })).sort((a, b) => a.id - b.id);
  for (const key of ['name', 'address'] as const) {
    const seen = new Map<string, number>();
    for (const n of nodes) {
      const other = seen.get(n[key]);
      if (other !== undefined) problems.push(`hanode: nodes ${other} and ${n.id} share the ${key === 'name' ? 'host name' : 'address'} ${n[key]}`);
      seen.set(n[key], n.id);
    }
  }
  return { nodes, problems };
}

export interface CorosyncView {
  readonly clusterName: string;
  readonly nodes: readonly RingNode[];
  readonly twoNode: boolean;
  readonly netmtu: number | null;
  readonly debug: 'on' | 'off';
}

export function corosyncView(clusterName: string, nodes: readonly RingNode[], settings: Pick<Settings, 'netmtu' | 'debug'>): CorosyncView {
  return { clusterName, nodes, twoNode: nodes.length === 2, netmtu: settings.netmtu, debug: settings.debug ? 'on' : 'off' };
}

export function systemdOverride(startTimeout: number, stopTimeout: number): string {
  const value = (n: number): string => (n < 0 ? 'infinity' : String(n));
  return `[Service]\nTimeoutStartSec=${value(startTimeout)}\nTimeoutStopSec=${value(stopTimeout)}\n`;
}

export const UIDGID_CONTENT = 'uidgid {\n  uid: hacluster\n  gid: haclient\n}\n';

/** The file without its `nodelist { ... }` block (node blocks nest one level). */
function withoutNodelist(conf: string): string {
  return conf.replace(/^nodelist \{\n(?:.*\n)*?^\}\n/m, '');
}

/** True when two renderings differ only inside the node list (corosync-cfgtool -R applies that at run time). */
export function onlyNodelistDiffers(before: string, after: string): boolean {
  return before !== after && withoutNodelist(before) === withoutNodelist(after);
}

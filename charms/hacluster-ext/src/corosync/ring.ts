/**
 * Corosync's view of the cluster as data: the node list from the hanode peers (node id = 1000 + unit number,
 * as stock hacluster numbers them), two_node only with exactly two members, and the files that carry keys.
 */
import { isIP } from 'node:net';
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
      if (other !== undefined) problems.push(`hanode: nodes ${other} and ${n.id} share the ${key === 'name' ? 'host name' : 'address'}`);
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

/**
 * What a value may hold in corosync.conf. Corosync's parser gives meaning to `{` and `}` (a section), a line break
 * (the end of a value), `#` at a line's start (a comment) and the first `:` (key and value); it has no quoting. A
 * value made of these characters alone can never open, close or add anything: names, IPv4/IPv6 addresses, numbers.
 */
const COROSYNC_VALUE = /^[A-Za-z0-9._:-]{1,253}$/;

export type CorosyncViewResult = { readonly ok: true; readonly view: CorosyncView } | { readonly ok: false; readonly problems: readonly string[] };

/** The template's data, or — for a value corosync.conf could not hold as a plain value — what was refused (never the value). */
export function corosyncView(clusterName: string, nodes: readonly RingNode[], settings: Pick<Settings, 'netmtu' | 'debug'>): CorosyncViewResult {
  const problems: string[] = [];
  if (!COROSYNC_VALUE.test(clusterName) || clusterName.includes(':')) problems.push('corosync.conf: the cluster name (the application name) must be letters, digits, _ . -');
  for (const n of nodes) {
    if (!COROSYNC_VALUE.test(n.address)) problems.push(`corosync.conf: node ${n.id} ring0_addr must be an address or host name`);
    if (!COROSYNC_VALUE.test(n.name) || n.name.includes(':')) problems.push(`corosync.conf: node ${n.id} name must be a host name`);
    if (!Number.isSafeInteger(n.id) || n.id < 1) problems.push(`corosync.conf: node id ${n.id} must be a positive integer`);
  }
  // knet links one address family: a ring of IPv4 and IPv6 addresses is refused by corosync at start.
  const families = new Set(nodes.map((n) => isIP(n.address)).filter((f) => f !== 0));
  if (families.size > 1) problems.push('corosync.conf: the ring addresses mix IPv4 and IPv6 (every hanode address must be of one family)');
  if (settings.netmtu !== null && !(Number.isSafeInteger(settings.netmtu) && settings.netmtu >= 576 && settings.netmtu <= 65_535)) {
    problems.push('corosync.conf: netmtu must be a whole number from 576 to 65535');
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, view: { clusterName, nodes, twoNode: nodes.length === 2, netmtu: settings.netmtu, debug: settings.debug ? 'on' : 'off' } };
}

/** Longest service timeout the options accept (a day): systemd takes larger ones, nobody waits that long. */
export const SERVICE_TIMEOUT_MAX = 86_400;

/** A systemd drop-in; only whole seconds (or infinity for -1) can reach it, whatever the numbers given. */
export function systemdOverride(startTimeout: number, stopTimeout: number): string {
  const value = (n: number): string => {
    if (n === -1) return 'infinity';
    if (!Number.isSafeInteger(n) || n < 0 || n > SERVICE_TIMEOUT_MAX) throw new RangeError(`a service timeout must be -1 or 0 to ${SERVICE_TIMEOUT_MAX} seconds`);
    return String(n);
  };
  return `[Service]\nTimeoutStartSec=${value(startTimeout)}\nTimeoutStopSec=${value(stopTimeout)}\n`;
}

export const UIDGID_CONTENT = 'uidgid {\n  uid: hacluster\n  gid: haclient\n}\n';

/** The file without its `nodelist { ... }` block (node blocks nest one level). */
export function withoutNodelist(conf: string): string {
  return conf.replace(/^nodelist \{\n(?:.*\n)*?^\}\n/m, '');
}

/** True when two renderings differ only inside the node list (corosync-cfgtool -R applies that at run time). */
export function onlyNodelistDiffers(before: string, after: string): boolean {
  return before !== after && withoutNodelist(before) === withoutNodelist(after);
}

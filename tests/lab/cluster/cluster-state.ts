/**
 * What the lab reads back from a live cluster, parsed from the crm tools' XML output (`crm_mon`, `stonith_admin
 * --history`), and the `ocf:pacemaker:remote` connection the way hacluster creates one.
 */
import { XMLParser } from 'fast-xml-parser';

export interface NodeState {
  readonly name: string;
  /** `member` or `remote` */
  readonly type: string;
  readonly online: boolean;
}

export interface ClusterStatus {
  /** The DC's partition has quorum. */
  readonly quorum: boolean;
  /** True while any resource is starting, stopping or in a pending action. */
  readonly busy: boolean;
  /** resource id → nodes where it is started */
  readonly started: ReadonlyMap<string, readonly string[]>;
  /** Every node crm_mon knows, online or not; then the names of those online, by type. */
  readonly nodes: readonly NodeState[];
  readonly onlineMembers: readonly string[];
  readonly onlineRemotes: readonly string[];
}

export interface FenceEvent {
  readonly target: string;
  readonly action: string;
  readonly status: string;
  readonly delegate: string;
  readonly completed: string;
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['node', 'resource', 'clone', 'group', 'fence_event', 'list'].includes(name) });

type Element = Record<string, any>;

/** `crm_mon --one-shot --inactive --output-as=xml` → status. */
export function parseCrmMon(output: string): ClusterStatus {
  const res = (xml.parse(output) as { 'pacemaker-result': Element })['pacemaker-result'];
  const nodes = ((res.nodes?.node ?? []) as Element[]).map((n) => ({ name: String(n.name), type: String(n.type), online: n.online === 'true' }));
  const started = new Map<string, string[]>();
  let busy = false;
  const visit = (rs: Element[] = []): void => {
    for (const x of rs) {
      if (x.role === 'Starting' || x.role === 'Stopping' || x.pending) busy = true;
      if (x.role === 'Started') for (const n of x.node ?? []) started.set(x.id, [...(started.get(x.id) ?? []), n.name]);
    }
  };
  visit(res.resources?.resource);
  for (const c of res.resources?.clone ?? []) visit(c.resource);
  for (const g of res.resources?.group ?? []) visit(g.resource);
  for (const c of res.resources?.clone ?? []) for (const g of c.group ?? []) visit(g.resource);
  const online = (type: string): string[] => nodes.filter((n) => n.type === type && n.online).map((n) => n.name);
  return {
    quorum: res.summary?.current_dc?.with_quorum === 'true',
    nodes, onlineMembers: online('member'), onlineRemotes: online('remote'), started, busy,
  };
}

/** `stonith_admin --history '*' --verbose --output-as=xml` → events. */
export function parseFencingHistory(output: string): FenceEvent[] {
  // <pacemaker-result><list name="fencing history"><fence_event .../></list></pacemaker-result>
  const doc = xml.parse(output) as { 'pacemaker-result'?: { list?: { fence_event?: Record<string, string>[] }[] } };
  return (doc['pacemaker-result']?.list ?? []).flatMap((l) => l.fence_event ?? []).map((e) => ({
    target: e.target ?? '', action: e.action ?? '', status: e.status ?? '', delegate: e.delegate ?? '', completed: e.completed ?? '',
  }));
}

/** An `ocf:pacemaker:remote` connection (node name = primitive id), monitored every 5 s, reconnecting after 15 s. */
export function remotePrimitive(nodeName: string, server: string): string {
  return (
    `<primitive id="${nodeName}" class="ocf" provider="pacemaker" type="remote">` +
    `<instance_attributes id="${nodeName}-ia"><nvpair id="${nodeName}-server" name="server" value="${server}"/>` +
    `<nvpair id="${nodeName}-reconnect" name="reconnect_interval" value="15s"/></instance_attributes>` +
    `<operations><op id="${nodeName}-monitor" name="monitor" interval="5s" timeout="15s"/></operations></primitive>`
  );
}

/**
 * The whole desired pacemaker configuration as a pure function of members, remotes, the principal's resources
 * and the charm config. Remote connections, their location rules and the STONITH devices are built into the same
 * document, so stonith-enabled can never be applied before the rules that keep healthy remotes from being fenced.
 */
import { createHash } from 'node:crypto';
import type {
  Alert, CibDocument, CibError, CibSecret, Clone, Constraint, Group, Location, Member, NvPair, Primitive, Remote, TopResource,
} from './model.js';
import { CIB_SECRET_MAGIC, shown } from './model.js';
import type { PrincipalResources } from './principal.js';
import { validateDocument } from './validate.js';
import { DEFAULT_BUDGET, fenceLimit, type BudgetOptions } from '../fencing/budget.js';
import { refusalRetries, STONITH_MAX_ATTEMPTS } from '../fencing/storm.js';
import { NOTIFY_AGENT, NOTIFY_SPOOL } from '../notify/paths.js';

export type NoQuorumPolicy = 'ignore' | 'freeze' | 'stop' | 'suicide';
export type StonithAction = 'off' | 'reboot';

export interface CibConfig {
  readonly noQuorumPolicy: NoQuorumPolicy;
  /** Seconds; rsc_defaults failure-timeout. */
  readonly failureTimeout: number;
  /** Seconds; cluster-recheck-interval. */
  readonly clusterRecheckInterval: number;
  readonly maintenanceMode: boolean;
  /** Ping targets (monitor_host); empty for none. */
  readonly monitorHosts: readonly string[];
  readonly monitorInterval: string;
  /** MAAS endpoint and API key for st-maas; null when not configured. */
  readonly maas: { readonly url: string; readonly apiKey: string } | null;
  /** Seconds the external/maas plugin waits for MAAS to confirm a power change. */
  readonly stonithPowerTimeout: number;
  /**
   * What fencing does to a dead host. `off` keeps it down until an operator powers it on, so a host whose
   * instances are being evacuated cannot boot them again from shared storage; `reboot` brings it straight back.
   */
  readonly stonithAction: StonithAction;
  /** The fencing budget the external/maas plugin enforces (fencing/budget.ts). */
  readonly fenceBudget: BudgetOptions;
  /** Whether Pacemaker calls hacluster-notify for node and fencing events (notify_urls set). */
  readonly notifyAlerts: boolean;
  readonly remoteReconnectInterval: string;
  readonly remoteMonitorInterval: string;
  readonly remoteMonitorTimeout: string;
}

export const DEFAULT_CIB_CONFIG: CibConfig = {
  noQuorumPolicy: 'stop',
  failureTimeout: 180,
  clusterRecheckInterval: 60,
  maintenanceMode: false,
  monitorHosts: [],
  monitorInterval: '5s',
  maas: null,
  stonithPowerTimeout: 60,
  stonithAction: 'off',
  fenceBudget: DEFAULT_BUDGET,
  notifyAlerts: false,
  remoteReconnectInterval: '60s',
  remoteMonitorInterval: '30s',
  remoteMonitorTimeout: '30s',
};

export interface CibInput {
  readonly members: readonly Member[];
  readonly remotes: readonly Remote[];
  readonly principal: PrincipalResources;
  readonly config: CibConfig;
}

export interface DesiredCib {
  readonly document: CibDocument;
  /** Parameters kept out of the CIB: every member stores them under /var/lib/pacemaker/lrm/secrets. */
  readonly secrets: readonly CibSecret[];
  readonly errors: readonly CibError[];
  /** Whether remotes refuse resources (symmetric-cluster=false). */
  readonly optIn: boolean;
  readonly stonithEnabled: boolean;
  /** The member each remote connection prefers (score 200). */
  readonly remotePlacement: Readonly<Record<string, string>>;
}

export const ST_MAAS = 'st-maas';

/**
 * The alert that feeds operator notifications: node and fencing events, to the spool (the recipient is a path; the
 * webhook URLs stay in a file only root and haclient read). The agent queues and returns in milliseconds; the
 * timeout only bounds a broken agent.
 */
export const NOTIFY_ALERT: Alert = {
  id: 'hacluster-ext-notify', path: NOTIFY_AGENT, recipient: NOTIFY_SPOOL, select: ['fencing', 'nodes'],
  meta: [{ name: 'timeout', value: '10s' }],
};
export const ST_NULL = 'st-null';
const PREFERRED_SCORE = '200';

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const nv = (name: string, value: string): NvPair => ({ name, value });

function shortName(host: string): string {
  return host.split('.')[0] ?? host;
}

function withMeta(meta: readonly NvPair[], name: string, value: string): NvPair[] {
  return [...meta.filter((m) => m.name !== name), nv(name, value)];
}

function score(a: string, b: string): string {
  return createHash('sha256').update(`${a}\0${b}`).digest('hex');
}

/**
 * Spreads remote connections over members: rendezvous hashing with a capacity of ceil(remotes/members), so the
 * load is even and a member joining or leaving moves few remotes (plain round-robin over a sorted list reshuffles
 * most of them, which upstream does).
 */
export function spreadRemotes(remotes: readonly string[], members: readonly string[]): Record<string, string> {
  const placement: Record<string, string> = {};
  if (members.length === 0) return placement;
  const capacity = Math.ceil(remotes.length / members.length);
  const load = new Map(members.map((m) => [m, 0]));
  for (const remote of [...remotes].sort()) {
    const ranked = [...members].sort((a, b) => (score(remote, a) < score(remote, b) ? 1 : -1));
    const chosen = ranked.find((m) => (load.get(m) ?? 0) < capacity) ?? (ranked[0] as string);
    load.set(chosen, (load.get(chosen) ?? 0) + 1);
    placement[remote] = chosen;
  }
  return placement;
}

function remoteDecision(remotes: readonly Remote[], errors: CibError[]): boolean {
  const values = new Set(remotes.map((r) => r.enableResources));
  if (values.size > 1) {
    const refusing = remotes.filter((r) => !r.enableResources).map((r) => r.name);
    errors.push({
      path: 'pacemaker-remote.enable-resources',
      message: `remotes disagree (false on ${refusing.join(', ')}, true on the others); set the same enable-resources on every pacemaker-remote application`,
    });
  }
  return remotes.length > 0 && !remotes.some((r) => r.enableResources);
}

function principalResources(principal: PrincipalResources, deleted: ReadonlySet<string>, errors: CibError[]): TopResource[] {
  const primitives = new Map(principal.primitives.filter((p) => !deleted.has(p.id)).map((p) => [p.id, p]));
  const consumed = new Set<string>();
  const groups = new Map<string, Group>();
  for (const g of principal.groups) {
    if (deleted.has(g.id)) continue;
    const members: Primitive[] = [];
    g.members.forEach((name, i) => {
      const p = primitives.get(name);
      if (!p) errors.push({ path: `ha.json_groups.${g.id}.members[${i}]`, message: `${shown(name)} is not a primitive in json_resources` });
      else if (consumed.has(name)) errors.push({ path: `ha.json_groups.${g.id}.members[${i}]`, message: `${shown(name)} is already in another group or clone` });
      else {
        members.push(p);
        consumed.add(name);
      }
    });
    if (members.length > 0) groups.set(g.id, { kind: 'group', id: g.id, members, meta: g.meta });
  }
  const clones: Clone[] = [];
  for (const c of principal.clones) {
    if (deleted.has(c.id)) continue;
    const child = primitives.get(c.child) ?? groups.get(c.child);
    if (!child) {
      errors.push({ path: `ha.json_clones.${c.id}`, message: `${shown(c.child)} is not a primitive or group` });
      continue;
    }
    if (consumed.has(c.child)) {
      errors.push({ path: `ha.json_clones.${c.id}`, message: `${shown(c.child)} is already in another group or clone` });
      continue;
    }
    consumed.add(c.child);
    clones.push({ kind: 'clone', id: c.id, child, meta: c.promotable ? withMeta(c.meta, 'promotable', 'true') : c.meta });
  }
  const top: TopResource[] = [...clones];
  for (const g of groups.values()) if (!consumed.has(g.id)) top.push(g);
  for (const p of primitives.values()) if (!consumed.has(p.id)) top.push(p);
  return top;
}

function remotePrimitive(r: Remote, config: CibConfig): Primitive {
  return {
    kind: 'primitive', id: r.name, class: 'ocf', provider: 'pacemaker', type: 'remote',
    params: [nv('server', r.address), nv('reconnect_interval', config.remoteReconnectInterval)],
    meta: [],
    ops: [{ name: 'monitor', interval: config.remoteMonitorInterval, attributes: [nv('timeout', config.remoteMonitorTimeout)] }],
  };
}

function stonithOp(): Primitive['ops'] {
  return [{ name: 'monitor', interval: '25s', attributes: [nv('start-delay', '25s'), nv('timeout', '25s')] }];
}

/**
 * Which nodes st-maas fences, stated up front (static-list): the fencer need not run the plugin's gethosts before
 * it can fence, which shortens every fencing. A remote whose MAAS name differs from its node name is mapped.
 */
function targetParams(remotes: readonly Remote[]): NvPair[] {
  const fenced = remotes.filter((r) => r.stonithHostname);
  const mapped = fenced.filter((r) => r.stonithHostname !== r.name).map((r) => `${r.name}:${r.stonithHostname}`);
  return [
    nv('pcmk_host_check', 'static-list'),
    nv('pcmk_host_list', fenced.map((r) => r.name).join(' ')),
    ...(mapped.length > 0 ? [nv('pcmk_host_map', mapped.join(';'))] : []),
  ];
}

function location(rsc: string, node: string, value: string): Location {
  return { kind: 'location', id: `loc-${rsc}-${node}`, rsc, node, score: value };
}

/** Computes the desired configuration. `errors` is empty only when the document is complete and consistent. */
export function desiredCib(input: CibInput): DesiredCib {
  const errors: CibError[] = [];
  const { config } = input;
  const members = [...input.members].sort((a, b) => (a.name < b.name ? -1 : 1));
  const memberNames = members.map((m) => m.name);
  const remotes = [...input.remotes].sort((a, b) => (a.name < b.name ? -1 : 1));
  if (members.length === 0) errors.push({ path: 'hanode', message: 'no cluster members known yet' });
  const optIn = remoteDecision(remotes, errors);
  const deleted = new Set(input.principal.deleteResources);

  const principalTop = principalResources(input.principal, deleted, errors);
  const resources: TopResource[] = [];
  const constraints: Constraint[] = input.principal.constraints.filter((c) =>
    !deleted.has(c.id) && !deleted.has(c.kind === 'order' ? c.first : c.rsc) && !deleted.has(c.kind === 'colocation' ? c.withRsc : c.kind === 'order' ? c.then : c.rsc));

  if (config.monitorHosts.length > 0) {
    const ping: Primitive = {
      kind: 'primitive', id: 'ping', class: 'ocf', provider: 'pacemaker', type: 'ping',
      params: [nv('host_list', config.monitorHosts.join(' ')), nv('multiplier', '100')], meta: [],
      ops: [{ name: 'monitor', interval: config.monitorInterval, attributes: [] }],
    };
    for (const r of principalTop.filter((t) => t.kind !== 'clone')) {
      constraints.push({
        kind: 'location', id: `Ping-${r.id}`, rsc: r.id,
        rule: { score: '-INFINITY', booleanOp: 'or', expressions: [{ attribute: 'pingd', operation: 'not_defined' }, { attribute: 'pingd', operation: 'lte', value: '0' }] },
      });
    }
    principalTop.push({ kind: 'clone', id: 'cl_ping', child: ping, meta: [] });
  }

  // clone-max: only the hosts that may run the clone, so instances are not reported stopped on remotes.
  const cloneHosts = optIn || remotes.length === 0 ? members.length : members.length + remotes.length;
  for (const r of principalTop.sort(byId)) {
    resources.push(r.kind === 'clone' ? { ...r, meta: withMeta(r.meta, 'clone-max', String(cloneHosts)) } : r);
  }

  const placement = spreadRemotes(remotes.map((r) => r.name), memberNames);
  for (const r of remotes) {
    resources.push(remotePrimitive(r, config));
    for (const m of memberNames) constraints.push(location(r.name, m, placement[r.name] === m ? PREFERRED_SCORE : '0'));
  }

  const secrets: CibSecret[] = [];
  const stonithHosts = [...new Set(remotes.flatMap((r) => (r.stonithHostname ? [r.stonithHostname, shortName(r.stonithHostname)] : [])))].sort();
  const stonithEnabled = stonithHosts.length > 0;
  const stonithDevices: Primitive[] = [];
  if (stonithEnabled) {
    if (config.maas === null) {
      const asking = remotes.filter((r) => r.stonithHostname).map((r) => r.name);
      errors.push({ path: 'config.maas_url', message: `maas_url and maas_credentials are required: remotes ${asking.join(', ')} ask for STONITH` });
    } else {
      stonithDevices.push({
        kind: 'primitive', id: ST_MAAS, class: 'stonith', type: 'external/maas',
        params: [nv('url', config.maas.url), nv('apikey', CIB_SECRET_MAGIC), nv('hostnames', stonithHosts.join(' ')),
          nv('power_timeout', String(config.stonithPowerTimeout)), ...targetParams(remotes),
          nv('fence_budget', String(fenceLimit(config.fenceBudget, remotes.filter((r) => r.stonithHostname).length))),
          nv('fence_window', String(config.fenceBudget.window)), ...refusalRetries()],
        meta: [], ops: stonithOp(),
      });
      secrets.push({ resource: ST_MAAS, parameter: 'apikey', value: config.maas.apiKey });
      // Members have no fencing device of their own; without one an unclean member would block recovery.
      stonithDevices.push({
        kind: 'primitive', id: ST_NULL, class: 'stonith', type: 'null',
        params: [nv('hostlist', memberNames.join(' ')), nv('pcmk_host_check', 'static-list'), nv('pcmk_host_list', memberNames.join(' '))],
        meta: [], ops: stonithOp(),
      });
    }
  }
  resources.unshift(...stonithDevices);

  if (optIn) {
    for (const r of [...stonithDevices, ...resources.filter((x) => !stonithDevices.includes(x as Primitive) && !remotes.some((rm) => rm.name === x.id))]) {
      for (const m of memberNames) constraints.push(location(r.id, m, '0'));
    }
  }

  const document: CibDocument = {
    properties: [
      nv('cluster-recheck-interval', `${config.clusterRecheckInterval}s`),
      nv('maintenance-mode', String(config.maintenanceMode)),
      nv('no-quorum-policy', config.noQuorumPolicy),
      nv('stonith-action', config.stonithAction),
      nv('stonith-enabled', String(stonithEnabled && config.maas !== null)),
      nv('stonith-max-attempts', String(STONITH_MAX_ATTEMPTS)),
      nv('symmetric-cluster', String(!optIn)),
    ],
    rscDefaults: [nv('failure-timeout', String(config.failureTimeout)), nv('resource-stickiness', '100')],
    resources,
    constraints: constraints.sort(byId),
    alerts: config.notifyAlerts ? [NOTIFY_ALERT] : [],
  };
  errors.push(...validateDocument(document, { members: memberNames, remotes: remotes.map((r) => r.name), optIn }));
  return { document, secrets, errors, optIn, stonithEnabled: stonithEnabled && config.maas !== null, remotePlacement: placement };
}

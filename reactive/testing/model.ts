/**
 * The in-memory Juju model the harness runs a charm against: one local unit, its relations and remote units,
 * leader data, config, ports and statuses. `ModelTools` answers the hook tools for one hook, with Juju's
 * transaction and access rules: relation data and ports are committed only if the hook succeeds; status-set and
 * leader-set are immediate; application data is the leader's; a departing unit has already left relation-list.
 */
import { compareUnits, relationNumber, sortRelationIds } from '../hookenv/args.js';
import { HookToolError } from '../hookenv/errors.js';
import type { ConfigValue, HookTools, NetworkInfo, RelationData, StatusRecord, WorkloadStatus } from '../hookenv/tools.js';

export interface ModelRelation {
  readonly id: string;
  readonly endpoint: string;
  readonly remoteApp: string;
  readonly peer: boolean;
  /** Remote units in scope, with their bags. */
  readonly units: Map<string, Record<string, string>>;
  /** Units that departed; their last data stays readable. */
  readonly departed: Map<string, Record<string, string>>;
  remoteAppData: Record<string, string>;
  localUnitData: Record<string, string>;
  localAppData: Record<string, string>;
  broken: boolean;
}

export interface ToolCallRecord {
  readonly tool: string;
  readonly detail: string;
}

export class HarnessModel {
  readonly relations = new Map<string, ModelRelation>();
  config: Record<string, ConfigValue | null> = {};
  leaderData: Record<string, string> = {};
  isLeader = false;
  unitStatus: StatusRecord = { status: 'unknown', message: '' };
  appStatus: StatusRecord = { status: 'unknown', message: '' };
  workloadVersion = '';
  openedPorts = new Set<string>();
  readonly networks = new Map<string, NetworkInfo>();
  readonly logs: { level: string; message: string }[] = [];
  private nextRelation = 0;

  constructor(readonly unitName: string, defaultAddress = '10.0.0.10') {
    this.networks.set('', {
      bindAddresses: [{ interfaceName: 'eth0', macAddress: '', addresses: [{ hostname: '', value: defaultAddress, cidr: '10.0.0.0/24' }] }],
      ingressAddresses: [defaultAddress],
      egressSubnets: [`${defaultAddress}/32`],
    });
  }

  get appName(): string {
    return this.unitName.split('/')[0] ?? '';
  }

  newRelationId(endpoint: string): string {
    this.nextRelation += 1;
    return `${endpoint}:${this.nextRelation}`;
  }

  relation(id: string): ModelRelation {
    const relation = this.relations.get(id) ?? [...this.relations.values()].find((r) => relationNumber(r.id) === relationNumber(id));
    if (!relation) throw new Error(`no relation ${id} in the harness model`);
    return relation;
  }

  network(binding: string): NetworkInfo {
    return this.networks.get(binding) ?? this.networks.get('')!;
  }
}

export interface HookScope {
  readonly relationId?: string;
  readonly departingUnit?: string;
  readonly action?: { readonly params: Readonly<Record<string, unknown>> };
}

function toolError(tool: string, args: string[], message: string, exitCode = 1): HookToolError {
  return new HookToolError(tool, args, exitCode, `ERROR ${message}`);
}

/** Hook tools for one hook of the harness's unit. Call commit() when the hook succeeded. */
export class ModelTools implements HookTools {
  readonly calls: ToolCallRecord[] = [];
  private readonly pendingUnit = new Map<string, Record<string, string | null>>();
  private readonly pendingApp = new Map<string, Record<string, string | null>>();
  private readonly pendingPorts: { open: boolean; spec: string }[] = [];
  private readonly leaderAtStart: boolean;
  actionResults: Record<string, unknown> = {};
  actionFailure: string | undefined;
  readonly actionLogs: string[] = [];

  constructor(private readonly model: HarnessModel, private readonly scope: HookScope = {}) {
    this.leaderAtStart = model.isLeader;
  }

  private record(tool: string, detail = ''): void {
    this.calls.push({ tool, detail });
  }

  private visibleRelation(id: string, tool: string): ModelRelation {
    let relation: ModelRelation;
    try {
      relation = this.model.relation(id);
    } catch {
      throw toolError(tool, ['-r', id], `invalid value "${id}" for option -r: relation not found`, 2);
    }
    return relation;
  }

  async configGet(): Promise<Readonly<Record<string, ConfigValue | null>>> {
    this.record('config-get');
    return { ...this.model.config };
  }

  async relationIds(endpoint: string): Promise<readonly string[]> {
    this.record('relation-ids', endpoint);
    return sortRelationIds([...this.model.relations.values()].filter((r) => r.endpoint === endpoint && !r.broken).map((r) => r.id));
  }

  async relationList(relationId: string): Promise<readonly string[]> {
    this.record('relation-list', relationId);
    const relation = this.visibleRelation(relationId, 'relation-list');
    return [...relation.units.keys()].filter((u) => u !== this.scope.departingUnit).sort(compareUnits);
  }

  async relationRemoteApp(relationId: string): Promise<string> {
    this.record('relation-list', `--app ${relationId}`);
    return this.visibleRelation(relationId, 'relation-list').remoteApp;
  }

  async relationGet(relationId: string, target: string, options: { app?: boolean } = {}): Promise<RelationData> {
    this.record('relation-get', `${relationId} ${target}${options.app ? ' --app' : ''}`);
    const relation = this.visibleRelation(relationId, 'relation-get');
    const own = target === this.model.unitName || target === this.model.appName;
    if (options.app || !target.includes('/')) {
      const app = target.split('/')[0];
      if (app === this.model.appName && !relation.peer) {
        if (!this.model.isLeader) throw toolError('relation-get', [relationId, target, '--app'], 'permission denied: only the leader can read its own application data');
        return withPending(relation.localAppData, this.pendingApp.get(relation.id));
      }
      if (app === this.model.appName) return withPending(relation.localAppData, this.pendingApp.get(relation.id));
      return { ...relation.remoteAppData };
    }
    if (own) return withPending(relation.localUnitData, this.pendingUnit.get(relation.id));
    const data = relation.units.get(target) ?? relation.departed.get(target);
    if (!data) throw toolError('relation-get', [relationId, target], `cannot read settings for unit "${target}" in relation "${relationId}": unit not found`);
    return { ...data };
  }

  async relationSet(relationId: string, data: Readonly<Record<string, string | null>>, options: { app?: boolean } = {}): Promise<void> {
    this.record('relation-set', `${relationId}${options.app ? ' --app' : ''} ${Object.keys(data).sort().join(',')}`);
    const relation = this.visibleRelation(relationId, 'relation-set');
    if (options.app && !this.model.isLeader) {
      throw toolError('relation-set', ['-r', relationId, '--app'], 'cannot write relation settings: this unit is not the leader');
    }
    const pending = options.app ? this.pendingApp : this.pendingUnit;
    pending.set(relation.id, { ...(pending.get(relation.id) ?? {}), ...data });
  }

  async statusSet(status: WorkloadStatus, message: string, options: { application?: boolean } = {}): Promise<void> {
    this.record('status-set', `${status}`);
    if (!['maintenance', 'blocked', 'waiting', 'active'].includes(status)) {
      throw toolError('status-set', [status], `invalid status "${status}", expected one of [maintenance blocked waiting active]`, 2);
    }
    if (options.application) {
      if (!this.model.isLeader) throw toolError('status-set', ['--application'], 'this unit is not the leader');
      this.model.appStatus = { status, message };
    } else {
      this.model.unitStatus = { status, message };
    }
  }

  async statusGet(options: { application?: boolean } = {}): Promise<StatusRecord> {
    this.record('status-get');
    return options.application ? this.model.appStatus : this.model.unitStatus;
  }

  async jujuLog(message: string, level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' = 'INFO'): Promise<void> {
    this.record('juju-log', level);
    this.model.logs.push({ level, message });
  }

  async leaderGet(): Promise<RelationData> {
    this.record('leader-get');
    return { ...this.model.leaderData };
  }

  async leaderSet(data: Readonly<Record<string, string | null>>): Promise<void> {
    this.record('leader-set', Object.keys(data).sort().join(','));
    if (!this.model.isLeader) throw toolError('leader-set', [], 'cannot write leadership settings: cannot write settings: not the leader');
    const next = { ...this.model.leaderData };
    for (const [key, value] of Object.entries(data)) {
      if (value === null || value === '') delete next[key];
      else next[key] = value;
    }
    this.model.leaderData = next;
  }

  async isLeader(): Promise<boolean> {
    this.record('is-leader');
    // Once a hook has seen "not leader" it stays so (Juju's lease guarantee).
    return this.leaderAtStart && this.model.isLeader;
  }

  async openPort(port: number | string, protocol: 'tcp' | 'udp' = 'tcp'): Promise<void> {
    this.record('open-port', `${port}/${protocol}`);
    this.pendingPorts.push({ open: true, spec: `${port}/${protocol}` });
  }

  async closePort(port: number | string, protocol: 'tcp' | 'udp' = 'tcp'): Promise<void> {
    this.record('close-port', `${port}/${protocol}`);
    this.pendingPorts.push({ open: false, spec: `${port}/${protocol}` });
  }

  async openedPorts(): Promise<readonly string[]> {
    this.record('opened-ports');
    return [...this.model.openedPorts].sort();
  }

  async unitGet(key: 'private-address' | 'public-address'): Promise<string> {
    this.record('unit-get', key);
    return this.model.network('').ingressAddresses[0] ?? '';
  }

  async networkGet(binding: string, options: { relationId?: string } = {}): Promise<NetworkInfo> {
    this.record('network-get', `${binding}${options.relationId ? ` -r ${options.relationId}` : ''}`);
    return this.model.network(binding);
  }

  async actionGet(): Promise<Readonly<Record<string, unknown>>> {
    this.record('action-get');
    if (!this.scope.action) throw toolError('action-get', [], 'not running an action');
    return structuredClone(this.scope.action.params) as Record<string, unknown>;
  }

  async actionSet(results: Readonly<Record<string, unknown>>): Promise<void> {
    this.record('action-set', Object.keys(results).sort().join(','));
    if (!this.scope.action) throw toolError('action-set', [], 'not running an action');
    this.actionResults = { ...this.actionResults, ...results };
  }

  async actionFail(message: string): Promise<void> {
    this.record('action-fail');
    if (!this.scope.action) throw toolError('action-fail', [], 'not running an action');
    this.actionFailure = message;
  }

  async actionLog(message: string): Promise<void> {
    this.record('action-log');
    if (!this.scope.action) throw toolError('action-log', [], 'not running an action');
    this.actionLogs.push(message);
  }

  async applicationVersionSet(version: string): Promise<void> {
    this.record('application-version-set', version);
    this.model.workloadVersion = version;
  }

  /** The hook succeeded: its relation data and ports become visible to the model. */
  commit(): void {
    for (const [id, changes] of this.pendingUnit) {
      const relation = this.model.relation(id);
      relation.localUnitData = withPending(relation.localUnitData, changes);
    }
    for (const [id, changes] of this.pendingApp) {
      const relation = this.model.relation(id);
      relation.localAppData = withPending(relation.localAppData, changes);
    }
    for (const { open, spec } of this.pendingPorts) {
      if (open) this.model.openedPorts.add(spec);
      else this.model.openedPorts.delete(spec);
    }
  }
}

function withPending(base: Readonly<Record<string, string>>, pending: Readonly<Record<string, string | null>> | undefined): Record<string, string> {
  const out = { ...base };
  for (const [key, value] of Object.entries(pending ?? {})) {
    if (value === null || value === '') delete out[key];
    else out[key] = value;
  }
  return out;
}

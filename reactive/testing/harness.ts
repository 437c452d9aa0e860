/**
 * An in-process Juju for charm tests, in the spirit of ops' Harness: build the model (config, leadership,
 * relations and remote data), let each change emit the hook Juju would run, and read back the status, the
 * relation data the unit published, its flags and what it did to the machine (a RecordingHost under a temporary
 * root). Every hook runs through the same runtime as in production; a failing hook's changes are discarded.
 */
import { join, resolve } from 'node:path';
import type { Charm, EndpointMap } from '../charm.js';
import { defaultsOf } from '../config.js';
import { endpointsOf, type CharmMeta } from '../charm-meta.js';
import { readCharmDir } from '../charm-meta-check.js';
import type { HookEnvironment } from '../hookenv/environment.js';
import type { ConfigValue, StatusRecord } from '../hookenv/tools.js';
import { RecordingHost } from './recording-host.js';
import { KeyValueStore, type JsonValue } from '../kv.js';
import { runHook, type HookOutcome } from '../runtime.js';
import { HarnessModel, ModelTools, type HookScope, type ModelRelation, type ToolCallRecord } from './model.js';

export interface HarnessOptions {
  /** The charm's source folder (metadata.yaml, config.yaml, actions.yaml, templates/). */
  readonly charmDir: string;
  readonly unit?: string;
  readonly host?: RecordingHost;
  /** Address of every binding unless setNetwork says otherwise. */
  readonly address?: string;
  readonly principalUnit?: string;
}

export class HookFailed extends Error {
  override readonly name = 'HookFailed';
  constructor(readonly hook: string, override readonly cause: unknown) {
    super(`hook "${hook}" failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export interface HookRecord {
  readonly hook: string;
  readonly invoked: readonly string[];
  readonly toolCalls: readonly ToolCallRecord[];
  readonly ok: boolean;
}

export interface ActionOutput {
  readonly results: Readonly<Record<string, unknown>>;
  readonly failed: boolean;
  readonly message: string | undefined;
  readonly logs: readonly string[];
}

export class Harness<F extends string, EM extends EndpointMap> {
  readonly model: HarnessModel;
  readonly host: RecordingHost;
  readonly meta: CharmMeta;
  readonly history: HookRecord[] = [];
  readonly debugLines: string[] = [];
  private state: Record<string, JsonValue> = {};
  private hooksEnabled = false;
  private started = false;

  constructor(private readonly charm: Charm<F, EM>, private readonly options: HarnessOptions) {
    this.meta = readCharmDir(options.charmDir).meta; // checked as the build checks it
    this.model = new HarnessModel(options.unit ?? `${this.meta.name}/0`, options.address);
    this.model.config = { ...defaultsOf(this.meta) };
    this.host = options.host ?? new RecordingHost();
  }

  cleanup(): void {
    this.host.cleanup();
  }

  // ---- reading the outcome ----

  get status(): StatusRecord {
    return this.model.unitStatus;
  }

  /** The unit's committed state (flags live under reactive.states.*). */
  get kv(): KeyValueStore {
    return new KeyValueStore(this.state);
  }

  /** Seeds one key of the unit's stored state, as an earlier hook would have left it (e.g. a generated secret). */
  setStored(key: string, value: JsonValue): void {
    this.state = { ...this.state, [key]: value };
  }

  isFlagSet(flag: string): boolean {
    return `reactive.states.${flag}` in this.state;
  }

  get flags(): string[] {
    return this.kv.keysWithPrefix('reactive.states.');
  }

  /** What this unit (or, with `app`, its application) has published on a relation (committed data only). */
  relationData(relationId: string, options: { app?: boolean } = {}): Readonly<Record<string, string>> {
    const relation = this.model.relation(relationId);
    return options.app ? relation.localAppData : relation.localUnitData;
  }

  get lastHook(): HookRecord | undefined {
    return this.history[this.history.length - 1];
  }

  // ---- lifecycle ----

  /** Enables hooks without running any (the model may be prepared first). */
  begin(): void {
    this.hooksEnabled = true;
  }

  /** install → relation-created → leader-elected | leader-settings-changed → config-changed → start → relations. */
  async beginWithInitialHooks(): Promise<void> {
    this.hooksEnabled = true;
    await this.runHook('install');
    for (const peer of Object.keys(this.meta.peers)) {
      if (![...this.model.relations.values()].some((r) => r.endpoint === peer)) this.createRelation(peer, this.model.appName, true);
    }
    for (const relation of this.sortedRelations()) await this.runHook(`${relation.endpoint}-relation-created`, { relationId: relation.id }, relation.remoteApp);
    await this.runHook(this.model.isLeader ? 'leader-elected' : 'leader-settings-changed');
    await this.runHook('config-changed');
    await this.runHook('start');
    this.started = true;
    for (const relation of this.sortedRelations()) {
      if (Object.keys(relation.remoteAppData).length > 0) await this.runHook(`${relation.endpoint}-relation-changed`, { relationId: relation.id }, relation.remoteApp);
      for (const unit of [...relation.units.keys()]) {
        await this.runHook(`${relation.endpoint}-relation-joined`, { relationId: relation.id }, relation.remoteApp, unit);
        await this.runHook(`${relation.endpoint}-relation-changed`, { relationId: relation.id }, relation.remoteApp, unit);
      }
    }
  }

  // ---- changing the model (each change runs the hook Juju would run, once hooks are enabled) ----

  async setLeader(isLeader: boolean): Promise<void> {
    const was = this.model.isLeader;
    this.model.isLeader = isLeader;
    if (isLeader && !was && this.hooksEnabled) await this.runHook('leader-elected');
  }

  /** Leader data written by another unit (the leader): minions get leader-settings-changed. */
  async setLeaderData(data: Readonly<Record<string, string | null>>): Promise<void> {
    const next = { ...this.model.leaderData };
    for (const [key, value] of Object.entries(data)) {
      if (value === null || value === '') delete next[key];
      else next[key] = value;
    }
    this.model.leaderData = next;
    if (!this.model.isLeader && this.hooksEnabled) await this.runHook('leader-settings-changed');
  }

  async updateConfig(values: Readonly<Record<string, ConfigValue>>, unset: readonly string[] = []): Promise<void> {
    const defaults = defaultsOf(this.meta);
    for (const key of [...Object.keys(values), ...unset]) {
      if (!(key in this.meta.options)) throw new Error(`unknown config option "${key}" (config.yaml of ${this.meta.name})`);
    }
    this.model.config = { ...this.model.config, ...values };
    for (const key of unset) this.model.config[key] = defaults[key] ?? null;
    if (this.hooksEnabled) await this.runHook('config-changed');
  }

  setNetwork(binding: string, address: string, cidr = '10.0.0.0/24', interfaceName = 'eth0'): void {
    this.model.networks.set(binding, {
      bindAddresses: [{ interfaceName, macAddress: '', addresses: [{ hostname: '', value: address, cidr }] }],
      ingressAddresses: [address],
      egressSubnets: [`${address}/32`],
    });
  }

  /** Adds a relation (relation-created); with `units`, each unit joins (joined + changed). Returns its id. */
  async addRelation(
    endpoint: string,
    remoteApp: string,
    data: { appData?: Readonly<Record<string, string>>; units?: Readonly<Record<string, Readonly<Record<string, string>>>> } = {},
  ): Promise<string> {
    const declared = endpointsOf(this.meta).find((e) => e.name === endpoint);
    if (!declared) throw new Error(`endpoint "${endpoint}" is not declared in metadata.yaml of ${this.meta.name}`);
    const relation = this.createRelation(endpoint, remoteApp, declared.role === 'peers');
    relation.remoteAppData = { ...(data.appData ?? {}) };
    if (this.hooksEnabled) await this.runHook(`${endpoint}-relation-created`, { relationId: relation.id }, remoteApp);
    if (this.hooksEnabled && Object.keys(relation.remoteAppData).length > 0) {
      await this.runHook(`${endpoint}-relation-changed`, { relationId: relation.id }, remoteApp);
    }
    for (const [unit, unitData] of Object.entries(data.units ?? {})) await this.addRelationUnit(relation.id, unit, unitData);
    return relation.id;
  }

  async addRelationUnit(relationId: string, unit: string, data: Readonly<Record<string, string>> = {}): Promise<void> {
    const relation = this.model.relation(relationId);
    if (relation.units.has(unit)) throw new Error(`${unit} already joined ${relationId}`);
    relation.units.set(unit, { 'private-address': '10.0.0.100', ...data });
    relation.departed.delete(unit);
    if (!this.hooksEnabled) return;
    await this.runHook(`${relation.endpoint}-relation-joined`, { relationId: relation.id }, relation.remoteApp, unit);
    await this.runHook(`${relation.endpoint}-relation-changed`, { relationId: relation.id }, relation.remoteApp, unit);
  }

  /** Changes a remote unit's or the remote application's bag; relation-changed only when something changed. */
  async updateRelationData(relationId: string, unitOrApp: string, data: Readonly<Record<string, string | null>>): Promise<void> {
    const relation = this.model.relation(relationId);
    const isApp = !unitOrApp.includes('/');
    if (unitOrApp === this.model.unitName || unitOrApp === this.model.appName) {
      throw new Error('the harness changes remote data only; the charm publishes its own data');
    }
    const current = isApp ? relation.remoteAppData : relation.units.get(unitOrApp);
    if (!current) throw new Error(`${unitOrApp} has not joined ${relationId}`);
    const next = { ...current };
    for (const [key, value] of Object.entries(data)) {
      if (value === null || value === '') delete next[key];
      else next[key] = value;
    }
    if (JSON.stringify(Object.entries(next).sort()) === JSON.stringify(Object.entries(current).sort())) return;
    if (isApp) relation.remoteAppData = next;
    else relation.units.set(unitOrApp, next);
    if (this.hooksEnabled) await this.runHook(`${relation.endpoint}-relation-changed`, { relationId }, relation.remoteApp, isApp ? '' : unitOrApp);
  }

  async removeRelationUnit(relationId: string, unit: string): Promise<void> {
    const relation = this.model.relation(relationId);
    const data = relation.units.get(unit);
    if (!data) throw new Error(`${unit} is not in ${relationId}`);
    relation.units.delete(unit);
    relation.departed.set(unit, data);
    if (this.hooksEnabled) await this.runHook(`${relation.endpoint}-relation-departed`, { relationId, departingUnit: unit }, relation.remoteApp, unit);
  }

  async removeRelation(relationId: string): Promise<void> {
    const relation = this.model.relation(relationId);
    for (const unit of [...relation.units.keys()]) await this.removeRelationUnit(relationId, unit);
    relation.broken = true;
    if (this.hooksEnabled) await this.runHook(`${relation.endpoint}-relation-broken`, { relationId }, relation.remoteApp);
    this.model.relations.delete(relation.id);
  }

  // ---- running ----

  async runHook(hook: string, scope: HookScope = {}, remoteApp = '', remoteUnit = ''): Promise<HookOutcome> {
    const tools = new ModelTools(this.model, scope);
    const store = new KeyValueStore(this.state);
    const env = this.environment(hook, '', scope, remoteApp, remoteUnit);
    let outcome: HookOutcome;
    try {
      outcome = await runHook(this.charm, this.deps(env, tools, store));
    } catch (error) {
      this.history.push({ hook, invoked: [], toolCalls: tools.calls, ok: false });
      throw new HookFailed(hook, error);
    }
    tools.commit();
    this.state = store.toJSON();
    this.history.push({ hook, invoked: outcome.invoked, toolCalls: tools.calls, ok: true });
    return outcome;
  }

  /** Runs an action; a handler that throws fails the action (and discards its state changes), as in production. */
  async runAction(name: string, params: Readonly<Record<string, unknown>> = {}): Promise<ActionOutput> {
    const tools = new ModelTools(this.model, { action: { params } });
    const store = new KeyValueStore(this.state);
    const env = this.environment('', name, {}, '', '');
    try {
      await runHook(this.charm, this.deps(env, tools, store));
    } catch (error) {
      this.history.push({ hook: `action ${name}`, invoked: [], toolCalls: tools.calls, ok: false });
      return { results: tools.actionResults, failed: true, message: error instanceof Error ? error.message : String(error), logs: tools.actionLogs };
    }
    tools.commit();
    this.state = store.toJSON();
    this.history.push({ hook: `action ${name}`, invoked: [name], toolCalls: tools.calls, ok: true });
    return { results: tools.actionResults, failed: tools.actionFailure !== undefined, message: tools.actionFailure, logs: tools.actionLogs };
  }

  private deps(env: HookEnvironment, tools: ModelTools, store: KeyValueStore): Parameters<typeof runHook>[1] {
    return {
      env,
      tools,
      host: this.host,
      meta: this.meta,
      store,
      templatesDir: join(resolve(this.options.charmDir), 'templates'),
      debug: (line) => this.debugLines.push(line),
    };
  }

  private environment(hook: string, action: string, scope: HookScope, remoteApp: string, remoteUnit: string): HookEnvironment {
    const relationId = scope.relationId ?? '';
    return Object.freeze({
      unitName: this.model.unitName,
      appName: this.model.appName,
      charmDir: resolve(this.options.charmDir),
      hookName: hook,
      actionName: action,
      relationName: relationId ? (relationId.split(':')[0] ?? '') : '',
      relationId,
      remoteUnit,
      remoteApp,
      departingUnit: scope.departingUnit ?? '',
      principalUnit: this.options.principalUnit ?? '',
      modelName: 'harness',
      modelUuid: '00000000-0000-4000-8000-000000000000',
      machineId: '0',
    });
  }

  private createRelation(endpoint: string, remoteApp: string, peer: boolean): ModelRelation {
    const relation: ModelRelation = {
      id: this.model.newRelationId(endpoint),
      endpoint,
      remoteApp,
      peer,
      units: new Map(),
      departed: new Map(),
      remoteAppData: {},
      localUnitData: {},
      localAppData: {},
      broken: false,
    };
    this.model.relations.set(relation.id, relation);
    return relation;
  }

  /** Non-peer relations before peers, then by id (Juju's order). */
  private sortedRelations(): ModelRelation[] {
    return [...this.model.relations.values()].sort((a, b) => Number(a.peer) - Number(b.peer) || Number(a.id.split(':')[1]) - Number(b.id.split(':')[1]));
  }

  /** True once `start` has run (beginWithInitialHooks). */
  get isStarted(): boolean {
    return this.started;
  }
}

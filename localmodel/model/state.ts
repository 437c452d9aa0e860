/**
 * The persisted state of one model: what the "controller" knows (applications, units, relations, machines) and
 * what each unit agent has seen (its uniter state, juju-contract §3). One JSON document, written atomically.
 */
import type { CharmMeta, EndpointMeta, RelationScope } from '../charm/metadata.js';
import type { ConfigValue } from '../charm/config.js';

export type Life = 'alive' | 'dying';

export interface StatusValue {
  current: string;
  message: string;
  since: string;
}

export interface MachineState {
  id: string;
  /** Machine-layer id (`0/lxd/1` → `0-lxd-1`). */
  backendId: string;
  /** pending → started (ready for hooks) | error | down */
  status: StatusValue;
  hostname: string;
  fqdn: string;
  address: string;
  cidr: string;
  parent?: string;
  containerType?: string;
  constraints?: string;
  life: Life;
}

export interface ApplicationState {
  name: string;
  /** Model-local copy of the charm (directory). */
  charmDir: string;
  charmSource: string;
  charmRevision: number;
  meta: CharmMeta;
  config: Record<string, ConfigValue>;
  exposed: boolean;
  bindings: Record<string, string>;
  leader: string | null;
  leaderSettings: Record<string, string>;
  leaderSettingsVersion: number;
  appStatus: StatusValue | null;
  nextUnit: number;
  life: Life;
}

export interface RelationUnitState {
  created: boolean;
  /** Remote units joined, with the settings version seen. */
  members: Record<string, number>;
  /** Remote application data version seen. */
  appVersions: Record<string, number>;
  changedPending: string | null;
  broken: boolean;
}

export interface HookFailure {
  hook: HookSpec;
  at: string;
  /** Automatic retries so far (model setting automatically-retry-hooks). */
  retries?: number;
}

export interface UnitState {
  name: string;
  application: string;
  machine: string;
  principal: string | null;
  life: Life;
  workload: StatusValue;
  /** True once the charm set a status itself (Juju's pre-install / post-start defaults respect it). */
  charmSetStatus: boolean;
  agent: StatusValue;
  workloadVersion: string;
  openedPorts: string[];
  charmState: Record<string, string>;
  uniter: {
    installed: boolean;
    started: boolean;
    startPending: boolean;
    leader: boolean;
    leaderSettingsSeen: number;
    configHash: string;
    charmRevision: number;
    charmDeployed: number;
    stopped: boolean;
    relations: Record<string, RelationUnitState>;
    error: HookFailure | null;
    /** The last failure, kept across automatic retries to back off. */
    lastFailure?: HookFailure | null;
    lastUpdateStatus: number;
  };
}

export interface RelationEndpoint {
  application: string;
  name: string;
  role: EndpointMeta['role'];
  interface: string;
  scope: RelationScope;
}

export interface SettingsBag {
  data: Record<string, string>;
  version: number;
}

export interface RelationState {
  id: number;
  key: string;
  endpoints: RelationEndpoint[];
  scope: RelationScope;
  life: Life;
  /** Units that entered scope (after their relation-created committed) and have not left. */
  inScope: string[];
  unitSettings: Record<string, SettingsBag>;
  appSettings: Record<string, SettingsBag>;
}

export interface HookSpec {
  /** Full hook name, e.g. `db-relation-joined`. */
  name: string;
  kind: string;
  relationId?: number;
  remoteUnit?: string;
  remoteApp?: string;
  departingUnit?: string;
  /** What the hook observes, recorded into the uniter state when it commits (settings version, config hash). */
  seen?: number | string;
}

export interface ActionState {
  id: string;
  unit: string;
  name: string;
  params: Record<string, unknown>;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'aborted';
  message: string;
  results: Record<string, unknown>;
  log: { timestamp: string; message: string }[];
  enqueued: string;
  started?: string;
  completed?: string;
  /** `juju-local run --wait`: from `enqueued`, the agent ends the action after this long (killed, or never started). */
  waitMs?: number;
}

export interface ModelState {
  name: string;
  uuid: string;
  backend: 'host' | 'nspawn';
  created: string;
  settings: { 'update-status-hook-interval': string; 'automatically-retry-hooks': boolean };
  machines: Record<string, MachineState>;
  applications: Record<string, ApplicationState>;
  units: Record<string, UnitState>;
  relations: Record<string, RelationState>;
  actions: Record<string, ActionState>;
  counters: { machine: number; relation: number; action: number };
}

/** A model with nothing in it yet. */
export function newModelState(fields: Pick<ModelState, 'name' | 'uuid' | 'backend' | 'created' | 'settings'>): ModelState {
  return { ...fields, machines: {}, applications: {}, units: {}, relations: {}, actions: {}, counters: { machine: 0, relation: 0, action: 1 } };
}

export function now(): string {
  return new Date().toISOString();
}

export function status(current: string, message = ''): StatusValue {
  return { current, message, since: now() };
}

export function relationKey(endpoints: readonly RelationEndpoint[]): string {
  return endpoints
    .map((e) => `${e.application}:${e.name}`)
    .sort()
    .join(' ');
}

export function unitNumber(unit: string): number {
  return Number(unit.slice(unit.lastIndexOf('/') + 1));
}

export function compareUnits(a: string, b: string): number {
  const [aa, bb] = [a.slice(0, a.lastIndexOf('/')), b.slice(0, b.lastIndexOf('/'))];
  return aa === bb ? unitNumber(a) - unitNumber(b) : aa < bb ? -1 : 1;
}

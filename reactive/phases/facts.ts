/**
 * Phase 1 of a hook: what it sees. Read through the hook tools, or for update-status taken from the last
 * successful hook's snapshot (see reactive/README.md); whatever holds a secret is always read again, since the
 * snapshot keeps only digests of secrets.
 */
import type { Charm, EndpointMap } from '../charm.js';
import { endpointsOf, type CharmMeta } from '../charm-meta.js';
import { validateConfig, type ConfigValues } from '../config.js';
import { Endpoint, secretDigest, withSecretsDigested, type RelationSnapshot } from '../endpoint.js';
import type { HookEnvironment } from '../hookenv/environment.js';
import type { HookTools, RelationData } from '../hookenv/tools.js';
import { hashOf, type JsonValue, type KeyValueStore } from '../kv.js';

/** What the last successful hook saw, reused by update-status. */
export interface Snapshot {
  readonly config: ConfigValues;
  readonly configErrors: string[];
  /** What configErrors were computed from (the options as declared and the values); see configErrorsFor. */
  readonly configKey?: string;
  readonly leader: RelationData;
  readonly relations: Readonly<Record<string, RelationSnapshot[]>>;
}

export interface HookFacts {
  readonly previous: Snapshot | undefined;
  /** update-status with a snapshot: nothing but secrets is read again, and nothing is remembered afterwards. */
  readonly useSnapshot: boolean;
  readonly isLeader: boolean;
  readonly config: ConfigValues;
  readonly configKey: string;
  readonly configErrors: string[];
  readonly leader: RelationData;
  readonly relations: Readonly<Record<string, RelationSnapshot[]>>;
}

/** The keys a charm declares secret: options, leader data, and per endpoint what its class declares. */
export interface Secrets {
  readonly options: ReadonlySet<string>;
  readonly leader: ReadonlySet<string>;
  keysOf(endpoint: string): ReadonlySet<string>;
}

const SNAPSHOT_KEY = 'reactive.snapshot';

export function secretsOf<F extends string, EM extends EndpointMap>(charm: Charm<F, EM>): Secrets {
  return {
    options: new Set(charm.options.secrets?.config ?? []),
    leader: new Set(charm.options.secrets?.leader ?? []),
    keysOf: (name) => new Set((charm.endpointClasses[name] ?? Endpoint).secretKeys),
  };
}

// The snapshot is JSON by construction (strings, numbers, booleans and nulls from the hook tools); its declared
// types use interfaces, which TypeScript does not treat as JSON, so the store is read and written here only.
export function readSnapshot(store: KeyValueStore): Snapshot | undefined {
  return store.get(SNAPSHOT_KEY) as unknown as Snapshot | undefined;
}

export function writeSnapshot(store: KeyValueStore, snapshot: Snapshot): void {
  store.set(SNAPSHOT_KEY, snapshot as unknown as JsonValue);
}

async function loadRelations(tools: HookTools, endpoint: string, readsAppData: boolean): Promise<RelationSnapshot[]> {
  const out: RelationSnapshot[] = [];
  for (const id of await tools.relationIds(endpoint)) {
    const unitNames = await tools.relationList(id);
    const remoteApp = unitNames[0]?.split('/')[0] ?? (await tools.relationRemoteApp(id));
    const units: Record<string, RelationData> = {};
    for (const unit of unitNames) units[unit] = await tools.relationGet(id, unit);
    if (!readsAppData) out.push({ id, remoteApp, units });
    else out.push({ id, remoteApp, units, app: remoteApp ? await tools.relationGet(id, remoteApp, { app: true }) : {} });
  }
  return out;
}

/** Whether a remote unit or application sent a secret: then the snapshot has only its digest. */
export function receivedSecret(relations: readonly RelationSnapshot[], secrets: ReadonlySet<string>): boolean {
  if (secrets.size === 0) return false;
  return relations.some((r) => [...Object.values(r.units), r.app ?? {}].some((data) => [...secrets].some((key) => Boolean(data[key]))));
}

/**
 * The checks are a pure function of the declared options, the values and the charm's code; compiling the
 * schema costs about a tenth of a hook's CPU, so the answer of the last hook is reused while the options and
 * values are the same. The code changes only with the charm, and upgrade-charm always checks again.
 */
export async function configErrorsFor(hookName: string, previous: Snapshot | undefined, key: string, check: () => Promise<string[]>): Promise<string[]> {
  if (previous?.configKey === key && hookName !== 'upgrade-charm') return previous.configErrors;
  return check();
}

export async function loadFacts<F extends string, EM extends EndpointMap>(
  charm: Charm<F, EM>,
  deps: { readonly env: HookEnvironment; readonly tools: HookTools; readonly meta: CharmMeta; readonly store: KeyValueStore },
  secrets: Secrets,
): Promise<HookFacts> {
  const { env, tools, meta } = deps;
  const previous = readSnapshot(deps.store);
  const snapshot = env.hookName === 'update-status' ? previous : undefined;
  const isLeader = await tools.isLeader();
  const config = snapshot && secrets.options.size === 0 ? snapshot.config : await tools.configGet();
  const configKey = hashOf({ options: meta.options, config });
  const configErrors = snapshot
    ? snapshot.configErrors
    : await configErrorsFor(env.hookName, previous, configKey, () => validateConfig(meta, config, charm.options.configRules, charm.options.configCheck));
  const leader = snapshot && secrets.leader.size === 0 ? snapshot.leader : await tools.leaderGet();
  const relations: Record<string, RelationSnapshot[]> = {};
  for (const { name } of endpointsOf(meta)) {
    const kept = snapshot ? snapshot.relations[name] ?? [] : undefined;
    relations[name] = kept !== undefined && !receivedSecret(kept, secrets.keysOf(name))
      ? kept
      : await loadRelations(tools, name, (charm.endpointClasses[name] ?? Endpoint).readsAppData);
  }
  return { previous, useSnapshot: snapshot !== undefined, isLeader, config, configKey, configErrors, leader, relations };
}

/**
 * The previous snapshot's values with each digested secret put back where it equals the current value, so that
 * change detection (config.changed.*, leadership.changed.*) compares values, not a value with a digest.
 */
export function undigested<T extends Readonly<Record<string, unknown>>>(previous: T | undefined, current: T, secrets: ReadonlySet<string>): T | undefined {
  if (previous === undefined || secrets.size === 0) return previous;
  const out: Record<string, unknown> = { ...previous };
  for (const key of secrets) {
    const value = current[key];
    if (value !== undefined && value !== null && value !== '' && out[key] === secretDigest(String(value))) out[key] = value;
  }
  return out as T;
}

/** Relations as the snapshot keeps them: the received values of secret keys digested. */
function snapshotRelations(relations: readonly RelationSnapshot[], secrets: ReadonlySet<string>): RelationSnapshot[] {
  if (secrets.size === 0) return [...relations];
  return relations.map((r) => ({
    ...r,
    units: Object.fromEntries(Object.entries(r.units).map(([unit, data]) => [unit, withSecretsDigested(data, secrets)])),
    ...(r.app ? { app: withSecretsDigested(r.app, secrets) } : {}),
  }));
}

/** What to remember of a successful hook: its facts, each secret as a digest. `leader` is as the hook left it. */
export function snapshotOf(facts: HookFacts, leader: RelationData, secrets: Secrets): Snapshot {
  return {
    config: withSecretsDigested(facts.config, secrets.options),
    configErrors: facts.configErrors,
    configKey: facts.configKey,
    leader: withSecretsDigested(leader, secrets.leader),
    relations: Object.fromEntries(Object.entries(facts.relations).map(([name, rels]) => [name, snapshotRelations(rels, secrets.keysOf(name))])),
  };
}

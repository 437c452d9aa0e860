/**
 * One hook or action, start to end: load facts, set automatic flags, dispatch, then (only on success) publish
 * relation data, recompute the status and hand back the unit state to commit. Used by `main.ts` with the real
 * seams and by the test harness with in-memory ones, so both run exactly the same code.
 */
import type { ErrorObject } from 'ajv';
import type { Charm, EndpointMap, UnitStatus } from './charm.js';
import { endpointsOf, type CharmMeta } from './charm-meta.js';
import { configFlags, invalidConfigStatus, validateConfig, type ConfigValues } from './config.js';
import type { ActionContext, HookContext } from './context.js';
import { dispatch } from './dispatch.js';
import { Endpoint, Relation, secretDigest, withSecretsDigested, type EndpointContext, type RelationSnapshot } from './endpoint.js';
import { FlagStore } from './flags.js';
import { parseRelationHook, type HookEnvironment } from './hookenv/environment.js';
import type { HookTools, RelationData } from './hookenv/tools.js';
import type { Host } from './host/host.js';
import { hashOf, type JsonValue, type KeyValueStore } from './kv.js';
import { Templates } from './templating.js';

export interface RuntimeDeps {
  readonly env: HookEnvironment;
  readonly tools: HookTools;
  readonly host: Host;
  readonly meta: CharmMeta;
  /** The unit's state for this hook; the caller commits it only when the outcome is successful. */
  readonly store: KeyValueStore;
  readonly templatesDir: string;
  /** The build's precompiled templates (dist/templates.cjs); without it templates are compiled when rendered. */
  readonly precompiledTemplates?: string;
  /** Debug lines (stdout under Juju). */
  readonly debug?: (line: string) => void;
}

export interface HookOutcome {
  readonly invoked: readonly string[];
  readonly status: UnitStatus;
  /** Actions only: results and failure message. */
  readonly actionResults?: Readonly<Record<string, unknown>>;
  readonly actionFailure?: string;
}

/** What the last successful hook saw, reused by update-status (see reactive/README.md). */
interface Snapshot {
  config: ConfigValues;
  configErrors: string[];
  /** What configErrors were computed from (the options as declared and the values); see configErrorsFor. */
  configKey?: string;
  leader: RelationData;
  relations: Record<string, RelationSnapshot[]>;
}

const SNAPSHOT_KEY = 'reactive.snapshot';
const STATUS_KEY = 'reactive.status';
const PUBLISHED_PREFIX = 'reactive.published.';

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

function endpointFlags(
  endpoint: Endpoint,
  env: HookEnvironment,
  flags: FlagStore,
  store: KeyValueStore,
): void {
  const joinedFlag = endpoint.flag('joined');
  const wasJoined = flags.isSet(joinedFlag);
  flags.toggle(joinedFlag, endpoint.isJoined);
  const relationHook = parseRelationHook(env.hookName);
  const ownHook = relationHook !== null && relationHook.endpoint === endpoint.name;
  if (ownHook && relationHook.kind === 'departed') {
    flags.set(endpoint.flag('departed'));
    const key = `reactive.endpoints.departed.${endpoint.name}`;
    const departed = store.get<string[]>(key) ?? [];
    const unit = env.departingUnit || env.remoteUnit;
    if (unit && !departed.includes(unit)) store.set(key, [...departed, unit]);
  } else if (endpoint.isJoined) {
    flags.clear(endpoint.flag('departed'));
  }
  if (ownHook || !wasJoined) {
    for (const unit of endpoint.allJoinedUnits) {
      for (const [key, value] of Object.entries(unit.receivedRaw)) {
        if (store.dataChanged(`endpoint.${endpoint.name}.${unit.relation.id}.${unit.name}.${key}`, value)) {
          flags.set(endpoint.flag('changed'));
          flags.set(endpoint.flag(`changed.${key}`));
        }
      }
    }
  }
}

function leadershipFlags(flags: FlagStore, isLeader: boolean, leader: RelationData, previous: RelationData | undefined): string[] {
  flags.toggle('leadership.is_leader', isLeader);
  const transient: string[] = [];
  for (const flag of flags.all()) {
    if (flag.startsWith('leadership.set.') && !(flag.slice('leadership.set.'.length) in leader)) flags.clear(flag);
  }
  const keys = new Set([...Object.keys(leader), ...Object.keys(previous ?? {})]);
  for (const key of keys) {
    if (key in leader) flags.set(`leadership.set.${key}`);
    if (previous === undefined || previous[key] !== leader[key]) transient.push(`leadership.changed.${key}`);
  }
  if (transient.length > 0) transient.push('leadership.changed');
  return transient;
}

async function validateActionParams(meta: CharmMeta, name: string, params: Readonly<Record<string, unknown>>): Promise<string | null> {
  const spec = meta.actions[name];
  if (!spec) return `action "${name}" is not declared in actions.yaml`;
  const { Ajv } = await import('ajv');
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
  const validate = ajv.compile({
    type: 'object',
    properties: spec.params ?? {},
    required: spec.required ?? [],
    additionalProperties: spec.additionalProperties ?? true,
  });
  if (validate(params)) return null;
  return (validate.errors ?? [])
    .map((e: ErrorObject) => {
      const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '';
      if (e.keyword === 'required') return `missing required parameter "${String((e.params as { missingProperty: string }).missingProperty)}"`;
      if (e.keyword === 'additionalProperties') return `unknown parameter "${String((e.params as { additionalProperty: string }).additionalProperty)}"`;
      if (e.keyword === 'enum') return `parameter "${where}" must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}`;
      return `parameter "${where}" ${e.message ?? 'is invalid'}`;
    })
    .join('; ');
}

/**
 * The checks are a pure function of the declared options, the values and the charm's code; compiling the
 * schema costs about a tenth of a hook's CPU, so the answer of the last hook is reused while the options and
 * values are the same. The code changes only with the charm, and upgrade-charm always checks again.
 */
/**
 * The previous snapshot's values with each digested secret put back where it equals the current value, so that
 * change detection (config.changed.*, leadership.changed.*) compares values, not a value with a digest.
 */
function undigested<T extends Readonly<Record<string, unknown>>>(previous: T | undefined, current: T, secrets: ReadonlySet<string>): T | undefined {
  if (previous === undefined || secrets.size === 0) return previous;
  const out: Record<string, unknown> = { ...previous };
  for (const key of secrets) {
    const value = current[key];
    if (value !== undefined && value !== null && value !== '' && out[key] === secretDigest(String(value))) out[key] = value;
  }
  return out as T;
}

/** Whether a remote unit or application sent a secret: then the snapshot has only its digest. */
function receivedSecret(relations: readonly RelationSnapshot[], secrets: ReadonlySet<string>): boolean {
  if (secrets.size === 0) return false;
  return relations.some((r) => [...Object.values(r.units), r.app ?? {}].some((data) => [...secrets].some((key) => Boolean(data[key]))));
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

async function configErrorsFor(hookName: string, previous: Snapshot | undefined, key: string, check: () => Promise<string[]>): Promise<string[]> {
  if (previous?.configKey === key && hookName !== 'upgrade-charm') return previous.configErrors;
  return check();
}

export async function runHook<F extends string, EM extends EndpointMap>(charm: Charm<F, EM>, deps: RuntimeDeps): Promise<HookOutcome> {
  const { env, tools, host, meta, store } = deps;
  const debug = deps.debug ?? (() => undefined);
  const flags = new FlagStore(store);
  for (const trigger of charm.triggers) flags.addTrigger(trigger);

  const previous = store.get(SNAPSHOT_KEY) as unknown as Snapshot | undefined;
  const useSnapshot = env.hookName === 'update-status' && previous !== undefined;

  const isLeader = await tools.isLeader();
  const secretOptions = new Set(charm.options.secrets?.config ?? []);
  const secretLeaderKeys = new Set(charm.options.secrets?.leader ?? []);
  const secretKeysOf = (name: string): ReadonlySet<string> => new Set((charm.endpointClasses[name] ?? Endpoint).secretKeys);
  // The snapshot holds digests of secrets, not the secrets: whatever holds one is read again.
  const config = useSnapshot && secretOptions.size === 0 ? previous.config : await tools.configGet();
  const configKey = hashOf({ options: meta.options, config });
  const configErrors = useSnapshot
    ? previous.configErrors
    : await configErrorsFor(env.hookName, previous, configKey, () => validateConfig(meta, config, charm.options.configRules, charm.options.configCheck));
  let leaderData: RelationData = useSnapshot && secretLeaderKeys.size === 0 ? previous.leader : await tools.leaderGet();
  const relations: Record<string, RelationSnapshot[]> = {};
  for (const { name } of endpointsOf(meta)) {
    const readsAppData = (charm.endpointClasses[name] ?? Endpoint).readsAppData;
    const snapshotted = useSnapshot ? previous.relations[name] ?? [] : undefined;
    relations[name] = snapshotted !== undefined && !receivedSecret(snapshotted, secretKeysOf(name)) ? snapshotted : await loadRelations(tools, name, readsAppData);
  }

  // Automatic flags. The config.* and leadership.changed families describe this hook only.
  const transient = configFlags(meta, config, undigested(previous?.config, config, secretOptions));
  if (configErrors.length === 0) transient.push('config.valid');
  for (const flag of transient) flags.set(flag);
  transient.push(...leadershipFlags(flags, isLeader, leaderData, undigested(previous?.leader, leaderData, secretLeaderKeys)));
  for (const flag of transient) if (!flag.startsWith('config.')) flags.set(flag);

  const endpointCtx: EndpointContext = { env, isLeader, flags, kv: store, log: debug };
  const endpoints = new Map<string, Endpoint>();
  for (const { name } of endpointsOf(meta)) {
    const published = (id: string): { unit: Record<string, string>; app: Record<string, string> } =>
      (store.get(`${PUBLISHED_PREFIX}${id}`) as unknown as { unit: Record<string, string>; app: Record<string, string> } | undefined) ?? {
        unit: {},
        app: {},
      };
    const rels = (relations[name] ?? []).map((snap) => new Relation(snap, published(snap.id), isLeader, secretKeysOf(name)));
    const Class = charm.endpointClasses[name] ?? Endpoint;
    const endpoint = new Class(name, rels, endpointCtx);
    endpoints.set(name, endpoint);
    endpointFlags(endpoint, env, flags, store);
  }
  for (const endpoint of endpoints.values()) endpoint.manageFlags();

  const templates = new Templates(deps.templatesDir, deps.precompiledTemplates);
  let actionResults: Record<string, unknown> = {};
  let actionFailure: string | undefined;
  let action: ActionContext | undefined;
  if (env.actionName) {
    const params = await tools.actionGet();
    action = {
      name: env.actionName,
      params,
      set: (results) => {
        actionResults = { ...actionResults, ...results };
      },
      fail: (message) => {
        actionFailure = message;
      },
      log: (message) => tools.actionLog(message),
    };
  }

  // A handler may set a progress status itself ("Installing packages"); then the assessed status must be sent at
  // the end even when it equals the one last sent, or the progress message would stay.
  let statusSetByHandler = false;
  const handlerTools = new Proxy(tools, {
    get(target, property, receiver) {
      if (property === 'statusSet') {
        return (...args: Parameters<HookTools['statusSet']>) => {
          statusSetByHandler = true;
          return target.statusSet(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });

  const ctx: HookContext<string, EM> = {
    hookName: env.hookName,
    env,
    tools: handlerTools,
    host,
    flags,
    kv: store,
    config,
    configErrors,
    isLeader,
    leader: {
      get data() {
        return leaderData;
      },
      set: async (values) => {
        if (!isLeader) throw new Error('leader-set: this unit is not the leader');
        await tools.leaderSet(values);
        const next: Record<string, string> = { ...leaderData };
        for (const [k, v] of Object.entries(values)) {
          if (v === null || v === '') delete next[k];
          else next[k] = v;
        }
        leaderData = Object.freeze(next);
      },
    },
    action,
    endpoint: (name) => {
      const endpoint = endpoints.get(name);
      if (!endpoint) throw new Error(`endpoint "${name}" is not declared in metadata.yaml of ${meta.name}`);
      return endpoint as never;
    },
    anyEndpoint: (name) => {
      const endpoint = endpoints.get(name);
      if (!endpoint) throw new Error(`endpoint "${name}" is not declared in metadata.yaml of ${meta.name}`);
      return endpoint;
    },
    log: async (message, level = 'INFO') => {
      if (level === 'DEBUG') debug(message);
      else await tools.jujuLog(message, level);
    },
    render: (name, data) => templates.render(name, data),
  };
  const typedCtx = ctx as unknown as Parameters<typeof charm.statusFn>[0];

  let invoked: readonly string[] = [];
  if (action) {
    const run = charm.actions.get(action.name);
    const invalid = await validateActionParams(meta, action.name, action.params);
    if (!run) actionFailure = `action "${action.name}" is not implemented by charm ${meta.name}`;
    else if (invalid) actionFailure = `invalid parameters for ${action.name}: ${invalid}`;
    else {
      await run(typedCtx, action.params);
      invoked = [action.name];
    }
  } else {
    invoked = (await dispatch(charm.handlers, env.hookName, flags, typedCtx, debug)).invoked;
  }

  // Successful end of the hook: publish, clear per-hook flags, recompute status, remember what we saw.
  const liveRelationIds = new Set<string>();
  for (const endpoint of endpoints.values()) {
    for (const relation of endpoint.relations) {
      liveRelationIds.add(relation.id);
      const unitChanges = relation.toPublishRaw.diff();
      if (Object.keys(unitChanges).length > 0) await tools.relationSet(relation.id, unitChanges);
      const appChanges = relation.toPublishAppRaw.diff();
      if (Object.keys(appChanges).length > 0) await tools.relationSet(relation.id, appChanges, { app: true });
      const secrets = secretKeysOf(endpoint.name);
      const record = { unit: withSecretsDigested(relation.toPublishRaw.snapshot(), secrets), app: withSecretsDigested(relation.toPublishAppRaw.snapshot(), secrets) };
      if (Object.keys(record.unit).length + Object.keys(record.app).length > 0) store.set(`${PUBLISHED_PREFIX}${relation.id}`, record);
    }
  }
  if (!useSnapshot) {
    for (const id of store.keysWithPrefix(PUBLISHED_PREFIX)) if (!liveRelationIds.has(id)) store.unset(`${PUBLISHED_PREFIX}${id}`);
  }
  for (const flag of transient) flags.clear(flag);

  let status: UnitStatus = await charm.statusFn(typedCtx);
  if (configErrors.length > 0) status = { status: 'blocked', message: invalidConfigStatus(configErrors) };
  const statusHash = hashOf(status);
  if (statusSetByHandler || store.get(STATUS_KEY) !== statusHash) {
    await tools.statusSet(status.status, status.message);
    store.set(STATUS_KEY, statusHash);
  }

  if (!useSnapshot) {
    const snapshot: Snapshot = {
      config: withSecretsDigested(config, secretOptions),
      configErrors,
      configKey,
      leader: withSecretsDigested(leaderData, secretLeaderKeys),
      relations: Object.fromEntries(Object.entries(relations).map(([name, rels]) => [name, snapshotRelations(rels, secretKeysOf(name))])),
    };
    store.set(SNAPSHOT_KEY, snapshot as unknown as JsonValue);
  }
  if (action) {
    if (Object.keys(actionResults).length > 0) await tools.actionSet(actionResults);
    if (actionFailure !== undefined) await tools.actionFail(actionFailure);
  }
  return { invoked, status, actionResults, actionFailure };
}

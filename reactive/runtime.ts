/**
 * One hook or action, start to end, as a pipeline of named phases: load the facts (phases/facts.ts), set the
 * automatic flags and build the endpoints (phases/flags.ts), run the handlers or the action, then, only on
 * success, publish relation data, send the status and remember the facts (phases/finish.ts). Used by `main.ts`
 * with the real seams and by the test harness with in-memory ones, so both run exactly the same code.
 */
import type { ErrorObject } from 'ajv';
import type { Charm, Ctx, EndpointMap, UnitStatus } from './charm.js';
import type { CharmMeta } from './charm-meta.js';
import type { Endpoint, EndpointContext } from './endpoint.js';
import { dispatch } from './dispatch.js';
import { FlagStore } from './flags.js';
import type { HookEnvironment } from './hookenv/environment.js';
import type { HookTools } from './hookenv/tools.js';
import type { Host } from './host/host.js';
import type { KeyValueStore } from './kv.js';
import { Templates } from './templating.js';
import { loadFacts, secretsOf, snapshotOf, writeSnapshot } from './phases/facts.js';
import { automaticFlags, buildEndpoints } from './phases/flags.js';
import { finalStatus, publish, publishPlan, sendStatus } from './phases/finish.js';
import { ActionSession, LeaderView, StatusWatchingTools } from './phases/session.js';

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

export async function runHook<F extends string, EM extends EndpointMap>(charm: Charm<F, EM>, deps: RuntimeDeps): Promise<HookOutcome> {
  const { env, tools, meta, store } = deps;
  const debug = deps.debug ?? (() => undefined);
  const flags = new FlagStore(store);
  for (const trigger of charm.triggers) flags.addTrigger(trigger);
  const secrets = secretsOf(charm);

  const facts = await loadFacts(charm, deps, secrets);
  const transient = automaticFlags(meta, facts, secrets, flags);
  const endpointCtx: EndpointContext = { env, isLeader: facts.isLeader, flags, kv: store, log: debug };
  const endpoints = buildEndpoints(charm, meta, facts, secrets, endpointCtx);
  const action = env.actionName ? new ActionSession(env.actionName, await tools.actionGet(), tools) : undefined;
  const leader = new LeaderView(facts.leader, facts.isLeader, tools);
  const handlerTools = new StatusWatchingTools(tools);
  const templates = new Templates(deps.templatesDir, deps.precompiledTemplates);
  const ctx: Ctx<F, EM> = {
    hookName: env.hookName,
    env,
    tools: handlerTools,
    host: deps.host,
    flags,
    kv: store,
    config: facts.config,
    configErrors: facts.configErrors,
    isLeader: facts.isLeader,
    leader,
    action: action?.context,
    endpoint: (name) => endpointNamed(endpoints, name, meta) as never,
    anyEndpoint: (name) => endpointNamed(endpoints, name, meta),
    log: async (message, level = 'INFO') => {
      if (level === 'DEBUG') debug(message);
      else await tools.jujuLog(message, level);
    },
    render: (name, data) => templates.render(name, data),
  };

  const invoked = action ? await runAction(charm, meta, action, ctx) : (await dispatch(charm.handlers, env.hookName, flags, ctx, debug)).invoked;

  // Successful end of the hook: publish, clear per-hook flags, recompute status, remember what we saw.
  await publish(publishPlan(endpoints.values(), secrets), tools, store, !facts.useSnapshot);
  for (const flag of transient) flags.clear(flag);
  const status = finalStatus(await charm.statusFn(ctx), facts.configErrors);
  await sendStatus(status, tools, store, handlerTools.statusSetByHandler);
  if (!facts.useSnapshot) writeSnapshot(store, snapshotOf(facts, leader.data, secrets));
  if (action) await reportAction(action, tools);
  return { invoked, status, actionResults: action?.results ?? {}, actionFailure: action?.failed };
}

function endpointNamed(endpoints: ReadonlyMap<string, Endpoint>, name: string, meta: CharmMeta): Endpoint {
  const endpoint = endpoints.get(name);
  if (!endpoint) throw new Error(`endpoint "${name}" is not declared in metadata.yaml of ${meta.name}`);
  return endpoint;
}

/** The action's handler, when the charm implements the action and its parameters match actions.yaml. */
async function runAction<F extends string, EM extends EndpointMap>(charm: Charm<F, EM>, meta: CharmMeta, action: ActionSession, ctx: Ctx<F, EM>): Promise<readonly string[]> {
  const { name, params } = action.context;
  const run = charm.actions.get(name);
  const invalid = await validateActionParams(meta, name, params);
  if (!run) action.refuse(`action "${name}" is not implemented by charm ${meta.name}`);
  else if (invalid) action.refuse(`invalid parameters for ${name}: ${invalid}`);
  else {
    await run(ctx, params);
    return [name];
  }
  return [];
}

async function reportAction(action: ActionSession, tools: Pick<HookTools, 'actionSet' | 'actionFail'>): Promise<void> {
  if (Object.keys(action.results).length > 0) await tools.actionSet(action.results);
  if (action.failed !== undefined) await tools.actionFail(action.failed);
}

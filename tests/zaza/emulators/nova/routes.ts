/**
 * The compute API routes masakari-engine (novaclient at microversion 2.53) and masakari-api use, mapped onto the
 * state rules. Each handler returns a status and a JSON body; the HTTP shell does I/O, auth and logging.
 */
import type { Caller } from './auth.js';
import {
  type NovaRules, type NovaState, type Server, NovaFault,
  aggregateAddHost, aggregateRemoveHost, createAggregate, findAggregate, findServer, findService, lockServer,
  resetState, startEvacuation, startPowerAction, updateService, computeServiceOf,
} from './state.js';
import { type Microversion, aggregateView, atLeast, hypervisorView, serverView, serviceView, versionDocument } from './views.js';

export interface RouteContext {
  state: NovaState;
  rules: NovaRules;
  now: number;
  version: Microversion;
  caller: Caller;
  params: string[];
  query: URLSearchParams;
  body: unknown;
  baseUrl: string;
  /** ask the shell to finish an asynchronous transition later (evacuation, stop/start) */
  schedule(kind: 'evacuate' | 'power', serverId: string, target: string | null): void;
}

export interface RouteResult {
  status: number;
  body?: unknown;
}

type Handler = (ctx: RouteContext) => RouteResult;

interface Route {
  method: string;
  pattern: RegExp;
  admin: boolean;
  policy: string;
  handler: Handler;
}

const routes: Route[] = [];
function route(method: string, pattern: RegExp, policy: string, admin: boolean, handler: Handler): void {
  routes.push({ method, pattern, admin, policy, handler });
}

export function matchRoute(method: string, path: string): { route: Route; params: string[] } | null {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (m) return { route: r, params: m.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return null;
}

export function runRoute(found: { route: Route; params: string[] }, ctx: Omit<RouteContext, 'params'>): RouteResult {
  if (found.route.admin && !ctx.caller.isAdmin) {
    throw new NovaFault(403, `Policy doesn't allow ${found.route.policy} to be performed.`);
  }
  return found.route.handler({ ...ctx, params: found.params });
}

function objectBody(ctx: RouteContext, key?: string): Record<string, unknown> {
  const body = ctx.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new NovaFault(400, 'The request body must be a JSON object');
  if (key === undefined) return body as Record<string, unknown>;
  const inner = (body as Record<string, unknown>)[key];
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw new NovaFault(400, `Missing or invalid '${key}' object in the request body`);
  return inner as Record<string, unknown>;
}

function optString(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new NovaFault(400, `Invalid input for field/attribute ${key}: a string is accepted`);
  return v;
}

// ---- version documents ----
route('GET', /^\/$/, 'versions', false, (ctx) => ({ status: 200, body: { versions: [versionDocument(ctx.baseUrl)] } }));
route('GET', /^\/v2\.1\/?$/, 'versions', false, (ctx) => ({ status: 200, body: { version: versionDocument(ctx.baseUrl) } }));

// ---- os-services ----
route('GET', /^\/v2\.1\/os-services$/, 'os_compute_api:os-services:list', true, (ctx) => {
  const host = ctx.query.get('host');
  const binary = ctx.query.get('binary');
  const services = ctx.state.services
    .filter((s) => host === null || s.host === host)
    .filter((s) => binary === null || s.binary === binary)
    .map((s) => serviceView(s, ctx.rules, ctx.now, ctx.version));
  return { status: 200, body: { services } };
});

route('PUT', /^\/v2\.1\/os-services\/(disable|disable-log-reason|enable|force-down)$/, 'os_compute_api:os-services:update', true, (ctx) => {
  if (atLeast(ctx.version, '2.53')) throw new NovaFault(404, 'Not found: use PUT /os-services/{service_id} from microversion 2.53');
  const body = objectBody(ctx);
  const host = optString(body, 'host');
  const binary = optString(body, 'binary');
  if (!host || !binary) throw new NovaFault(400, "'host' and 'binary' are required");
  const service = ctx.state.services.find((s) => s.host === host && s.binary === binary);
  if (!service) throw new NovaFault(404, `Service ${binary} on host ${host} not found.`);
  const action = ctx.params[0];
  if (action === 'force-down') {
    if (typeof body['forced_down'] !== 'boolean') throw new NovaFault(400, "'forced_down' must be true or false");
    updateService(ctx.state, service, { forcedDown: body['forced_down'] }, ctx.now);
    return { status: 200, body: { service: { host, binary, forced_down: service.forcedDown } } };
  }
  const reason = action === 'disable-log-reason' ? optString(body, 'disabled_reason') : undefined;
  updateService(ctx.state, service, { status: action === 'enable' ? 'enabled' : 'disabled', disabledReason: reason }, ctx.now);
  const view: Record<string, unknown> = { host, binary, status: service.status };
  if (reason !== undefined) view['disabled_reason'] = reason;
  return { status: 200, body: { service: view } };
});

route('PUT', /^\/v2\.1\/os-services\/([^/]+)$/, 'os_compute_api:os-services:update', true, (ctx) => {
  if (!atLeast(ctx.version, '2.53')) throw new NovaFault(404, 'Unknown action: PUT /os-services/{id} needs microversion 2.53');
  const service = findService(ctx.state, ctx.params[0]!);
  const body = objectBody(ctx);
  for (const key of Object.keys(body)) {
    if (!['status', 'disabled_reason', 'forced_down'].includes(key)) {
      throw new NovaFault(400, `Additional properties are not allowed ('${key}' was unexpected); accepted: status, disabled_reason, forced_down`);
    }
  }
  const forced = body['forced_down'];
  if (forced !== undefined && typeof forced !== 'boolean') throw new NovaFault(400, "'forced_down' must be true or false");
  updateService(ctx.state, service, {
    status: optString(body, 'status'), disabledReason: optString(body, 'disabled_reason'), forcedDown: forced as boolean | undefined,
  }, ctx.now);
  return { status: 200, body: { service: serviceView(service, ctx.rules, ctx.now, ctx.version) } };
});

// ---- os-hypervisors ----
function hypervisorList(ctx: RouteContext, detail: boolean): RouteResult {
  const pattern = ctx.query.get('hypervisor_hostname_pattern');
  const list = ctx.state.hypervisors
    .filter((h) => pattern === null || h.hostname.includes(pattern))
    .map((h) => hypervisorView(ctx.state, h, ctx.rules, ctx.now, ctx.version, detail));
  if (pattern !== null && list.length === 0) throw new NovaFault(404, `Hypervisor ${pattern} could not be found.`);
  return { status: 200, body: { hypervisors: list } };
}
route('GET', /^\/v2\.1\/os-hypervisors$/, 'os_compute_api:os-hypervisors:list', true, (ctx) => hypervisorList(ctx, false));
route('GET', /^\/v2\.1\/os-hypervisors\/detail$/, 'os_compute_api:os-hypervisors:list-detail', true, (ctx) => hypervisorList(ctx, true));
route('GET', /^\/v2\.1\/os-hypervisors\/([^/]+)$/, 'os_compute_api:os-hypervisors:show', true, (ctx) => {
  const id = ctx.params[0]!;
  const h = ctx.state.hypervisors.find((x) => x.uuid === id || String(x.legacyId) === id);
  if (!h) throw new NovaFault(404, `Hypervisor ${id} could not be found.`);
  return { status: 200, body: { hypervisor: hypervisorView(ctx.state, h, ctx.rules, ctx.now, ctx.version, true) } };
});

// ---- servers ----
function visibleServers(ctx: RouteContext): Server[] {
  const allTenants = ['1', 'true', 'True', 'yes'].includes(ctx.query.get('all_tenants') ?? '');
  const host = ctx.query.get('host');
  const node = ctx.query.get('node');
  const name = ctx.query.get('name');
  const status = ctx.query.get('status');
  if ((allTenants || host !== null || node !== null) && !ctx.caller.isAdmin) {
    throw new NovaFault(403, "Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be performed.");
  }
  let nameRe: RegExp | null = null;
  if (name !== null) {
    try { nameRe = new RegExp(name); } catch { throw new NovaFault(400, `Invalid name filter regular expression '${name}'`); }
  }
  return ctx.state.servers
    .filter((s) => allTenants || s.projectId === ctx.caller.projectId || (ctx.caller.isAdmin && host !== null))
    .filter((s) => host === null || s.host === host)
    .filter((s) => node === null || s.node === node)
    .filter((s) => nameRe === null || nameRe.test(s.name))
    .filter((s) => status === null || s.vmState === status.toLowerCase() || status.toUpperCase() === serverStatusOf(s));
}
function serverStatusOf(s: Server): string {
  return String(serverView(s, '', { major: 2, minor: 1 }, true)['status']);
}
route('GET', /^\/v2\.1\/servers$/, 'os_compute_api:servers:index', false, (ctx) =>
  ({ status: 200, body: { servers: visibleServers(ctx).map((s) => serverView(s, ctx.baseUrl, ctx.version, false)) } }));
route('GET', /^\/v2\.1\/servers\/detail$/, 'os_compute_api:servers:detail', false, (ctx) =>
  ({ status: 200, body: { servers: visibleServers(ctx).map((s) => serverView(s, ctx.baseUrl, ctx.version, true)) } }));
route('GET', /^\/v2\.1\/servers\/([^/]+)$/, 'os_compute_api:servers:show', false, (ctx) => {
  const server = findServer(ctx.state, ctx.params[0]!);
  if (!ctx.caller.isAdmin && server.projectId !== ctx.caller.projectId) throw new NovaFault(404, `Instance ${server.id} could not be found.`);
  return { status: 200, body: { server: serverView(server, ctx.baseUrl, ctx.version, true) } };
});
route('GET', /^\/v2\.1\/servers\/([^/]+)\/metadata$/, 'os_compute_api:server-metadata:index', false, (ctx) =>
  ({ status: 200, body: { metadata: { ...findServer(ctx.state, ctx.params[0]!).metadata } } }));
route('POST', /^\/v2\.1\/servers\/([^/]+)\/metadata$/, 'os_compute_api:server-metadata:update', false, (ctx) => {
  const server = findServer(ctx.state, ctx.params[0]!);
  const meta = objectBody(ctx, 'metadata');
  for (const [k, v] of Object.entries(meta)) {
    if (typeof v !== 'string') throw new NovaFault(400, `Metadata value of '${k}' must be a string`);
    server.metadata[k] = v;
  }
  server.updated = ctx.now;
  return { status: 200, body: { metadata: { ...server.metadata } } };
});

const adminActions = new Set(['evacuate', 'os-resetState']);
route('POST', /^\/v2\.1\/servers\/([^/]+)\/action$/, 'os_compute_api:servers:action', false, (ctx) => {
  const body = objectBody(ctx);
  const actions = Object.keys(body);
  if (actions.length !== 1) throw new NovaFault(400, `Exactly one action is accepted per request, got: ${actions.join(', ') || 'none'}`);
  const action = actions[0]!;
  if (adminActions.has(action) && !ctx.caller.isAdmin) throw new NovaFault(403, `Policy doesn't allow os_compute_api:os-${action} to be performed.`);
  const id = ctx.params[0]!;
  const arg = body[action];
  switch (action) {
    case 'evacuate': {
      const opts = (arg ?? {}) as Record<string, unknown>;
      if (typeof opts !== 'object' || Array.isArray(opts)) throw new NovaFault(400, "'evacuate' takes an object: {host?, adminPass?}");
      const target = optString(opts, 'host') ?? null;
      startEvacuation(ctx.state, ctx.rules, id, target, ctx.now);
      ctx.schedule('evacuate', id, target);
      return { status: 200 };
    }
    case 'os-resetState': {
      const to = optString((arg ?? {}) as Record<string, unknown>, 'state');
      if (!to) throw new NovaFault(400, "'os-resetState' needs {state: 'active'|'error'}");
      resetState(ctx.state, id, to, ctx.now);
      return { status: 202 };
    }
    case 'lock': {
      const reason = arg && typeof arg === 'object' ? optString(arg as Record<string, unknown>, 'locked_reason') ?? null : null;
      if (reason !== null && !atLeast(ctx.version, '2.73')) throw new NovaFault(400, "'locked_reason' needs microversion 2.73");
      lockServer(ctx.state, id, true, reason, ctx.now);
      return { status: 202 };
    }
    case 'unlock':
      lockServer(ctx.state, id, false, null, ctx.now);
      return { status: 202 };
    case 'os-stop':
    case 'os-start': {
      const server = findServer(ctx.state, id);
      if (server.locked && !ctx.caller.isAdmin) throw new NovaFault(409, `Instance ${id} is locked`);
      startPowerAction(ctx.state, id, action, ctx.now);
      ctx.schedule('power', id, null);
      return { status: 202 };
    }
    default:
      throw new NovaFault(400, `Action '${action}' is not emulated; accepted: evacuate, os-resetState, lock, unlock, os-stop, os-start`);
  }
});

// ---- os-aggregates ----
route('GET', /^\/v2\.1\/os-aggregates$/, 'os_compute_api:os-aggregates:index', true, (ctx) =>
  ({ status: 200, body: { aggregates: ctx.state.aggregates.map((a) => aggregateView(a, ctx.version)) } }));
route('POST', /^\/v2\.1\/os-aggregates$/, 'os_compute_api:os-aggregates:create', true, (ctx) => {
  const spec = objectBody(ctx, 'aggregate');
  const agg = createAggregate(ctx.state, optString(spec, 'name') ?? '', optString(spec, 'availability_zone') ?? null, ctx.now);
  return { status: 200, body: { aggregate: aggregateView(agg, ctx.version) } };
});
route('GET', /^\/v2\.1\/os-aggregates\/([^/]+)$/, 'os_compute_api:os-aggregates:show', true, (ctx) =>
  ({ status: 200, body: { aggregate: aggregateView(findAggregate(ctx.state, ctx.params[0]!), ctx.version) } }));
route('POST', /^\/v2\.1\/os-aggregates\/([^/]+)\/action$/, 'os_compute_api:os-aggregates:action', true, (ctx) => {
  const agg = findAggregate(ctx.state, ctx.params[0]!);
  const body = objectBody(ctx);
  if ('add_host' in body) {
    const host = optString(objectBody(ctx, 'add_host'), 'host');
    if (!host) throw new NovaFault(400, "'add_host' needs {host}");
    aggregateAddHost(ctx.state, agg, host, ctx.now);
  } else if ('remove_host' in body) {
    const host = optString(objectBody(ctx, 'remove_host'), 'host');
    if (!host) throw new NovaFault(400, "'remove_host' needs {host}");
    aggregateRemoveHost(ctx.state, agg, host, ctx.now);
  } else if ('set_metadata' in body) {
    const meta = objectBody(ctx, 'set_metadata')['metadata'];
    if (typeof meta !== 'object' || meta === null) throw new NovaFault(400, "'set_metadata' needs {metadata: {...}}");
    for (const [k, v] of Object.entries(meta as Record<string, unknown>)) {
      if (v === null) delete agg.metadata[k];
      else agg.metadata[k] = String(v);
    }
    agg.updated = ctx.now;
  } else {
    throw new NovaFault(400, 'Accepted aggregate actions: add_host, remove_host, set_metadata');
  }
  return { status: 200, body: { aggregate: aggregateView(agg, ctx.version) } };
});

/** True when `host` has a compute service: used by the control API to validate server placement. */
export function hasCompute(state: NovaState, host: string): boolean {
  return computeServiceOf(state, host) !== undefined;
}

/**
 * The Nova emulator's HTTP shell: path normalisation (catalog URLs may carry `/compute`, `/v2.1` and a project
 * id), microversion headers, token validation, a log of every request, asynchronous completion of evacuations
 * and power actions, optional persistence of the state, and a control API for tests under `/emulator/`.
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { bracketHost } from '../../../../reactive/decode/values.js';
import { AuthFailure, TokenValidator, type AuthMode } from './auth.js';
import { matchRoute, runRoute } from './routes.js';
import {
  type NovaRules, type NovaState, NovaFault, addControllerServices, createServer as createNovaServer, deleteCompute,
  emptyState, finishEvacuation, finishPowerAction, heartbeat, instancesOnHost, registerCompute, reportPower, findServer, recordEvent,
} from './state.js';
import { formatVersion, negotiateVersion, parseVersion, MAX_VERSION, serverView } from './views.js';

export interface NovaEmulatorOptions {
  auth: AuthMode;
  /** host name the scheduler/conductor services report (the controller running the emulator) */
  controllerHost?: string;
  serviceDownTimeMs?: number;
  /** how long the emulated rebuild / power change takes once requested */
  actionDelayMs?: number;
  /** JSON-lines request log */
  logFile?: string;
  /** state survives an emulator restart when set */
  stateFile?: string;
  /** when set, the control API demands `X-Emulator-Secret` */
  controlSecret?: string;
  now?: () => number;
}

export interface LoggedRequest {
  seq: number;
  at: string;
  method: string;
  path: string;
  microversion: string | null;
  status: number;
  ms: number;
  user: string | null;
  body?: unknown;
}

interface Pending {
  kind: 'evacuate' | 'power';
  serverId: string;
  target: string | null;
  due: number;
}

const RESOURCE_ROOTS = new Set(['servers', 'os-services', 'os-hypervisors', 'os-aggregates', 'flavors', 'os-availability-zone']);

/** `/compute/v2.1/<project>/servers/x` → `/v2.1/servers/x`; `/compute` → `/`. */
export function normalisePath(raw: string): string {
  let parts = raw.split('/').filter(Boolean);
  if (parts[0] === 'compute') parts = parts.slice(1);
  if (parts[0] === 'v2' || parts[0] === 'v2.1') {
    parts[0] = 'v2.1';
    if (parts.length > 1 && !RESOURCE_ROOTS.has(parts[1]!)) parts.splice(1, 1);
  }
  return '/' + parts.join('/');
}

export class NovaEmulator {
  readonly state: NovaState;
  readonly rules: NovaRules;
  readonly requests: LoggedRequest[] = [];
  private readonly validator: TokenValidator;
  private readonly now: () => number;
  private readonly pending: Pending[] = [];
  private http: HttpServer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;

  constructor(private readonly opts: NovaEmulatorOptions) {
    this.now = opts.now ?? Date.now;
    this.rules = { serviceDownTimeMs: opts.serviceDownTimeMs ?? 60_000 };
    this.validator = new TokenValidator(opts.auth, fetch, this.now);
    this.state = opts.stateFile && existsSync(opts.stateFile)
      ? (JSON.parse(readFileSync(opts.stateFile, 'utf8')) as NovaState)
      : emptyState();
    addControllerServices(this.state, opts.controllerHost ?? 'nova-cloud-controller', this.now());
  }

  async listen(port: number, host: string): Promise<{ port: number; url: string }> {
    this.http = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.http!.once('error', reject);
      this.http!.listen(port, host, () => resolve());
    });
    this.timer = setInterval(() => this.tick(), 200);
    const addr = this.http.address();
    const bound = typeof addr === 'object' && addr ? addr.port : port;
    return { port: bound, url: `http://${bracketHost(host)}:${bound}` };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.http) await new Promise<void>((resolve) => this.http!.close(() => resolve()));
    this.http = null;
  }

  /** Completes transitions whose time has come; power actions wait while their compute is down. */
  tick(): void {
    const now = this.now();
    let changed = false;
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const p = this.pending[i]!;
      if (p.due > now) continue;
      if (p.kind === 'evacuate') {
        finishEvacuation(this.state, this.rules, p.serverId, p.target, now);
        this.pending.splice(i, 1);
        changed = true;
        continue;
      }
      const server = finishPowerAction(this.state, this.rules, p.serverId, now);
      if (!server || (server.taskState !== 'powering-off' && server.taskState !== 'powering-on')) {
        this.pending.splice(i, 1);
        changed = true;
      }
    }
    if (changed) this.persist();
  }

  private schedule(kind: Pending['kind'], serverId: string, target: string | null): void {
    this.pending.push({ kind, serverId, target, due: this.now() + (this.opts.actionDelayMs ?? 1000) });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = this.now();
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = normalisePath(url.pathname);
    const method = req.method ?? 'GET';
    let status = 500;
    let body: unknown;
    let requestBody: unknown;
    let version: string | null = null;
    let user: string | null = null;
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    try {
      requestBody = await readJson(req);
      if (path.startsWith('/emulator/') || path === '/emulator') {
        this.checkControlSecret(req);
        ({ status, body } = this.control(method, path, url.searchParams, requestBody));
      } else {
        const found = matchRoute(method, path);
        if (!found) throw new NovaFault(404, `No ${method} ${path} in the emulated compute API`);
        const isVersionDoc = path === '/' || path === '/v2.1';
        const caller = isVersionDoc
          ? { userId: '', projectId: '', roles: [], isAdmin: false }
          : await this.validator.validate(header(req, 'x-auth-token'));
        user = caller.userId || null;
        const v = negotiateVersion(req.headers);
        version = formatVersion(v);
        headers['OpenStack-API-Version'] = `compute ${version}`;
        headers['X-OpenStack-Nova-API-Version'] = version;
        headers['Vary'] = 'OpenStack-API-Version, X-OpenStack-Nova-API-Version';
        const baseUrl = `http://${req.headers.host ?? 'localhost'}`;
        ({ status, body } = runRoute(found, {
          state: this.state, rules: this.rules, now: this.now(), version: v, caller, query: url.searchParams, body: requestBody, baseUrl,
          schedule: (kind, id, target) => this.schedule(kind, id, target),
        }));
        if (method !== 'GET') this.persist();
      }
    } catch (err) {
      if (err instanceof NovaFault || err instanceof AuthFailure) {
        status = err.code;
        const kind = { 400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 406: 'notAcceptable', 409: 'conflictingRequest' }[err.code as number] ?? 'computeFault';
        body = { [kind]: { code: err.code, message: err.message } };
      } else {
        status = 500;
        body = { computeFault: { code: 500, message: `emulator error: ${(err as Error).message}` } };
      }
    }
    const entry: LoggedRequest = {
      seq: ++this.seq, at: new Date(started).toISOString(), method, path: url.pathname + url.search, microversion: version,
      status, ms: this.now() - started, user,
    };
    if (requestBody !== undefined) entry.body = requestBody;
    this.log(entry);
    res.writeHead(status, headers);
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  private checkControlSecret(req: IncomingMessage): void {
    if (this.opts.controlSecret && header(req, 'x-emulator-secret') !== this.opts.controlSecret) {
      throw new AuthFailure(401, 'The control API needs the X-Emulator-Secret header');
    }
  }

  /** The control API: what the nova-compute stand-in and the tests use. */
  private control(method: string, path: string, query: URLSearchParams, body: unknown): { status: number; body?: unknown } {
    const now = this.now();
    const obj = (body ?? {}) as Record<string, unknown>;
    const parts = path.split('/').filter(Boolean).slice(1);
    const key = `${method} ${parts[0] ?? ''}${parts.length > 1 ? '/:x' : ''}${parts.length > 2 ? `/${parts[2]}` : ''}`;
    let result: { status: number; body?: unknown };
    switch (key) {
      case 'GET state':
        return { status: 200, body: this.state };
      case 'GET requests': {
        const since = Number(query.get('since') ?? 0);
        return { status: 200, body: { requests: this.requests.filter((r) => r.seq > since) } };
      }
      case 'GET events':
        return { status: 200, body: { events: this.state.events } };
      case 'POST computes': {
        const { service, hypervisor, created } = registerCompute(this.state, {
          host: String(obj['host'] ?? ''), hypervisorHostname: str(obj['hypervisor_hostname']), hostIp: str(obj['host_ip']),
          vcpus: num(obj['vcpus']), memoryMb: num(obj['memory_mb']), localGb: num(obj['local_gb']),
          hypervisorType: str(obj['hypervisor_type']),
        }, now);
        result = { status: created ? 201 : 200, body: { service_id: service.uuid, hypervisor_id: hypervisor.uuid } };
        break;
      }
      case 'POST computes/:x/heartbeat':
        heartbeat(this.state, parts[1]!, now);
        return { status: 204 };
      case 'POST computes/:x/down': {
        // The host stops reporting: what a powered-off compute looks like to Nova.
        const service = heartbeat(this.state, parts[1]!, now);
        service.lastHeartbeat = 0;
        recordEvent(this.state, now, 'compute.stopped-reporting', parts[1]!);
        result = { status: 204 };
        break;
      }
      case 'GET computes/:x/instances':
        return {
          status: 200,
          body: { instances: instancesOnHost(this.state, parts[1]!).map((i) => ({
            id: i.id, name: i.name, vm_state: i.vmState, task_state: i.taskState, power_state: i.powerState,
          })) },
        };
      case 'POST servers/:x/power': {
        const taskDone = obj['task_done'];
        if (taskDone !== undefined && taskDone !== null && typeof taskDone !== 'string') throw new NovaFault(400, 'task_done: a string or null is accepted');
        reportPower(this.state, parts[1]!, String(obj['host'] ?? ''), Number(obj['power_state']), typeof taskDone === 'string' ? taskDone : null, now);
        result = { status: 204 };
        break;
      }
      case 'DELETE computes/:x':
        deleteCompute(this.state, parts[1]!, now);
        result = { status: 204 };
        break;
      case 'POST servers': {
        const server = createNovaServer(this.state, {
          name: String(obj['name'] ?? 'instance'), host: String(obj['host'] ?? ''),
          metadata: obj['metadata'] as Record<string, string> | undefined, vmState: obj['vm_state'] as never,
          taskState: obj['task_state'] as string | null | undefined, projectId: str(obj['project_id']), locked: obj['locked'] === true,
        }, now);
        result = { status: 201, body: { server: serverView(server, '', parseVersion(MAX_VERSION), true) } };
        break;
      }
      case 'DELETE servers/:x': {
        const server = findServer(this.state, parts[1]!);
        this.state.servers = this.state.servers.filter((s) => s !== server);
        result = { status: 204 };
        break;
      }
      default:
        throw new NovaFault(404, `No control route ${method} ${path}; see tests/zaza/emulators/nova/README.md`);
    }
    this.persist();
    return result;
  }

  private log(entry: LoggedRequest): void {
    this.requests.push(entry);
    if (this.requests.length > 5000) this.requests.splice(0, this.requests.length - 5000);
    if (this.opts.logFile) {
      mkdirSync(dirname(this.opts.logFile), { recursive: true });
      appendFileSync(this.opts.logFile, JSON.stringify(entry) + '\n');
    }
  }

  private persist(): void {
    if (!this.opts.stateFile) return;
    mkdirSync(dirname(this.opts.stateFile), { recursive: true });
    const tmp = `${this.opts.stateFile}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(this.state), { mode: 0o600 });
    renameSync(tmp, this.opts.stateFile);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new NovaFault(413, 'Request body larger than 1 MB');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new NovaFault(400, 'Malformed request body: JSON is accepted');
  }
}

/**
 * A MAAS 2.0 API emulator (node:http) for the fencing path: machines by host name, power on/off/query, OAuth 1.0
 * PLAINTEXT key checking. Power changes go through a pluggable driver (a callback) so a functional test can make
 * "power off" really stop a local-model machine; MAAS reports the new state only once the driver finished. An
 * optional query callback answers query_power_state from the machine itself, as MAAS asks the BMC.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type PowerState = 'on' | 'off' | 'unknown' | 'error';
export type PowerAction = 'on' | 'off';

export interface EmulatedMachine {
  readonly systemId: string;
  readonly hostname: string;
  readonly domain: string;
  powerState: PowerState;
}

/** Performs the power change; MAAS reports the new state when it resolves, `error` when it rejects. */
export type PowerDriver = (machine: Readonly<EmulatedMachine>, action: PowerAction) => Promise<void> | void;

/** Asks the BMC for the power state (what query_power_state does in MAAS); rejects when the BMC does not answer. */
export type PowerQuery = (machine: Readonly<EmulatedMachine>) => Promise<'on' | 'off'>;

export interface ApiKey {
  readonly consumerKey: string;
  readonly tokenKey: string;
  readonly tokenSecret: string;
}

export interface MaasEmulatorOptions {
  readonly machines: readonly { hostname: string; domain?: string; powerState?: PowerState; systemId?: string }[];
  readonly apiKeys: readonly ApiKey[];
  readonly powerDriver?: PowerDriver;
  /** Without it, query_power_state answers the last recorded state. */
  readonly powerQuery?: PowerQuery;
  /** Extra delay before the driver runs (a slow BMC). */
  readonly powerDelayMs?: number;
  readonly host?: string;
  readonly port?: number;
}

export interface RecordedRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly op?: string;
  readonly systemId?: string;
}

export function apiKeyText(k: ApiKey): string {
  return `${k.consumerKey}:${k.tokenKey}:${k.tokenSecret}`;
}

/** Parses `Authorization: OAuth k="v", ...` and checks it against the known keys (PLAINTEXT signature). */
export function checkOAuth(header: string | undefined, keys: readonly ApiKey[]): string | null {
  if (!header?.startsWith('OAuth ')) return 'missing OAuth Authorization header';
  const params = new Map<string, string>();
  for (const m of header.slice(6).matchAll(/([a-z_]+)="([^"]*)"/g)) params.set(m[1] as string, decodeURIComponent(m[2] as string));
  if (params.get('oauth_signature_method') !== 'PLAINTEXT') return 'unsupported signature method';
  const key = keys.find((k) => k.consumerKey === params.get('oauth_consumer_key') && k.tokenKey === params.get('oauth_token'));
  if (!key) return 'Invalid API key';
  if (params.get('oauth_signature') !== `&${key.tokenSecret}`) return 'Invalid signature';
  return null;
}

export class MaasEmulator {
  readonly machines: EmulatedMachine[];
  readonly requests: RecordedRequest[] = [];
  powerDriver: PowerDriver;
  powerDelayMs: number;
  private server: Server | null = null;
  private pending = new Set<Promise<void>>();

  constructor(private readonly options: MaasEmulatorOptions) {
    this.machines = options.machines.map((m, i) => ({
      systemId: m.systemId ?? `sys-${String(i + 1).padStart(4, '0')}`, hostname: m.hostname, domain: m.domain ?? 'maas',
      powerState: m.powerState ?? 'on',
    }));
    this.powerDriver = options.powerDriver ?? (() => undefined);
    this.powerDelayMs = options.powerDelayMs ?? 0;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('MAAS emulator is not listening');
    return `http://${address.address}:${address.port}/MAAS`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', resolve);
    });
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    s?.closeAllConnections();
  }

  /** Resolves once every power change requested so far has finished (or failed). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  machine(hostname: string): EmulatedMachine | undefined {
    return this.machines.find((m) => m.hostname === hostname || `${m.hostname}.${m.domain}` === hostname);
  }

  private view(m: EmulatedMachine): Record<string, unknown> {
    return {
      system_id: m.systemId, hostname: m.hostname, fqdn: `${m.hostname}.${m.domain}`, domain: { name: m.domain },
      power_state: m.powerState, status_name: 'Deployed', resource_uri: `/MAAS/api/2.0/machines/${m.systemId}/`,
    };
  }

  private requestPower(m: EmulatedMachine, action: PowerAction): void {
    const run = (async () => {
      if (this.powerDelayMs > 0) await new Promise((r) => setTimeout(r, this.powerDelayMs));
      try {
        await this.powerDriver(m, action);
        m.powerState = action;
      } catch {
        m.powerState = 'error';
      }
    })();
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://maas');
    const op = url.searchParams.get('op') ?? undefined;
    const send = (status: number, body: unknown, systemId?: string): void => {
      this.requests.push({ at: Date.now(), method: req.method ?? '', path: url.pathname, status, ...(op ? { op } : {}), ...(systemId ? { systemId } : {}) });
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json' });
      res.end(text);
    };
    for await (const _ of req) { /* drain the form body; parameters we need are in the query */ }
    const path = url.pathname.replace(/^\/MAAS/, '').replace(/\/+$/, '/');
    if (path === '/api/2.0/version/' && req.method === 'GET') {
      send(200, { version: '3.4.0', subversion: 'emulated', capabilities: ['machines'] });
      return;
    }
    const denied = checkOAuth(req.headers.authorization, this.options.apiKeys);
    if (denied) {
      send(401, `Authorization Error: ${denied}`);
      return;
    }
    if (path === '/api/2.0/users/' && op === 'whoami' && req.method === 'GET') {
      send(200, { username: 'admin', is_superuser: true });
      return;
    }
    if (path === '/api/2.0/machines/' && req.method === 'GET') {
      const wanted = url.searchParams.getAll('hostname');
      send(200, this.machines.filter((m) => wanted.length === 0 || wanted.includes(m.hostname)).map((m) => this.view(m)));
      return;
    }
    const match = /^\/api\/2\.0\/machines\/([^/]+)\/$/.exec(path);
    const m = match ? this.machines.find((x) => x.systemId === decodeURIComponent(match[1] as string)) : undefined;
    if (!match || !m) {
      send(404, 'Not Found');
      return;
    }
    if (req.method === 'GET' && op === undefined) send(200, this.view(m), m.systemId);
    else if (req.method === 'GET' && op === 'query_power_state') {
      // MAAS asks the BMC here: a machine powered on or off behind MAAS's back shows its real state.
      const query = this.options.powerQuery;
      if (query) {
        try {
          m.powerState = await query(m);
        } catch (err) {
          m.powerState = 'error';
          send(503, `Failed to query node's BMC: ${(err as Error).message}`, m.systemId);
          return;
        }
      }
      send(200, { state: m.powerState }, m.systemId);
    }
    else if (req.method === 'POST' && (op === 'power_off' || op === 'power_on')) {
      this.requestPower(m, op === 'power_off' ? 'off' : 'on');
      send(200, this.view(m), m.systemId);
    } else send(400, `Unrecognised operation ${op ?? ''}`);
  }
}

export async function startMaasEmulator(options: MaasEmulatorOptions): Promise<MaasEmulator> {
  return new MaasEmulator(options).start();
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NovaEmulator, normalisePath } from '../server.js';
import { hostFailureFlow, novaClient, SERVICE_DISABLE_REASON, type NovaClient } from './engine-flow.js';

const SECRET = 'unit-test-admin-token';
let emulator: NovaEmulator;
let url: string;
let dir: string;

async function control(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}/emulator/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function start(extra: Partial<ConstructorParameters<typeof NovaEmulator>[0]> = {}): Promise<void> {
  emulator = new NovaEmulator({ auth: { kind: 'shared-secret', secret: SECRET }, actionDelayMs: 30, serviceDownTimeMs: 5_000, logFile: join(dir, 'requests.log'), ...extra });
  ({ url } = await emulator.listen(0, '127.0.0.1'));
}

async function cloud(): Promise<{ nova: NovaClient; ha: string; plain: string }> {
  for (const [host, ip] of [['cmp1', '10.9.0.11'], ['cmp2', '10.9.0.12'], ['cmp3', '10.9.0.13']] as const) {
    // masakari confirms an evacuation by comparing hypervisor_hostname with the failed host's name, so a real
    // compute's hypervisor name equals its service host (libvirt reports the same hostname to both).
    await control('POST', 'computes', { host, host_ip: ip });
  }
  const ha = (await control('POST', 'servers', { name: 'ha-vm', host: 'cmp1', metadata: { HA_Enabled: 'True' } })).server.id;
  const plain = (await control('POST', 'servers', { name: 'plain-vm', host: 'cmp1' })).server.id;
  await control('POST', 'servers', { name: 'busy', host: 'cmp2' });
  return { nova: novaClient(`${url}/compute`, SECRET), ha, plain };
}

beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'zaza-nova-')); });
afterEach(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('nova emulator: masakari-engine host failure flow', () => {
  it('accepts the engine call sequence and evacuates only HA_Enabled instances to the least loaded up host', async () => {
    await start();
    const { nova, ha, plain } = await cloud();
    await control('POST', 'computes/cmp1/down');
    const mark = emulator.requests.at(-1)!.seq;
    const moved = await hostFailureFlow(nova, 'cmp1', { verifyIntervalMs: 20, evacuationTimeoutMs: 5_000 });
    expect(moved).toEqual([ha]);

    const calls = emulator.requests.filter((r) => r.seq > mark).map((r) => `${r.method} ${r.path} ${r.status}`);
    const svc = emulator.state.services.find((s) => s.host === 'cmp1')!.uuid;
    const firstPoll = calls.indexOf(`GET /compute/v2.1/servers/${ha} 200`, 5);
    expect(calls.slice(0, firstPoll)).toEqual([
      'GET /compute/v2.1/os-services?host=cmp1&binary=nova-compute 200',
      `PUT /compute/v2.1/os-services/${svc} 200`,
      'GET /compute/v2.1/servers/detail?all_tenants=True&host=cmp1 200',
      `GET /compute/v2.1/servers/${ha} 200`,
      `GET /compute/v2.1/servers/${ha} 200`,
      `POST /compute/v2.1/servers/${ha}/action 202`,
      `POST /compute/v2.1/servers/${ha}/action 200`,
    ]);
    expect(calls.at(-1)).toBe(`POST /compute/v2.1/servers/${ha}/action 202`);
    expect(emulator.requests.filter((r) => r.seq > mark).every((r) => r.microversion === '2.53')).toBe(true);

    const server = emulator.state.servers.find((s) => s.id === ha)!;
    expect(server).toMatchObject({ host: 'cmp3', node: 'cmp3', vmState: 'active', taskState: null, locked: false });
    expect(emulator.state.servers.find((s) => s.id === plain)!.host).toBe('cmp1');
    const cmp1 = emulator.state.services.find((s) => s.host === 'cmp1')!;
    expect(cmp1).toMatchObject({ status: 'disabled', disabledReason: SERVICE_DISABLE_REASON });
    const kinds = emulator.state.events.map((e) => e.kind);
    expect(kinds.indexOf('service.disabled')).toBeLessThan(kinds.indexOf('server.evacuate.requested'));
    expect(kinds.indexOf('server.evacuate.requested')).toBeLessThan(kinds.indexOf('server.evacuate.done'));
    const logged = readFileSync(join(dir, 'requests.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(logged.some((l) => l.body?.disabled_reason === SERVICE_DISABLE_REASON)).toBe(true);
  });

  it('refuses to evacuate while the source compute still reports, as Nova does', async () => {
    await start();
    const { nova, ha } = await cloud();
    const r = await nova.post(`/v2.1/servers/${ha}/action`, { evacuate: {} });
    expect(r.status).toBe(400);
    expect(r.body.badRequest.message).toBe('Compute service of cmp1 is still in use.');
    await control('POST', 'computes/cmp1/down');
    expect((await nova.post(`/v2.1/servers/${ha}/action`, { evacuate: { host: 'cmp1' } })).status).toBe(400);
    expect((await nova.post(`/v2.1/servers/${ha}/action`, { evacuate: { host: 'nowhere' } })).status).toBe(404);
  });

  it('a forced-down service counts as down; a pending task makes evacuate 409 until reset', async () => {
    await start();
    const { nova } = await cloud();
    const busy = (await control('POST', 'servers', { name: 'rebooting', host: 'cmp1', metadata: { HA_Enabled: 'true' }, task_state: 'reboot_started' })).server.id;
    const svc = (await nova.get('/v2.1/os-services?host=cmp1&binary=nova-compute')).body.services[0];
    const forced = await nova.put(`/v2.1/os-services/${svc.id}`, { forced_down: true });
    expect(forced.body.service).toMatchObject({ forced_down: true, state: 'down' });
    expect((await nova.post(`/v2.1/servers/${busy}/action`, { evacuate: {} })).status).toBe(409);
    expect((await nova.post(`/v2.1/servers/${busy}/action`, { 'os-resetState': { state: 'error' } })).status).toBe(202);
    expect((await nova.post(`/v2.1/servers/${busy}/action`, { evacuate: {} })).status).toBe(200);
    await waitFor(() => emulator.state.servers.find((s) => s.id === busy)!.taskState === null);
    // error before evacuation -> active after it, as masakari's confirmation expects
    expect(emulator.state.servers.find((s) => s.id === busy)).toMatchObject({ vmState: 'active', host: 'cmp3' });
  });

  it('reserved host flow: joins the failed host\'s aggregate, is enabled and receives the instance', async () => {
    await start();
    const { nova, ha } = await cloud();
    const agg = (await nova.post('/v2.1/os-aggregates', { aggregate: { name: 'rack1', availability_zone: null } })).body.aggregate;
    expect((await nova.post(`/v2.1/os-aggregates/${agg.id}/action`, { add_host: { host: 'cmp1' } })).status).toBe(200);
    const reserved = (await nova.get('/v2.1/os-services?host=cmp2&binary=nova-compute')).body.services[0];
    await nova.put(`/v2.1/os-services/${reserved.id}`, { status: 'disabled', disabled_reason: 'reserved' });
    await control('POST', 'computes/cmp1/down');
    await hostFailureFlow(nova, 'cmp1', { reservedHost: 'cmp2', verifyIntervalMs: 20, evacuationTimeoutMs: 5_000 });
    expect(emulator.state.servers.find((s) => s.id === ha)!.host).toBe('cmp2');
    expect(emulator.state.aggregates[0]!.hosts).toEqual(['cmp1', 'cmp2']);
    expect((await nova.post(`/v2.1/os-aggregates/${agg.id}/action`, { add_host: { host: 'cmp2' } })).status).toBe(409);
    expect(emulator.state.services.find((s) => s.host === 'cmp2')).toMatchObject({ status: 'enabled', disabledReason: null });
  });

  it('no valid host: the instance goes to ERROR and the engine replica reports the failure', async () => {
    await start();
    const { nova, ha } = await cloud();
    for (const host of ['cmp2', 'cmp3']) {
      const s = (await nova.get(`/v2.1/os-services?host=${host}&binary=nova-compute`)).body.services[0];
      await nova.put(`/v2.1/os-services/${s.id}`, { status: 'disabled' });
    }
    await control('POST', 'computes/cmp1/down');
    await expect(hostFailureFlow(nova, 'cmp1', { verifyIntervalMs: 20, evacuationTimeoutMs: 5_000 })).rejects.toThrow(/Failed to evacuate/);
    expect(emulator.state.servers.find((s) => s.id === ha)).toMatchObject({ vmState: 'error', host: 'cmp1', locked: false });
    expect(emulator.state.events.some((e) => e.kind === 'server.evacuate.failed')).toBe(true);
  });
});

describe('nova emulator: API surface', () => {
  it('stop/start complete only while the compute reports (instance failure flow)', async () => {
    await start();
    const { nova, ha } = await cloud();
    expect((await nova.post(`/v2.1/servers/${ha}/action`, { 'os-stop': null })).status).toBe(202);
    await waitFor(() => emulator.state.servers.find((s) => s.id === ha)!.vmState === 'stopped');
    expect((await nova.get(`/v2.1/servers/${ha}`)).body.server).toMatchObject({ status: 'SHUTOFF', 'OS-EXT-STS:power_state': 4 });
    await control('POST', 'computes/cmp1/down');
    await nova.post(`/v2.1/servers/${ha}/action`, { 'os-start': null });
    await sleep(150);
    expect(emulator.state.servers.find((s) => s.id === ha)!.taskState).toBe('powering-on');
    await control('POST', 'computes/cmp1/heartbeat');
    await waitFor(() => emulator.state.servers.find((s) => s.id === ha)!.vmState === 'active');
    expect((await nova.post(`/v2.1/servers/${ha}/action`, { 'os-start': null })).status).toBe(409);
  });

  it('negotiates microversions: integer ids before 2.53, UUIDs from 2.53, 406 outside the range', async () => {
    await start();
    await cloud();
    const old = await novaClient(url, SECRET, '2.52').get('/v2.1/os-services?binary=nova-compute');
    expect(typeof old.body.services[0].id).toBe('number');
    const cur = await novaClient(url, SECRET, '2.53').get('/v2.1/os-hypervisors/detail');
    expect(cur.body.hypervisors).toHaveLength(3);
    expect(cur.body.hypervisors[0]).toMatchObject({ hypervisor_hostname: 'cmp1', host_ip: '10.9.0.11', state: 'up', status: 'enabled', running_vms: 2 });
    expect(String(cur.body.hypervisors[0].id)).toMatch(/^[0-9a-f-]{36}$/);
    expect((await novaClient(url, SECRET, '3.0').get('/v2.1/servers')).status).toBe(406);
    const latest = await fetch(`${url}/v2.1/servers/detail`, { headers: { 'X-Auth-Token': SECRET, 'OpenStack-API-Version': 'compute latest' } });
    expect(latest.headers.get('openstack-api-version')).toBe('compute 2.93');
    const legacy = await novaClient(url, SECRET, '2.11').put('/v2.1/os-services/disable-log-reason', { host: 'cmp2', binary: 'nova-compute', disabled_reason: 'maintenance' });
    expect(legacy.body.service).toEqual({ host: 'cmp2', binary: 'nova-compute', status: 'disabled', disabled_reason: 'maintenance' });
    const scheduler = (await novaClient(url, SECRET).get('/v2.1/os-services?binary=nova-scheduler')).body.services;
    expect(scheduler).toHaveLength(1);
  });

  it('rejects missing or wrong tokens and bad bodies with Nova-style faults', async () => {
    await start();
    await cloud();
    expect((await fetch(`${url}/v2.1/os-services`)).status).toBe(401);
    expect((await novaClient(url, 'wrong').get('/v2.1/os-services')).status).toBe(401);
    const bad = await novaClient(url, SECRET).put(`/v2.1/os-services/${emulator.state.services[0]!.uuid}`, { status: 'enabled', disabled_reason: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.badRequest.message).toMatch(/disabled_reason/);
    const unknown = await novaClient(url, SECRET).post(`/v2.1/servers/${emulator.state.servers[0]!.id}/action`, { reboot: { type: 'HARD' } });
    expect(unknown.body.badRequest.message).toMatch(/accepted: evacuate/);
    expect((await novaClient(url, SECRET).get('/v2.1/servers/nope')).status).toBe(404);
  });

  it('validates tokens against Keystone: a member may list its servers but not the services', async () => {
    const keystone = await fakeKeystone({ 'admin-token': ['admin'], 'member-token': ['member'] });
    try {
      await start({ auth: { kind: 'keystone', url: `${keystone.url}/v3` } });
      const { ha } = await cloud();
      expect((await novaClient(url, 'admin-token').get('/v2.1/os-services')).status).toBe(200);
      const member = novaClient(url, 'member-token');
      expect((await member.get('/v2.1/os-services')).status).toBe(403);
      expect((await member.get('/v2.1/servers/detail?all_tenants=True')).status).toBe(403);
      expect((await member.post(`/v2.1/servers/${ha}/action`, { evacuate: {} })).status).toBe(403);
      expect((await novaClient(url, 'expired').get('/v2.1/servers')).status).toBe(401);
      expect(keystone.seen.every((h) => h.auth === h.subject)).toBe(true);
    } finally {
      await new Promise((r) => keystone.server.close(r));
    }
  });

  it('keeps its state across a restart when given a state file, and forgets removed computes', async () => {
    const stateFile = join(dir, 'state.json');
    await start({ stateFile });
    const { ha } = await cloud();
    await emulator.close();
    await start({ stateFile });
    expect(emulator.state.servers.map((s) => s.id)).toContain(ha);
    await control('DELETE', 'computes/cmp3');
    expect(emulator.state.hypervisors.map((h) => h.serviceHost)).toEqual(['cmp1', 'cmp2']);
  });

  it('normalises catalog paths with /compute, /v2 and a project id', () => {
    expect(normalisePath('/compute/v2.1/0123456789abcdef0123456789abcdef/servers/detail')).toBe('/v2.1/servers/detail');
    expect(normalisePath('/v2/os-services')).toBe('/v2.1/os-services');
    expect(normalisePath('/compute')).toBe('/');
  });
});

async function fakeKeystone(tokens: Record<string, string[]>): Promise<{ server: Server; url: string; seen: { auth: string; subject: string }[] }> {
  const seen: { auth: string; subject: string }[] = [];
  const server = createServer((req, res) => {
    const auth = String(req.headers['x-auth-token'] ?? '');
    const subject = String(req.headers['x-subject-token'] ?? '');
    seen.push({ auth, subject });
    const roles = tokens[subject];
    if (req.url !== '/v3/auth/tokens' || !roles || !tokens[auth]) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token: { user: { id: `u-${subject}` }, project: { id: 'admin' }, roles: roles.map((name) => ({ name })) } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${addr.port}`, seen };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

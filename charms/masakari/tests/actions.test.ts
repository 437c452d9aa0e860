/**
 * Actions through the harness: service control, and the operator actions' wiring (parameters, credentials from
 * identity-service, results, failures). The APIs behind them are a small in-test HTTP server speaking keystone's
 * token call and masakari's segment calls; the real services are exercised by the component test.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KEYSTONE_DATA, masakariHarness, relateAll } from './fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => { while (cleanups.length) cleanups.pop()!(); });

let server: Server;
let port = 0;
const segments: { uuid: string; name: string; recovery_method: string; service_type: string }[] = [];
const seen: string[] = [];
let withCatalog = true;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} token=${req.headers['x-auth-token'] ? 'yes' : 'no'}`);
      const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(JSON.stringify(data));
      };
      if (req.method === 'POST' && req.url === '/v3/auth/tokens') {
        const auth = JSON.parse(body).auth;
        if (auth.identity.password.user.password !== KEYSTONE_DATA.service_password) return send(401, { error: { code: 401 } });
        const catalog = withCatalog ? [{ type: 'instance-ha', name: 'masakari', endpoints: [{ interface: 'public', region: 'RegionOne', url: `http://127.0.0.1:${port}/v1/p1` }] }] : [];
        return send(201, { token: { project: { id: 'p1' }, catalog } }, { 'X-Subject-Token': 'tok-1' });
      }
      if (req.url === '/v1/p1/segments' && req.method === 'GET') return send(200, { segments });
      if (req.url === '/v1/p1/segments' && req.method === 'POST') {
        const s = JSON.parse(body).segment;
        if (segments.some((x) => x.name === s.name)) return send(409, { conflict: { code: 409, message: `Failover segment with name ${s.name} already exists.` } });
        const created = { uuid: `00000000-0000-4000-8000-00000000000${segments.length}`, ...s };
        segments.push(created);
        return send(200, { segment: created });
      }
      return send(404, { itemNotFound: { code: 404, message: 'not here' } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function readyUnit() {
  const made = await masakariHarness();
  cleanups.push(() => made.harness.cleanup());
  await made.harness.beginWithInitialHooks();
  await relateAll(made.harness);
  return made;
}

describe('service actions', () => {
  it('pause stops everything and says so; resume starts it again; restart-services restarts', async () => {
    const { harness, host } = await readyUnit();
    host.clearRecords();
    const paused = await harness.runAction('pause');
    expect(paused.failed).toBe(false);
    expect(host.serviceActions).toEqual([{ action: 'stop', name: 'haproxy' }, { action: 'stop', name: 'masakari-api' }, { action: 'stop', name: 'masakari-engine' }, { action: 'stop', name: 'memcached' }]);
    expect(harness.status).toEqual({ status: 'maintenance', message: "Paused. Use 'resume' action to resume normal service." });
    // Hooks while paused keep the services stopped.
    await harness.runHook('config-changed');
    expect(host.activeServices.size).toBe(0);
    expect((await harness.runAction('restart-services')).message).toBe("the unit is paused: run the 'resume' action instead");
    const resumed = await harness.runAction('resume');
    expect(resumed.results).toEqual({ started: 'memcached masakari-engine masakari-api haproxy' });
    expect(harness.status.message).toBe('Unit is ready');
    host.clearRecords();
    await harness.runAction('restart-services');
    expect(host.serviceActions.map((a) => `${a.action} ${a.name}`)).toEqual(['restart memcached', 'restart masakari-engine', 'restart masakari-api', 'restart haproxy']);
  });

  it('restart-services refuses on an unconfigured unit', async () => {
    const made = await masakariHarness();
    cleanups.push(() => made.harness.cleanup());
    await made.harness.beginWithInitialHooks();
    const out = await made.harness.runAction('restart-services');
    expect(out.failed).toBe(true);
    expect(out.message).toMatch(/not configured yet/);
  });
});

describe('operator actions', () => {
  it('fail with a clear message on bad parameters, before calling anything', async () => {
    const { harness } = await readyUnit();
    const before = seen.length;
    // actions.yaml's schema is checked by the framework first; what it cannot express is checked by the charm.
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['create-segment', {}, /missing required parameter "name"/],
      ['create-segment', { name: 'a', 'recovery-method': 'sometimes' }, /"recovery-method" must be one of "auto", "reserved_host", "auto_priority", "rh_priority"/],
      ['create-segment', { name: '  ' }, /^name: "  " is not accepted \(a name of up to 255 printable characters\)/],
      ['add-host', { segment: 's', host: 'bad host!' }, /host: "bad host!" is not accepted \(a host name as nova knows it/],
      ['add-host', { segment: 's', host: 'cmp1', reserved: 'maybe' }, /"reserved" must be boolean/],
      ['list-notifications', { limit: 0 }, /"limit" must be >= 1/],
      ['list-notifications', { status: 'lost' }, /"status" must be one of "new"/],
      ['set-maintenance', { host: 'cmp1', state: 'sideways' }, /"state" must be one of "on", "off"/],
      ['list-hosts', {}, /missing required parameter "segment"/],
    ];
    for (const [name, params, message] of cases) {
      const out = await harness.runAction(name, params);
      expect(out.failed, name).toBe(true);
      expect(out.message, name).toMatch(message);
    }
    expect(seen.length).toBe(before);
  });

  it('fail when identity-service has not given credentials yet', async () => {
    const made = await masakariHarness();
    cleanups.push(() => made.harness.cleanup());
    await made.harness.beginWithInitialHooks();
    const out = await made.harness.runAction('list-segments');
    expect(out.message).toMatch(/identity-service relation has no service credentials yet/);
  });

  it('authenticate as the service user, call the API from the catalog and report results or the refusal', async () => {
    const { harness } = await readyUnit();
    const ks = [...harness.model.relations.values()].find((r) => r.endpoint === 'identity-service')!.id;
    await harness.updateRelationData(ks, 'keystone/0', { service_host: '127.0.0.1', service_port: String(port) });
    withCatalog = true;
    const created = await harness.runAction('create-segment', { name: 'seg-a', description: 'rack A' });
    expect(created).toMatchObject({ failed: false, results: { segment: { uuid: '00000000-0000-4000-8000-000000000000', name: 'seg-a', 'recovery-method': 'auto', 'service-type': 'COMPUTE' } } });
    expect(created.logs).toContain(`calling the Masakari API at http://127.0.0.1:${port}/v1/p1 (catalog)`);
    const listed = await harness.runAction('list-segments');
    expect(listed.results.count).toBe(1);
    expect(JSON.parse(String(listed.results.segments))).toEqual([{ uuid: '00000000-0000-4000-8000-000000000000', name: 'seg-a', recovery_method: 'auto', service_type: 'COMPUTE' }]);
    const again = await harness.runAction('create-segment', { name: 'seg-a' });
    expect(again.failed).toBe(true);
    expect(again.message).toBe('POST /segments: HTTP 409: Failover segment with name seg-a already exists.');
    const missing = await harness.runAction('list-hosts', { segment: 'seg-z' });
    expect(missing.message).toBe('no segment named or with UUID "seg-z" (segments: seg-a)');
    expect(seen.every((line) => !line.includes(KEYSTONE_DATA.service_password!))).toBe(true);
  });

  it('without a catalog entry use the unit\'s own API backend, and never show the password or token in failures', async () => {
    const { harness } = await readyUnit();
    const ks = [...harness.model.relations.values()].find((r) => r.endpoint === 'identity-service')!.id;
    await harness.updateRelationData(ks, 'keystone/0', { service_host: '127.0.0.1', service_port: String(port) });
    withCatalog = false;
    const out = await harness.runAction('list-segments', { 'api-wait': 0 });
    expect(out.failed).toBe(true);
    expect(out.message).toMatch(/^masakari API at http:\/\/127\.0\.0\.1:15858\/v1\/p1\/segments did not answer/);
    expect(out.message).not.toContain(KEYSTONE_DATA.service_password!);
    expect(out.message).not.toContain('tok-1');
    await harness.updateRelationData(ks, 'keystone/0', { service_password: 'wrong-one' });
    const refused = await harness.runAction('list-segments');
    expect(refused.message).toBe(`keystone at http://127.0.0.1:${port}/v3/auth/tokens refused the service credentials: HTTP 401`);
  });
});

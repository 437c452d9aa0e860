/**
 * Operator notifications: payloads, option decoding, the queue and its sender against real HTTP servers on
 * loopback, the bundled agent run the way Pacemaker runs it, and the CIB's alert through real crm_verify.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CIB_CONFIG, desiredCib, NOTIFY_ALERT } from '../src/cib/desired.js';
import { compareWithLive } from '../src/cib/live.js';
import { parsePrincipal } from '../src/cib/principal.js';
import { configCheck } from '../src/options.js';
import { eventFromAlert } from '../src/notify/alert.js';
import { bundleNotifyAgent } from '../src/notify/bundle.js';
import { renderNotifyConfig } from '../src/notify/config-file.js';
import { deliver, postJson } from '../src/notify/deliver.js';
import { EVENT_KINDS, renderPayload, SCHEMA, toEvent, type EventInput, type NotifyEvent } from '../src/notify/event.js';
import { decodeNotify } from '../src/notify/options.js';
import { queueEvent } from '../src/notify/queue.js';
import { drain, type SenderDeps } from '../src/notify/sender.js';
import { enqueue, lock, queued, unlock } from '../src/notify/spool.js';
import { MAAS, MASAKARI_HA_DATA, members, remotes } from './support/fixtures.js';
import { Harness } from '../../../reactive/testing/harness.js';
import { RecordingHost } from '../../../reactive/testing/recording-host.js';
import { encodeRemoteNodeInfo } from '../../../interfaces/pacemaker-remote/protocol.js';
import { charm } from '../src/actions.js';
import { NOTIFY_CONFIG } from '../src/notify/paths.js';
import { FakePacemaker } from './support/fake-pacemaker.js';
import { crmVerify, simulationCib, Workdir } from './support/pacemaker-tools.js';

const TOKEN = 'T0KEN-s3cret-XYZ';
const at = Date.UTC(2026, 11, 7, 16, 0, 0);

/** A webhook receiver on loopback: answers each request with the next status of `script` (then 200). */
class Receiver {
  readonly bodies: string[] = [];
  readonly statuses: number[];
  private server: Server | null = null;
  constructor(script: number[] = [], private readonly hang = false) {
    this.statuses = [...script];
  }
  async start(): Promise<string> {
    this.server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
      req.on('end', () => {
        this.bodies.push(body);
        if (this.hang) return; // never answers
        res.writeHead(this.statuses.shift() ?? 200).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/${TOKEN}`;
  }
  events(): NotifyEvent[] {
    return this.bodies.map((b) => JSON.parse(b) as NotifyEvent);
  }
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const input = (event: EventInput['event'], host: string | null, details: EventInput['details'] = {}): EventInput => ({ event, host, at, details });
const noSleep = (): Promise<void> => Promise.resolve();
const deps = (over: Partial<SenderDeps> = {}): SenderDeps & { logged: string[] } => {
  const logged: string[] = [];
  return {
    policy: { timeoutMs: 500, backoffMs: [10, 20, 40] }, sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    isDc: () => Promise.resolve(true), holdStands: () => Promise.resolve(false), log: (m) => logged.push(m), logged, ...over,
  };
};

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hacl-notify-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('payloads', () => {
  it('the generic payload has the stable schema: event, host, time, cluster, reporter, summary, details', () => {
    const e = toEvent(input('fence-refused', 'cmp2.lab', { why: 'budget of 1 host per 600 s spent (cmp1.lab); cmp2.lab refused' }), 'hacluster', 'api1', 'id-1');
    const body = JSON.parse(renderPayload(e, 'generic')) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['cluster', 'details', 'event', 'host', 'id', 'reporter', 'schema', 'summary', 'time']);
    expect(body).toMatchObject({
      schema: SCHEMA, id: 'id-1', event: 'fence-refused', host: 'cmp2.lab', time: '2026-12-07T16:00:00.000Z', cluster: 'hacluster', reporter: 'api1',
      details: { why: 'budget of 1 host per 600 s spent (cmp1.lab); cmp2.lab refused' },
    });
    expect(body.summary).toBe('cmp2.lab NOT fenced: budget of 1 host per 600 s spent (cmp1.lab); cmp2.lab refused; it stays powered and is not evacuated');
  });

  it('every kind has a summary; Slack/Mattermost get {"text"} with their markup escaped', () => {
    for (const kind of EVENT_KINDS) {
      const e = toEvent(input(kind, 'cmp1.lab', { scope: 'operator', note: 'maintenance' }), 'hacluster', 'api1');
      expect(e.summary.length, kind).toBeGreaterThan(10);
      const slack = JSON.parse(renderPayload(e, 'slack')) as Record<string, unknown>;
      expect(Object.keys(slack)).toEqual(['text']);
      expect(slack.text).toContain('[hacluster] ');
    }
    const hostile = toEvent(input('host-lost', '<!channel> & co'), 'hacluster', 'api1');
    const text = (JSON.parse(renderPayload(hostile, 'slack')) as { text: string }).text;
    expect(text).toContain('&lt;!channel&gt; &amp; co');
    expect(text).not.toContain('<!channel>');
  });

  it('details are one bounded printable line each; keys that are not plain names are dropped', () => {
    const e = toEvent(input('fence-failed', 'cmp1\nlab', { result: `a\nb\u0000c${'x'.repeat(900)}`, 'Bad Key': 'v', rc: 1 }), 'hacluster', 'api1');
    expect(e.host).toBe('cmp1 lab');
    expect(e.details.result).toMatch(/^a b c/);
    expect((e.details.result as string).length).toBeLessThanOrEqual(500);
    expect(Object.keys(e.details)).toEqual(['rc', 'result']);
  });

  it('maps Pacemaker alert calls: node lost/member, fencing ok/failed; other kinds are not told', () => {
    const base = { CRM_alert_version: '2.1.5', CRM_alert_recipient: '/spool', CRM_alert_timestamp_epoch: '1796659200', CRM_alert_timestamp_usec: '250000' };
    const lost = eventFromAlert({ ...base, CRM_alert_kind: 'node', CRM_alert_node: 'cmp1.lab', CRM_alert_desc: 'lost', CRM_alert_nodeid: 'cmp1.lab' }, 0);
    expect(lost).toMatchObject({ input: { event: 'host-lost', host: 'cmp1.lab', at: 1796659200250 }, clusterWide: true, failedFence: false });
    const fenced = eventFromAlert({ ...base, CRM_alert_kind: 'fencing', CRM_alert_node: 'cmp1.lab', CRM_alert_task: 'off', CRM_alert_rc: '0', CRM_alert_desc: 'Operation off of cmp1.lab by api2 for pacemaker-controld.1@api1: OK' }, 0);
    expect(fenced).toMatchObject({ input: { event: 'fence-succeeded', host: 'cmp1.lab', details: { action: 'off', rc: 0 } }, failedFence: false });
    const failed = eventFromAlert({ ...base, CRM_alert_kind: 'fencing', CRM_alert_node: 'cmp2.lab', CRM_alert_task: 'off', CRM_alert_rc: '1', CRM_alert_desc: 'Error' }, 0);
    expect(failed).toMatchObject({ input: { event: 'fence-failed' }, failedFence: true });
    expect(eventFromAlert({ ...base, CRM_alert_kind: 'resource', CRM_alert_node: 'api1', CRM_alert_rsc: 'vip' }, 0)).toBeNull();
    expect(eventFromAlert({ ...base, CRM_alert_kind: 'attribute', CRM_alert_node: 'api1' }, 0)).toBeNull();
    expect(eventFromAlert({ ...base, CRM_alert_kind: 'node', CRM_alert_node: 'api1', CRM_alert_desc: 'pending' }, 0)).toBeNull();
  });
});

describe('options', () => {
  it('accepts space and comma separated http(s) URLs and both formats', () => {
    const decoded = decodeNotify({ notify_urls: ` https://chat.example/hooks/${TOKEN}, http://10.0.0.5:8080/x  https://chat.example/hooks/${TOKEN} `, notify_format: 'slack' });
    expect(decoded).toEqual({ ok: true, value: { urls: [`https://chat.example/hooks/${TOKEN}`, 'http://10.0.0.5:8080/x'], format: 'slack' } });
    expect(decodeNotify({})).toEqual({ ok: true, value: { urls: [], format: 'generic' } });
  });

  it.each([
    [`ftp://chat.example/${TOKEN}`, 'item 1 of 1 must use https or http'],
    [`https://ok.example/a not-a-url-${TOKEN}`, 'item 2 of 2 must be an absolute URL'],
    [`https://chat.example/hooks/${TOKEN}#${TOKEN}`, 'item 1 of 1 must not have a #fragment'],
    [Array.from({ length: 9 }, (_, i) => `https://h${i}.example/${TOKEN}`).join(' '), 'lists at most 8 webhook URLs'],
  ])('a bad list is refused naming the option and item, never the URL (%#)', (value, rule) => {
    const problems = configCheck({ notify_urls: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`notify_urls: ${rule}`);
    expect(problems[0]).not.toContain(TOKEN);
    expect(problems[0]).not.toContain('example');
  });
});

describe('delivery', () => {
  it('retries a 5xx with back-off until it is taken; a 4xx is not retried', async () => {
    const flaky = new Receiver([500, 503]);
    const url = await flaky.start();
    const waits: number[] = [];
    const r = await deliver(url, '{"a":1}', { timeoutMs: 1000, backoffMs: [100, 200, 400] }, (ms) => { waits.push(ms); return noSleep(); });
    expect(r).toEqual({ delivered: true, attempts: 3, why: null });
    expect(waits).toEqual([100, 200]);
    expect(flaky.bodies).toEqual(['{"a":1}', '{"a":1}', '{"a":1}']);
    await flaky.stop();

    const gone = new Receiver([404]);
    const r404 = await deliver(await gone.start(), '{}', { timeoutMs: 1000, backoffMs: [1, 1, 1] }, noSleep);
    expect(r404).toEqual({ delivered: false, attempts: 1, why: 'HTTP 404' });
    await gone.stop();
  });

  it('a server that never answers costs one timeout per attempt and a bounded number of attempts', async () => {
    const silent = new Receiver([], true);
    const url = await silent.start();
    const r = await deliver(url, '{}', { timeoutMs: 200, backoffMs: [10, 10] }, noSleep);
    expect(r).toEqual({ delivered: false, attempts: 3, why: 'no answer within 200 ms' });
    expect(silent.bodies).toHaveLength(3);
    await silent.stop();
    // nothing listens: a connection error, retried the same bounded number of times
    const closed = await postJson(url, '{}', 200);
    expect(closed).toMatchObject({ ok: false, retry: true });
  });

  it('the sender drains in order to every webhook; one that is down neither blocks the others nor leaks its URL', async () => {
    const dir = tempDir();
    const up = new Receiver([500]);
    const down = new Receiver([], true);
    const urls = [await up.start(), await down.start()];
    const kinds = ['host-lost', 'fence-started', 'fence-succeeded'] as const;
    kinds.forEach((k, i) => enqueue(dir, { event: toEvent(input(k, 'cmp1.lab'), '', 'api1'), clusterWide: false, failedFence: false }, at + i));
    const d = deps();
    const report = await drain(dir, { urls, format: 'generic', cluster: 'hacluster' }, d);
    expect(report).toEqual({ sent: 3, skipped: 0, failed: 3 });
    // the 500 was retried, so the first event arrived twice at `up`, then the others once, in order
    expect(up.events().map((e) => e.event)).toEqual(['host-lost', 'host-lost', 'fence-started', 'fence-succeeded']);
    expect(up.events()[0]?.cluster).toBe('hacluster');
    expect(queued(dir)).toEqual([]);
    expect(d.logged).toHaveLength(3);
    for (const line of d.logged) {
      expect(line).toMatch(/not delivered to webhook 2 of 2 after 4 attempts: no answer within 500 ms/);
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain('127.0.0.1');
    }
    await up.stop();
    await down.stop();
  }, 20_000);

  it('node and fencing alerts go out from the DC only; a failed fence a hold explains is dropped (the plugin told)', async () => {
    const dir = tempDir();
    const hook = new Receiver();
    const config = { urls: [await hook.start()], format: 'generic' as const, cluster: 'hacluster' };
    enqueue(dir, { event: toEvent(input('host-lost', 'cmp1.lab'), '', 'api2'), clusterWide: true, failedFence: false }, at);
    expect(await drain(dir, config, deps({ isDc: () => Promise.resolve(false) }))).toEqual({ sent: 0, skipped: 1, failed: 0 });
    enqueue(dir, { event: toEvent(input('host-lost', 'cmp1.lab'), '', 'api2'), clusterWide: true, failedFence: false }, at);
    expect(await drain(dir, config, deps({ isDc: () => Promise.resolve(null) }))).toEqual({ sent: 1, skipped: 0, failed: 0 });
    enqueue(dir, { event: toEvent(input('fence-failed', 'cmp2.lab'), '', 'api2'), clusterWide: true, failedFence: true }, at);
    expect(await drain(dir, config, deps({ holdStands: () => Promise.resolve(true) }))).toEqual({ sent: 0, skipped: 1, failed: 0 });
    enqueue(dir, { event: toEvent(input('fence-failed', 'cmp2.lab'), '', 'api2'), clusterWide: true, failedFence: true }, at);
    expect(await drain(dir, config, deps())).toEqual({ sent: 1, skipped: 0, failed: 0 });
    expect(hook.events().map((e) => e.event)).toEqual(['host-lost', 'fence-failed']);
    await hook.stop();
  });

  it('one sender at a time: a second one returns at once, a dead holder\'s lock is taken over, a full queue refuses', async () => {
    const dir = tempDir();
    expect(lock(dir)).toBe(true);
    expect(await drain(dir, null, deps())).toBeNull();
    unlock(dir);
    // a lock left by a process that no longer exists
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    expect(lock(dir)).toBe(true);
    writeFileSync(join(dir, '.sender', 'pid'), dead);
    expect(lock(dir)).toBe(true);
    unlock(dir);
    for (let i = 0; i < 500; i++) expect(enqueue(dir, { event: toEvent(input('host-lost', `h${i}`), '', 'a'), clusterWide: false, failedFence: false })).toBe(true);
    expect(enqueue(dir, { event: toEvent(input('host-lost', 'one-too-many'), '', 'a'), clusterWide: false, failedFence: false })).toBe(false);
    // no webhook list: what is queued is dropped, not kept for ever
    expect(await drain(dir, null, deps())).toEqual({ sent: 0, skipped: 500, failed: 0 });
  });
});

describe('the bundled agent', () => {
  let agent = '';
  beforeAll(async () => {
    agent = await bundleNotifyAgent(join(tempDir(), 'hacluster-notify'));
  }, 60_000);

  it('run as Pacemaker runs an alert agent: returns at once and its detached sender delivers', async () => {
    const dir = tempDir();
    const hook = new Receiver([503]);
    const config = join(dir, 'notify.json');
    writeFileSync(config, renderNotifyConfig({ urls: [await hook.start()], format: 'slack', cluster: 'hacluster' }), { mode: 0o600 });
    const spool = join(dir, 'spool');
    spawnSync('mkdir', [spool]);
    const started = Date.now();
    // crmadmin finds no cluster here: the sender cannot tell the DC and sends (a duplicate beats silence)
    const r = spawnSync(agent, [], {
      encoding: 'utf8', timeout: 10_000,
      env: { PATH: process.env.PATH, CRM_alert_version: '2.1.5', CRM_alert_kind: 'node', CRM_alert_node: 'cmp1.lab', CRM_alert_desc: 'lost', CRM_alert_recipient: spool, notify_config: config },
    });
    const took = Date.now() - started;
    expect(r.status).toBe(0);
    expect(took).toBeLessThan(5_000); // sanity bound only: the agent never waits for the webhook (which answers 503 first)
    for (let i = 0; i < 100 && hook.bodies.length < 2; i++) await new Promise((res) => setTimeout(res, 100));
    expect(hook.bodies).toHaveLength(2); // 503, then delivered after a back-off
    expect(JSON.parse(hook.bodies[1] as string)).toEqual({ text: expect.stringMatching(/^\[hacluster\] host cmp1\.lab lost: the cluster no longer reaches it/) });
    for (let i = 0; i < 50 && readdirSync(spool).length > 0; i++) await new Promise((res) => setTimeout(res, 100));
    expect(readdirSync(spool)).toEqual([]);
    await hook.stop();
  }, 30_000);

  it('emit queues an event from an action; with no webhook list nothing is queued', async () => {
    const dir = tempDir();
    const spool = join(dir, 'spool');
    spawnSync('mkdir', [spool]);
    const off = queueEvent(input('hold-entered', null, { scope: 'operator' }), {}, { config: join(dir, 'absent.json'), spool, agent });
    expect(off).toBe(false);
    expect(readdirSync(spool)).toEqual([]);
    const hook = new Receiver();
    writeFileSync(join(dir, 'notify.json'), renderNotifyConfig({ urls: [await hook.start()], format: 'generic', cluster: 'hacluster' }));
    expect(queueEvent(input('hold-entered', null, { scope: 'operator', note: 'maintenance' }), {}, { config: join(dir, 'notify.json'), spool, agent })).toBe(true);
    for (let i = 0; i < 50 && hook.bodies.length < 1; i++) await new Promise((res) => setTimeout(res, 100));
    expect(hook.events()).toMatchObject([{ event: 'hold-entered', host: null, details: { scope: 'operator', note: 'maintenance' } }]);
    await hook.stop();
  }, 20_000);
});

describe('the alert in the CIB', () => {
  const work = new Workdir();
  afterAll(() => work.remove());
  const principal = parsePrincipal(MASAKARI_HA_DATA).resources;
  const doc = (notifyAlerts: boolean) => desiredCib({ members: members(3), remotes: remotes(2), principal, config: { ...DEFAULT_CIB_CONFIG, maas: MAAS, notifyAlerts } }).document;

  it('passes crm_verify, points at the agent with the spool as recipient, and carries no URL', async () => {
    const d = doc(true);
    expect(d.alerts).toEqual([NOTIFY_ALERT]);
    const xml = simulationCib(d, ['api1', 'api2', 'api3']);
    expect(xml).toContain('<alert id="hacluster-ext-notify" path="/usr/lib/hacluster-ext/hacluster-notify">');
    expect(xml).toContain('<recipient id="hacluster-ext-notify-recipient" value="/var/spool/hacluster-ext/notify"/>');
    expect(xml.match(/https?:\/\/[^"]*/g)).toEqual([MAAS.url]); // the MAAS endpoint; webhook URLs never reach the CIB
    const verify = await crmVerify(work.file('alerts.xml', xml));
    expect(verify.output).toBe('');
    expect(verify.exitCode).toBe(0);
  }, 30_000);

  it('adds and removes only our alert; an operator\'s own alert stays', () => {
    const operatorAlert = '<alerts><alert id="ops-file" path="/usr/local/bin/alert_file.sh"><recipient id="ops-file-r" value="/var/log/alerts.log"/></alert></alerts>';
    const withOps = simulationCib(doc(false), ['api1', 'api2', 'api3']).replace('</configuration>', `${operatorAlert}</configuration>`);
    expect(compareWithLive(doc(false), withOps).changed).toEqual([]);
    const on = compareWithLive(doc(true), withOps);
    expect(on.changed).toEqual(['alerts']);
    expect(on.configuration).toContain('id="ops-file"');
    expect(on.configuration).toContain('id="hacluster-ext-notify"');
    const live = simulationCib(doc(false), ['api1', 'api2', 'api3']).replace(/<configuration>[\s\S]*<\/configuration>/, on.configuration.trim());
    expect(compareWithLive(doc(true), live).changed).toEqual([]);
    const off = compareWithLive(doc(false), live);
    expect(off.changed).toEqual(['alerts']);
    expect(off.configuration).toContain('id="ops-file"');
    expect(off.configuration).not.toContain('hacluster-ext-notify');
  });
});

describe('the charm', () => {
  it('writes the list root:haclient 0640 and the alert into the CIB; a bad list blocks without the URL; empty turns both off', async () => {
    const host = new RecordingHost({ hostname: 'api1', fqdn: 'api1.lab' });
    const h = new Harness(charm, { charmDir: 'charms/hacluster-ext', unit: 'hacluster-ext/0', host });
    const pacemaker = new FakePacemaker(['api1', 'api2', 'api3']).install(host);
    try {
      h.setNetwork('hanode', '10.0.0.1');
      await h.setLeader(true);
      await h.addRelation('hanode', 'hacluster-ext', { units: {
        'hacluster-ext/1': { 'private-address': '10.0.0.2', hostname: 'api2', ready: 'True' },
        'hacluster-ext/2': { 'private-address': '10.0.0.3', hostname: 'api3', ready: 'True' },
      } });
      await h.addRelation('ha', 'masakari', { units: { 'masakari/0': { ...MASAKARI_HA_DATA } } });
      await h.addRelation('pacemaker-remote', 'pacemaker-remote', { units: {
        'pacemaker-remote/0': encodeRemoteNodeInfo({ remoteHostname: 'cmp1.lab', remoteIp: '10.0.1.1', stonithHostname: 'cmp1.lab', enableResources: false }),
      } });
      const url = `https://chat.example/hooks/${TOKEN}`;
      await h.updateConfig({ maas_url: 'http://10.0.0.254:5240/MAAS', maas_credentials: 'ck123:tk456:s3cretValue', notify_urls: url, notify_format: 'slack' });
      await h.beginWithInitialHooks();
      expect(h.status).toEqual({ status: 'active', message: 'Unit is ready and clustered' });
      expect(JSON.parse(host.file(NOTIFY_CONFIG) ?? '{}')).toEqual({ urls: [url], format: 'slack', cluster: 'hacluster-ext' });
      expect(host.fileMeta(NOTIFY_CONFIG)).toMatchObject({ owner: 'root', group: 'haclient', mode: 0o640 });
      expect(host.directoryMeta('/var/spool/hacluster-ext/notify')).toMatchObject({ owner: 'hacluster', group: 'haclient', mode: 0o770 });
      expect(pacemaker.cib()).toContain('<alert id="hacluster-ext-notify"');
      expect(pacemaker.cib()).not.toContain(TOKEN);
      expect(pacemaker.verifyFailures).toEqual([]);
      expect(JSON.stringify(h.kv.toJSON())).not.toContain(TOKEN); // unit state keeps a digest of the option

      await h.updateConfig({ notify_urls: `${url} ftp://x.example/${TOKEN}` });
      expect(h.status.status).toBe('blocked');
      expect(h.status.message).toContain('notify_urls: item 2 of 2 must use https or http');
      expect(h.status.message).not.toContain(TOKEN);
      expect(JSON.parse(host.file(NOTIFY_CONFIG) ?? '{}').urls).toEqual([url]); // nothing half-written

      await h.updateConfig({ notify_urls: '' });
      expect(h.status).toEqual({ status: 'active', message: 'Unit is ready and clustered' });
      expect(host.file(NOTIFY_CONFIG)).toBeNull();
      expect(pacemaker.cib()).not.toContain('hacluster-ext-notify');
    } finally {
      h.cleanup();
      pacemaker.cleanup();
    }
  }, 60_000);
});

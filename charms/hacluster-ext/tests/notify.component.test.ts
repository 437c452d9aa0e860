/**
 * Operator notifications on a live cluster (tests/lab/cluster): 3 members, 2 pacemaker-remote nodes, the bundled
 * external/maas plugin and hacluster-notify on every member, the CIB with our alert, and a webhook receiver on
 * the lab's host address. The budget on 2 remotes is 1 host.
 *
 * - cmp1's pacemaker-remoted dies: the receiver gets host lost → fence started → fence succeeded, in that order.
 * - cmp2's dies within the window: it gets fence refused and hold entered, and no "fence failed" for the refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ClusterLab, gid, uid } from '../../../tests/lab/cluster/lab.js';
import { LabNodeHost } from '../../../tests/lab/cluster/node-host.js';
import { apiKeyText, startMaasEmulator, type MaasEmulator } from '../../../tests/zaza/emulators/maas/server.js';
import { syncCibSecrets } from '../src/cib/apply.js';
import { configureCluster, KNOWN_SECRETS } from '../src/cib/configure.js';
import { DEFAULT_CIB_CONFIG, desiredCib, type CibInput } from '../src/cib/desired.js';
import { parsePrincipal } from '../src/cib/principal.js';
import { DEFAULT_BUDGET } from '../src/fencing/budget.js';
import { bundleNotifyAgent } from '../src/notify/bundle.js';
import { renderNotifyConfig } from '../src/notify/config-file.js';
import type { NotifyEvent } from '../src/notify/event.js';
import { NOTIFY_AGENT, NOTIFY_CONFIG, NOTIFY_SPOOL } from '../src/notify/paths.js';
import { bundlePlugin, PLUGIN_PATH } from '../src/stonith/bundle.js';

const MEMBERS = ['api1', 'api2', 'api3'];
const REMOTES = ['cmp1', 'cmp2'];
const KEY = { consumerKey: 'notifyConsumer', tokenKey: 'notifyToken', tokenSecret: 'notifySecret123' };
const HOOK_TOKEN = 'hook-token-4f9a';
/** Pacemaker's own sample agent records every alert it is called for: what Pacemaker said, next to what we sent. */
const RAW_ALERTS = '/var/lib/pacemaker/lab-alerts';
/** Node-private directories are bind mounts over the host's path, which must exist (empty; removed if we made it). */
const MOUNT_POINTS = [dirname(NOTIFY_AGENT), dirname(NOTIFY_CONFIG), dirname(NOTIFY_SPOOL), NOTIFY_SPOOL];
const madeMountPoints: string[] = [];
const progress = (line: string): void => console.log(line);

let lab: ClusterLab;
let maas: MaasEmulator;
let server: Server;
const received: { at: number; event: NotifyEvent; path: string }[] = [];
const t0 = Date.now();

function input(): CibInput {
  return {
    members: MEMBERS.map((name) => ({ name, address: lab.address(name) })),
    remotes: REMOTES.map((r) => ({ name: `${r}.lab`, address: lab.address(r), stonithHostname: `${r}.lab`, enableResources: false })),
    principal: parsePrincipal({}).resources,
    config: {
      ...DEFAULT_CIB_CONFIG, maas: { url: maas.url, apiKey: apiKeyText(KEY) }, stonithPowerTimeout: 20,
      fenceBudget: { ...DEFAULT_BUDGET, window: 600 }, notifyAlerts: true,
      remoteMonitorInterval: '5s', remoteMonitorTimeout: '15s', remoteReconnectInterval: '15s',
    },
  };
}

const timeline = (): string => received.map((r) => `${((r.at - t0) / 1000).toFixed(1)} s ${r.event.event} ${r.event.host ?? '-'} (from ${r.event.reporter})`).join('\n  ');

function rawAlerts(): string {
  return MEMBERS.map((m) => {
    const file = lab.nodePath(m, `${RAW_ALERTS}/alerts.log`);
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => `${m}: ${l}`).join('\n  ') : `${m}: (none)`;
  }).join('\n  ');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      received.push({ at: Date.now(), event: JSON.parse(body) as NotifyEvent, path: req.url ?? '' });
      res.writeHead(204).end();
    });
  });
  lab = new ClusterLab({
    prefix: 'hnt', subnet: '10.83.0', members: MEMBERS, remotes: REMOTES, baseDir: '/var/tmp/hnt-lab', hostAddress: true, log: progress,
    privateDirs: {
      [dirname(PLUGIN_PATH)]: 'root:root', [dirname(NOTIFY_AGENT)]: 'root:root', [dirname(NOTIFY_CONFIG)]: 'root:root',
      [NOTIFY_SPOOL]: 'hacluster:haclient',
    },
  });
  for (const d of MOUNT_POINTS) {
    if (!existsSync(d)) {
      mkdirSync(d, { recursive: true });
      madeMountPoints.push(d);
    }
  }
  await lab.create();
  await new Promise<void>((resolve) => server.listen(0, lab.hostAddress, resolve));
  const url = `http://${lab.hostAddress}:${(server.address() as AddressInfo).port}/hooks/${HOOK_TOKEN}`;
  for (const m of MEMBERS) {
    await bundlePlugin(lab.nodePath(m, PLUGIN_PATH));
    await bundleNotifyAgent(lab.nodePath(m, NOTIFY_AGENT));
    mkdirSync(lab.nodePath(m, RAW_ALERTS), { recursive: true });
    chownSync(lab.nodePath(m, RAW_ALERTS), uid('hacluster'), gid('haclient'));
    copyFileSync('/usr/share/pacemaker/alerts/alert_file.sh.sample', lab.nodePath(m, `${RAW_ALERTS}/alert_file.sh`));
    chmodSync(lab.nodePath(m, `${RAW_ALERTS}/alert_file.sh`), 0o755);
    await new LabNodeHost(lab, m).writeFile(NOTIFY_CONFIG, renderNotifyConfig({ urls: [url], format: 'generic', cluster: 'hacluster' }), { owner: 'root', group: 'haclient', mode: 0o640 });
  }
  maas = await startMaasEmulator({
    host: lab.hostAddress, apiKeys: [KEY], machines: REMOTES.map((hostname) => ({ hostname, domain: 'lab' })),
    powerDriver: async (m, action) => (action === 'off' ? lab.powerOff(m.hostname) : lab.powerOn(m.hostname)),
  });
  await lab.start();
  for (const m of MEMBERS.slice(1)) await syncCibSecrets(new LabNodeHost(lab, m), desiredCib(input()).secrets, KNOWN_SECRETS);
  const applied = await configureCluster(new LabNodeHost(lab, 'api1'), input());
  expect(applied.desired.errors).toEqual([]);
  // An operator's own alert next to ours: kept by the charm, and a record of every call Pacemaker makes.
  const raw = `<alert id="lab-raw" path="${RAW_ALERTS}/alert_file.sh"><recipient id="lab-raw-file" value="${RAW_ALERTS}/alerts.log"/></alert>`;
  const added = await lab.exec('api1', ['cibadmin', '--create', '--scope', 'alerts', '--xml-text', raw]);
  expect(added.exitCode, added.stderr).toBe(0);
  await lab.waitFor('2 remotes online, st-maas started, cluster idle', async () => {
    const s = await lab.status();
    return s.onlineRemotes.length === 2 && !s.busy && s.started.has('st-maas') ? s : null;
  }, 120_000, 500);
  await lab.waitSteady('quorum, idle, 2 remotes online', async () => {
    const s = await lab.status();
    return s.quorum && !s.busy && s.onlineRemotes.length === 2;
  }, 10_000);
}, 600_000);

afterAll(async () => {
  progress(`[notify] received:\n  ${timeline()}`);
  if (lab) progress(`[notify] Pacemaker's alert calls (alert_file.sh):\n  ${rawAlerts()}`);
  await maas?.stop();
  await lab?.destroy();
  for (const d of madeMountPoints.reverse()) rmdirSync(d);
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

const about = (host: string) => received.filter((r) => r.event.host === host).map((r) => r.event.event);

describe('operator notifications on a live cluster', () => {
  it('the CIB with our alert and an operator\'s alert passes crm_verify on the live cluster', async () => {
    const verify = await lab.exec('api1', ['crm_verify', '-L', '-V']);
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
    const alerts = await lab.exec('api2', ['cibadmin', '--query', '--scope', 'alerts']);
    expect(alerts.stdout).toContain('id="hacluster-ext-notify"');
    expect(alerts.stdout).toContain('id="lab-raw"');
    expect(alerts.stdout).not.toContain(HOOK_TOKEN);
  });

  it('a remote dies: host lost, fence started, fence succeeded, in that order, each once', async () => {
    const killed = Date.now();
    await lab.killRemote('cmp1');
    progress(`[notify] ${((killed - t0) / 1000).toFixed(1)} s: pacemaker-remoted killed on cmp1`);
    await lab.waitFor('fence succeeded for cmp1.lab at the webhook', async () => about('cmp1.lab').includes('fence-succeeded') || null, 180_000, 500)
      .catch((error: unknown) => {
        progress(`[notify] so far:\n  ${timeline()}\n[notify] Pacemaker's alert calls:\n  ${rawAlerts()}`);
        throw error;
      });
    await new Promise((r) => setTimeout(r, 5_000)); // duplicates, if any, would have arrived by now
    progress(`[notify] cmp1: ${about('cmp1.lab').join(' → ')}`);
    const seq = about('cmp1.lab').filter((e) => e !== 'host-joined');
    expect(seq).toEqual(['host-lost', 'fence-started', 'fence-succeeded']);
    for (const r of received) {
      expect(r.path).toBe(`/hooks/${HOOK_TOKEN}`);
      expect(JSON.stringify(r.event)).not.toContain(KEY.tokenSecret);
      expect(r.event.cluster).toBe('hacluster');
    }
  }, 300_000);

  it('the second host within the window: refused by the budget and a hold, not reported as a failed fence', async () => {
    // cmp1 stays off until someone powers it on, and Pacemaker keeps trying its connection meanwhile (never idle):
    // the operator's repair, so that cmp2's loss is injected on an idle cluster (lab README, traps).
    await lab.powerOn('cmp1');
    // Its failed connection starts while it was off count against it on every member: cleared, as an operator does.
    await lab.exec('api1', ['crm_resource', '--cleanup', '--resource', 'cmp1.lab']);
    await lab.waitSteady('quorum, idle, 2 remotes online', async () => {
      const s = await lab.status();
      return s.quorum && !s.busy && s.onlineRemotes.length === 2;
    }, 5_000, 240_000);
    await lab.killRemote('cmp2');
    progress(`[notify] ${((Date.now() - t0) / 1000).toFixed(1)} s: pacemaker-remoted killed on cmp2`);
    await lab.waitFor('hold entered at the webhook', async () => received.some((r) => r.event.event === 'hold-entered') || null, 180_000, 500)
      .catch((error: unknown) => {
        progress(`[notify] so far:\n  ${timeline()}`);
        throw error;
      });
    await new Promise((r) => setTimeout(r, 30_000)); // Pacemaker retries the refused fence meanwhile
    progress(`[notify] cmp2: ${about('cmp2.lab').join(' → ')}`);
    expect(about('cmp2.lab').filter((e) => e !== 'host-joined')).toEqual(['host-lost', 'fence-refused']);
    const hold = received.find((r) => r.event.event === 'hold-entered')?.event;
    expect(hold?.details).toMatchObject({ scope: 'budget', limit: 1, window: 600 });
    expect(hold?.summary).toMatch(/fencing held by the budget: budget of 1 host per 600 s spent \(cmp1\.lab\); cmp2\.lab refused/);
  }, 600_000);
});

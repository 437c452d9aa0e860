/**
 * The charm's own corosync.conf, keys and CIB code run a real three-member corosync/pacemaker cluster with two pacemaker-remote
 * nodes (tests/lab/cluster); killing pacemaker-remoted on one remote gets it fenced through the external/maas
 * plugin and the MAAS emulator, whose power driver really powers the remote node off; it stays off until powered
 * on through MAAS, then rejoins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { ClusterLab } from '../../../tests/lab/cluster/lab.js';
import { LabNodeHost } from '../../../tests/lab/cluster/node-host.js';
import { apiKeyText, startMaasEmulator, type MaasEmulator } from '../../../tests/zaza/emulators/maas/server.js';
import { syncCibSecrets } from '../src/cib/apply.js';
import { MaasClient, parseApiKey } from '../src/stonith/maas-client.js';
import { configureCluster, KNOWN_SECRETS } from '../src/cib/configure.js';
import { DEFAULT_CIB_CONFIG, desiredCib, type CibInput } from '../src/cib/desired.js';
import { parsePrincipal } from '../src/cib/principal.js';
import { charmRenderedRing } from './support/charm-ring.js';
import { installPlugin } from './support/plugin-install.js';

const MEMBERS = ['api1', 'api2', 'api3'];
const REMOTES = ['cmp1', 'cmp2'];
const KEY = { consumerKey: 'labConsumer', tokenKey: 'labToken', tokenSecret: 'labSecretValue123' };
const progress = (line: string): void => console.log(line);

const SUBNET = '10.79.0';
let lab: ClusterLab;
let maas: MaasEmulator;
let uninstall = (): void => undefined;

/** A principal like masakari's, with agents that run here: a real VIP on the lab network and a Dummy clone. */
const PRINCIPAL = parsePrincipal({
  json_resources: JSON.stringify({ res_lab_vip: 'ocf:heartbeat:IPaddr2', res_lab_api: 'ocf:pacemaker:Dummy' }),
  json_resource_params: JSON.stringify({
    res_lab_vip: 'params ip="10.79.0.100" cidr_netmask="24" nic="eth0" meta migration-threshold="INFINITY" failure-timeout="5s" op monitor timeout="20s" interval="10s" depth="0"',
    res_lab_api: 'op monitor interval="5s"',
  }),
  json_groups: JSON.stringify({ grp_lab_vips: 'res_lab_vip' }),
  json_clones: JSON.stringify({ cl_res_lab_api: 'res_lab_api' }),
});

function input(remotes: readonly string[] = REMOTES): CibInput {
  return {
    members: MEMBERS.map((name) => ({ name, address: lab.address(name) })),
    remotes: remotes.map((r) => ({ name: `${r}.lab`, address: lab.address(r), stonithHostname: `${r}.lab`, enableResources: false })),
    principal: PRINCIPAL.resources,
    config: {
      ...DEFAULT_CIB_CONFIG, maas: { url: maas.url, apiKey: apiKeyText(KEY) }, stonithPowerTimeout: 20,
      remoteMonitorInterval: '5s', remoteMonitorTimeout: '15s', remoteReconnectInterval: '15s',
    },
  };
}

beforeAll(async () => {
  expect(PRINCIPAL.errors).toEqual([]);
  uninstall = await installPlugin();
  // The ring runs on what the charm's own hooks wrote: corosync.conf from its template (knet, aes256/sha256) and
  // the keys its leader generated (the lab numbers members <subnet>.1, .2, ...).
  const ring = await charmRenderedRing(MEMBERS.map((name, i) => ({ name, address: `${SUBNET}.${i + 1}` })));
  lab = new ClusterLab({ prefix: 'hacl', subnet: SUBNET, members: MEMBERS, remotes: REMOTES, baseDir: '/var/tmp/hacl-lab', hostAddress: true, corosyncConf: ring.corosyncConf, log: progress });
  await lab.create();
  for (const node of lab.nodes) {
    if (MEMBERS.includes(node)) writeFileSync(lab.nodePath(node, '/etc/corosync/authkey'), ring.corosyncKey, { mode: 0o400 });
    writeFileSync(lab.nodePath(node, '/etc/pacemaker/authkey'), ring.pacemakerKey); // remotes get it over the relation
  }
  maas = await startMaasEmulator({
    host: lab.hostAddress, apiKeys: [KEY], machines: REMOTES.map((hostname) => ({ hostname, domain: 'lab' })),
    // Power really acts on the lab: off kills the remote node, on boots it and starts pacemaker-remoted again.
    powerDriver: async (m, action) => (action === 'off' ? lab.powerOff(m.hostname) : lab.powerOn(m.hostname)),
  });
  await lab.start();
});

afterAll(async () => {
  await maas?.stop();
  await lab?.destroy();
  uninstall();
});

describe('live cluster configured by the charm code', () => {
  it('applies the CIB once, remotes come online, members host everything', async () => {
    // Every member keeps its own copy of the secrets (non-leaders write them in their own hooks).
    for (const m of ['api2', 'api3']) await syncCibSecrets(new LabNodeHost(lab, m), desiredCib(input()).secrets, KNOWN_SECRETS);
    const leader = new LabNodeHost(lab, 'api1');
    const first = await configureCluster(leader, input());
    expect(first.wrote).toBe(true);
    expect(leader.invocations.map((a) => a.slice(0, 2).join(' '))).toEqual(['cibadmin --query', 'cibadmin --replace']);
    const second = new LabNodeHost(lab, 'api1');
    expect((await configureCluster(second, input())).wrote).toBe(false);
    expect(second.invocations).toEqual([['cibadmin', '--query']]);

    const secret = readFileSync(lab.nodePath('api2', '/var/lib/pacemaker/lrm/secrets/st-maas/apikey'), 'utf8');
    expect(secret.trim()).toBe(apiKeyText(KEY));
    const live = await lab.exec('api1', ['cibadmin', '--query']);
    expect(live.stdout).not.toContain(KEY.tokenSecret);
    expect((await lab.exec('api1', ['crm_verify', '-L', '-V'])).exitCode).toBe(0);

    const settled = await lab.waitFor('remotes online, st-maas and the VIP started, cluster idle', async () => {
      const s = await lab.status();
      return s.onlineRemotes.length === 2 && !s.busy && s.started.has('st-maas') && s.started.has('res_lab_vip') && s.started.get('res_lab_api')?.length === 3 ? s : null;
    }, 90_000, 500).catch(async (error: unknown) => {
      progress((await lab.exec('api1', ['crm_mon', '-1', '--inactive', '--failcounts'])).stdout);
      throw error;
    });
    progress(`[test] settled: ${JSON.stringify(Object.fromEntries(settled.started))}`);
    for (const [rsc, nodes] of settled.started) for (const n of nodes) expect(MEMBERS, `${rsc} on ${n}`).toContain(n);
    expect(new Set(settled.started.get('res_lab_api'))).toEqual(new Set(MEMBERS));
    expect(settled.started.get('cmp1.lab')?.[0]).toBe(first.desired.remotePlacement['cmp1.lab']);
  });

  it('a remote whose pacemaker-remoted dies is fenced through external/maas and the emulator', async () => {
    // The cluster idle with both remotes for 5 s in a row before the failure is injected (lab README, traps).
    await lab.waitSteady('quorum, idle, 2 remotes online', async () => {
      const s = await lab.status();
      return s.quorum && !s.busy && s.onlineRemotes.length === 2;
    }, 5_000, 60_000);
    const before = (await lab.fencingHistory()).length;
    const started = Date.now();
    await lab.killRemote('cmp1');
    const event = await lab.waitFor('cmp1.lab fenced', async () => {
      const h = await lab.fencingHistory();
      return h.length > before ? h.find((e) => e.target === 'cmp1.lab' && e.status === 'success') : null;
    }, 120_000, 100);
    const seconds = (Date.now() - started) / 1000;
    progress(`[test] cmp1.lab fenced (${event.action}) by ${event.delegate} ${seconds.toFixed(2)} s after pacemaker-remoted was killed`);
    // stonith_action=off (the default): the host stays off — nothing powers it on but the operator.
    expect(event.action).toBe('off');
    await maas.settle();
    const cmp1 = maas.machine('cmp1')!;
    const ops = () => maas.requests.filter((q) => q.systemId === cmp1.systemId).map((q) => q.op);
    expect(ops()).toContain('power_off');
    expect(cmp1.powerState).toBe('off');
    expect(maas.requests.some((q) => q.systemId === maas.machine('cmp2')?.systemId && q.op === 'power_off')).toBe(false);
    // Past the remote's reconnect interval pacemaker keeps trying to connect (crm_mon then briefly shows the
    // node online while the connection is Starting): nothing powers the host on.
    await new Promise((r) => setTimeout(r, 20_000));
    expect(ops()).not.toContain('power_on');
    expect(cmp1.powerState).toBe('off');

    // The operator powers it on through MAAS; it rejoins by itself.
    const client = new MaasClient(maas.url, parseApiKey(apiKeyText(KEY)));
    const poweredOn = Date.now();
    await client.powerOn(cmp1.systemId);
    await lab.waitFor('cmp1.lab back online after the operator powered it on', async () => {
      const s = await lab.status();
      return s.onlineRemotes.includes('cmp1.lab') && s.started.has('cmp1.lab');
    }, 300_000, 500);
    progress(`[test] cmp1.lab online again ${((Date.now() - poweredOn) / 1000).toFixed(1)} s after power-on`);
    const again = new LabNodeHost(lab, 'api1');
    expect((await configureCluster(again, input())).wrote).toBe(false);
  });

  it('a departed remote is removed with its rules and is not fenced', async () => {
    const before = (await lab.fencingHistory()).filter((e) => e.target === 'cmp2.lab').length;
    const result = await configureCluster(new LabNodeHost(lab, 'api1'), input(['cmp1']));
    expect(result.changed).toEqual(expect.arrayContaining(['resources', 'constraints']));
    await lab.waitFor('cmp2.lab gone from the cluster', async () => {
      const s = await lab.status();
      return !s.started.has('cmp2.lab') && !s.onlineRemotes.includes('cmp2.lab') && !s.busy;
    }, 60_000, 500);
    const live = await lab.exec('api1', ['cibadmin', '--query', '--scope', 'configuration']);
    expect(live.stdout).not.toMatch(/id="cmp2\.lab"|loc-cmp2|cmp2 cmp2\.lab/);
    // A later hook purges the departed node from pacemaker's memory. It waits while any member still has history of
    // the connection (the controller clears an orphan's history a moment after its stop), so the hooks that run
    // before that purge nothing and write nothing; update-status would be such a hook on a real unit.
    const hooks: { wrote: boolean; purged: readonly string[] }[] = [];
    await lab.waitFor('a hook purges cmp2.lab', async () => {
      const r = await configureCluster(new LabNodeHost(lab, 'api1'), input(['cmp1']));
      hooks.push({ wrote: r.wrote, purged: r.purged });
      return r.purged.length > 0 ? r : null;
    }, 60_000, 1000);
    progress(`[test] hooks until the purge: ${JSON.stringify(hooks)}`);
    expect(hooks.every((h) => !h.wrote)).toBe(true);
    expect(hooks.at(-1)?.purged).toEqual(['cmp2.lab']);
    expect(hooks.slice(0, -1).every((h) => h.purged.length === 0)).toBe(true);
    // -VV: crm_verify prints its warnings only from the second -V on. The controller may record the departed node
    // once more after the purge; the next hook (update-status at the latest) purges it again, as here.
    let verify = await lab.exec('api1', ['crm_verify', '-L', '-VV']);
    for (let hook = 0; verify.exitCode !== 0 && hook < 10; hook++) {
      progress(`[test] crm_verify exit ${verify.exitCode}: ${(verify.stdout + verify.stderr).trim()}`);
      progress(`[test] next hook: ${JSON.stringify(await configureCluster(new LabNodeHost(lab, 'api1'), input(['cmp1'])))}`);
      await new Promise((r) => setTimeout(r, 2000));
      verify = await lab.exec('api1', ['crm_verify', '-L', '-VV']);
    }
    const states = await lab.exec('api1', ['cibadmin', '--query', '--scope', 'status']);
    expect(verify.exitCode, `${verify.stdout}${verify.stderr}\n${states.stdout.match(/<node_state [^>]*>/g)?.join('\n')}`).toBe(0);
    // Once the scheduler is clean, nothing is left to purge.
    expect(await configureCluster(new LabNodeHost(lab, 'api1'), input(['cmp1']))).toMatchObject({ wrote: false, purged: [] });
    await new Promise((r) => setTimeout(r, 5000)); // a fencing would have been scheduled by now
    expect((await lab.fencingHistory()).filter((e) => e.target === 'cmp2.lab')).toHaveLength(before);
    expect(maas.requests.some((q) => q.systemId === maas.machine('cmp2')?.systemId && q.op === 'power_off')).toBe(false);
  });
});

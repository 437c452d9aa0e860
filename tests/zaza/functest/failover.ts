/**
 * Host failure as the upstream masakari test makes it, on the local model: an HA_Enabled instance on compute A;
 * pacemaker_remote loses its restart, nova-compute stops, pacemaker-remoted is killed with -9. Then: A is fenced
 * (MAAS emulator powers its machine off), a hostmonitor on another compute notifies masakari, masakari-engine
 * disables A's nova service and evacuates. Each step's time comes from the component that did it (power log,
 * masakari's notification record, the Nova emulator's events), on the one clock the machines share.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { listMachines, powerOn } from '../../../localmodel/machines/index.js';
import { defineTests, type SuiteContext } from '../../../deploy/context.js';
import { blockUntil, leaderOf, runAction, waitForApplicationStates } from '../../../deploy/model.js';
import { clusterSettled, crmMon } from './crm.js';
import { novaControl, ok, openstack } from './openstack.js';
import { computeHosts, maasDir, removeGhostNode, setNovaService } from './setup.js';
import { join } from 'node:path';
import { killBmc, reviveBmc } from './bmc.js';
import { parseFencingHistory } from '../../lab/cluster/cluster-state.js';

export interface Host {
  unit: string;
  host: string;
  machine: string;
}

export async function hosts(ctx: SuiteContext): Promise<Host[]> {
  return (ctx.facts['hosts'] as Host[] | undefined) ?? computeHosts(ctx);
}

/** Where enableMaasFencing left the MAAS emulator's power log (also found by a later functest-test run). */
export function maasFacts(ctx: SuiteContext): { powerLog: string } | undefined {
  const known = ctx.facts['maas'] as { powerLog: string } | undefined;
  if (known) return known;
  const powerLog = join(maasDir(ctx.model), 'power.log');
  return existsSync(maasDir(ctx.model)) ? { powerLog } : undefined;
}

/** Masakari's timestamps are UTC without a zone. */
export function utc(text: string | undefined): number | null {
  if (!text) return null;
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  return Number.isNaN(t) ? null : t;
}

export async function bootInstance(ctx: SuiteContext, name: string, host: string): Promise<string> {
  const created = await novaControl(ctx, 'POST', '/servers', { name, host, metadata: { HA_Enabled: 'True' } });
  if (created.status !== 201) throw new Error(`could not create instance on ${host}: ${JSON.stringify(created.body)}`);
  return created.body.server.id as string;
}

/** The upstream test's failure: no restart for pacemaker_remote, nova-compute stopped, remoted killed -9. */
export async function failHost(ctx: SuiteContext, h: Host): Promise<number> {
  await clusterSettled(ctx);
  const command = [
    'mkdir -p /run/systemd/system/pacemaker_remote.service.d',
    "printf '[Service]\\nRestart=no\\n' > /run/systemd/system/pacemaker_remote.service.d/zaza-no-restart.conf",
    'systemctl daemon-reload',
    'systemctl stop nova-compute',
    'date +%s%3N',
    // The bracket keeps pkill -f from matching this very shell, whose command line holds the pattern too.
    "{ pkill -9 -f '/usr/sbin/pacemaker-remote[d]' || true; }",
  ].join(' && ');
  const r = await ctx.cli.exec(ctx.model, h.unit, command);
  const killedAt = Number(r.stdout.trim().split('\n').pop());
  if (r.code !== 0 || !Number.isFinite(killedAt)) throw new Error(`failure simulation on ${h.unit} failed (exit ${r.code}): ${r.stderr.slice(0, 300)}`);
  return killedAt;
}

export interface FailoverTimeline {
  kill: number;
  fenced: number | null;
  notified: number | null;
  serviceDisabled: number | null;
  evacuationRequested: number | null;
  evacuated: number | null;
}

/**
 * masakari's UUID for a host name (notifications name their host by UUID only), or null when no segment has it.
 * Kept in the context's facts once found: the tests poll with it.
 */
export async function masakariHostId(ctx: SuiteContext, host: string): Promise<string | null> {
  const key = `masakari.host-id.${host}`;
  if (typeof ctx.facts[key] === 'string') return ctx.facts[key] as string;
  const segments = (await ok(openstack(ctx, 'instance-ha', 'GET', '/segments'), 'list segments')).segments as { uuid: string }[];
  for (const seg of segments) {
    const hosts = (await ok(openstack(ctx, 'instance-ha', 'GET', `/segments/${seg.uuid}/hosts`), 'list hosts')).hosts as { uuid: string; name: string }[];
    const found = hosts.find((x) => x.name === host);
    if (found) {
      ctx.facts[key] = found.uuid;
      return found.uuid;
    }
  }
  return null;
}

/** A host-down report (payload event STOPPED) about the host with this masakari UUID. */
export function isHostDown(n: any, hostId: string | null): boolean {
  return n.type === 'COMPUTE_HOST' && n.payload?.event === 'STOPPED' && (hostId === null || n.source_host_uuid === hostId);
}

export async function timeline(ctx: SuiteContext, h: Host, serverId: string, kill: number): Promise<FailoverTimeline> {
  const maas = maasFacts(ctx);
  let fenced: number | null = null;
  if (maas && existsSync(maas.powerLog)) {
    const lines = readFileSync(maas.powerLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action: string; hostname: string; done: number });
    fenced = lines.find((l) => l.action === 'off' && h.host.startsWith(l.hostname.split('.')[0]!) && l.done >= kill)?.done ?? null;
  }
  // A machine already off is fenced without a power change (the plugin asks MAAS first): Pacemaker's record then.
  if (maas) fenced ??= await fencedByPacemaker(ctx, h.host, kill);
  const notifications = await ok(openstack(ctx, 'instance-ha', 'GET', '/notifications?sort_key=created_at&sort_dir=asc&limit=100'), 'list notifications');
  const hostId = await masakariHostId(ctx, h.host);
  const mine = ((notifications.notifications ?? []) as any[]).filter((n) => isHostDown(n, hostId) && (utc(n.created_at) ?? 0) >= kill - 1000);
  const notified = utc(mine[0]?.created_at);
  const events = ((await novaControl(ctx, 'GET', '/events')).body?.events ?? []) as { at: number; kind: string; subject: string }[];
  const after = events.filter((e) => e.at >= kill);
  return {
    kill, fenced, notified,
    serviceDisabled: after.find((e) => e.kind === 'service.disabled' && e.subject === h.host)?.at ?? null,
    evacuationRequested: after.find((e) => e.kind === 'server.evacuate.requested' && e.subject === serverId)?.at ?? null,
    evacuated: after.find((e) => e.kind === 'server.evacuate.done' && e.subject === serverId)?.at ?? null,
  };
}

/**
 * When Pacemaker's fencing history (on the hacluster leader) shows `host` fenced successfully at or after `since`
 * (ms), to the second it records; null when it does not.
 */
async function fencedByPacemaker(ctx: SuiteContext, host: string, since: number): Promise<number | null> {
  const leader = leaderOf(await ctx.cli.status(ctx.model), 'hacluster').name;
  const r = await ctx.cli.exec(ctx.model, leader, `stonith_admin --history '*' --verbose --output-as=xml`);
  if (r.code !== 0) return null;
  const done = parseFencingHistory(r.stdout)
    .filter((e) => e.target === host && e.status === 'success' && e.completed)
    .map((e) => Date.parse(e.completed.replace(' ', 'T').replace(/ ?([+-]\d\d):?(\d\d)$/, '$1:$2')))
    .filter((t) => !Number.isNaN(t) && t >= Math.floor(since / 1000) * 1000);
  return done.length > 0 ? Math.min(...done) : null;
}

function describeTimeline(t: FailoverTimeline): string {
  const rel = (v: number | null) => (v === null ? 'n/a' : `+${((v - t.kill) / 1000).toFixed(1)} s`);
  return `kill 0 s → fenced ${rel(t.fenced)} → notified ${rel(t.notified)} → nova service disabled ${rel(t.serviceDisabled)} → evacuation requested ${rel(t.evacuationRequested)} → evacuated ${rel(t.evacuated)}`;
}

/** How a test takes a host down; resolves to the moment it did (ms since the epoch). */
export type FailureMode = (ctx: SuiteContext, h: Host) => Promise<number>;

/** Fails `victim` (by default as upstream does), waits for the instance to move, checks fencing came first. */
export async function failAndAwaitEvacuation(ctx: SuiteContext, victim: Host, label: string, fail: FailureMode = failHost): Promise<{ server: any; timeline: FailoverTimeline }> {
  const serverId = await bootInstance(ctx, `zaza-test-instance-${label}`, victim.host);
  ctx.log(`instance ${serverId} (HA_Enabled) on ${victim.host}; failing ${victim.unit}`);
  const kill = await fail(ctx, victim);
  ctx.timings.push({ step: `${label}.kill`, at: kill });
  const server = await blockUntil(`instance ${serverId} evacuated from ${victim.host}`, async () => {
    const s = (await ok(openstack(ctx, 'compute', 'GET', `/servers/${serverId}`, undefined, '2.53'), 'show server')).server;
    return s['OS-EXT-SRV-ATTR:host'] !== victim.host && s.status === 'ACTIVE' ? s : undefined;
  }, 600_000, 2_000);
  const t = await timeline(ctx, victim, serverId, kill);
  for (const [step, at] of Object.entries(t)) if (at !== null && step !== 'kill') ctx.timings.push({ step: `${label}.${step}`, at: at as number });
  ctx.facts[`failover.${label}`] = t;
  ctx.log(`${label}: ${describeTimeline(t)}; now on ${server['OS-EXT-SRV-ATTR:host']}`);
  if (maasFacts(ctx)) {
    assert.ok(t.fenced !== null, `${victim.host} was powered off through MAAS`);
    assert.ok(t.evacuationRequested !== null && t.fenced! <= t.evacuationRequested, `fencing (${t.fenced}) came before the evacuation (${t.evacuationRequested})`);
    assert.ok(t.serviceDisabled !== null && t.fenced! <= t.serviceDisabled, `masakari touched nova (${t.serviceDisabled}) only after the fence (${t.fenced})`);
    // masakari's fence gate (require-fencing, the charm's default) marks the service forced down once the fence is confirmed.
    const services = await ok(openstack(ctx, 'compute', 'GET', `/os-services?host=${encodeURIComponent(victim.host)}&binary=nova-compute`, undefined, '2.53'), 'list services');
    assert.equal(services.services[0]?.forced_down, true, `${victim.host}'s nova-compute service is forced down by the fence gate`);
  }
  return { server, timeline: t };
}

/** Power back on (if fenced), wait until it is a RemoteOnline node again, re-enable nova, clear maintenance. */
export async function recoverHost(ctx: SuiteContext, h: Host): Promise<void> {
  const short = h.host.split('.')[0]!;
  const machine = (await listMachines(ctx.model)).find((m) => m.hostname === short || m.fqdn === h.host);
  if (machine && !machine.running) {
    ctx.log(`powering ${h.host} back on`);
    await powerOn(machine);
  } else {
    await ctx.cli.exec(ctx.model, h.unit, 'rm -f /run/systemd/system/pacemaker_remote.service.d/zaza-no-restart.conf && systemctl daemon-reload && systemctl start pacemaker_remote nova-compute');
  }
  // crm_mon shows a remote "RemoteOnline" while its connection is still starting (and failing): the connection
  // resource must be Started too.
  await blockUntil(`${h.host} RemoteOnline with its connection started`, async () => {
    const { nodes, resources } = await crmMon(ctx);
    const node = nodes.find((n) => n.type === 'remote' && n.name.split('.')[0] === short && n.online);
    return node && resources.some((r) => r.id === node.name && r.role === 'Started') ? true : undefined;
  }, 600_000, 3_000);
  const back = Date.now();
  await setNovaService(ctx, h.host, true);
  const leader = leaderOf(await ctx.cli.status(ctx.model), 'masakari').name;
  // masakari refuses to change a host while one of its notifications is still being processed (HTTP 409 "in-use").
  await blockUntil(`masakari to take ${h.host} out of maintenance`, async () => {
    try {
      await runAction(ctx.cli, ctx.model, leader, 'set-maintenance', { host: h.host, state: 'off' });
      return true;
    } catch (error) {
      if (/in-use to process notifications/.test(String(error))) return undefined;
      throw error;
    }
  }, 300_000, 10_000);
  await waitForApplicationStates(ctx.cli, ctx.model, ctx.config.targetDeployStatus, 900_000, ctx.log);
  await hostMonitorsSeeOnline(ctx, h, back);
}

/** The host monitors' log line for a host they hold online and still see online. */
function steadyOnlineLine(host: string): string {
  return `'${host}' is 'online' (current: 'online')`;
}

/**
 * Waits until every other compute's masakari-host-monitor has recorded `h` online again, after `since` (ms). A
 * host monitor that last saw the host in its '_uncertain' state (a host just back) never reports it when it goes
 * offline from there: a failure injected before then is fenced but never notified, so nothing is evacuated (seen
 * when a test stopped a host 7 s after recovering it).
 */
async function hostMonitorsSeeOnline(ctx: SuiteContext, h: Host, since: number): Promise<void> {
  const others = (await hosts(ctx)).filter((x) => x.unit !== h.unit);
  await blockUntil(`the other computes' host monitors to hold ${h.host} online`, async () => {
    for (const o of others) {
      const r = await ctx.cli.exec(ctx.model, o.unit, `grep -F "${steadyOnlineLine(h.host)}" /var/log/masakari/masakari-host-monitor.log | tail -n 1`);
      const stamp = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d+)/.exec(r.stdout.trim());
      if (!stamp || Date.parse(`${stamp[1]}T${stamp[2]}Z`) < since) return undefined;
    }
    return true;
  }, 300_000, 3_000);
}

export const HostFailureTest = defineTests('HostFailureTest', {
  setUp: removeGhostNode,
  tests: {
    async test_100_host_failure_fences_then_evacuates(ctx) {
      const [a] = await hosts(ctx);
      const { server } = await failAndAwaitEvacuation(ctx, a!, 'failover');
      assert.notEqual(server['OS-EXT-SRV-ATTR:host'], a!.host);
      assert.equal(server['OS-EXT-STS:vm_state'], 'active');
    },
    async test_200_recovered_host_rejoins(ctx) {
      const [a] = await hosts(ctx);
      await recoverHost(ctx, a!);
      const { nodes } = await crmMon(ctx);
      assert.ok(nodes.filter((n) => n.type === 'remote').every((n) => n.online), 'every remote online again');
      const seg = await runAction(ctx.cli, ctx.model, leaderOf(await ctx.cli.status(ctx.model), 'masakari').name, 'list-hosts', { segment: 'seg0' });
      const listed = JSON.parse(String(seg.results['hosts'])) as { name: string; on_maintenance: boolean }[];
      assert.equal(listed.find((x) => x.name === a!.host)?.on_maintenance, false, 'maintenance cleared through the charm action');
    },
  },
});

/** How long a host that cannot be fenced is watched, after its failure was reported, for masakari leaving it alone. */
const UNFENCED_HOLD_MS = 30_000;
/** masakari-api refuses a notification equal to one it received this recently (duplicate_notification_detection_interval). */
const DUPLICATE_INTERVAL_MS = 180_000;

/** Waits until masakari would accept a new host-down notification for `host` (its last one is old enough). */
export async function awaitNotificationWindow(ctx: SuiteContext, host: string): Promise<void> {
  const listed = await ok(openstack(ctx, 'instance-ha', 'GET', '/notifications?sort_key=created_at&sort_dir=desc&limit=100'), 'list notifications');
  const hostId = await masakariHostId(ctx, host);
  const last = ((listed.notifications ?? []) as any[]).find((n) => isHostDown(n, hostId));
  const wait = last ? (utc(last.created_at) ?? 0) + DUPLICATE_INTERVAL_MS + 5_000 - Date.now() : 0;
  if (wait <= 0) return;
  ctx.log(`${host} was reported down ${((Date.now() - utc(last.created_at)!) / 1000).toFixed(0)} s ago; masakari ignores a repeat within 180 s: waiting ${(wait / 1000).toFixed(0)} s`);
  await new Promise((r) => setTimeout(r, wait));
}

export const ReservedHostTest = defineTests('ReservedHostTest', {
  tests: {
    async test_300_instance_lands_on_the_reserved_host(ctx) {
      const [, b, c] = await hosts(ctx);
      const { server } = await failAndAwaitEvacuation(ctx, b!, 'reserved');
      assert.equal(server['OS-EXT-SRV-ATTR:host'], c!.host, 'reserved_host recovery used the reserved host');
      const services = await ok(openstack(ctx, 'compute', 'GET', `/os-services?host=${encodeURIComponent(c!.host)}&binary=nova-compute`, undefined, '2.53'), 'services');
      assert.equal(services.services[0].status, 'enabled', 'masakari enabled the reserved host');
    },
    async test_310_recover_failed_host(ctx) {
      const [, b] = await hosts(ctx);
      await recoverHost(ctx, b!);
    },
  },
});

/**
 * The BMC of compute A is dead (its power changes fail, as when it lost power with the host): pacemaker cannot
 * fence A, so masakari must not touch A's instances or its nova service, however long A has been reported down.
 * Once the BMC answers again, pacemaker's next attempt fences A and the evacuation follows.
 */
export const UnfencedHostTest = defineTests('UnfencedHostTest', {
  setUp: removeGhostNode,
  tests: {
    async test_400_unfenced_host_keeps_its_instances(ctx) {
      const maas = maasFacts(ctx);
      if (!maas) {
        ctx.log('no MAAS emulator (real controller): skipped, a BMC cannot be made to fail here');
        return;
      }
      const [a] = await hosts(ctx);
      const short = a!.host.split('.')[0]!;
      await awaitNotificationWindow(ctx, a!.host);
      killBmc(maas.powerLog, a!.host);
      try {
        const serverId = await bootInstance(ctx, 'zaza-test-instance-unfenced', a!.host);
        ctx.log(`instance ${serverId} (HA_Enabled) on ${a!.host}; its BMC is dead; failing ${a!.unit}`);
        const kill = await failHost(ctx, a!);
        const reported = await blockUntil(`masakari notified of ${a!.host}`, async () => (await timeline(ctx, a!, serverId, kill)).notified ?? undefined, 300_000, 2_000);
        const holdUntil = Date.now() + UNFENCED_HOLD_MS;
        while (Date.now() < holdUntil) {
          const server = (await ok(openstack(ctx, 'compute', 'GET', `/servers/${serverId}`, undefined, '2.53'), 'show server')).server;
          assert.equal(server['OS-EXT-SRV-ATTR:host'], a!.host, `the instance stays on ${a!.host} while it is not fenced`);
          const t = await timeline(ctx, a!, serverId, kill);
          assert.equal(t.serviceDisabled, null, 'nova is not touched before the fence');
          assert.equal(t.evacuationRequested, null, 'no evacuation before the fence');
          await new Promise((r) => setTimeout(r, 3_000));
        }
        const attempts = readFileSync(maas.powerLog, 'utf8').split('\n').filter((l) => /"(query|off)-failed"/.test(l) && l.includes(`"${short}"`)).length;
        ctx.log(`unfenced: reported +${((reported - kill) / 1000).toFixed(1)} s; ${((Date.now() - reported) / 1000).toFixed(0)} s later the instance is still on ${a!.host} and nova untouched; the BMC failed ${attempts} fencing requests`);
        assert.ok(attempts > 0, 'pacemaker tried to fence the host through MAAS');

        reviveBmc(maas.powerLog, a!.host);
        const restored = Date.now();
        ctx.log(`the BMC of ${a!.host} answers again`);
        const server = await blockUntil(`instance ${serverId} evacuated from ${a!.host}`, async () => {
          const s = (await ok(openstack(ctx, 'compute', 'GET', `/servers/${serverId}`, undefined, '2.53'), 'show server')).server;
          return s['OS-EXT-SRV-ATTR:host'] !== a!.host && s.status === 'ACTIVE' ? s : undefined;
        }, 600_000, 2_000);
        const t = await timeline(ctx, a!, serverId, kill);
        ctx.log(`unfenced: BMC back +${((restored - kill) / 1000).toFixed(1)} s; ${describeTimeline(t)}; now on ${server['OS-EXT-SRV-ATTR:host']}`);
        assert.ok(t.fenced !== null && t.fenced >= restored, 'fenced only once the BMC answered');
        assert.ok(t.serviceDisabled !== null && t.fenced <= t.serviceDisabled, 'nova touched only after the fence');
      } finally {
        reviveBmc(maas.powerLog, a!.host);
      }
      await recoverHost(ctx, a!);
    },
  },
});

/**
 * The two failures the fencing budget exists for, on the local model:
 *
 * - WholeHostLostTest: a compute machine stops whole (no process left to answer, no connection reset): it is
 *   fenced through MAAS and its instance evacuated, as when pacemaker-remoted alone is killed.
 * - PartitionTest: the network between the API units and every compute is cut at once (blackhole routes on the
 *   computes to each member and the VIP: both directions fail, the computes still reach each other). Pacemaker
 *   loses every remote; at most the budget's hosts are powered off, the rest stay on, nothing on them is evacuated,
 *   both charms show the hold. The network comes back, the refused remotes rejoin after an operator's cleanup,
 *   the hold is released, and nothing more is fenced.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { listMachines, powerOff } from '../../../localmodel/machines/index.js';
import { defineTests, type SuiteContext } from '../../../deploy/context.js';
import { appUnits, blockUntil, leaderOf, runAction } from '../../../deploy/model.js';
import { clusterSettled, crmMon } from './crm.js';
import { awaitNotificationWindow, bootInstance, failAndAwaitEvacuation, hosts, maasFacts, recoverHost, type Host } from './failover.js';
import { novaControl, ok, openstack } from './openstack.js';

interface PowerLine {
  action: string;
  hostname: string;
  done?: number;
  requested: number;
}

function powerLines(ctx: SuiteContext): PowerLine[] {
  const maas = maasFacts(ctx);
  if (!maas || !existsSync(maas.powerLog)) return [];
  return readFileSync(maas.powerLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as PowerLine);
}

function shortName(host: string): string {
  return host.split('.')[0]!;
}

/** Host names powered off through MAAS since `since` (ms), in order. */
function powerOffsSince(ctx: SuiteContext, since: number): string[] {
  return powerLines(ctx).filter((l) => l.action === 'off' && (l.done ?? l.requested) >= since).map((l) => shortName(l.hostname));
}

interface FenceLogRecord {
  seq: number;
  kind: string;
  at: number;
  target?: string;
  scope?: string;
}

async function hacluster(ctx: SuiteContext): Promise<string> {
  return leaderOf(await ctx.cli.status(ctx.model), 'hacluster').name;
}

/** The fence log as the hacluster leader's fencing-log action reads it (the action also refreshes the unit's status). */
async function fenceLog(ctx: SuiteContext, unit?: string): Promise<{ records: FenceLogRecord[]; view: any }> {
  const r = await runAction(ctx.cli, ctx.model, unit ?? (await hacluster(ctx)), 'fencing-log');
  return { records: JSON.parse(String(r.results['records'] ?? '[]')) as FenceLogRecord[], view: JSON.parse(String(r.results['view'] ?? 'null')) };
}

/**
 * Waits until no fence counts against the budget any more: the tests before fail one host each, and the suite's
 * window (fence_budget_window, 60 s) must have passed since the last of them, or the next fence would be refused.
 */
export async function awaitFreshBudget(ctx: SuiteContext): Promise<void> {
  const window = Number((await ctx.cli.getConfig(ctx.model, 'hacluster'))['fence_budget_window']?.value ?? 3600);
  const { records } = await fenceLog(ctx);
  const last = Math.max(0, ...records.filter((r) => r.kind === 'fenced').map((r) => r.at));
  const wait = (last + window + 5) * 1000 - Date.now();
  if (wait > 0) {
    ctx.log(`the last fence was ${Math.round(Date.now() / 1000 - last)} s ago and the budget's window is ${window} s: waiting ${Math.ceil(wait / 1000)} s`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** The machine stops at once, as when it loses power: nothing on it answers or closes a connection. */
async function stopWholeMachine(ctx: SuiteContext, h: Host): Promise<number> {
  await clusterSettled(ctx);
  const machine = (await listMachines(ctx.model)).find((m) => m.id === h.machine);
  if (!machine) throw new Error(`no machine ${h.machine} in model ${ctx.model}`);
  const at = Date.now();
  await powerOff(machine, { graceful: false });
  ctx.log(`machine ${h.machine} (${h.host}) stopped whole in ${((Date.now() - at) / 1000).toFixed(1)} s`);
  return at;
}

/** A compute left off by an earlier, failed run of these tests (functest-test on a kept model) is brought back first. */
export async function everyComputeUp(ctx: SuiteContext): Promise<void> {
  const running = new Map((await listMachines(ctx.model)).map((m) => [m.id, m.running]));
  for (const h of await hosts(ctx)) if (running.get(h.machine) === false) await recoverHost(ctx, h);
}

export const WholeHostLostTest = defineTests('WholeHostLostTest', {
  setUp: everyComputeUp,
  tests: {
    async test_500_stopped_machine_is_fenced_and_evacuated(ctx) {
      if (!maasFacts(ctx)) {
        ctx.log('no MAAS emulator (real controller): skipped, a machine cannot be stopped from here');
        return;
      }
      const [a] = await hosts(ctx);
      await awaitNotificationWindow(ctx, a!.host);
      await awaitFreshBudget(ctx);
      const { server, timeline } = await failAndAwaitEvacuation(ctx, a!, 'whole-host', stopWholeMachine);
      assert.notEqual(server['OS-EXT-SRV-ATTR:host'], a!.host);
      const evacuated = (timeline.evacuated! - timeline.kill) / 1000;
      ctx.log(`whole host lost: evacuated ${evacuated.toFixed(1)} s after the machine stopped (goal ≤ 30 s)`);
      await recoverHost(ctx, a!);
    },
  },
});

/** Blackhole routes on a compute to every member and the VIP: its packets to them, and so its replies, go nowhere. */
async function cutFromMembers(ctx: SuiteContext, h: Host, addresses: readonly string[], cut: boolean): Promise<void> {
  const command = addresses.map((a) => (cut ? `ip route replace blackhole ${a}/32` : `{ ip route del blackhole ${a}/32 || true; }`)).join(' && ');
  const r = await ctx.cli.exec(ctx.model, h.unit, command);
  if (r.code !== 0) throw new Error(`${cut ? 'cutting' : 'restoring'} ${h.unit}'s routes to the members failed (exit ${r.code}): ${r.stderr.slice(0, 300)}`);
}

async function memberAddresses(ctx: SuiteContext): Promise<string[]> {
  const status = await ctx.cli.status(ctx.model);
  const members = appUnits(status, 'masakari').map((u) => status.machines?.[u.machine ?? '']?.['ip-addresses']?.[0] ?? status.machines?.[u.machine ?? '']?.['dns-name']);
  const vip = String((await ctx.cli.getConfig(ctx.model, 'masakari'))['vip']?.value ?? '').split(/\s+/).filter(Boolean);
  const all = [...members, ...vip].filter((a): a is string => typeof a === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(a));
  if (members.length < 3 || all.length < members.length) throw new Error(`could not read the members' addresses from juju status (${all.length} found)`);
  return all;
}

/** Nova's evacuations requested since `since` (ms) for these servers. */
async function evacuationsOf(ctx: SuiteContext, servers: readonly string[], since: number): Promise<string[]> {
  const events = ((await novaControl(ctx, 'GET', '/events')).body?.events ?? []) as { at: number; kind: string; subject: string }[];
  return events.filter((e) => e.at >= since && e.kind === 'server.evacuate.requested' && servers.includes(e.subject)).map((e) => e.subject);
}

/** Each unit's workload status of `app`, from juju status. */
async function statuses(ctx: SuiteContext, app: string): Promise<{ unit: string; status: string; message: string }[]> {
  const doc = await ctx.cli.status(ctx.model);
  return appUnits(doc, app).map((u) => ({ unit: u.name, status: u.workload ?? '', message: u.message ?? '' }));
}

const WATCH_AFTER_HOLD_MS = 90_000;

export const PartitionTest = defineTests('PartitionTest', {
  setUp: everyComputeUp,
  tests: {
    async test_600_partition_powers_off_at_most_the_budget(ctx) {
      if (!maasFacts(ctx)) {
        ctx.log('no MAAS emulator (real controller): skipped, the partition needs the emulated BMCs');
        return;
      }
      const computes = await hosts(ctx);
      await awaitFreshBudget(ctx);
      for (const h of computes) await awaitNotificationWindow(ctx, h.host);
      const limit = Number((await fenceLog(ctx)).view?.limit ?? NaN);
      assert.ok(Number.isInteger(limit) && limit >= 1, 'the fence log reports the budget st-maas carries');
      const addresses = await memberAddresses(ctx);
      const servers = new Map<string, string>();
      for (const h of computes) servers.set(h.host, await bootInstance(ctx, `zaza-test-instance-partition-${shortName(h.host)}`, h.host));
      await clusterSettled(ctx);
      const t0 = Date.now();
      const at = (t: number): string => `+${((t - t0) / 1000).toFixed(1)} s`;
      const timeline: string[] = [];
      await Promise.all(computes.map((h) => cutFromMembers(ctx, h, addresses, true)));
      timeline.push(`${at(Date.now())} network cut between the members (${addresses.join(', ')}) and ${computes.map((h) => h.host).join(', ')}`);
      ctx.log(timeline[timeline.length - 1]!);
      try {
        // The first fence and a refusal (the budget's hold), as the members' fence log records them.
        const held = await blockUntil('a fence and the budget hold in the fence log', async () => {
          const log = await fenceLog(ctx);
          const fresh = log.records.filter((r) => r.at * 1000 >= t0 - 1000);
          return fresh.some((r) => r.kind === 'hold' && r.scope === 'budget') ? log : undefined;
        }, 300_000, 3_000);
        const holdAt = Math.max(...held.records.filter((r) => r.kind === 'hold').map((r) => r.at)) * 1000;
        for (const r of held.records.filter((x) => x.at * 1000 >= t0 - 1000)) timeline.push(`${at(r.at * 1000)} fence log #${r.seq}: ${r.kind}${r.target ? ` ${r.target}` : ''}${r.scope ? ` (${r.scope})` : ''}`);
        ctx.log(`partition: budget hold ${at(holdAt)}; watching ${WATCH_AFTER_HOLD_MS / 1000} s more`);
        await new Promise((r) => setTimeout(r, WATCH_AFTER_HOLD_MS));

        const offs = powerOffsSince(ctx, t0);
        for (const l of powerLines(ctx).filter((x) => (x.done ?? x.requested) >= t0)) timeline.push(`${at(l.done ?? l.requested)} MAAS ${l.action} ${l.hostname}`);
        const running = new Map((await listMachines(ctx.model)).map((m) => [m.hostname, m.running]));
        const refused = computes.filter((h) => !offs.includes(shortName(h.host)));
        const evacuated = await evacuationsOf(ctx, refused.map((h) => servers.get(h.host)!), t0);
        ctx.log(`partition: limit ${limit}; powered off ${offs.length} (${offs.join(', ') || 'none'}); left powered: ${refused.map((h) => `${h.host}=${running.get(shortName(h.host)) ? 'on' : 'off'}`).join(' ')}; evacuations of their instances: ${evacuated.length}`);
        assert.ok(offs.length >= 1, 'the first lost host is fenced (the budget lets one through)');
        assert.ok(offs.length <= limit, `at most the budget's ${limit} host(s) powered off, got ${offs.length}`);
        for (const h of refused) assert.equal(running.get(shortName(h.host)), true, `${h.host} stays powered`);
        assert.deepEqual(evacuated, [], 'no instance of a host left powered is evacuated');

        // Both charms say so: the action refreshed each member's view; masakari hears it over `ha`.
        for (const s of await statuses(ctx, 'hacluster')) await fenceLog(ctx, s.unit);
        const ha = await blockUntil('hacluster units blocked on the hold', async () => {
          const list = await statuses(ctx, 'hacluster');
          return list.every((s) => s.status === 'blocked' && /fenc/i.test(s.message)) ? list : undefined;
        }, 120_000, 3_000);
        const masakari = await blockUntil('masakari units showing the hold', async () => {
          const list = await statuses(ctx, 'masakari');
          return list.every((s) => /hold|held|budget/i.test(s.message)) ? list : undefined;
        }, 300_000, 5_000);
        ctx.log(`partition: hacluster status "${ha[0]!.status}: ${ha[0]!.message}"; masakari "${masakari[0]!.status}: ${masakari[0]!.message}"`);
      } finally {
        // A machine powered off lost its routes with its network namespace; it comes back without them.
        const up = new Map((await listMachines(ctx.model)).map((m) => [m.id, m.running]));
        await Promise.all(computes.filter((h) => up.get(h.machine)).map((h) => cutFromMembers(ctx, h, addresses, false)));
        timeline.push(`${at(Date.now())} network restored`);
      }
      const restored = Date.now();
      // Pacemaker does not reconnect a remote it still wants to fence: the operator checks them and cleans up.
      const offs = powerOffsSince(ctx, t0);
      const leader = await hacluster(ctx);
      for (const h of computes.filter((x) => !offs.includes(shortName(x.host)))) {
        const { nodes } = await crmMon(ctx);
        const node = nodes.find((n) => n.type === 'remote' && shortName(n.name) === shortName(h.host));
        if (node) await runAction(ctx.cli, ctx.model, leader, 'cleanup', { resource: node.name });
      }
      for (const h of computes.filter((x) => offs.includes(shortName(x.host)))) await recoverHost(ctx, h);
      await blockUntil('every remote online again', async () => {
        const { nodes } = await crmMon(ctx);
        const remotes = nodes.filter((n) => n.type === 'remote');
        return remotes.length === computes.length && remotes.every((n) => n.online) ? true : undefined;
      }, 600_000, 5_000);
      timeline.push(`${at(Date.now())} all ${computes.length} remotes online`);
      await runAction(ctx.cli, ctx.model, leader, 'release-fencing-hold', { 'i-have-checked': 'true' });
      timeline.push(`${at(Date.now())} fencing hold released`);
      await clusterSettled(ctx);
      await new Promise((r) => setTimeout(r, 30_000));
      const after = powerOffsSince(ctx, restored);
      ctx.log(`partition timeline:\n  ${timeline.join('\n  ')}`);
      assert.deepEqual(after, [], 'nothing is powered off once the network is back and the hold released');
      for (const s of await statuses(ctx, 'hacluster')) await fenceLog(ctx, s.unit);
      for (const h of computes.filter((x) => !offs.includes(shortName(x.host)))) {
        const server = (await ok(openstack(ctx, 'compute', 'GET', `/servers/${servers.get(h.host)}`, undefined, '2.53'), 'show server')).server;
        assert.equal(server['OS-EXT-SRV-ATTR:host'], h.host, `the instance of ${h.host}, never fenced, is where it was`);
      }
    },
  },
});

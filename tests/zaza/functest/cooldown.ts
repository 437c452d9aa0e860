/**
 * The recovery cooldown on the local model: a host that was evacuated a few minutes ago fails again while
 * `recovery-cooldown` is in force. Pacemaker fences it (that is hacluster's job and is not withheld); masakari's
 * fence gate ends the notification without evacuating, and the notification's last progress message says why.
 * The suite's overlay sets recovery-cooldown=0 because the other tests fail the same hosts minutes apart; this
 * test sets it for itself and puts it back.
 */
import assert from 'node:assert/strict';
import { defineTests, type SuiteContext } from '../../../deploy/context.js';
import { blockUntil, waitForApplicationStates } from '../../../deploy/model.js';
import { awaitNotificationWindow, bootInstance, failHost, hosts, isHostDown, maasFacts, masakariHostId, recoverHost, timeline, utc } from './failover.js';
import { ok, openstack } from './openstack.js';
import { awaitFreshBudget, everyComputeUp } from './partition.js';

const COOLDOWN = '3600';
/** How long the instance is watched after the notification ended, for an evacuation that must not come. */
const WATCH_MS = 20_000;

/** The newest progress message of a notification's recovery workflow (API microversion 1.1 shows them). */
async function lastProgress(ctx: SuiteContext, id: string): Promise<string> {
  const n = (await ok(openstack(ctx, 'instance-ha', 'GET', `/notifications/${id}`, undefined, '1.1'), 'show notification')).notification;
  const details = ((n.recovery_workflow_details ?? []) as any[]).flatMap((s) => (s.progress_details ?? []) as { timestamp?: string; message?: string }[]);
  return details.filter((d) => typeof d.message === 'string').sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp))).pop()?.message ?? '';
}

export const CooldownTest = defineTests('CooldownTest', {
  setUp: everyComputeUp,
  tests: {
    async test_550_host_failed_again_inside_its_cooldown_is_fenced_but_not_evacuated(ctx) {
      if (!maasFacts(ctx)) {
        ctx.log('no MAAS emulator (real controller): skipped');
        return;
      }
      const [a] = await hosts(ctx);
      const previous = String((await ctx.cli.getConfig(ctx.model, 'masakari'))['recovery-cooldown']?.value ?? '0');
      await ctx.cli.config(ctx.model, 'masakari', { 'recovery-cooldown': COOLDOWN });
      try {
        await waitForApplicationStates(ctx.cli, ctx.model, ctx.config.targetDeployStatus, 900_000, ctx.log);
        await awaitNotificationWindow(ctx, a!.host);
        await awaitFreshBudget(ctx);
        const serverId = await bootInstance(ctx, 'zaza-test-instance-cooldown', a!.host);
        ctx.log(`instance ${serverId} (HA_Enabled) on ${a!.host}, evacuated from it earlier in this suite; failing ${a!.unit} inside recovery-cooldown=${COOLDOWN}`);
        const kill = await failHost(ctx, a!);
        const hostId = await masakariHostId(ctx, a!.host);
        const ended = await blockUntil(`masakari's notification about ${a!.host} ended`, async () => {
          const listed = await ok(openstack(ctx, 'instance-ha', 'GET', '/notifications?sort_key=created_at&sort_dir=desc&limit=50'), 'list notifications');
          const n = ((listed.notifications ?? []) as any[]).find((x) => isHostDown(x, hostId) && (utc(x.created_at) ?? 0) >= kill - 1000);
          return n && ['finished', 'failed', 'ignored'].includes(n.status) ? n : undefined;
        }, 300_000, 2_000);
        await new Promise((r) => setTimeout(r, WATCH_MS));
        const t = await timeline(ctx, a!, serverId, kill);
        const reason = await lastProgress(ctx, ended.notification_uuid);
        const server = (await ok(openstack(ctx, 'compute', 'GET', `/servers/${serverId}`, undefined, '2.53'), 'show server')).server;
        const rel = (v: number | null) => (v === null ? 'n/a' : `+${((v - kill) / 1000).toFixed(1)} s`);
        ctx.log(`cooldown: fenced ${rel(t.fenced)}, notified ${rel(t.notified)}, notification ${ended.status}; evacuation requested ${rel(t.evacuationRequested)}; instance on ${server['OS-EXT-SRV-ATTR:host']}; reason: "${reason}"`);
        assert.ok(t.fenced !== null, 'the host is fenced: the cooldown withholds the evacuation, not the fence');
        assert.equal(ended.status, 'finished', 'the notification ends without a retry');
        assert.equal(t.evacuationRequested, null, 'nothing is evacuated inside the cooldown');
        assert.equal(server['OS-EXT-SRV-ATTR:host'], a!.host, 'the instance stays where it was');
        assert.match(reason, /recovery cooldown: host '[^']+' was recovered at .*\(recovery-cooldown 3600 s\)/);
      } finally {
        await ctx.cli.config(ctx.model, 'masakari', { 'recovery-cooldown': previous });
      }
      await recoverHost(ctx, a!);
    },
  },
});

/**
 * Instance and process failure on a real hypervisor: the nova-compute stand-ins run libvirtd with one QEMU domain
 * per instance (tests/zaza/charms/nova-compute). The instance test kills the qemu process of an instance's domain,
 * as the masakari blog's "kill qemu" does; masakari-instance-monitor sees libvirt's STOPPED_FAILED event, masakari
 * stops and starts the instance through Nova, and the compute starts the domain again. The process test makes
 * libvirtd die where neither systemd nor socket activation brings it back, and masakari-process-monitor restarts it.
 * Times come from the components' own records: masakari's notification, the Nova emulator's events, the machine's
 * clock for the kill and for the domain running again.
 */
import assert from 'node:assert/strict';
import { defineTests, type SuiteContext } from '../../../deploy/context.js';
import { blockUntil, waitForApplicationStates } from '../../../deploy/model.js';
import { domainName } from '../charms/nova-compute/src/domains.js';
import { novaControl, ok, openstack } from './openstack.js';
import { computeHosts } from './setup.js';

interface Host {
  unit: string;
  host: string;
  machine: string;
}

const VIRSH = 'virsh -q -c qemu:///system';

async function firstCompute(ctx: SuiteContext): Promise<Host> {
  const hosts = (ctx.facts['hosts'] as Host[] | undefined) ?? (await computeHosts(ctx));
  return hosts[0]!;
}

async function onUnit(ctx: SuiteContext, unit: string, command: string): Promise<string> {
  const r = await ctx.cli.exec(ctx.model, unit, command);
  if (r.code !== 0) throw new Error(`on ${unit}: '${command.slice(0, 80)}' exited ${r.code}: ${r.stderr.slice(0, 300)}`);
  return r.stdout.trim();
}

/** The qemu pid of a running domain, or undefined while it is not running. */
async function runningQemu(ctx: SuiteContext, h: Host, id: string): Promise<number | undefined> {
  const r = await ctx.cli.exec(ctx.model, h.unit, `${VIRSH} domstate ${id} && cat /run/libvirt/qemu/${domainName(id)}.pid`);
  const [state, pid] = r.stdout.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  return r.code === 0 && state === 'running' && pid && /^\d+$/.test(pid) ? Number(pid) : undefined;
}

async function bootOn(ctx: SuiteContext, h: Host, name: string, haEnabled: boolean): Promise<{ id: string; pid: number }> {
  const created = await novaControl(ctx, 'POST', '/servers', { name, host: h.host, metadata: haEnabled ? { HA_Enabled: 'True' } : {} });
  if (created.status !== 201) throw new Error(`could not create instance on ${h.host}: ${JSON.stringify(created.body)}`);
  const id = created.body.server.id as string;
  const pid = await blockUntil(`domain of ${id} running on ${h.host}`, () => runningQemu(ctx, h, id), 180_000, 1_000);
  ctx.log(`instance ${id} (${haEnabled ? 'HA_Enabled' : 'not HA_Enabled'}) runs as ${domainName(id)}, qemu pid ${pid}, on ${h.host}`);
  return { id, pid };
}

/** kill -9 of the domain's qemu process; returns the machine's clock at the kill (ms). */
async function killQemu(ctx: SuiteContext, h: Host, pid: number): Promise<number> {
  const out = await onUnit(ctx, h.unit, `date +%s%3N && kill -9 ${pid}`);
  return Number(out.split('\n')[0]);
}

/** masakari's timestamps are UTC without a zone. */
function utc(text: string | undefined): number | null {
  if (!text) return null;
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  return Number.isNaN(t) ? null : t;
}

/** The instance monitor's VM notification for this instance, once masakari has finished with it. */
async function vmNotification(ctx: SuiteContext, id: string, after: number): Promise<any> {
  return blockUntil(`masakari VM notification for ${id} processed`, async () => {
    const listed = await ok(openstack(ctx, 'instance-ha', 'GET', '/notifications?sort_key=created_at&sort_dir=desc&limit=100'), 'list notifications');
    const n = ((listed.notifications ?? []) as any[]).find((x) => x.type === 'VM' && x.payload?.instance_uuid === id && (utc(x.created_at) ?? 0) >= after - 1_000);
    return n && ['finished', 'ignored', 'error', 'failed'].includes(n.status) ? n : undefined;
  }, 300_000, 2_000);
}

async function novaEvent(ctx: SuiteContext, id: string, kind: string, after: number): Promise<number | null> {
  const events = ((await novaControl(ctx, 'GET', '/events')).body?.events ?? []) as { at: number; kind: string; subject: string }[];
  return events.find((e) => e.subject === id && e.kind === kind && e.at >= after)?.at ?? null;
}

/** Offset from the kill; masakari records created_at in whole seconds, so a notification may show up to 1 s early. */
const rel = (kill: number, v: number | null) => (v === null ? 'n/a' : `${v >= kill ? '+' : '-'}${(Math.abs(v - kill) / 1000).toFixed(1)} s`);

export const InstanceFailureTest = defineTests('InstanceFailureTest', {
  tests: {
    async test_500_killed_instance_is_restarted(ctx) {
      const a = await firstCompute(ctx);
      const { id, pid } = await bootOn(ctx, a, 'zaza-instance-failure', true);
      const kill = await killQemu(ctx, a, pid);
      const notification = await vmNotification(ctx, id, kill);
      assert.equal(notification.payload.event, 'LIFECYCLE');
      assert.equal(notification.payload.vir_domain_event, 'STOPPED_FAILED');
      assert.equal(notification.status, 'finished', `masakari finished the recovery (status ${notification.status})`);
      const newPid = await blockUntil(`domain of ${id} running again`, async () => {
        const p = await runningQemu(ctx, a, id);
        return p !== undefined && p !== pid ? p : undefined;
      }, 120_000, 1_000);
      const runningAt = Number(await onUnit(ctx, a.unit, 'date +%s%3N'));
      const server = (await ok(openstack(ctx, 'compute', 'GET', `/servers/${id}`, undefined, '2.53'), 'show server')).server;
      assert.equal(server['OS-EXT-STS:vm_state'], 'active');
      assert.equal(server['OS-EXT-SRV-ATTR:host'], a.host, 'restarted in place, not evacuated');
      const stopped = await novaEvent(ctx, id, 'server.stopped', kill);
      const started = await novaEvent(ctx, id, 'server.started', kill);
      const notified = utc(notification.created_at);
      ctx.log(`instance failure: kill 0 s → notified ${rel(kill, notified)} → stopped by masakari ${rel(kill, stopped)} → started ${rel(kill, started)} → domain running (qemu pid ${pid} → ${newPid}) by ${rel(kill, runningAt)}`);
      for (const [step, at] of [['kill', kill], ['notified', notified], ['stopped', stopped], ['recovered', started]] as const) {
        if (at !== null) ctx.timings.push({ step: `instance.${step}`, at });
      }
      assert.ok(started !== null && notified !== null && notified <= started, 'the restart followed the notification');
    },

    async test_510_instance_without_ha_enabled_is_left_alone(ctx) {
      const a = await firstCompute(ctx);
      const { id, pid } = await bootOn(ctx, a, 'zaza-instance-no-ha', false);
      const kill = await killQemu(ctx, a, pid);
      const notification = await vmNotification(ctx, id, kill);
      // masakari's rule (StopInstanceTask): without HA_Enabled=True, and process_all_instances off, nothing is done
      assert.equal(notification.status, 'finished');
      await new Promise((r) => setTimeout(r, 20_000));
      assert.equal(await runningQemu(ctx, a, id), undefined, 'the domain stays down');
      assert.equal(await novaEvent(ctx, id, 'server.stopped', kill), null, 'masakari did not stop the instance');
      assert.equal(await novaEvent(ctx, id, 'server.started', kill), null, 'masakari did not start the instance');
      const server = (await ok(openstack(ctx, 'compute', 'GET', `/servers/${id}`, undefined, '2.53'), 'show server')).server;
      assert.equal(server['OS-EXT-STS:power_state'], 4, 'Nova records the domain as shut down');
      ctx.log(`instance without HA_Enabled: kill 0 s → notified ${rel(kill, utc(notification.created_at))} → left shut off`);
    },
  },
});

/**
 * libvirtd dies with a clean exit and its sockets closed, so neither systemd (Restart=on-failure) nor socket
 * activation brings it back: only masakari-process-monitor, switched on for this test, restarts it.
 */
export const ProcessFailureTest = defineTests('ProcessFailureTest', {
  setUp: async (ctx) => {
    await ctx.cli.config(ctx.model, 'masakari-monitors', { 'enable-process-monitor': 'true', 'process-monitor-processes': 'libvirtd=/usr/sbin/libvirtd' });
    await waitForApplicationStates(ctx.cli, ctx.model, ctx.config.targetDeployStatus, 600_000, ctx.log);
  },
  tearDown: async (ctx) => {
    await ctx.cli.config(ctx.model, 'masakari-monitors', { 'enable-process-monitor': 'false' });
    const a = await firstCompute(ctx);
    await ctx.cli.exec(ctx.model, a.unit, 'systemctl start libvirtd libvirtd.socket libvirtd-ro.socket libvirtd-admin.socket');
  },
  tests: {
    async test_600_process_monitor_restarts_libvirtd(ctx) {
      const a = await firstCompute(ctx);
      await blockUntil(`masakari-process-monitor active on ${a.host}`, async () =>
        (await ctx.cli.exec(ctx.model, a.unit, 'systemctl is-active masakari-process-monitor')).stdout.trim() === 'active' ? true : undefined, 120_000, 2_000);
      // Its first act is the start commands of its list, through a privsep daemon that takes seconds to spawn on
      // a busy host: a kill before that would be undone by the start command, not by the monitoring loop.
      await blockUntil('masakari-process-monitor through its start commands', async () => {
        const r = await ctx.cli.exec(ctx.model, a.unit,
          'grep -c " $(systemctl show -p MainPID --value masakari-process-monitor) INFO oslo.privsep.daemon .* Spawned new privsep daemon" /var/log/masakari/masakari-process-monitor.log');
        return Number(r.stdout.trim()) > 0 ? true : undefined;
      }, 180_000, 2_000);
      await new Promise((r) => setTimeout(r, 6_000));  // one check_interval (5 s) with libvirtd found
      const before = Number(await onUnit(ctx, a.unit, 'systemctl show -p MainPID --value libvirtd'));
      const kill = Number(await onUnit(ctx, a.unit,
        // the main process only: with cgroups off the domains' qemu processes share libvirtd's unit
        `systemctl stop libvirtd.socket libvirtd-ro.socket libvirtd-admin.socket && date +%s%3N && kill -TERM ${before}`));
      const after = await blockUntil('libvirtd running again', async () => {
        const r = await ctx.cli.exec(ctx.model, a.unit, 'systemctl is-active libvirtd && systemctl show -p MainPID --value libvirtd');
        const [state, pid] = r.stdout.trim().split('\n');
        return state === 'active' && Number(pid) > 0 && Number(pid) !== before ? Number(pid) : undefined;
      }, 120_000, 1_000);
      const back = Number(await onUnit(ctx, a.unit, 'date +%s%3N'));
      const log = await onUnit(ctx, a.unit, `journalctl -u masakari-process-monitor --since @${Math.floor(kill / 1000)} --no-pager -o cat; cat /var/log/masakari/masakari-process-monitor.log 2>/dev/null | tail -50`);
      assert.match(log, /Restart of process with executing command: systemctl restart libvirtd/, 'the process monitor restarted libvirtd');
      ctx.log(`process failure: libvirtd ended 0 s → restarted by masakari-process-monitor (pid ${before} → ${after}) by ${rel(kill, back)}`);
    },
  },
});

/**
 * Operator notifications on every member: the hacluster-notify agent installed where the CIB's alert points, the
 * spool it queues into, and the webhook list (root:haclient 0640, atomic) — or no list, which turns sending off.
 * The leader puts the alert into the CIB (cib/desired.ts); a member without the list queues nothing.
 */
import type { Context } from '../charm.js';
import type { Settings } from '../options.js';
import { renderNotifyConfig } from './config-file.js';
import type { EventInput } from './event.js';
import { NOTIFY_AGENT, NOTIFY_CONFIG, NOTIFY_SPOOL } from './paths.js';

const dirOf = (path: string): string => path.slice(0, path.lastIndexOf('/'));

export async function installNotifyAgent(ctx: Context): Promise<void> {
  const agent = await ctx.host.readFile(`${ctx.env.charmDir}/bin/hacluster-notify`);
  if (agent === null) {
    await ctx.log('bin/hacluster-notify is missing from the charm; build it with npm run build', 'WARNING');
    return;
  }
  await ctx.host.ensureDirectory(dirOf(NOTIFY_AGENT), { owner: 'root', group: 'root', mode: 0o755 });
  if (await ctx.host.writeFile(NOTIFY_AGENT, agent, { owner: 'root', group: 'root', mode: 0o755 })) await ctx.log(`installed ${NOTIFY_AGENT}`);
}

/** Writes or removes the webhook list; logs only whether notifications are on and how many webhooks. */
export async function configureNotifications(ctx: Context, settings: Settings): Promise<void> {
  const { urls, format } = settings.notify;
  if (urls.length === 0) {
    if (await ctx.host.removeFile(NOTIFY_CONFIG)) await ctx.log('operator notifications off (notify_urls is empty)');
    return;
  }
  // The alert agent runs as hacluster: it writes the spool and reads the list through the haclient group.
  await ctx.host.ensureGroup('haclient', { system: true });
  await ctx.host.ensureUser('hacluster', { group: 'haclient', system: true, home: '/var/lib/pacemaker', shell: '/usr/sbin/nologin' });
  await ctx.host.ensureDirectory(dirOf(NOTIFY_SPOOL), { owner: 'root', group: 'root', mode: 0o755 });
  await ctx.host.ensureDirectory(NOTIFY_SPOOL, { owner: 'hacluster', group: 'haclient', mode: 0o770 });
  await ctx.host.ensureDirectory(dirOf(NOTIFY_CONFIG), { owner: 'root', group: 'root', mode: 0o755 });
  const cluster = ctx.env.unitName.split('/')[0] ?? 'hacluster';
  const content = renderNotifyConfig({ urls, format, cluster });
  if (await ctx.host.writeFile(NOTIFY_CONFIG, content, { owner: 'root', group: 'haclient', mode: 0o640 })) {
    await ctx.log(`operator notifications: ${urls.length} webhook${urls.length === 1 ? '' : 's'}, ${format} format`);
  }
}

/** Queues an event from a hook or action through the agent (which returns at once); never fails the caller. */
export async function notify(ctx: Context, event: Omit<EventInput, 'at'>): Promise<void> {
  if (!(await ctx.host.exists(NOTIFY_AGENT)) || !(await ctx.host.exists(NOTIFY_CONFIG))) return;
  const r = await ctx.host.run([NOTIFY_AGENT, 'emit', JSON.stringify({ ...event, at: Date.now() })], { timeoutMs: 10_000 });
  if (r.exitCode !== 0) await ctx.log(`operator notification ${event.event} not queued (exit ${r.exitCode})`, 'WARNING');
}

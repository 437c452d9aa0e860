/** Operator actions. Each validates its parameters first and fails with a message saying what is accepted. */
import { randomUUID } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { charm, PAUSED, type Context } from './charm.js';
import './fencing/handlers.js';

const NODE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

async function crm(ctx: Context, argv: string[]): Promise<{ ok: boolean; out: string }> {
  const r = await ctx.host.run(argv, { timeoutMs: 120_000 });
  return { ok: r.exitCode === 0, out: (r.exitCode === 0 ? r.stdout : r.stderr || r.stdout).trim() };
}

charm.action('pause', async (ctx) => {
  const host = await ctx.host.hostname();
  const r = await crm(ctx, ['crm_attribute', '--node', host, '--name', 'standby', '--update', 'on']);
  if (!r.ok) return ctx.action?.fail(`could not put ${host} in standby: ${r.out}`);
  ctx.kv.set(PAUSED, true);
  ctx.action?.set({ result: `${host} is in standby; its resources move to the other members` });
});

charm.action('resume', async (ctx) => {
  const host = await ctx.host.hostname();
  const r = await crm(ctx, ['crm_attribute', '--node', host, '--name', 'standby', '--delete']);
  if (!r.ok) return ctx.action?.fail(`could not take ${host} out of standby: ${r.out}`);
  ctx.kv.unset(PAUSED);
  ctx.action?.set({ result: `${host} is online` });
});

charm.action('cleanup', async (ctx, params) => {
  const resource = typeof params.resource === 'string' && params.resource !== '' ? params.resource : 'all';
  if (resource !== 'all' && !NODE_NAME.test(resource)) return ctx.action?.fail('resource: a pacemaker resource id (letters, digits, _ . -) or "all"');
  const argv = resource === 'all' ? ['crm_resource', '--cleanup'] : ['crm_resource', '--cleanup', '--resource', resource];
  const r = await crm(ctx, argv);
  if (!r.ok) return ctx.action?.fail(`cleanup of ${resource} failed: ${r.out}`);
  ctx.action?.set({ result: r.out || `cleaned up ${resource}` });
});

const statusParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

charm.action('status', async (ctx, params) => {
  const argv = ['crm_mon', '--one-shot', '--output-as=xml', '--inactive'];
  if (params.resources === false) argv.push('--exclude=resources');
  if (params.history === true) argv.push('--include=operations');
  const r = await crm(ctx, argv);
  if (!r.ok) return ctx.action?.fail(`crm_mon failed: ${r.out}; is pacemaker running on this unit?`);
  ctx.action?.set({ result: JSON.stringify(statusParser.parse(r.out)) });
});

function leaderOnly(ctx: Context, name: string): boolean {
  if (ctx.isLeader) return true;
  ctx.action?.fail(`${name} runs on the leader unit only (juju run <application>/leader ${name} ...)`);
  return false;
}

/** Tells every peer to reload its ring (they run corosync-cfgtool -R once per token), and reloads our own. */
async function reloadRing(ctx: Context): Promise<string> {
  ctx.endpoint('hanode').publishTrigger(randomUUID());
  const r = await crm(ctx, ['corosync-cfgtool', '-R']);
  return r.ok ? 'ring reloaded' : `ring reload failed here: ${r.out}`;
}

charm.action('update-ring', async (ctx, params) => {
  if (params['i-really-mean-it'] !== true) return ctx.action?.fail('i-really-mean-it: must be true; this removes nodes from the cluster');
  if (!leaderOnly(ctx, 'update-ring')) return;
  const wanted = new Set([await ctx.host.hostname(), ...ctx.endpoint('hanode').peers().map((p) => p.hostname)]);
  const list = await crm(ctx, ['crm_node', '--list']);
  if (!list.ok) return ctx.action?.fail(`crm_node --list failed: ${list.out}`);
  const removed: string[] = [];
  for (const line of list.out.split('\n')) {
    const name = line.trim().split(/\s+/)[1];
    if (!name || wanted.has(name)) continue;
    const r = await crm(ctx, ['crm_node', '--force', '--remove', name]);
    if (!r.ok) return ctx.action?.fail(`removing ${name} failed: ${r.out}; removed so far: ${removed.join(', ') || 'none'}`);
    removed.push(name);
  }
  ctx.action?.set({ removed: removed.join(' ') || 'none', ring: await reloadRing(ctx) });
});

charm.action('delete-node-from-ring', async (ctx, params) => {
  const node = typeof params.node === 'string' ? params.node.trim() : '';
  if (!NODE_NAME.test(node)) return ctx.action?.fail('node: the pacemaker node name to remove (letters, digits, _ . -)');
  if (!leaderOnly(ctx, 'delete-node-from-ring')) return;
  if (node === (await ctx.host.hostname())) return ctx.action?.fail('node: refusing to remove the leader itself; run it on another unit after moving leadership');
  const r = await crm(ctx, ['crm_node', '--force', '--remove', node]);
  if (!r.ok) return ctx.action?.fail(`removing ${node} failed: ${r.out}`);
  ctx.action?.set({ removed: node, ring: await reloadRing(ctx) });
});

export { charm };

/**
 * rabbitmq stand-in: rabbitmq-server from Debian; each amqp requirer gets vhost + user + full permissions on it.
 * Re-applied only when the wanted set changed (convergent, one rabbitmqctl round per change).
 */
import { createHash } from 'node:crypto';
import { defineCharm } from '../../../../../reactive/charm.js';
import { RabbitMQProvides } from '../../../../../interfaces/rabbitmq/provides.js';
import { bindAddress, stableSecret } from '../../common/standin.js';
import { BadRequest, grantFor, parseUsers, parseVhosts, type Grant } from './plan.js';

const INSTALLED = 'rabbitmq.installed';
const SERVICE = 'rabbitmq-server';
const CTL = 'rabbitmqctl';

/** What the install hook installs (the local model's package layers install the same). */
export const PACKAGES = ['rabbitmq-server'];

export const charm = defineCharm({
  name: 'rabbitmq',
  flags: [INSTALLED] as const,
  endpoints: { amqp: RabbitMQProvides },
});

charm.whenNot(INSTALLED).do('install-rabbitmq', async (ctx) => {
  await ctx.log('installing rabbitmq-server');
  await ctx.host.aptInstall(PACKAGES);
  await ctx.host.service('enable', SERVICE);
  if (!(await ctx.host.serviceIsActive(SERVICE))) await ctx.host.service('start', SERVICE);
  ctx.flags.set(INSTALLED);
});

charm.when(INSTALLED).do('keep-running', async (ctx) => {
  if (!(await ctx.host.serviceIsActive(SERVICE))) await ctx.host.service('start', SERVICE);
});

async function apply(ctx: { host: import('../../../../../reactive/host/host.js').Host }, grants: Map<string, Grant & { password: string }>): Promise<void> {
  const host = ctx.host;
  await host.check([CTL, 'await_startup', '--timeout', '120'], { timeoutMs: 150_000 });
  const vhosts = parseVhosts((await host.check([CTL, 'list_vhosts', '--silent'])).stdout);
  const users = parseUsers((await host.check([CTL, 'list_users', '--silent'])).stdout);
  for (const g of grants.values()) {
    // `--` ends the options: a generated password may begin with '-' (1 in 64 do), and rabbitmqctl would read it as
    // switches and refuse the command.
    if (!vhosts.has(g.vhost)) {
      await host.check([CTL, 'add_vhost', '--', g.vhost]);
      vhosts.add(g.vhost);
    }
    if (users.has(g.username)) await host.check([CTL, 'change_password', '--', g.username, g.password], { secretArgs: [4] });
    else await host.check([CTL, 'add_user', '--', g.username, g.password], { secretArgs: [4] });
    users.add(g.username);
    await host.check([CTL, 'set_permissions', '-p', g.vhost, '--', g.username, '.*', '.*', '.*']);
  }
}

charm.when(INSTALLED, 'endpoint.amqp.access-requested').do('grant-access', async (ctx) => {
  const endpoint = ctx.endpoint('amqp');
  const grants = new Map<string, Grant & { password: string }>();
  const perRelation = new Map<string, string>();
  const rejected: string[] = [];
  for (const { relation, unit, request } of endpoint.requests()) {
    try {
      const grant = grantFor(request);
      const password = stableSecret(ctx.kv, `amqp-user.${grant.username}`);
      grants.set(`${grant.username} ${grant.vhost}`, { ...grant, password });
      perRelation.set(relation.id, password);
    } catch (err) {
      if (!(err instanceof BadRequest)) throw err;
      rejected.push(`${unit}: ${err.message}`);
    }
  }
  ctx.kv.set('rejected-requests', rejected);
  const digest = createHash('sha256').update(JSON.stringify([...grants.entries()].sort())).digest('hex');
  if (grants.size > 0 && ctx.kv.get('granted-digest') !== digest) {
    await apply(ctx, grants);
    ctx.kv.set('granted-digest', digest);
    await ctx.log(`granted ${grants.size} user/vhost pair(s)`);
  }
  for (const relation of endpoint.relations) {
    const password = perRelation.get(relation.id);
    if (password) endpoint.answer(relation, { password, address: await bindAddress(ctx.tools, 'amqp', relation.id) });
  }
});

charm.assessStatus(async (ctx) => {
  if (!ctx.flags.isSet(INSTALLED)) return { status: 'maintenance', message: 'Installing RabbitMQ' };
  const rejected = ctx.kv.get<string[]>('rejected-requests') ?? [];
  if (rejected.length > 0) return { status: 'blocked', message: `Rejected amqp request: ${rejected[0]}` };
  if (!(await ctx.host.serviceIsActive(SERVICE))) return { status: 'blocked', message: 'rabbitmq-server is not running; see journalctl -u rabbitmq-server' };
  return { status: 'active', message: 'Unit is ready' };
});

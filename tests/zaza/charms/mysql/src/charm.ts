/**
 * mysql stand-in: MariaDB from Debian; every shared-db request gets its database, user and password, answered
 * with the stock keys. Convergent: grants are re-applied only when the set of requests changed.
 */
import { createHash } from 'node:crypto';
import { defineCharm } from '../../../../../reactive/charm.js';
import { MysqlSharedProvides } from '../../../../../interfaces/mysql-shared/provides.js';
import { bindAddress, stableSecret, waitUntil } from '../../common/standin.js';
import { boundedStatus, describeProblems } from '../../../../../reactive/decode/fields.js';
import { BadRequest, SERVER_CONF_PATH, grantSql, serverConf } from './sql.js';

const INSTALLED = 'mysql.installed';
const SERVICE = 'mariadb';
const PORT = 3306;

/** What the install hook installs (the local model's package layers install the same). */
export const PACKAGES = ['mariadb-server'];

export const charm = defineCharm({
  name: 'mysql',
  flags: [INSTALLED] as const,
  endpoints: { 'shared-db': MysqlSharedProvides },
  configRules: { 'max-connections': { minimum: 10, maximum: 100000 } },
});

charm.whenNot(INSTALLED).do('install-mariadb', async (ctx) => {
  // Written before the package so its first start already listens on the model network. A machine image may
  // hold the package already, its server running on defaults (loopback only): then it needs a restart.
  const preinstalled = (await ctx.host.packageVersion('mariadb-server')) !== null;
  await ctx.host.ensureDirectory('/etc/mysql/mariadb.conf.d');
  const written = await ctx.host.writeFile(SERVER_CONF_PATH, serverConf(Number(ctx.config['max-connections'] ?? 500)));
  await ctx.log('installing mariadb-server');
  await ctx.host.aptInstall(PACKAGES);
  await ctx.host.service('enable', SERVICE);
  if (!(await ctx.host.serviceIsActive(SERVICE))) await ctx.host.service('start', SERVICE);
  else if (preinstalled && written) await ctx.host.service('restart', SERVICE);
  ctx.flags.set(INSTALLED);
});

charm.when(INSTALLED).do('configure-server', async (ctx) => {
  if (await ctx.host.writeFile(SERVER_CONF_PATH, serverConf(Number(ctx.config['max-connections'] ?? 500)))) {
    await ctx.log('server configuration changed; restarting mariadb');
    await ctx.host.service('restart', SERVICE);
  }
  if (!(await ctx.host.serviceIsActive(SERVICE))) await ctx.host.service('start', SERVICE);
});

charm.when(INSTALLED, 'endpoint.shared-db.database-requested').do('grant-databases', async (ctx) => {
  const endpoint = ctx.endpoint('shared-db');
  const byRelation = new Map<string, { units: Set<string>; sql: string[]; passwords: Map<string | undefined, string> }>();
  const rejected: string[] = [];
  for (const { relation, unit, request } of endpoint.requests()) {
    const entry = byRelation.get(relation.id) ?? { units: new Set<string>(), sql: [] as string[], passwords: new Map<string | undefined, string>() };
    byRelation.set(relation.id, entry);
    const password = stableSecret(ctx.kv, `db-user.${request.username}`);
    try {
      entry.sql.push(grantSql(request, password));
      entry.passwords.set(request.prefix, password);
      entry.units.add(unit);
    } catch (err) {
      if (!(err instanceof BadRequest)) throw err;
      rejected.push(`${unit}: ${err.message}`);
    }
  }
  ctx.kv.set('rejected-requests', rejected);
  const allSql = [...new Set([...byRelation.values()].flatMap((e) => e.sql))].join('');
  const digest = createHash('sha256').update(allSql).digest('hex');
  if (allSql && ctx.kv.get('granted-digest') !== digest) {
    await waitUntil('mariadb', async () => (await ctx.host.run(['mariadb-admin', 'ping'])).exitCode === 0, 60_000);
    await ctx.host.check(['mariadb', '--batch'], { input: allSql });
    ctx.kv.set('granted-digest', digest);
    await ctx.log(`granted ${byRelation.size} relation(s) their databases`);
  }
  for (const relation of endpoint.relations) {
    const entry = byRelation.get(relation.id);
    if (!entry) continue;
    const host = await bindAddress(ctx.tools, 'shared-db', relation.id);
    for (const [prefix, password] of entry.passwords) {
      endpoint.setConnectionInfo(relation, { host, port: PORT, password, allowedUnits: [...entry.units].sort() }, prefix);
    }
  }
});

charm.assessStatus(async (ctx) => {
  if (!ctx.flags.isSet(INSTALLED)) return { status: 'maintenance', message: 'Installing MariaDB' };
  const refused = ctx.endpoint('shared-db').refused()[0];
  if (refused) return { status: 'blocked', message: boundedStatus(`Rejected shared-db request: ${describeProblems(`${refused.relation.id} ${refused.unit}`, refused.problems)}`) };
  const rejected = ctx.kv.get<string[]>('rejected-requests') ?? [];
  if (rejected.length > 0) return { status: 'blocked', message: `Rejected shared-db request: ${rejected[0]}` };
  if (!(await ctx.host.serviceIsActive(SERVICE))) return { status: 'blocked', message: 'mariadb is not running; see journalctl -u mariadb' };
  return { status: 'active', message: 'Unit is ready' };
});

/**
 * keystone stand-in: Debian's Keystone under uwsgi on the shared-db database; bootstraps the admin, then serves
 * identity-service (service user + catalog entries) and identity-credentials with the stock keys.
 */
import { createHash, randomBytes } from 'node:crypto';
import { defineCharm, type Ctx } from '../../../../../reactive/charm.js';
import { MysqlSharedRequires } from '../../../../../interfaces/mysql-shared/requires.js';
import { databaseUri } from '../../../../../interfaces/mysql-shared/protocol.js';
import { KeystoneProvides } from '../../../../../interfaces/keystone/provides.js';
import { KeystoneCredentialsProvides } from '../../../../../interfaces/keystone-credentials/provides.js';
import { bindAddress, stableSecret, waitUntil } from '../../common/standin.js';
import {
  ADMIN_OPENRC, ADMIN_PORT, ADMIN_ROLE, KEY_REPOSITORIES, KEYSTONE_CONF, PUBLIC_PORT, SERVICE_DOMAIN, SERVICE_TYPES, SYSTEMD_DROPIN,
  UWSGI_INI, adminOpenrc, keyRepositoryFiles, keystoneConf, systemdDropIn, uwsgiIni,
} from './conf.js';
import { IdentityAdmin } from './identity-admin.js';

const INSTALLED = 'keystone.installed';
const READY = 'keystone.ready';
const SERVICE = 'keystone';
const endpoints = { 'shared-db': MysqlSharedRequires, 'identity-service': KeystoneProvides, 'identity-credentials': KeystoneCredentialsProvides };
type Context = Ctx<typeof INSTALLED | typeof READY, typeof endpoints>;

/** Seams the unit tests replace: the REST client and the readiness probe. */
export const seams = {
  admin: (baseUrl: string, password: string) => new IdentityAdmin(baseUrl, password),
  answers: async (url: string): Promise<boolean> => (await fetch(url, { signal: AbortSignal.timeout(5_000) })).status === 200,
};

/** What the install hook installs (the local model's package layers install the same). */
export const PACKAGES = ['keystone', 'python3-pymysql', 'uwsgi-plugin-python3'];

export const charm = defineCharm({
  name: 'keystone',
  flags: [INSTALLED, READY] as const,
  endpoints,
  configRules: { workers: { minimum: 1, maximum: 16 }, region: { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' } },
});

const keystoneManage = (ctx: Context, args: string[], env?: Record<string, string>) =>
  ctx.host.check(['runuser', '-u', 'keystone', '--', 'keystone-manage', ...args], { timeoutMs: 600_000, ...(env ? { env } : {}) });

charm.whenNot(INSTALLED).do('install-keystone', async (ctx) => {
  // The drop-in comes first so that the package's own first start already uses our uwsgi settings.
  await ctx.host.ensureDirectory('/etc/systemd/system/keystone.service.d');
  await ctx.host.ensureDirectory('/etc/keystone');
  await ctx.host.writeFile(SYSTEMD_DROPIN, systemdDropIn());
  await ctx.host.writeFile(UWSGI_INI, uwsgiIni(Number(ctx.config['workers'] ?? 1)));
  await ctx.host.check(['systemctl', 'daemon-reload']);
  await ctx.log('installing keystone');
  await ctx.host.aptInstall(PACKAGES);
  // The package starts Keystone on its own defaults (at boot, or from its postinst); it serves nothing until it
  // has the database, and its eight processes would compete with the deploy for the CPU meanwhile.
  if (!ctx.flags.isSet(READY)) await ctx.host.service('stop', SERVICE);
  for (const dir of KEY_REPOSITORIES) await ensureKeyRepository(ctx, dir);
  ctx.flags.set(INSTALLED);
});

/**
 * Written here rather than by `keystone-manage fernet_setup`/`credential_setup`: the same two files, without a
 * Python start that costs seconds on a busy machine. An existing repository is left alone (keys are never rotated
 * by a hook).
 */
async function ensureKeyRepository(ctx: Context, dir: string): Promise<void> {
  if (await ctx.host.exists(`${dir}/0`)) return;
  await ctx.host.ensureDirectory(dir, { owner: 'keystone', group: 'keystone', mode: 0o700 });
  // `0` last: its presence says the repository is complete.
  for (const file of keyRepositoryFiles(randomBytes)) {
    await ctx.host.writeFile(`${dir}/${file.name}`, file.content, { owner: 'keystone', group: 'keystone', mode: 0o600 });
  }
}

charm.when(INSTALLED, 'endpoint.shared-db.joined').do('request-database', async (ctx) => {
  const db = ctx.endpoint('shared-db');
  const relation = db.relations[0];
  if (!relation) return;
  db.requestDatabase({ database: 'keystone', username: 'keystone', hostname: await bindAddress(ctx.tools, 'shared-db', relation.id) });
});

charm.when(INSTALLED, 'endpoint.shared-db.available').do('configure-keystone', async (ctx) => {
  const info = ctx.endpoint('shared-db').connection()!;
  const uri = databaseUri({ host: info.host, port: info.port, username: 'keystone', password: info.password, database: 'keystone' });
  const workers = Number(ctx.config['workers'] ?? 1);
  let restart = await ctx.host.writeFile(KEYSTONE_CONF, keystoneConf(uri, workers), { owner: 'root', group: 'keystone', mode: 0o640 });
  if (await ctx.host.writeFile(UWSGI_INI, uwsgiIni(workers))) restart = true;
  const schemaKey = createHash('sha256').update(uri).digest('hex');
  if (ctx.kv.get('db-synced') !== schemaKey) {
    await ctx.log('keystone-manage db_sync');
    await keystoneManage(ctx, ['db_sync']);
    ctx.kv.set('db-synced', schemaKey);
  }
  const address = await bindAddress(ctx.tools, 'identity-service');
  const region = String(ctx.config['region']);
  const password = stableSecret(ctx.kv, 'admin');
  const bootKey = createHash('sha256').update(`${schemaKey} ${address} ${region} ${password}`).digest('hex');
  if (ctx.kv.get('bootstrapped') !== bootKey) {
    const url = `http://${address}:${PUBLIC_PORT}/v3/`;
    await ctx.log('keystone-manage bootstrap');
    await keystoneManage(ctx, [
      'bootstrap', '--bootstrap-username', 'admin', '--bootstrap-project-name', 'admin', '--bootstrap-role-name', ADMIN_ROLE,
      '--bootstrap-service-name', 'keystone', '--bootstrap-region-id', region,
      '--bootstrap-admin-url', url, '--bootstrap-internal-url', url, '--bootstrap-public-url', url,
    ], { OS_BOOTSTRAP_PASSWORD: password });
    ctx.kv.set('bootstrapped', bootKey);
    restart = true;
  }
  await ctx.host.writeFile(ADMIN_OPENRC, adminOpenrc(address, password, region), { owner: 'root', group: 'root', mode: 0o600 });
  if (restart || !(await ctx.host.serviceIsActive(SERVICE))) {
    await ctx.log('(re)starting keystone under uwsgi');
    await ctx.host.service('enable', SERVICE);
    await ctx.host.service('restart', SERVICE);
  }
  await waitUntil('keystone API', () => seams.answers(`http://127.0.0.1:${PUBLIC_PORT}/v3`), 180_000);
  ctx.flags.set(READY);
});

/** The keys both providers share, as stock keystone sends them. */
async function answerBase(ctx: Context) {
  const address = await bindAddress(ctx.tools, 'identity-service');
  return { address, admin: seams.admin(`http://127.0.0.1:${PUBLIC_PORT}/v3`, stableSecret(ctx.kv, 'admin')) };
}

/**
 * Keystone round trips cost seconds on a busy machine. Each relation's answer is redone only when what it asked
 * (or where keystone answers from, the config, or the bootstrapped database) changed since its last successful
 * round: a second application joining does not redo the first one's, a new database redoes them all.
 */
function digestOf(ctx: Context, address: string, what: unknown): string {
  return createHash('sha256').update(JSON.stringify([what, address, ctx.config, ctx.kv.get('bootstrapped') ?? null])).digest('hex');
}

/** Once per hook, and only when some relation needs a round trip: the service project and the admin role. */
function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}

charm.when(READY, 'endpoint.identity-service.registration-requested').do('register-services', async (ctx) => {
  const endpoint = ctx.endpoint('identity-service');
  const { address, admin } = await answerBase(ctx);
  const projectName = String(ctx.config['service-tenant']);
  const shared = lazy(async () => {
    const domainId = await admin.ensureDomain(SERVICE_DOMAIN);
    return { domainId, projectId: await admin.ensureProject(projectName, domainId), roleId: await admin.ensureRole(ADMIN_ROLE), ids: await admin.adminIds() };
  });
  const rejected: string[] = [];
  for (const { relation, unit, request } of endpoint.requests()) {
    const type = SERVICE_TYPES[request.service];
    if (!type) {
      rejected.push(`${unit}: unknown service '${request.service}' (accepted: ${Object.keys(SERVICE_TYPES).join(', ')})`);
      continue;
    }
    const digest = digestOf(ctx, address, request);
    if (ctx.kv.get(`registered.${relation.id}`) === digest) continue;
    const { domainId, projectId, roleId, ids } = await shared();
    const password = stableSecret(ctx.kv, `service.${request.service}`);
    const userId = await admin.ensureUser(request.service, domainId, password, projectId);
    await admin.grant(projectId, userId, roleId);
    await admin.ensureRegion(request.region);
    const serviceId = await admin.ensureService(request.service, type);
    await admin.ensureEndpoint(serviceId, 'public', request.publicUrl, request.region);
    await admin.ensureEndpoint(serviceId, 'internal', request.internalUrl, request.region);
    await admin.ensureEndpoint(serviceId, 'admin', request.adminUrl, request.region);
    endpoint.answer(relation, {
      authHost: address, authPort: String(ADMIN_PORT), authProtocol: 'http',
      serviceHost: address, servicePort: String(PUBLIC_PORT), serviceProtocol: 'http',
      internalHost: address, internalPort: String(PUBLIC_PORT), internalProtocol: 'http',
      serviceUsername: request.service, servicePassword: password, serviceUserId: userId,
      serviceTenant: projectName, serviceTenantId: projectId, serviceDomain: SERVICE_DOMAIN, serviceDomainId: domainId,
      apiVersion: '3', adminDomainId: ids.domainId, adminProjectId: ids.projectId, adminUserId: ids.userId,
      adminRole: ADMIN_ROLE, createdRoles: '', serviceType: type, region: request.region,
    });
    ctx.kv.set(`registered.${relation.id}`, digest);  // committed only if the hook succeeds
    await ctx.log(`registered ${request.service} (${type}) for ${relation.remoteApp}`);
  }
  ctx.kv.set('rejected-services', rejected);
});

charm.when(READY, 'endpoint.identity-credentials.requested').do('hand-out-credentials', async (ctx) => {
  const endpoint = ctx.endpoint('identity-credentials');
  const { address, admin } = await answerBase(ctx);
  for (const { relationId, request } of endpoint.requests()) {
    const digest = digestOf(ctx, address, request);
    if (ctx.kv.get(`credentials.${relationId}`) === digest) continue;
    const domainName = request.domain ?? SERVICE_DOMAIN;
    const domainId = await admin.ensureDomain(domainName);
    const project = request.project ?? String(ctx.config['service-tenant']);
    const projectId = await admin.ensureProject(project, domainId);
    const password = stableSecret(ctx.kv, `credentials.${request.username}`);
    const userId = await admin.ensureUser(request.username, domainId, password, projectId);
    for (const role of request.requestedGrants ?? request.requestedRoles ?? [ADMIN_ROLE]) {
      await admin.grant(projectId, userId, await admin.ensureRole(role));
    }
    endpoint.publishCredentials(relationId, {
      authHost: address, authPort: String(ADMIN_PORT), authProtocol: 'http',
      credentialsHost: address, credentialsPort: String(PUBLIC_PORT), credentialsProtocol: 'http', apiVersion: '3',
      username: request.username, password, project, projectId, region: String(ctx.config['region']),
      domain: domainName, userDomainName: domainName, userDomainId: domainId, projectDomainName: domainName, projectDomainId: domainId,
    });
    ctx.kv.set(`credentials.${relationId}`, digest);
  }
});

charm.assessStatus(async (ctx) => {
  if (!ctx.flags.isSet(INSTALLED)) return { status: 'maintenance', message: 'Installing keystone' };
  if (ctx.endpoint('shared-db').relations.length === 0) return { status: 'blocked', message: 'Missing relation: shared-db' };
  if (!ctx.flags.isSet(READY)) return { status: 'waiting', message: 'Waiting for the database' };
  const rejected = ctx.kv.get<string[]>('rejected-services') ?? [];
  if (rejected.length > 0) return { status: 'blocked', message: `Rejected identity-service request: ${rejected[0]}` };
  if (!(await ctx.host.serviceIsActive(SERVICE))) return { status: 'blocked', message: 'keystone is not running; see journalctl -u keystone' };
  return { status: 'active', message: 'Unit is ready' };
});

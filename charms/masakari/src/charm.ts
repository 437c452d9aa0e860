/**
 * The masakari charm: Masakari API (behind haproxy) and engine, wired to shared-db, amqp, identity-service,
 * ha (hacluster) and the cluster peers. Each hook converges the machine to the state computed from config,
 * relation data and leader data; writes change nothing when nothing changed, and only services whose files
 * changed are restarted.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { defineCharm, type Ctx } from '../../../reactive/charm.js';
import { stopRunning } from '../../../reactive/host/services.js';
import type { DesiredFile } from '../../../reactive/restart-map.js';
import { describeUnitProblems } from '../../../reactive/decode/remote.js';
import { HaclusterRequires } from '../../../interfaces/hacluster/requires.js';
import { KeystoneRequires } from '../../../interfaces/keystone/requires.js';
import { MysqlSharedRequires } from '../../../interfaces/mysql-shared/requires.js';
import { OpenstackHaPeers } from '../../../interfaces/openstack-ha/peers.js';
import { RabbitMQRequires } from '../../../interfaces/rabbitmq/requires.js';
import { TlsCertificatesRequires } from '../../../interfaces/tls-certificates/requires.js';
import {
  AddressError, API_PORT, BACKEND_PORT, endpointUrls, ENDPOINT_TYPES, haResources, SERVICE, unitAddress,
} from './addresses.js';
import { bindingAddresses, collectBindings, detectPlatform, settledRuntimeFacts, workaroundDecision } from './facts.js';
import { PACKAGED_MANAGE, WRAPPED_MANAGE } from './debian-workarounds.js';
import { desiredState } from './files.js';
import { CLUSTER_GROUP, clusterFencing, fenceGateProblem, fencingNote, SERVICE_USER } from './fence-gate.js';
import { recoveryHoldStatus } from './recovery-hold.js';
import { AMQP_USER, AMQP_VHOST, CONF_PATH, DATABASE, DB_USER } from './masakari-conf.js';
import { configCheck, configRules, fencingRequired, parseVips } from './options.js';
import { apiWorkers, type Platform } from './platform.js';
import { DB_SYNC_FAILURES, nextSyncAttempt, owedRestarts, serviceDigests, STARTED_WITH, type SyncFailures } from './restarts.js';
import { assessStatus } from './status.js';
import { PEER_CA, TLS_DIR, tlsNote, UNIT_PEM } from './tls.js';
import { currentTlsPlan, requestCertificates } from './tls-facts.js';

export const charm = defineCharm({
  name: 'masakari',
  flags: ['masakari.installed', 'masakari.paused', 'masakari.configured'] as const,
  endpoints: {
    'shared-db': MysqlSharedRequires,
    amqp: RabbitMQRequires,
    'identity-service': KeystoneRequires,
    ha: HaclusterRequires,
    cluster: OpenstackHaPeers,
    certificates: TlsCertificatesRequires,
  },
  configRules,
  configCheck,
});

export type MasakariCtx = Ctx<'masakari.installed' | 'masakari.paused' | 'masakari.configured', typeof charm.endpointClasses>;

const KV = {
  addressError: 'masakari.address-error',
  statsPassword: 'masakari.haproxy-stats-password',
  haResources: 'masakari.ha-resources',
} as const;

/** Leader data: upstream's key, and the package version whose schema the database has. */
export const LEADER_SYNC_DONE = 'db-sync-done';
export const LEADER_SYNCED_VERSION = 'db-synced-version';

export async function platformOf(ctx: MasakariCtx): Promise<Platform | null> {
  return detectPlatform(ctx.host);
}

charm.hook('{install,upgrade-charm}').do('install-packages', async (ctx) => {
  const platform = await platformOf(ctx);
  if (!platform) {
    await ctx.log('unsupported operating system: /etc/os-release names neither Ubuntu nor Debian', 'ERROR');
    return;
  }
  // Progress goes to the log, not the status: the framework sets the status once per change, and a direct
  // status-set here would be left standing when the assessed status has not changed since the last hook.
  await ctx.log(`installing ${platform.packages.join(' ')} (${platform.os})`);
  await ctx.host.aptInstall(platform.packages);
  await ctx.host.ensureUser('masakari', { group: 'masakari', home: '/var/lib/masakari', shell: '/usr/sbin/nologin', system: true });
  await ctx.host.ensureUser('haproxy', { group: 'haproxy', home: '/var/lib/haproxy', shell: '/usr/sbin/nologin', system: true });
  if (!ctx.flags.isSet('masakari.configured')) {
    // Packages may start the API with their defaults on the port haproxy needs; nothing runs before it is configured.
    await stopRunning(ctx.host, platform.services.filter((s) => !platform.withoutDatabase.includes(s)));
  }
  ctx.flags.set('masakari.installed');
});

/** The addresses, relation requests and ha data; files and services once the three relations are complete. */
charm.when('masakari.installed', 'config.valid').do('converge', async (ctx) => {
  const platform = await platformOf(ctx);
  if (!platform) return;
  const bindings = await collectBindings(ctx.tools);
  const certificates = ctx.endpoint('certificates');
  let urls: ReturnType<typeof endpointUrls> | null = null;
  try {
    await requestCertificates(certificates, ctx.host, ctx.config, bindings);
    urls = endpointUrls(ctx.config, bindings, (await currentTlsPlan(certificates, ctx.host, ctx.config)).pems.length > 0);
    for (const t of ENDPOINT_TYPES) unitAddress(t, ctx.config, bindings);
    ctx.kv.unset(KV.addressError);
  } catch (error) {
    if (!(error instanceof AddressError)) throw error;
    ctx.kv.set(KV.addressError, error.message);
  }

  const amqp = ctx.endpoint('amqp');
  if (amqp.isJoined) {
    const address = (await bindingAddresses(ctx.tools, 'amqp'))[0]?.address;
    amqp.requestAccess({ username: AMQP_USER, vhost: AMQP_VHOST, ...(address ? { privateAddress: address } : {}) });
  }
  const db = ctx.endpoint('shared-db');
  if (db.isJoined) {
    const address = (await bindingAddresses(ctx.tools, 'shared-db'))[0]?.address ?? bindings.cluster[0]?.address ?? '';
    db.requestDatabase({ database: DATABASE, username: DB_USER, hostname: address });
  }
  const identity = ctx.endpoint('identity-service');
  if (identity.isJoined && urls) {
    identity.registerEndpoints({
      service: SERVICE, region: String(ctx.config.region), publicUrl: urls.public, internalUrl: urls.internal, adminUrl: urls.admin,
    });
  }
  const cluster = ctx.endpoint('cluster');
  if (!ctx.kv.get(KV.addressError)) {
    cluster.publishAddresses({
      publicAddress: unitAddress('public', ctx.config, bindings).address,
      internalAddress: unitAddress('internal', ctx.config, bindings).address,
      adminAddress: unitAddress('admin', ctx.config, bindings).address,
    });
  }
  const ha = ctx.endpoint('ha');
  // Services hacluster takes over: it disables them in the init system, so enabling them here would fight it
  // (two systemd reloads per hook on every API unit).
  let pacemakerOwned: readonly string[] = [];
  if (ha.isJoined) {
    const previous = ctx.kv.get<string[]>(KV.haResources) ?? [];
    const crm = haResources(ctx.config, bindings, previous);
    pacemakerOwned = crm.init_services;
    ha.manageResources(crm, { iface: String(ctx.config['vip_iface'] ?? 'eth0'), mcastPort: 4440 });
    ctx.kv.set(KV.haResources, [...new Set([...previous, ...Object.keys(crm.resources)])].filter((n) => !crm.delete_resources.includes(n)).sort());
  }

  const dbInfo = db.connection();
  const access = amqp.access();
  const credentials = identity.credentials();
  if (!dbInfo || !access || !credentials) return;

  const decision = await workaroundDecision(ctx.host, ctx.kv);
  if (decision.changedMessage) await ctx.log(decision.changedMessage, 'WARNING');

  let statsPassword = ctx.kv.get<string>(KV.statsPassword);
  if (!statsPassword) {
    statsPassword = randomBytes(24).toString('base64url');
    ctx.kv.set(KV.statsPassword, statsPassword);
  }
  const self = { unit: ctx.env.unitName, address: bindings.cluster[0]?.address ?? '' };
  // A peer whose addresses break a rule is left out (and named in the status), never written into haproxy.cfg.
  const backends = [self, ...cluster.peers().map((p) => ({ unit: p.unit, address: p.privateAddress }))];
  const tls = await currentTlsPlan(certificates, ctx.host, ctx.config);
  const desired = await desiredState({
    platform, config: ctx.config, db: dbInfo, amqp: access, keystone: credentials, backends,
    workers: apiWorkers(ctx.config, availableParallelism()), statsPassword, workarounds: decision.workarounds,
    tls, tlsFilesPresent: await ctx.host.listDirectory(TLS_DIR),
  }, (t, c) => ctx.render(t, c));

  const removalServices: Record<string, string[]> = {};
  for (const path of desired.removals) removalServices[path] = desired.restartMap[path] ?? [];
  const groups = await clusterGroupFacts(ctx);
  // What each service must be started with is known before anything is written; the digests recorded in unit
  // state move on only after a successful (re)start, so a restart owed survives a hook killed in between.
  const digests = serviceDigests({ files: desired.files, removals: desired.removals, restartMap: { ...desired.restartMap, ...removalServices }, extra: groups });
  // Certificates and keys only haproxy reads: the directory keeps others out.
  if (tls.pems.length > 0) await ctx.host.ensureDirectory(TLS_DIR, { owner: 'root', group: 'haproxy', mode: 0o750 });
  await trustBeforeServing(ctx, desired.files);
  for (const f of desired.files) await ctx.host.writeFile(f.path, f.content, f.options);
  for (const path of desired.removals) await ctx.host.removeFile(path);
  ctx.flags.set('masakari.configured');

  await syncDatabase(ctx, decision.workarounds.taskflowAlembic ? WRAPPED_MANAGE : PACKAGED_MANAGE);
  await joinClusterGroup(ctx);
  await applyServices(ctx, platform, digests, pacemakerOwned);
  if (!(await ctx.tools.openedPorts()).some((p) => p.startsWith(`${API_PORT}/`))) await ctx.tools.openPort(API_PORT);
});

/**
 * A new CA is trusted before a certificate it signed is served: when both change in one hook, the peer CA file is
 * written and haproxy reloaded first, so neither this unit's old haproxy worker (still finishing requests) nor the
 * new one meets a certificate it cannot verify yet.
 */
async function trustBeforeServing(ctx: MasakariCtx, files: readonly DesiredFile[]): Promise<void> {
  const ca = files.find((f) => f.path === PEER_CA);
  const unit = files.find((f) => f.path === UNIT_PEM);
  if (!ca || !unit || !(await ctx.host.serviceIsActive('haproxy'))) return;
  const [caNow, unitNow] = [await ctx.host.readFile(PEER_CA), await ctx.host.readFile(UNIT_PEM)];
  if (caNow === null || unitNow === null || caNow === ca.content || unitNow === unit.content) return;
  await ctx.host.writeFile(ca.path, ca.content, ca.options);
  await ctx.host.service('reload', 'haproxy');
  await ctx.log('new CA: haproxy trusts it before serving the certificate it signed');
}

/**
 * The fence gate runs inside masakari-engine as the masakari user and reads the fencing history, which takes
 * membership of pacemaker's haclient group. The group exists once hacluster-ext has installed pacemaker; the
 * engine picks up a new group only when it starts again, so the membership is part of what it is started with.
 */
async function clusterGroupFacts(ctx: MasakariCtx): Promise<Record<string, string[]>> {
  if (!fencingRequired(ctx.config) || !(await ctx.host.groupExists(CLUSTER_GROUP))) return {};
  return { 'masakari-engine': [`member of ${CLUSTER_GROUP}`] };
}

async function joinClusterGroup(ctx: MasakariCtx): Promise<void> {
  if (!fencingRequired(ctx.config) || !(await ctx.host.groupExists(CLUSTER_GROUP))) return;
  if (!(await ctx.host.ensureGroupMember(SERVICE_USER, CLUSTER_GROUP))) return;
  await ctx.log(`fence gate: ${SERVICE_USER} joined group ${CLUSTER_GROUP}; masakari-engine restarts to read the fencing history`);
}

/** The database schema version the code expects: that of the installed package. */
async function schemaVersion(ctx: MasakariCtx): Promise<string> {
  return (await ctx.host.packageVersion('python3-masakari')) ?? 'unknown';
}

export async function dbReady(ctx: MasakariCtx): Promise<boolean> {
  return ctx.leader.data[LEADER_SYNCED_VERSION] === (await schemaVersion(ctx));
}

/**
 * The leader migrates the schema once per package version; the others wait for its leader data. A sync that fails
 * (most often: the database does not answer, and masakari-manage gives up after about 100 s) is tried again on a
 * schedule that backs off (restarts.ts nextSyncAttempt), in whatever hook comes after the time is due.
 */
async function syncDatabase(ctx: MasakariCtx, manage: string): Promise<void> {
  if (!ctx.isLeader) return;
  if (await dbReady(ctx)) {
    ctx.kv.unset(DB_SYNC_FAILURES);
    return;
  }
  const failed = ctx.kv.get<SyncFailures & JsonObject>(DB_SYNC_FAILURES);
  if (failed && Date.now() < failed.nextAttemptMs) {
    await ctx.log(`database schema sync: next attempt after ${new Date(failed.nextAttemptMs).toISOString()}`, 'DEBUG');
    return;
  }
  const version = await schemaVersion(ctx);
  await ctx.log(`synchronising the database schema for masakari ${version}`);
  const result = await ctx.host.run([manage, '--config-file', CONF_PATH, 'db', 'sync'], { timeoutMs: 600_000 });
  if (result.exitCode !== 0) {
    const failures = (failed?.failures ?? 0) + 1;
    ctx.kv.set(DB_SYNC_FAILURES, { failures, nextAttemptMs: nextSyncAttempt(Date.now(), failures), exitCode: result.exitCode });
    await ctx.log(`masakari-manage db sync failed with exit ${result.exitCode} (${failures} in a row)`, 'ERROR');
    return;
  }
  ctx.kv.unset(DB_SYNC_FAILURES);
  await ctx.leader.set({ [LEADER_SYNC_DONE]: 'True', [LEADER_SYNCED_VERSION]: version });
  await ctx.log(`database schema synchronised for masakari ${version}`);
}

type JsonObject = { [key: string]: number };

const RETRY_START_MS = 2_000;

/**
 * Services converge to what they should be: all stopped while paused; API and engine stopped until the schema is
 * synced; otherwise every service running, and restarted while the configuration it was started with (restarts.ts)
 * is not the current one. A service's digest is recorded only once it has been (re)started with the current
 * configuration. update-status only does what is still owed.
 */
async function applyServices(ctx: MasakariCtx, platform: Platform, digests: Readonly<Record<string, string>>, pacemakerOwned: readonly string[]): Promise<void> {
  const observing = ctx.hookName === 'update-status';
  const paused = ctx.flags.isSet('masakari.paused');
  const ready = await dbReady(ctx);
  const states = await ctx.host.serviceStates(platform.services);
  const startedWith: Record<string, string> = { ...(ctx.kv.get<Record<string, string>>(STARTED_WITH) ?? {}) };
  const owed = owedRestarts(platform.services, digests, startedWith);
  for (const s of platform.services) {
    const wanted = !paused && (ready || platform.withoutDatabase.includes(s));
    const active = states.get(s)?.active === true;
    const enabled = states.get(s)?.enabled === true;
    if (!wanted) {
      if (active && !observing) await ctx.host.service('stop', s);
      if (!observing) delete startedWith[s];
      continue;
    }
    // update-status acts only on a restart or start owed (and leaves pacemaker's services to pacemaker): a service
    // the operator stopped after it ran with the current configuration stays stopped until a hook with news.
    if (observing && (!owed.includes(s) || (!active && pacemakerOwned.includes(s)))) continue;
    // A service that will not start is the machine's problem, not a charm bug: the status names it (and the
    // next hook tries again) instead of the hook failing.
    try {
      if (!pacemakerOwned.includes(s) && !enabled) await ctx.host.service('enable', s);
      // haproxy reloads: its new process takes over the listening sockets, so a new certificate (or any new
      // configuration) reaches clients without a moment where the API port refuses connections.
      if (owed.includes(s) && active) await ctx.host.service(s === 'haproxy' ? 'reload' : 'restart', s);
      else if (!active) await ctx.host.service('start', s);
      if (digests[s] !== undefined) startedWith[s] = digests[s];
    } catch (error) {
      // One more start after a short pause: a restart racing the old process's teardown can fail once (seen with
      // haproxy when systemd could not clean its control group) and would otherwise wait for update-status.
      const first = (error as Error).message.split('\n')[0];
      await new Promise((r) => setTimeout(r, RETRY_START_MS));
      if (await ctx.host.serviceIsActive(s)) {
        // Still (or again) running, but nothing says with which configuration: the restart stays owed.
        await ctx.log(`${s}: ${first}; it runs, and the restart is tried again in the next hook`, 'WARNING');
      } else if (await ctx.host.service('start', s).then(() => true, () => false)) {
        if (digests[s] !== undefined) startedWith[s] = digests[s];
        await ctx.log(`${s} failed to start once (${first}); running after a second start`, 'WARNING');
      } else {
        await ctx.log(`${s} did not start: ${first}; see journalctl -u ${s}`, 'ERROR');
      }
    }
  }
  ctx.kv.set(STARTED_WITH, startedWith);
}

charm.assessStatus(async (ctx) => {
  const platform = await platformOf(ctx);
  // The gate's facts: pacemaker is on the unit once its haclient group exists; only then is there a cluster to ask.
  const fencing = fencingRequired(ctx.config);
  const pacemakerHere = fencing && (await ctx.host.groupExists(CLUSTER_GROUP));
  const rel = (name: 'shared-db' | 'amqp' | 'identity-service') => ({
    connected: ctx.flags.isSet(`endpoint.${name}.connected`),
    available: ctx.flags.isSet(`endpoint.${name}.available`),
  });
  const configured = ctx.flags.isSet('masakari.configured');
  const ready = configured && (await dbReady(ctx));
  // Units that sent values breaking a rule: the relation counts as incomplete, and the status names relation, unit, key.
  const tls = await currentTlsPlan(ctx.endpoint('certificates'), ctx.host, ctx.config);
  // The options override the relation: what the relation sends does not matter then.
  const certificateProblems = tls.source === 'options' ? [] : ctx.endpoint('certificates').invalidData();
  const invalid = [
    ...ctx.endpoint('shared-db').invalidData(), ...ctx.endpoint('amqp').invalidData(),
    ...ctx.endpoint('identity-service').invalidData(), ...ctx.endpoint('cluster').invalidData(), ...certificateProblems,
  ];
  const syncFailures = ctx.isLeader && !ready ? ctx.kv.get<SyncFailures & JsonObject>(DB_SYNC_FAILURES) : undefined;
  const checkRuntime = platform !== null && ready && !ctx.flags.isSet('masakari.paused');
  return assessStatus({
    ...(platform ? {} : { unsupportedOs: 'Unsupported operating system (accepted: Ubuntu, Debian)' }),
    installed: ctx.flags.isSet('masakari.installed'),
    paused: ctx.flags.isSet('masakari.paused'),
    relations: { 'shared-db': rel('shared-db'), amqp: rel('amqp'), 'identity-service': rel('identity-service') },
    ...(ctx.kv.get<string>(KV.addressError) ? { addressError: ctx.kv.get<string>(KV.addressError)! } : {}),
    ...(invalid.length > 0 ? { invalidRelationData: describeUnitProblems(invalid) } : {}),
    vipSet: parseVips(ctx.config.vip).length > 0,
    haJoined: ctx.flags.isSet('endpoint.ha.joined'),
    haClustered: ctx.flags.isSet('endpoint.ha.available'),
    fenceGate: fenceGateProblem({ required: fencing, haJoined: ctx.flags.isSet('endpoint.ha.joined'), clusterGroup: pacemakerHere }),
    readyNote: [pacemakerHere ? fencingNote(await clusterFencing(ctx.host)) : null, tlsNote(tls)].filter((n) => n).join('; ') || null,
    certificatesIncomplete: ctx.flags.isSet('endpoint.certificates.connected') && tls.source !== 'options' && tls.source !== 'relation' && certificateProblems.length === 0,
    recoveryHold: recoveryHoldStatus(ctx.endpoint('ha').recoveryHold()),
    dbSynced: ready,
    isLeader: ctx.isLeader,
    ...(syncFailures ? { dbSyncFailure: syncFailures } : {}),
    ...(checkRuntime ? await settledRuntimeFacts(ctx.host, platform.services, [API_PORT, BACKEND_PORT]) : { servicesDown: [], portsClosed: [] }),
  });
});

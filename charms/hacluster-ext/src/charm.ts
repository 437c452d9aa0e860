/**
 * hacluster-ext: every handler is convergent — it runs in every hook and changes nothing when the machine already
 * matches. Desired state (corosync.conf, keys, the CIB) comes from pure functions; this file applies it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { defineCharm, type Ctx } from '../../../reactive/charm.js';
import { stopRunning } from '../../../reactive/host/services.js';
import type { JsonValue } from '../../../reactive/kv.js';
import { HaclusterProvides } from '../../../interfaces/hacluster/provides.js';
import { HanodePeers } from '../../../interfaces/hacluster/peers.js';
import { JujuInfoRequires } from '../../../interfaces/juju-info/requires.js';
import { PacemakerRemoteRequires } from '../../../interfaces/pacemaker-remote/requires.js';
import { syncCibSecrets } from './cib/apply.js';
import { configureCluster, InvalidCib, KNOWN_SECRETS } from './cib/configure.js';
import { DEFAULT_CIB_CONFIG, ST_MAAS } from './cib/desired.js';
import { parsePrincipal } from './cib/principal.js';
import { renderConfiguration } from './cib/xml.js';
import {
  COROSYNC_AUTHKEY, COROSYNC_CONF, corosyncView, onlyNodelistDiffers, OVERRIDES, PACEMAKER_AUTHKEY, ringNodes, systemdOverride, UIDGID, UIDGID_CONTENT,
  withoutNodelist, type RingMember,
} from './corosync/ring.js';
import { configCheck, configRules, decodeKey, settingsFrom } from './options.js';
import { PLUGIN_PATH } from './stonith/paths.js';
import { assess, type Facts } from './status.js';
import { HOLD_VIEW, holdStatus, reportHold, type HoldView } from './fencing/report.js';
import { configureNotifications, installNotifyAgent } from './notify/handlers.js';

export const INSTALLED = 'hacluster.installed';
export const PACKAGES = ['corosync', 'pacemaker', 'pacemaker-cli-utils', 'cluster-glue', 'resource-agents', 'crmsh'];
export const FACTS = 'hacluster.facts';
export const PAUSED = 'hacluster.paused';
const RING_TOKEN = 'hacluster.corosync-update-token';

export const charm = defineCharm({
  name: 'hacluster-ext',
  flags: [INSTALLED] as const,
  endpoints: { ha: HaclusterProvides, hanode: HanodePeers, 'pacemaker-remote': PacemakerRemoteRequires, 'juju-info': JujuInfoRequires },
  configRules,
  configCheck,
  // Unit state keeps digests of these; update-status reads them again (one config-get, one leader-get).
  secrets: { config: ['corosync_key', 'pacemaker_key', 'maas_credentials', 'notify_urls'], leader: ['corosync-key', 'pacemaker-key'] },
});

export type Context = Ctx<typeof INSTALLED, {
  ha: typeof HaclusterProvides; hanode: typeof HanodePeers; 'pacemaker-remote': typeof PacemakerRemoteRequires; 'juju-info': typeof JujuInfoRequires;
}>;

/** Where pacemaker-based keeps the CIB (cib.xml) and its numbered backups (cib-N.raw, cib.last). */
const CIB_DIR = '/var/lib/pacemaker/cib';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

charm.whenNot(INSTALLED).do('install-packages', async (ctx) => {
  await ctx.log(`installing ${PACKAGES.join(', ')}`);
  await ctx.host.aptInstall(PACKAGES);
  // Debian starts corosync and pacemaker at install with its packaged one-node configuration, whose CIB would keep a
  // ghost, UNCLEAN "node1" that blocks fencing (LP#1874719). Stop them and drop every CIB they wrote, the numbered
  // backups too: without cib.xml, pacemaker-based loads the newest cib-N.raw, and node1 would come back from it.
  await stopRunning(ctx.host, ['pacemaker', 'corosync']);
  for (const file of await ctx.host.listDirectory(CIB_DIR)) if (file.startsWith('cib')) await ctx.host.removeFile(`${CIB_DIR}/${file}`);
  ctx.flags.set(INSTALLED);
});

charm.when(INSTALLED).do('install-stonith-plugin', async (ctx) => {
  const plugin = await ctx.host.readFile(`${ctx.env.charmDir}/bin/external-maas`);
  if (plugin === null) {
    await ctx.log('bin/external-maas is missing from the charm; build it with npm run build', 'WARNING');
    return;
  }
  if (await ctx.host.writeFile(PLUGIN_PATH, plugin, { owner: 'root', group: 'root', mode: 0o755 })) await ctx.log(`installed ${PLUGIN_PATH}`);
});

charm.when(INSTALLED).do('install-notify-agent', installNotifyAgent);

/** Before the cluster step, so the list is in place when the leader's CIB points Pacemaker at the agent. */
charm.when(INSTALLED, 'config.valid').do('configure-notifications', async (ctx) => configureNotifications(ctx, settingsFrom(ctx.config)));

/** No published default key: the leader makes one of each once and shares them through leader data. */
charm.when('leadership.is_leader').do('generate-cluster-keys', async (ctx) => {
  const current = ctx.leader.data;
  const missing: Record<string, string> = {};
  for (const name of ['corosync-key', 'pacemaker-key']) if (!current[name]) missing[name] = randomBytes(256).toString('base64');
  if (Object.keys(missing).length > 0) await ctx.leader.set(missing);
});

function keyFrom(configured: Buffer | null, leaderValue: string | undefined): Buffer | null {
  if (configured) return configured;
  if (!leaderValue) return null;
  const decoded = decodeKey(leaderValue);
  return decoded instanceof Buffer ? decoded : null;
}

async function ringAddress(ctx: Context): Promise<string> {
  const info = await ctx.tools.networkGet('hanode');
  return info.ingressAddresses[0] ?? info.bindAddresses.flatMap((b) => b.addresses)[0]?.value ?? (await ctx.tools.unitGet('private-address'));
}

/** Stop pacemaker, restart corosync, start pacemaker, then wait until this node is in the membership. */
async function restartCluster(ctx: Context, hostname: string): Promise<boolean> {
  await ctx.log('cluster files changed: restarting corosync and pacemaker');
  await ctx.host.service('stop', 'pacemaker');
  await ctx.host.service('restart', 'corosync');
  await ctx.host.service('start', 'pacemaker');
  return waitForMembership(ctx, hostname);
}

async function waitForMembership(ctx: Context, hostname: string, attempts = 12): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    const r = await ctx.host.run(['crm_node', '-l'], { timeoutMs: 10_000 });
    if (r.exitCode === 0 && r.stdout.split('\n').some((l) => l.split(/\s+/)[1] === hostname && /member/.test(l))) return true;
    await ctx.log(`waiting for ${hostname} to join the cluster membership (${i + 1}/${attempts})`);
    await sleep(5_000);
  }
  return false;
}

/**
 * What corosync and pacemaker run with, as digests: `restart` covers everything a restart is needed for (keys,
 * uidgid, corosync.conf without its node list), `conf` the whole corosync.conf (a node list change is applied by a
 * reload), `units` the systemd drop-ins (a daemon-reload). Unit state is committed only when a hook succeeds, so a hook killed after
 * writing the files and before restarting leaves the old digests behind, and the next hook restarts. Digests, not
 * the files: the keys must not sit in unit state.
 */
const APPLIED = 'hacluster.applied';
type Applied = {
  readonly restart: string;
  readonly conf: string;
  readonly units: string;
};

function digest(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(createHash('sha256').update(part).digest());
  return hash.digest('hex');
}

charm.when(INSTALLED, 'config.valid').do('converge-cluster', async (ctx) => {
  const facts: Facts = { stage: 'keys' };
  const settings = settingsFrom(ctx.config);
  const leaderData = ctx.leader.data;
  const corosyncKey = keyFrom(settings.corosyncKey, leaderData['corosync-key']);
  // Never the ring key: the pacemaker key is sent to every compute host, the ring key stays on the members.
  const pacemakerKey = keyFrom(settings.pacemakerKey, leaderData['pacemaker-key']);
  const hanode = ctx.endpoint('hanode');
  const self: RingMember = { unit: ctx.env.unitName, hostname: await ctx.host.hostname(), address: await ringAddress(ctx) };
  const publishSelf = (ready: boolean, memberReady: boolean): void => hanode.publishSelf({ address: self.address, hostname: self.hostname, ready, memberReady });
  if (!corosyncKey || !pacemakerKey) {
    publishSelf(false, false);
    recordFacts(ctx, facts);
    return;
  }
  ctx.endpoint('pacemaker-remote').offerKey(pacemakerKey.toString('base64'));

  const peers = hanode.peers().filter((p) => p.ready);
  const ring = ringNodes([self, ...peers]);
  // A peer that sent an unusable address or name holds the ring as it is: nothing is written until it is fixed.
  const ringProblems = [...hanode.problems().map((p) => p.message), ...ring.problems];
  const view = corosyncView(ctx.env.unitName.split('/')[0] ?? 'hacluster', ring.nodes, settings);
  if (!view.ok) ringProblems.push(...view.problems);
  if (ring.nodes.length < settings.clusterCount || ringProblems.length > 0 || !view.ok) {
    publishSelf(true, false);
    recordFacts(ctx, { stage: 'peers', have: ring.nodes.length, need: settings.clusterCount, problems: ringProblems });
    return;
  }

  // Debian's pacemaker creates these; ensuring them keeps the key files' ownership well defined everywhere.
  await ctx.host.ensureGroup('haclient', { system: true });
  await ctx.host.ensureUser('hacluster', { group: 'haclient', system: true, home: '/var/lib/pacemaker', shell: '/usr/sbin/nologin' });
  const conf = await ctx.render('corosync.conf', { ...view.view });
  const override = systemdOverride(settings.startTimeout, settings.stopTimeout);
  const wanted: Applied = { restart: digest(corosyncKey, pacemakerKey, UIDGID_CONTENT, withoutNodelist(conf)), conf: digest(conf), units: digest(override) };
  const applied = ctx.kv.get<Applied>(APPLIED) ?? null;
  let changed = false;
  changed = (await ctx.host.writeFile(COROSYNC_AUTHKEY, corosyncKey, { owner: 'root', group: 'root', mode: 0o400 })) || changed;
  changed = (await ctx.host.writeFile(PACEMAKER_AUTHKEY, pacemakerKey, { owner: 'hacluster', group: 'haclient', mode: 0o440 })) || changed;
  changed = (await ctx.host.writeFile(UIDGID, UIDGID_CONTENT, { mode: 0o644 })) || changed;
  const previousConf = await ctx.host.readFile(COROSYNC_CONF);
  const confChanged = await ctx.host.writeFile(COROSYNC_CONF, conf, { owner: 'root', group: 'root', mode: 0o644 });
  let overrides = false;
  for (const path of OVERRIDES) overrides = (await ctx.host.writeFile(path, override)) || overrides;
  // A member joining or leaving only changes the node list, which corosync 3 reloads at run time: no restart, so
  // scaling the cluster never restarts every member at once. What is owed comes from what the daemons last ran
  // with; a unit without that record (first hook of this version) goes by what this hook changed, so an upgrade
  // restarts nothing.
  const owed = applied === null
    ? { restart: changed || (confChanged && !(previousConf !== null && onlyNodelistDiffers(previousConf, conf))), reload: confChanged, units: overrides }
    : { restart: applied.restart !== wanted.restart, reload: applied.conf !== wanted.conf, units: applied.units !== wanted.units };
  if (owed.units) await ctx.host.run(['systemctl', 'daemon-reload']);
  const states = await ctx.host.serviceStates(['corosync', 'pacemaker']);
  for (const service of ['corosync', 'pacemaker']) if (states.get(service)?.enabled !== true) await ctx.host.service('enable', service);
  let member = true;
  const running = states.get('pacemaker')?.active === true;
  if (owed.restart || !running) member = await restartCluster(ctx, self.hostname);
  else if (owed.reload) {
    await ctx.log('corosync node list changed: reloading the ring');
    const reload = await ctx.host.run(['corosync-cfgtool', '-R']);
    if (reload.exitCode !== 0) member = await restartCluster(ctx, self.hostname);
  }
  // The daemons now run with these files (whether or not this node has joined yet): nothing more is owed.
  ctx.kv.set(APPLIED, wanted);
  if (!member) {
    publishSelf(true, false);
    recordFacts(ctx, { stage: 'pacemaker-down' });
    return;
  }

  // A leader's update-ring asks every unit to reload its ring once per token.
  const token = peers.map((p) => p.trigger).find((t) => t !== null) ?? null;
  if (token !== null && token !== ctx.kv.get<string>(RING_TOKEN)) {
    await ctx.host.run(['corosync-cfgtool', '-R']);
    ctx.kv.set(RING_TOKEN, token);
  }

  // Every member keeps its own copy of the CIB secrets; the leader also writes the CIB.
  const secrets = settings.cib.maas ? [{ resource: ST_MAAS, parameter: 'apikey', value: settings.cib.maas.apiKey }] : [];
  await syncCibSecrets(ctx.host, secrets, KNOWN_SECRETS);
  let clustered = Boolean(leaderData['cib-digest']);
  let fencing = leaderData['stonith-enabled'] === undefined ? null : leaderData['stonith-enabled'] === 'true';
  if (ctx.isLeader) {
    const principal = parsePrincipal(ctx.endpoint('ha').principalData() ?? {});
    const announced = ctx.endpoint('pacemaker-remote').remotes();
    const problems = [...announced.problems.map((p) => p.reason), ...principal.errors.map((e) => `${e.path}: ${e.message}`)];
    if (problems.length === 0) {
      try {
        const result = await configureCluster(ctx.host, {
          members: ring.nodes.map((n) => ({ name: n.name, address: n.address })),
          remotes: announced.remotes.map((r) => ({ name: r.remoteHostname, address: r.remoteIp, stonithHostname: r.stonithHostname, enableResources: r.enableResources })),
          principal: principal.resources,
          config: { ...DEFAULT_CIB_CONFIG, ...settings.cib },
        });
        if (result.wrote) await ctx.log(`cluster configuration updated (${result.changed.join(', ')})`);
        const digest = createHash('sha256').update(renderConfiguration(result.desired.document)).digest('hex').slice(0, 16);
        fencing = result.desired.stonithEnabled;
        // Leader data wakes the other units after every change; they pass stonith-enabled on to their principal.
        if (leaderData['cib-digest'] !== digest || leaderData['stonith-enabled'] !== String(fencing)) {
          await ctx.leader.set({ 'cib-digest': digest, 'stonith-enabled': String(fencing) });
        }
        clustered = true;
        reportHold(ctx, result.live);
      } catch (error) {
        if (!(error instanceof InvalidCib)) throw error;
        problems.push(...error.desired.errors.map((e) => `${e.path}: ${e.message}`));
      }
    }
    if (problems.length > 0) {
      publishSelf(true, true);
      recordFacts(ctx, { stage: 'cib-invalid', problems });
      return;
    }
  }
  const initServices = parseServices(ctx.endpoint('ha').principalData()?.json_init_services);
  const initStates = await ctx.host.serviceStates(initServices);
  for (const service of initServices) {
    // Pacemaker starts and stops these now; the init system must not fight it at boot.
    if (initStates.get(service)?.enabled === true) await ctx.host.service('disable', service);
  }
  ctx.endpoint('ha').setClustered(clustered);
  ctx.endpoint('ha').setFencing(fencing);
  publishSelf(true, true);
  recordFacts(ctx, { stage: clustered ? 'clustered' : 'waiting-leader' });
});

function recordFacts(ctx: Context, facts: Facts): void {
  ctx.kv.set(FACTS, facts as unknown as JsonValue);
}

function parseServices(text: string | undefined): string[] {
  try {
    const value = JSON.parse(text ?? '[]') as unknown;
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && /^[A-Za-z0-9@._-]+$/.test(v)) : [];
  } catch {
    return [];
  }
}

charm.assessStatus((ctx) => assess({
  installed: ctx.flags.isSet(INSTALLED),
  paused: ctx.kv.get<boolean>(PAUSED) === true,
  facts: (ctx.kv.get(FACTS) ?? null) as Facts | null,
  maintenance: ctx.config['maintenance-mode'] === true,
  isLeader: ctx.isLeader,
  hold: holdStatus((ctx.kv.get(HOLD_VIEW) ?? null) as HoldView | null),
}));

/**
 * masakari-monitors: gather facts (options, keystone's answer, host), compute the config and service plan with the
 * pure modules, apply. Every handler is convergent: a second run writes nothing and restarts nothing.
 */
import { createHash } from 'node:crypto';
import { defineCharm, type Ctx } from '../../../reactive/charm.js';
import { describeUnitProblems } from '../../../reactive/decode/remote.js';
import { stopRunning } from '../../../reactive/host/services.js';
import { OsloValueError } from '../../../reactive/oslo-ini.js';
import { JujuInfoRequires } from '../../../interfaces/juju-info/requires.js';
import { KeystoneCredentialsRequires } from '../../../interfaces/keystone-credentials/requires.js';
import { TlsCertificatesRequires } from '../../../interfaces/tls-certificates/requires.js';
import { API_CA_PATH, CONF_DIR, CONF_PATH, renderMonitorsConf } from './conf.js';
import { IniRenderError } from './ini.js';
import { assessMonitorsStatus, servicePlan, type ServiceFacts } from './monitors-state.js';
import { parseOptions, type MonitorOptions } from './options.js';
import { PROCESS_LIST_PATH, parseComputeOptions, renderProcessList, type ComputeOptions } from './compute-options.js';
import { CREDENTIALS_REQUEST } from './credentials.js';
import {
  defaultsFile,
  HOST_MONITOR,
  LIBVIRT_SOCKETS,
  packagesToInstall,
  serviceAccount,
  SERVICES,
  UNIT_DIRS,
  wantedServices,
  type MonitorService,
  type ServiceAccount,
} from './platform.js';

const INSTALLED = 'masakari-monitors.installed';
const PAUSED = 'masakari-monitors.paused';
const STARTED_WITH = 'masakari-monitors.started-with.';
const CREDENTIALS = 'identity-credentials';
/** The user and the notifier role (credentials.ts). */
const REQUEST = CREDENTIALS_REQUEST;

export const charm = defineCharm({
  name: 'masakari-monitors',
  flags: [INSTALLED] as const,
  endpoints: { 'identity-credentials': KeystoneCredentialsRequires, container: JujuInfoRequires, certificates: TlsCertificatesRequires },
  configCheck: (config) => {
    const parsed = parseOptions(config);
    const compute = parseComputeOptions(config);
    return [...(parsed.ok ? [] : parsed.problems), ...(compute.ok ? [] : compute.problems)];
  },
});

type Context = Ctx<typeof INSTALLED, { 'identity-credentials': typeof KeystoneCredentialsRequires; container: typeof JujuInfoRequires; certificates: typeof TlsCertificatesRequires }>;

/** The CA to trust for the API: ssl_ca wins, else the certificates relation's CA and chain, else none (system bundle). */
function apiCa(ctx: Context, options: MonitorOptions): string | null {
  return options.sslCa ?? ctx.endpoint('certificates').authority()?.bundle ?? null;
}

charm.whenNot(INSTALLED).do('install-packages', async (ctx) => {
  const pacemakerInstalled = (await ctx.host.packageVersion('pacemaker')) !== null;
  const packages = packagesToInstall(ctx.config['pacemaker-node-type'], pacemakerInstalled);
  await ctx.log(`installing ${packages.join(', ')}`);
  await ctx.host.aptInstall(packages);
  ctx.flags.set(INSTALLED);
});

// A new charm revision may install more (masakari-process-monitor came later): apt installs only what is missing.
charm.hook('upgrade-charm').do('install-on-upgrade', (ctx) => {
  ctx.flags.clear(INSTALLED);
});

charm.when('endpoint.identity-credentials.connected').do('request-credentials', (ctx) => {
  ctx.endpoint(CREDENTIALS).requestCredentials(REQUEST);
});

async function account(ctx: Context): Promise<ServiceAccount> {
  for (const dir of UNIT_DIRS) {
    const text = await ctx.host.readFile(`${dir}/${HOST_MONITOR}.service`);
    if (text !== null) return serviceAccount(text);
  }
  return serviceAccount(null);
}

/** Interface of this unit's container binding: where corosync talks when the host is a full member. */
async function bindingInterface(ctx: Context): Promise<string | null> {
  const info = await ctx.tools.networkGet('container');
  return info.bindAddresses.find((b) => b.interfaceName && b.addresses.length > 0)?.interfaceName ?? null;
}

type Desired =
  | { readonly ok: false; readonly problem: string | null }
  | { readonly ok: true; readonly options: MonitorOptions; readonly compute: ComputeOptions; readonly conf: string; readonly account: ServiceAccount; readonly ca: string | null };

/** Everything to write, or why nothing can be (problem null: waiting for input the status already names). */
async function desiredState(ctx: Context): Promise<Desired> {
  const parsed = parseOptions(ctx.config);
  const compute = parseComputeOptions(ctx.config);
  if (!parsed.ok || !compute.ok) return { ok: false, problem: null };
  const credentials = ctx.endpoint(CREDENTIALS).credentials();
  if (!credentials) return { ok: false, problem: null };
  const options = parsed.options;
  const corosyncInterface = await bindingInterface(ctx);
  if (options.pacemakerNodeType === 'cluster' && !corosyncInterface) {
    return {
      ok: false,
      problem: "pacemaker-node-type: 'cluster' needs the corosync interface, but network-get container named none; " +
        "bind the container endpoint to the cluster's space or use 'remote'",
    };
  }
  const svcAccount = await account(ctx);
  const ca = apiCa(ctx, options);
  let conf: string;
  try {
    conf = renderMonitorsConf(options, credentials, {
      fqdn: await ctx.host.fqdn(),
      corosyncInterface,
      serviceUser: svcAccount.user,
      apiCa: ca !== null,
    }, compute.options);
  } catch (error) {
    // Keystone's answer and the options are decoded before this; what is left is the machine's own facts (its FQDN,
    // the binding's interface name). The renderer's message names the key, never the value.
    if (!(error instanceof OsloValueError) && !(error instanceof IniRenderError)) throw error;
    return { ok: false, problem: `cannot write ${CONF_PATH}: ${error.message}` };
  }
  return { ok: true, options, compute: compute.options, conf, account: svcAccount, ca };
}

async function libvirtRunning(ctx: Context): Promise<boolean> {
  for (const socket of LIBVIRT_SOCKETS) if (await ctx.host.exists(socket)) return true;
  return false;
}

async function serviceFacts(ctx: Context, wanted: readonly MonitorService[]): Promise<ServiceFacts[]> {
  const states = await ctx.host.serviceStates(SERVICES);
  return SERVICES.map((name) => ({
    name,
    wanted: wanted.includes(name),
    active: states.get(name)?.active === true,
    enabled: states.get(name)?.enabled === true,
    startedWith: ctx.kv.get<string>(`${STARTED_WITH}${name}`) ?? null,
  }));
}

/**
 * Until the charm has rendered a config, the packaged services (started by the package's postinst) run with a
 * config that cannot work — on Debian the API's /etc/masakari/masakari.conf, restarting in a loop — so stop them.
 */
async function stopUnconfigured(ctx: Context): Promise<void> {
  const states = await ctx.host.serviceStates(SERVICES);
  for (const name of SERVICES) {
    if (ctx.kv.get<string>(`${STARTED_WITH}${name}`) === undefined && states.get(name)?.active === true) {
      await ctx.log(`stopping ${name}: the charm has not configured it yet`);
      await ctx.host.service('stop', name);
    }
  }
}

/** Writes config and defaults files, then brings the services to the plan. Returns false when nothing could be. */
async function converge(ctx: Context, forceRestart = false): Promise<boolean> {
  const desired = await desiredState(ctx);
  if (!desired.ok) {
    await stopUnconfigured(ctx);
    return false;
  }
  const { account: acct, conf } = desired;
  await ctx.host.ensureDirectory(CONF_DIR, { owner: 'root', group: acct.group, mode: 0o750 });
  // The CA before the config that names it.
  if (desired.ca) await ctx.host.writeFile(API_CA_PATH, desired.ca, { owner: 'root', group: 'root', mode: 0o644 });
  else await ctx.host.removeFile(API_CA_PATH);
  // Holds the service user's keystone password: readable by the services' group only.
  await ctx.host.writeFile(CONF_PATH, conf, { owner: 'root', group: acct.group, mode: 0o640 });
  const defaults = SERVICES.map(defaultsFile);
  for (const file of defaults) await ctx.host.writeFile(file.path, file.content, { owner: 'root', group: 'root', mode: 0o644 });
  const processList = renderProcessList(desired.compute.processes);
  await ctx.host.writeFile(PROCESS_LIST_PATH, processList, { owner: 'root', group: acct.group, mode: 0o640 });
  const digest = createHash('sha256').update(conf).update(defaults.map((d) => d.content).join('')).update(processList).update(desired.ca ?? '').digest('hex');

  const wanted = wantedServices({ ...desired.options, ...desired.compute }, await libvirtRunning(ctx));
  const paused = ctx.kv.get<boolean>(PAUSED) === true;
  const facts = (await serviceFacts(ctx, wanted)).map((f) => (forceRestart ? { ...f, startedWith: null } : f));
  for (const step of servicePlan(facts, digest, paused)) {
    await ctx.log(`${step.action} ${step.name}`);
    await ctx.host.service(step.action, step.name);
  }
  for (const name of SERVICES) {
    if (wanted.includes(name) && !paused) ctx.kv.set(`${STARTED_WITH}${name}`, digest);
    else ctx.kv.unset(`${STARTED_WITH}${name}`);
  }
  return true;
}

charm.when(INSTALLED).do('configure-monitors', async (ctx) => {
  await converge(ctx);
});

charm.action('pause', async (ctx) => {
  ctx.kv.set(PAUSED, true);
  await stopRunning(ctx.host, SERVICES);
  ctx.action?.set({ stopped: SERVICES.join(',') });
});

charm.action('resume', async (ctx) => {
  ctx.kv.unset(PAUSED);
  if (!(await converge(ctx))) {
    ctx.action?.fail('resumed, but nothing was started: the unit is not configured yet (see its status)');
  }
});

charm.action('restart-services', async (ctx) => {
  if (ctx.kv.get<boolean>(PAUSED) === true) {
    ctx.action?.fail("the unit is paused; use the 'resume' action");
    return;
  }
  if (!(await converge(ctx, true))) ctx.action?.fail('nothing to restart: the unit is not configured yet (see its status)');
});

charm.assessStatus(async (ctx) => {
  const endpoint = ctx.endpoint(CREDENTIALS);
  const installed = ctx.flags.isSet(INSTALLED);
  const paused = ctx.kv.get<boolean>(PAUSED) === true;
  const credentialsComplete = endpoint.credentials() !== null;
  const parsed = parseOptions(ctx.config);
  // The relation's CA counts only while ssl_ca does not override it.
  const caProblems = parsed.ok && parsed.options.sslCa ? [] : ctx.endpoint('certificates').authorityProblems();
  const invalid = [...endpoint.invalidData(), ...caProblems];
  const compute = parseComputeOptions(ctx.config);
  let renderProblem: string | null = null;
  const notRunning: MonitorService[] = [];
  const libvirt = await libvirtRunning(ctx);
  const wanted = parsed.ok && compute.ok ? wantedServices({ ...parsed.options, ...compute.options }, libvirt) : [];
  if (installed && !paused && credentialsComplete && parsed.ok && compute.ok) {
    const desired = await desiredState(ctx);
    if (!desired.ok) renderProblem = desired.problem;
    const states = await ctx.host.serviceStates(wanted);
    notRunning.push(...wanted.filter((name) => states.get(name)?.active !== true));
  }
  return assessMonitorsStatus({
    installed,
    paused,
    // A relation whose keystone unit has not joined yet is incomplete, not missing.
    credentialsRelated: endpoint.relations.length > 0,
    credentialsComplete,
    invalidCredentials: invalid.length > 0 ? describeUnitProblems(invalid) : null,
    renderProblem,
    wanted,
    notRunning,
    instanceMonitorWaitsForLibvirt: parsed.ok && parsed.options.enableInstanceMonitor && !libvirt,
  });
});

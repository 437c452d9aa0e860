/**
 * before_deploy and configure steps of tests.yaml: addresses for the bundle templates, MAAS fencing for the
 * deployed model (the MAAS emulator in the model's network, really powering machines off), and masakari
 * segments through the charm's actions, as zaza-openstack-tests' create_segments does.
 */
import { randomBytes } from 'node:crypto';
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModelNetwork, runInModelNetwork, stopModelProcess } from '../../../localmodel/machines/index.js';
import { repoRoot } from '../../../deploy/standins.js';
import type { SuiteContext } from '../../../deploy/context.js';
import { appUnits, blockUntil, leaderOf, runAction, waitForApplicationStates } from '../../../deploy/model.js';
import { clusterSettled, crmMon } from './crm.js';
import { novaControl, ok, openstack } from './openstack.js';

export const MAAS_PORT = 5240;

/** The MAAS emulator's files for a model: config, log and the power log the failover test reads. */
export function maasDir(model: string): string {
  return join('/var/tmp', `zaza-maas-${model}`);
}

/**
 * The power command runs once per fencing action; bundled to plain JavaScript it starts in well under a second,
 * where going through the TypeScript loader costs seconds on a busy machine (time a failed host stays up).
 */
async function bundlePowerCommand(dir: string): Promise<string> {
  const outfile = join(dir, 'power.cjs');
  await esbuild.build({ entryPoints: [join(repoRoot, 'tests/zaza/functest/power.ts')], bundle: true, platform: 'node', target: 'node18', format: 'cjs', outfile, logLevel: 'silent' });
  return outfile;
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** TEST_VIP00 for the local model: a free address at the top of the model's own subnet. */
export async function allocateAddresses(ctx: SuiteContext): Promise<void> {
  if (ctx.cli.backend !== 'juju-local') {
    if (!ctx.vars['TEST_VIP00']) throw new Error('with --backend juju set TEST_VIP00 to a free address on the units\' network');
    return;
  }
  const network = await createModelNetwork(ctx.model);
  const prefix = network.cidr.split('/')[0]!.split('.').slice(0, 3).join('.');
  ctx.vars['TEST_VIP00'] ??= `${prefix}.250`;
  ctx.vars['TEST_GATEWAY'] = network.gateway;
  ctx.log(`model network ${network.cidr}; VIP ${ctx.vars['TEST_VIP00']}`);
}

/** Host names of the compute units (their FQDNs: what nova, pacemaker and masakari call them). */
export async function computeHosts(ctx: SuiteContext): Promise<{ unit: string; host: string; machine: string }[]> {
  const status = await ctx.cli.status(ctx.model);
  return appUnits(status, 'nova-compute').map((u) => {
    const m = status.machines?.[u.machine ?? ''];
    if (!m?.fqdn && !m?.hostname) throw new Error(`no host name for ${u.name}'s machine ${u.machine}`);
    return { unit: u.name, host: m.fqdn ?? m.hostname!, machine: u.machine! };
  });
}

/**
 * Registers MAAS in Keystone's catalog (service type `maas`, one endpoint per interface), as a cloud that lists
 * its bare-metal provider does; returns the public URL the catalog then gives. Idempotent: an existing service
 * and endpoints with the same URL are kept.
 */
export async function registerMaasInCatalog(ctx: SuiteContext, url: string): Promise<string> {
  const services = await ok(openstack(ctx, 'identity', 'GET', '/services?type=maas'), 'list maas services');
  let service = (services.services as { id: string }[])[0];
  if (!service) {
    service = (await ok(openstack(ctx, 'identity', 'POST', '/services', { service: { type: 'maas', name: 'maas', description: 'MAAS (emulated)' } }), 'create maas service')).service;
  }
  const existing = (await ok(openstack(ctx, 'identity', 'GET', `/endpoints?service_id=${service!.id}`), 'list maas endpoints')).endpoints as { id: string; interface: string; url: string; region_id?: string }[];
  const regions = (await ok(openstack(ctx, 'identity', 'GET', '/regions'), 'list regions')).regions as { id: string }[];
  const region = regions[0]?.id ?? 'RegionOne';
  for (const iface of ['admin', 'internal', 'public']) {
    const found = existing.find((e) => e.interface === iface);
    if (found?.url === url) continue;
    if (found) await ok(openstack(ctx, 'identity', 'PATCH', `/endpoints/${found.id}`, { endpoint: { url } }), `update maas ${iface} endpoint`);
    else await ok(openstack(ctx, 'identity', 'POST', '/endpoints', { endpoint: { service_id: service!.id, interface: iface, url, region_id: region } }), `create maas ${iface} endpoint`);
  }
  const catalog = (await ok(openstack(ctx, 'identity', 'GET', '/auth/catalog'), 'read the catalog')).catalog as { type: string; endpoints: { interface: string; url: string }[] }[];
  const listed = catalog.find((c) => c.type === 'maas')?.endpoints.find((e) => e.interface === 'public')?.url;
  if (!listed) throw new Error('MAAS was registered but is not in the catalog the admin token returns');
  return listed;
}

/**
 * Adds fencing to the running model as an operator would: MAAS (the emulator, on the model's switch address)
 * knows the compute machines and is registered in Keystone's catalog; hacluster gets the catalog's MAAS URL and
 * a key, pacemaker-remote enable-stonith.
 */
export async function enableMaasFencing(ctx: SuiteContext): Promise<void> {
  if (ctx.cli.backend !== 'juju-local') {
    ctx.log('real controller: fencing comes from bundles/stonith-maas-overlay.yaml; nothing to do');
    return;
  }
  const hosts = await computeHosts(ctx);
  const network = await createModelNetwork(ctx.model);
  const dir = maasDir(ctx.model);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const powerLog = join(dir, 'power.log');
  const pidFile = join(dir, 'maas.pid');
  // Idempotent: a MAAS emulator already serving this model (an earlier configure run) keeps its key.
  const running = existsSync(pidFile) && existsSync(join(dir, 'maas.json')) && processAlive(Number(readFileSync(pidFile, 'utf8')));
  let pid: number;
  let key: { consumerKey: string; tokenKey: string; tokenSecret: string };
  if (running) {
    pid = Number(readFileSync(pidFile, 'utf8'));
    key = (JSON.parse(readFileSync(join(dir, 'maas.json'), 'utf8')) as { apiKeys: (typeof key)[] }).apiKeys[0]!;
  } else {
    key = { consumerKey: randomBytes(9).toString('hex'), tokenKey: randomBytes(9).toString('hex'), tokenSecret: randomBytes(16).toString('hex') };
    const config = {
      host: network.gateway, port: MAAS_PORT, apiKeys: [key],
      machines: hosts.map((h) => ({ hostname: h.host.split('.')[0], domain: h.host.split('.').slice(1).join('.') || 'maas' })),
      powerCommand: [process.execPath, await bundlePowerCommand(dir), ctx.model, powerLog],
    };
    writeFileSync(join(dir, 'maas.json'), JSON.stringify(config), { mode: 0o600 });
    ({ pid } = await runInModelNetwork(ctx.model, [process.execPath, '--import', join(repoRoot, 'tools/ts-register.mjs'), join(repoRoot, 'tests/zaza/emulators/maas/main.ts'), join(dir, 'maas.json')], { logFile: join(dir, 'maas.log'), cwd: repoRoot, detached: true }));
    writeFileSync(pidFile, String(pid));
  }
  ctx.facts['maas'] = { pid, dir, powerLog, url: `http://${network.gateway}:${MAAS_PORT}/MAAS` };
  ctx.cleanups.push(async () => {
    await stopModelProcess(ctx.model, pid).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  ctx.log(`MAAS emulator (pid ${pid}) at http://${network.gateway}:${MAAS_PORT}/MAAS knows ${hosts.map((h) => h.host).join(', ')}`);
  const probeUnit = leaderOf(await ctx.cli.status(ctx.model), 'masakari').name;
  await blockUntil('MAAS emulator answering inside the model', async () => {
    const r = await ctx.cli.exec(ctx.model, probeUnit, `node -e "fetch('http://${network.gateway}:${MAAS_PORT}/MAAS/api/2.0/version/').then(r => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"`);
    return r.code === 0 ? true : undefined;
  }, 60_000);
  const maasUrl = await registerMaasInCatalog(ctx, `http://${network.gateway}:${MAAS_PORT}/MAAS`);
  ctx.log(`MAAS registered in Keystone's catalog: ${maasUrl}`);
  // The tests fail one host at a time, minutes apart, each its own incident; with the default window (1 host per
  // hour on 3 hosts) the second would be refused by the fencing budget. The budget itself is proven on the lab
  // (charms/hacluster-ext/tests/fence-budget.component.test.ts).
  await ctx.cli.config(ctx.model, 'hacluster', {
    maas_url: maasUrl, maas_credentials: `${key.consumerKey}:${key.tokenKey}:${key.tokenSecret}`, fence_budget_window: '60',
  });
  await ctx.cli.config(ctx.model, 'pacemaker-remote', { 'enable-stonith': 'true' });
  ctx.mark('fencing.configured');
  await waitForApplicationStates(ctx.cli, ctx.model, ctx.config.targetDeployStatus, 900_000, ctx.log);
  // The units report ready before pacemaker has placed the new fencing devices, and placing them can move the VIP.
  await clusterSettled(ctx);
  ctx.log('fencing through MAAS is configured and the model settled');
}

async function masakariAction(ctx: SuiteContext, action: string, params: Record<string, string> = {}) {
  return runAction(ctx.cli, ctx.model, leaderOf(await ctx.cli.status(ctx.model), 'masakari').name, action, params);
}

function parseList(value: unknown): any[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') {
    try { return JSON.parse(value) as any[]; } catch { return []; }
  }
  return [];
}

/** The segment names the charm's list-segments action reports. */
export async function segmentNames(ctx: SuiteContext): Promise<string[]> {
  const r = await masakariAction(ctx, 'list-segments');
  return parseList(r.results['segments']).map((s) => String(s.name ?? s));
}

/**
 * Upstream's MasakariTest removes a ghost pacemaker node `node1` first (LP#1874719): while it is UNCLEAN,
 * pacemaker fences nothing else. hacluster-ext leaves none; if one shows up anyway, it is removed so the failover
 * itself can still be observed, and DeployTest fails on the fact recorded here.
 */
export const GHOST_NODE_FACT = 'ghost-node-removed';

export async function removeGhostNode(ctx: SuiteContext): Promise<void> {
  const { nodes } = await crmMon(ctx);
  if (!nodes.some((n) => n.name === 'node1')) return;
  ctx.facts[GHOST_NODE_FACT] = true;
  ctx.log('WARNING: ghost pacemaker node node1 is UNCLEAN and blocks fencing and new resources; removing it (LP#1874719 workaround, as the upstream test does)');
  await ctx.cli.exec(ctx.model, leaderOf(await ctx.cli.status(ctx.model), 'hacluster').name, 'crm_node --force -R node1');
}

/**
 * Disables a compute service through the Nova API (an operator reserving a host), or enables it and clears
 * forced_down (an operator returning a repaired host: masakari's fence gate forced it down).
 */
export async function setNovaService(ctx: SuiteContext, host: string, enabled: boolean, reason = 'reserved for masakari'): Promise<void> {
  const list = await ok(openstack(ctx, 'compute', 'GET', `/os-services?host=${encodeURIComponent(host)}&binary=nova-compute`, undefined, '2.53'), 'list services');
  const id = list.services[0]?.id;
  if (!id) throw new Error(`nova has no compute service for ${host}`);
  await ok(openstack(ctx, 'compute', 'PUT', `/os-services/${id}`, enabled ? { status: 'enabled', forced_down: false } : { status: 'disabled', disabled_reason: reason }, '2.53'), 'update service');
}

/**
 * seg0 (auto) holds the first compute host; seg-rh (reserved_host) holds the second and, reserved, the third,
 * whose nova service is disabled as reserved hosts are. Idempotent: existing segments are kept.
 */
export async function createSegments(ctx: SuiteContext): Promise<void> {
  const hosts = await computeHosts(ctx);
  if (hosts.length < 3) throw new Error(`createSegments needs 3 nova-compute units, found ${hosts.length}`);
  await blockUntil('every compute host known to nova', async () => {
    const s = await novaControl(ctx, 'GET', '/state');
    const known = new Set(((s.body?.services ?? []) as { host: string }[]).map((x) => x.host));
    return hosts.every((h) => known.has(h.host)) ? true : undefined;
  }, 120_000, 2_000);
  const existing = await segmentNames(ctx);
  if (!existing.includes('seg0')) {
    await masakariAction(ctx, 'create-segment', { name: 'seg0', 'recovery-method': 'auto' });
    await masakariAction(ctx, 'add-host', { segment: 'seg0', host: hosts[0]!.host });
  }
  if (!existing.includes('seg-rh')) {
    await masakariAction(ctx, 'create-segment', { name: 'seg-rh', 'recovery-method': 'reserved_host' });
    await masakariAction(ctx, 'add-host', { segment: 'seg-rh', host: hosts[1]!.host });
    await masakariAction(ctx, 'add-host', { segment: 'seg-rh', host: hosts[2]!.host, reserved: 'true' });
  }
  await setNovaService(ctx, hosts[2]!.host, false);
  ctx.facts['hosts'] = hosts;
  ctx.log(`segments: seg0 = ${hosts[0]!.host}; seg-rh = ${hosts[1]!.host} + reserved ${hosts[2]!.host}`);
}

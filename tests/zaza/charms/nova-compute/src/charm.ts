/**
 * nova-compute stand-in: once the controller says where Nova is, run the reporting service under the host's
 * FQDN; on removal stop it and delete the compute service record, as an operator does after removing a host.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineCharm } from '../../../../../reactive/charm.js';
import { CloudComputeRequires } from '../../common/cloud-compute.js';
import { bindAddress } from '../../common/standin.js';
import { AGENT_CONFIG, PROGRAM, UNIT_FILE, agentUnit, formatAgentConfig } from './agent-config.js';
import { HYPERVISOR_PACKAGES, LIBVIRTD, LIBVIRTD_DEFAULTS, QEMU_CONF, cgroupsWritable, libvirtdDefaults, qemuConf } from './hypervisor.js';

const SERVICE = 'nova-compute';
const CONFIGURED = 'nova-compute.configured';
const HYPERVISOR_READY = 'nova-compute.hypervisor-ready';

export const seams = {
  program: (charmDir: string): Promise<Buffer> => readFile(join(charmDir, 'bin', 'nova-compute-agent')),
  deleteCompute: async (novaApiUrl: string, host: string): Promise<number> =>
    (await fetch(`${novaApiUrl}/emulator/computes/${encodeURIComponent(host)}`, { method: 'DELETE', signal: AbortSignal.timeout(5_000) })).status,
};

export const charm = defineCharm({
  name: 'nova-compute',
  flags: [CONFIGURED, HYPERVISOR_READY] as const,
  endpoints: { 'cloud-compute': CloudComputeRequires },
  configRules: {
    'report-interval': { minimum: 1, maximum: 600 }, vcpus: { minimum: 1 }, 'memory-mb': { minimum: 256 },
    hypervisor: { enum: ['qemu', 'none'] },
  },
});

const wantsLibvirt = (config: Record<string, unknown>): boolean => config['hypervisor'] !== 'none';

/** libvirtd with the files this charm owns; restarted only when one of them changed. */
charm.when('config.changed.hypervisor').do('run-libvirt', async (ctx) => {
  if (!wantsLibvirt(ctx.config)) {
    ctx.flags.clear(HYPERVISOR_READY);
    return;
  }
  await ctx.host.aptInstall(HYPERVISOR_PACKAGES);
  const mounts = (await ctx.host.readFile('/proc/self/mounts')) ?? '';
  let restart = await ctx.host.writeFile(QEMU_CONF, qemuConf(cgroupsWritable(mounts)));
  if (await ctx.host.writeFile(LIBVIRTD_DEFAULTS, libvirtdDefaults())) restart = true;
  if (!(await ctx.host.serviceIsEnabled(LIBVIRTD))) await ctx.host.service('enable', LIBVIRTD);
  if (restart || !(await ctx.host.serviceIsActive(LIBVIRTD))) await ctx.host.service('restart', LIBVIRTD);
  ctx.flags.set(HYPERVISOR_READY);
});

charm.when('endpoint.cloud-compute.joined').do('announce-host', async (ctx) => {
  ctx.endpoint('cloud-compute').announce(await ctx.host.fqdn(), await bindAddress(ctx.tools, 'cloud-compute'));
});

charm.when('endpoint.cloud-compute.available').do('run-compute-service', async (ctx) => {
  const controller = ctx.endpoint('cloud-compute').controller()!;
  await ctx.host.ensureDirectory('/usr/local/lib/nova-standin');
  await ctx.host.ensureDirectory('/etc/nova');
  let restart = await ctx.host.writeFile(PROGRAM, await seams.program(ctx.env.charmDir), { mode: 0o755 });
  const config = formatAgentConfig({
    novaApiUrl: controller.novaApiUrl, host: await ctx.host.fqdn(), hostIp: await bindAddress(ctx.tools, 'cloud-compute'),
    reportIntervalS: Number(ctx.config['report-interval']), vcpus: Number(ctx.config['vcpus']), memoryMb: Number(ctx.config['memory-mb']),
    hypervisor: wantsLibvirt(ctx.config) ? 'qemu' : 'none',
  });
  if (await ctx.host.writeFile(AGENT_CONFIG, config)) restart = true;
  if (await ctx.host.writeFile(UNIT_FILE, agentUnit())) {
    await ctx.host.check(['systemctl', 'daemon-reload']);
    restart = true;
  }
  if (!(await ctx.host.serviceIsEnabled(SERVICE))) await ctx.host.service('enable', SERVICE);
  // A compute stopped on purpose (the failover test does `systemctl stop nova-compute`) stays stopped until a
  // configuration change; update-status must not undo the test's simulated failure.
  if (restart) {
    await ctx.log(`(re)starting nova-compute reporting to ${controller.novaApiUrl}`);
    await ctx.host.service('restart', SERVICE);
  }
  ctx.kv.set('nova-api-url', controller.novaApiUrl);
  ctx.flags.set(CONFIGURED);
});

charm.hook('stop').do('forget-compute', async (ctx) => {
  if (await ctx.host.serviceIsActive(SERVICE)) await ctx.host.service('stop', SERVICE);
  const url = ctx.kv.get<string>('nova-api-url');
  if (!url) return;
  const host = await ctx.host.fqdn();
  try {
    const status = await seams.deleteCompute(url, host);
    await ctx.log(`deleted compute service ${host} from Nova (HTTP ${status})`);
  } catch (err) {
    await ctx.log(`could not delete compute service ${host} from Nova at ${url}: ${(err as Error).message}`, 'WARNING');
  }
});

charm.assessStatus(async (ctx) => {
  if (ctx.endpoint('cloud-compute').relations.length === 0) return { status: 'blocked', message: 'Missing relation: cloud-compute' };
  if (!ctx.flags.isSet(CONFIGURED)) return { status: 'waiting', message: 'Waiting for nova-cloud-controller' };
  if (!(await ctx.host.serviceIsActive(SERVICE))) return { status: 'maintenance', message: 'nova-compute is stopped' };
  return { status: 'active', message: 'Unit is ready' };
});

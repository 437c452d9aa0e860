/**
 * nova-cloud-controller stand-in: runs the Nova emulator, registers it in Keystone as `nova`/`compute` and
 * points nova-compute stand-ins at it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineCharm } from '../../../../../reactive/charm.js';
import { KeystoneRequires } from '../../../../../interfaces/keystone/requires.js';
import { CloudComputeProvides } from '../../common/cloud-compute.js';
import { bindAddress, waitUntil } from '../../common/standin.js';
import { PORT, PROGRAM, UNIT_FILE, emulatorUnit } from './unit.js';

const SERVICE = 'nova-emulator';
const RUNNING = 'nova.emulator-running';

export const seams = {
  program: (charmDir: string): Promise<Buffer> => readFile(join(charmDir, 'bin', 'nova-emulator')),
  answers: async (url: string): Promise<boolean> => (await fetch(url, { signal: AbortSignal.timeout(5_000) })).status === 200,
};

export const charm = defineCharm({
  name: 'nova-cloud-controller',
  flags: [RUNNING] as const,
  endpoints: { 'identity-service': KeystoneRequires, 'cloud-compute': CloudComputeProvides },
  configRules: { 'service-down-time': { minimum: 1, maximum: 3600 }, 'evacuation-time': { minimum: 0, maximum: 600000 } },
});

charm.when('endpoint.identity-service.joined').do('register-compute-endpoint', async (ctx) => {
  const address = await bindAddress(ctx.tools, 'identity-service');
  const url = `http://${address}:${PORT}/v2.1`;
  ctx.endpoint('identity-service').registerEndpoints({
    service: 'nova', region: String(ctx.config['region']), publicUrl: url, internalUrl: url, adminUrl: url,
  });
});

charm.when('endpoint.identity-service.available').do('run-emulator', async (ctx) => {
  const creds = ctx.endpoint('identity-service').credentials()!;
  const keystoneUrl = `${creds.serviceProtocol}://${creds.serviceHost}:${creds.servicePort}/v3`;
  const program = await seams.program(ctx.env.charmDir);
  await ctx.host.ensureDirectory('/usr/local/lib/nova-emulator');
  let restart = await ctx.host.writeFile(PROGRAM, program, { mode: 0o755 });
  const unit = emulatorUnit({
    keystoneUrl, controllerHost: await ctx.host.hostname(),
    serviceDownTime: Number(ctx.config['service-down-time']), evacuationMs: Number(ctx.config['evacuation-time']),
  });
  if (await ctx.host.writeFile(UNIT_FILE, unit)) {
    await ctx.host.check(['systemctl', 'daemon-reload']);
    restart = true;
  }
  if (!(await ctx.host.serviceIsEnabled(SERVICE))) await ctx.host.service('enable', SERVICE);
  if (restart || !(await ctx.host.serviceIsActive(SERVICE))) {
    await ctx.log(`(re)starting the Nova emulator (tokens checked by ${keystoneUrl})`);
    await ctx.host.service('restart', SERVICE);
  }
  await waitUntil('Nova emulator', () => seams.answers(`http://127.0.0.1:${PORT}/`), 60_000, 500);
  ctx.flags.set(RUNNING);
});

charm.when(RUNNING, 'endpoint.cloud-compute.joined').do('point-computes-at-nova', async (ctx) => {
  const endpoint = ctx.endpoint('cloud-compute');
  for (const relation of endpoint.relations) {
    const address = await bindAddress(ctx.tools, 'cloud-compute', relation.id);
    endpoint.publish(relation, { region: String(ctx.config['region']), novaApiUrl: `http://${address}:${PORT}` });
  }
});

charm.assessStatus(async (ctx) => {
  if (ctx.endpoint('identity-service').relations.length === 0) return { status: 'blocked', message: 'Missing relation: identity-service' };
  if (!ctx.flags.isSet(RUNNING)) return { status: 'waiting', message: 'Waiting for keystone' };
  if (!(await ctx.host.serviceIsActive(SERVICE))) return { status: 'blocked', message: 'nova-emulator is not running; see journalctl -u nova-emulator' };
  return { status: 'active', message: 'Unit is ready' };
});

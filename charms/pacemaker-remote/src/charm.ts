/**
 * pacemaker-remote: handlers are thin; what to publish, which key to run and the status come from remote-state.ts.
 * Every handler is convergent — it runs in every hook and changes nothing when the machine already matches.
 */
import { defineCharm, type Ctx } from '../../../reactive/charm.js';
import { PacemakerRemoteProvides } from '../../../interfaces/pacemaker-remote/provides.js';
import { JujuInfoRequires } from '../../../interfaces/juju-info/requires.js';
import type { KeyAgreement } from '../../../interfaces/pacemaker-remote/protocol.js';
import {
  AUTHKEY_FILE,
  AUTHKEY_PATH,
  assessRemoteStatus,
  daemonAction,
  keyDigest,
  PACEMAKER_DIR,
  PACKAGES,
  remoteNodeInfo,
  ROGUE_COROSYNC_CONF,
  SERVICE,
} from './remote-state.js';

const INSTALLED = 'pacemaker-remote.installed';
/** Unit state: digest of the key pacemaker_remoted was last started with. */
const RUNNING_KEY = 'pacemaker-remote.running-key-digest';
const ENDPOINT = 'pacemaker-remote';

export const charm = defineCharm({
  name: 'pacemaker-remote',
  flags: [INSTALLED] as const,
  endpoints: { 'pacemaker-remote': PacemakerRemoteProvides, 'juju-info': JujuInfoRequires },
});

type Context = Ctx<typeof INSTALLED, { 'pacemaker-remote': typeof PacemakerRemoteProvides; 'juju-info': typeof JujuInfoRequires }>;

/** Debian's pacemaker-remote Conflicts: pacemaker — installing it on a cluster member would remove the cluster. */
async function clusterMemberHere(ctx: Context): Promise<boolean> {
  return (await ctx.host.packageVersion('pacemaker')) !== null;
}

charm.whenNot(INSTALLED).do('install-packages', async (ctx) => {
  if (await clusterMemberHere(ctx)) return; // the status says why; nothing is touched
  await ctx.log(`installing ${PACKAGES.join(', ')}`);
  await ctx.host.aptInstall(PACKAGES);
  ctx.flags.set(INSTALLED);
});

charm.when(INSTALLED).do('remove-rogue-corosync', async (ctx) => {
  if (await ctx.host.removeFile(ROGUE_COROSYNC_CONF)) await ctx.log(`removed ${ROGUE_COROSYNC_CONF}: this host is a remote, not a member`);
  if (await ctx.host.serviceIsActive('corosync')) {
    await ctx.host.service('stop', 'corosync');
    await ctx.host.service('disable', 'corosync');
  }
});

/** The relation binding's address; Juju without a bind address falls back to ingress, then private-address. */
async function bindAddress(ctx: Context, relationId: string): Promise<string> {
  const info = await ctx.tools.networkGet(ENDPOINT, { relationId });
  const bound = info.bindAddresses.flatMap((b) => b.addresses).find((a) => a.value);
  return bound?.value ?? info.ingressAddresses[0] ?? (await ctx.tools.unitGet('private-address'));
}

charm.when(INSTALLED, 'endpoint.pacemaker-remote.joined').do('publish-node-info', async (ctx) => {
  const endpoint = ctx.endpoint(ENDPOINT);
  const fqdn = await ctx.host.fqdn();
  const config = { enableStonith: ctx.config['enable-stonith'] === true, enableResources: ctx.config['enable-resources'] !== false };
  for (const relation of endpoint.relations) {
    endpoint.publishNodeInfo(relation.id, remoteNodeInfo(fqdn, await bindAddress(ctx, relation.id), config));
  }
});

charm.when(INSTALLED).do('apply-pacemaker-key', async (ctx) => {
  const agreement = ctx.endpoint(ENDPOINT).keyAgreement();
  if (agreement.kind !== 'agreed') return; // no key yet, or units disagree: keep whatever runs now
  await ctx.host.ensureDirectory(PACEMAKER_DIR.path, PACEMAKER_DIR);
  if (await ctx.host.writeFile(AUTHKEY_PATH, agreement.key, AUTHKEY_FILE)) {
    await ctx.log(`wrote ${AUTHKEY_PATH} (key from ${agreement.units.join(', ')})`);
  }
  const desiredDigest = keyDigest(agreement.key);
  const state = (await ctx.host.serviceStates([SERVICE])).get(SERVICE);
  const action = daemonAction({
    runningDigest: ctx.kv.get<string>(RUNNING_KEY) ?? null,
    desiredDigest,
    active: state?.active === true,
  });
  if (state?.enabled !== true) await ctx.host.service('enable', SERVICE);
  if (action !== 'none') {
    await ctx.log(`${action === 'restart' ? 'restarting' : 'starting'} ${SERVICE} with the cluster's key`);
    await ctx.host.service(action, SERVICE);
  }
  ctx.kv.set(RUNNING_KEY, desiredDigest);
});

charm.action('restart-services', async (ctx) => {
  if (!ctx.flags.isSet(INSTALLED)) {
    ctx.action?.fail('pacemaker-remote is not installed yet; wait for the install hook to finish');
    return;
  }
  await ctx.host.service('restart', SERVICE);
  ctx.action?.set({ restarted: SERVICE });
});

async function runningWithKey(ctx: Context, agreement: KeyAgreement): Promise<boolean> {
  if (agreement.kind !== 'agreed') return false;
  return ctx.kv.get<string>(RUNNING_KEY) === keyDigest(agreement.key) && (await ctx.host.serviceIsActive(SERVICE));
}

charm.assessStatus(async (ctx) => {
  const endpoint = ctx.endpoint(ENDPOINT);
  const agreement = endpoint.keyAgreement();
  return assessRemoteStatus({
    installed: ctx.flags.isSet(INSTALLED),
    clusterMemberHere: !ctx.flags.isSet(INSTALLED) && (await clusterMemberHere(ctx)),
    related: endpoint.relations.length > 0, // created but no hacluster unit joined yet: waiting, not missing
    agreement,
    runningWithKey: await runningWithKey(ctx, agreement),
  });
});

/**
 * local-ca stand-in: vault's `certificates` endpoint with a root CA made by openssl. Answers every request of every
 * requirer unit where that unit looks for it (interfaces/tls-certificates), and again when its names change, on
 * reissue-certificates, or after rotate-ca. The global client certificate vault sends to older clients is sent too.
 */
import { defineCharm } from '../../../../../reactive/charm.js';
import type { Host } from '../../../../../reactive/host/host.js';
import { describeUnitProblems } from '../../../../../reactive/decode/remote.js';
import { TlsCertificatesProvides, type PendingCertificate } from '../../../../../interfaces/tls-certificates/provides.js';
import { createAuthority, issue, loadAuthority, CA_DIR, type Issued } from './ca.js';

const INSTALLED = 'local-ca.installed';
const CA_READY = 'local-ca.ready';
const CLIENT_CERT = `${CA_DIR}/global-client.pem`;
const CLIENT_KEY = `${CA_DIR}/global-client.key`;

export const PACKAGES = ['openssl'];

export const charm = defineCharm({
  name: 'local-ca',
  flags: [INSTALLED, CA_READY] as const,
  endpoints: { certificates: TlsCertificatesProvides },
});

type Config = Readonly<Record<string, unknown>>;

/** A CN goes into `-subj /CN=...`: no '/', '=', ',', '+' or line breaks, or openssl would read more fields. */
export function caCommonName(config: Config): string {
  const cn = String(config['ca-common-name'] ?? '').trim();
  return /^[A-Za-z0-9 ()._-]{1,64}$/.test(cn) ? cn : 'Local CA';
}

const days = (config: Config, key: string, fallback: number): number => {
  const n = Number(config[key]);
  return Number.isInteger(n) && n >= 1 && n <= 36500 ? n : fallback;
};

charm.whenNot(INSTALLED).do('install-openssl', async (ctx) => {
  await ctx.host.aptInstall(PACKAGES);
  ctx.flags.set(INSTALLED);
});

charm.when(INSTALLED).whenNot(CA_READY).do('create-ca', async (ctx) => {
  if (!(await loadAuthority(ctx.host))) {
    await createAuthority(ctx.host, caCommonName(ctx.config), days(ctx.config, 'ca-validity-days', 3650));
    await ctx.log('created the root CA');
  }
  ctx.flags.set(CA_READY);
});

/** The shared client certificate, made once per CA (rotate-ca removes it). */
async function globalClientCert(host: Host, validity: number): Promise<Issued> {
  const [cert, key] = await Promise.all([host.readFile(CLIENT_CERT), host.readFile(CLIENT_KEY)]);
  if (cert && key) return { cert, key };
  const issued = await issue(host, { commonName: 'global-client', sans: [] }, validity);
  await host.writeFile(CLIENT_KEY, issued.key, { mode: 0o600 });
  await host.writeFile(CLIENT_CERT, issued.cert, { mode: 0o644 });
  return issued;
}

interface AnswerCtx {
  readonly host: Host;
  readonly config: Config;
  endpoint(name: 'certificates'): TlsCertificatesProvides;
}

/** CA, chain (vault's chain for a root it made itself is that root) and the shared client certificate, to all. */
async function publishAuthority(ctx: AnswerCtx): Promise<void> {
  const authority = await loadAuthority(ctx.host);
  if (!authority) return;
  const endpoint = ctx.endpoint('certificates');
  endpoint.setAuthority(authority.cert, authority.cert);
  endpoint.setGlobalClientCert(await globalClientCert(ctx.host, days(ctx.config, 'cert-validity-days', 365)));
}

async function answer(ctx: AnswerCtx, pending: readonly PendingCertificate[]): Promise<number> {
  const endpoint = ctx.endpoint('certificates');
  const validity = days(ctx.config, 'cert-validity-days', 365);
  for (const p of pending) endpoint.setCert(p, await issue(ctx.host, p.request, validity));
  return pending.length;
}

charm.when(CA_READY, 'endpoint.certificates.available').do('publish-ca', publishAuthority);

charm.when(CA_READY, 'endpoint.certificates.certs.requested').do('issue-certificates', async (ctx) => {
  const count = await answer(ctx, ctx.endpoint('certificates').unanswered());
  await ctx.log(`issued ${count} certificate(s)`);
});

charm.action('reissue-certificates', async (ctx) => {
  const count = await answer(ctx, ctx.endpoint('certificates').requests());
  ctx.action?.set({ reissued: count });
});

charm.action('rotate-ca', async (ctx) => {
  await createAuthority(ctx.host, caCommonName(ctx.config), days(ctx.config, 'ca-validity-days', 3650));
  await Promise.all([ctx.host.removeFile(CLIENT_CERT), ctx.host.removeFile(CLIENT_KEY)]);
  await publishAuthority(ctx);
  const count = await answer(ctx, ctx.endpoint('certificates').requests());
  ctx.action?.set({ reissued: count });
});

charm.assessStatus(async (ctx) => {
  if (!ctx.flags.isSet(CA_READY)) return { status: 'maintenance', message: 'Creating the CA' };
  const invalid = ctx.endpoint('certificates').invalidData();
  if (invalid.length > 0) return { status: 'blocked', message: `Refused certificate request: ${describeUnitProblems(invalid)}` };
  const pending = ctx.endpoint('certificates').unanswered().length;
  if (pending > 0) return { status: 'waiting', message: `${pending} certificate request(s) not answered yet` };
  return { status: 'active', message: `CA ready, ${ctx.endpoint('certificates').requests().length} certificate(s) issued` };
});

/**
 * The certificates relation on the unit (through the seams): what this unit asks for, and which TLS it serves now
 * (tls.ts decides; this reads the relation, the host name and, when the relation has nothing good to offer, the
 * files served before).
 */
import type { Host } from '../../../reactive/host/host.js';
import type { ConfigValues } from '../../../reactive/config.js';
import type { ApiBinding, BindingFacts } from '../../../interfaces/tls-certificates/requests.js';
import type { TlsCertificatesRequires } from '../../../interfaces/tls-certificates/requires.js';
import { ENDPOINT_TYPES, unitAddress, vipFor, type Bindings } from './addresses.js';
import { NO_TLS, PEER_CA, requestsFor, TLS_DIR, tlsPlan, UNIT_PEM, type TlsPlan } from './tls.js';

/** Asks for the unit's certificates (throws AddressError like unitAddress when an address cannot be found). */
export async function requestCertificates(endpoint: TlsCertificatesRequires, host: Host, config: ConfigValues, bindings: Bindings): Promise<void> {
  if (!endpoint.isJoined) return;
  const facts: Partial<Record<ApiBinding, BindingFacts>> = {};
  for (const t of ENDPOINT_TYPES) {
    const vip = vipFor(t, config, bindings);
    const hostname = typeof config[`os-${t}-hostname`] === 'string' ? String(config[`os-${t}-hostname`]).trim() : '';
    facts[t] = { address: unitAddress(t, config, bindings).address, ...(vip ? { vip } : {}), ...(hostname ? { hostname } : {}) };
  }
  const address = bindings.cluster[0]?.address ?? facts.internal!.address;
  endpoint.requestCertificates(requestsFor(await host.hostname(), address, facts));
}

/**
 * The TLS to serve. While the relation is joined but has no complete, valid answer (a reissue under way, or an
 * answer that fails a check), the files served before stay: TLS is never dropped because a provider misbehaved.
 */
export async function currentTlsPlan(endpoint: TlsCertificatesRequires, host: Host, config: ConfigValues): Promise<TlsPlan> {
  const plan = tlsPlan(config, endpoint.bundle(), await host.hostname(), await host.readFile(PEER_CA));
  if (plan.source !== 'none' || !endpoint.isJoined) return plan;
  return keptPlan(host);
}

async function keptPlan(host: Host): Promise<TlsPlan> {
  const unit = await host.readFile(UNIT_PEM);
  const ca = await host.readFile(PEER_CA);
  if (!unit || !ca) return NO_TLS;
  const others = (await host.listDirectory(TLS_DIR)).filter((n) => n.endsWith('.pem') && `${TLS_DIR}/${n}` !== UNIT_PEM && `${TLS_DIR}/${n}` !== PEER_CA);
  const pems = [{ path: UNIT_PEM, content: unit, secret: true }];
  for (const name of others) {
    const content = await host.readFile(`${TLS_DIR}/${name}`);
    if (content) pems.push({ path: `${TLS_DIR}/${name}`, content, secret: true });
  }
  return { source: 'kept', pems, peerCa: { path: PEER_CA, content: ca, secret: false } };
}

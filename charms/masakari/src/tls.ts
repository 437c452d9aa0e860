/**
 * Where the API's TLS material comes from and which files it becomes (pure). The ssl_cert/ssl_key options win over
 * the certificates relation (an operator's explicit choice), the relation over nothing. A relation whose answer
 * fails a check does not take TLS away: the files last written from it are kept (read back from disk by the shell)
 * until a good answer comes.
 *
 * TLS ends in haproxy on every unit, twice: on the API port for clients (VIP or unit), and on the backend port of
 * the unit's cluster address for the haproxy of the other units, which verifies it against the CA. The API itself
 * then listens on loopback only, so nothing between units is plain, and masakari-api (apache2 mod_wsgi or uwsgi)
 * needs no TLS of its own: haproxy reloads new certificates without closing its listeners.
 */
import type { ConfigValues } from '../../../reactive/config.js';
import type { CertificateBundle } from '../../../interfaces/tls-certificates/protocol.js';
import { certificateRequests, type ApiBinding, type BindingFacts } from '../../../interfaces/tls-certificates/requests.js';
import type { CertRequest } from '../../../interfaces/tls-certificates/protocol.js';
import { tlsEnabled, tlsMaterial } from './options.js';

export const TLS_DIR = '/etc/haproxy/masakari-tls';
/** The default certificate (this unit's host name with every address and VIP): served to clients and to peers. */
export const UNIT_PEM = `${TLS_DIR}/unit.pem`;
/** What haproxy trusts when it connects to the other units' backends. */
export const PEER_CA = `${TLS_DIR}/ca.pem`;
/** The CA bundle of the operating system, for ssl_cert from a public CA given without ssl_ca. */
export const SYSTEM_CA = '/etc/ssl/certs/ca-certificates.crt';

export type TlsSource = 'options' | 'relation' | 'kept' | 'none';

export interface TlsFile {
  readonly path: string;
  readonly content: string;
  readonly secret: boolean;
}

export interface TlsPlan {
  readonly source: TlsSource;
  /** The provider unit (relation) whose certificates are served. */
  readonly provider?: string;
  /** cert + chain + key, one file per certificate; the first is haproxy's default. */
  readonly pems: readonly TlsFile[];
  /** The CA file haproxy verifies peers with (written by us unless it is the system's). */
  readonly peerCa: TlsFile | { readonly path: string; readonly content: null } | null;
}

export const NO_TLS: TlsPlan = { source: 'none', pems: [], peerCa: null };

const block = (pem: string): string => pem.trimEnd() + '\n';

/** A file name for a certificate's common name (host names and addresses; anything else is replaced). */
export function pemPathFor(commonName: string): string {
  return `${TLS_DIR}/${commonName.replace(/[^A-Za-z0-9.-]/g, '_')}.pem`;
}

/** Separates the CA in force from the one before it in PEER_CA (OpenSSL skips text between PEM blocks). */
export const PREVIOUS_MARK = '# previous CA, trusted until the next rotation\n';

/**
 * The peer CA file: the CA in force, then the one it replaced. During a rotation the units reload one after the
 * other, so for a while some serve a certificate from the old CA and some from the new one; trusting both keeps
 * every hop between units verifiable. Stable when nothing changed: the same text twice in a row.
 */
export function peerCaContent(current: string, previousFile: string | null): string {
  const [inForce, kept] = previousFile ? previousFile.split(PREVIOUS_MARK) : [undefined, undefined];
  const previous = inForce === undefined || inForce === current ? kept : inForce;
  return previous && previous.trim() !== '' ? `${current}${PREVIOUS_MARK}${previous}` : current;
}

/** The plan from the options, or from the relation's bundle with this unit's own certificate first. */
export function tlsPlan(config: ConfigValues, bundle: CertificateBundle | null, own: string | null, previousPeerCa: string | null = null): TlsPlan {
  if (tlsEnabled(config)) {
    const { cert, key, ca } = tlsMaterial(config);
    if (cert && key) {
      return {
        source: 'options',
        pems: [{ path: UNIT_PEM, content: [cert, ca, key].filter((p): p is string => Boolean(p)).map(block).join(''), secret: true }],
        peerCa: ca ? { path: PEER_CA, content: block(ca), secret: false } : { path: SYSTEM_CA, content: null },
      };
    }
  }
  if (!bundle) return NO_TLS;
  const names = [...bundle.certs.keys()].sort((a, b) => Number(b === own) - Number(a === own));
  const pems = names.map((cn, i) => {
    const c = bundle.certs.get(cn)!;
    return { path: i === 0 ? UNIT_PEM : pemPathFor(cn), content: [c.cert, bundle.chain, c.key].filter((p) => p).map(block).join(''), secret: true };
  });
  const current = [bundle.ca, bundle.chain].filter((p) => p).map(block).join('');
  return { source: 'relation', provider: bundle.provider, pems, peerCa: { path: PEER_CA, content: peerCaContent(current, previousPeerCa), secret: false } };
}

/** The certificates this unit asks the relation for: its host name, and each binding's own host name. */
export function requestsFor(hostname: string, address: string, bindings: Partial<Record<ApiBinding, BindingFacts>>): CertRequest[] {
  return certificateRequests({ hostname, address, bindings });
}

/** A few words for the status: which source serves the API's TLS. */
export function tlsNote(plan: TlsPlan): string | null {
  switch (plan.source) {
    case 'options': return 'TLS from ssl_cert/ssl_key';
    case 'relation': return `TLS from certificates (${plan.provider})`;
    case 'kept': return 'TLS: previous certificates kept';
    case 'none': return null;
  }
}

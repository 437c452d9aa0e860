/**
 * The `tls-certificates` relation protocol (endpoint `certificates`) as data; see README.md. Plain keys plus
 * JSON-encoded ones, written the way the Python side writes them (`json.dumps(..., sort_keys=True)`), so a stock
 * provider or requirer sees the same bytes it would see from a Python charm.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { decodeFields, field, type BagResult, type Problem } from '../../reactive/decode/fields.js';
import { pemCertificates, pemPrivateKey } from '../../reactive/decode/pem.js';
import { accept, refuse, type Decoder } from '../../reactive/decode/values.js';
import { checkAuthority, checkServerCertificate, splitPem } from './verify.js';

export type RawBag = Readonly<Record<string, string>>;

/** `masakari/0` → `masakari_0`: the prefix of this unit's keys in the provider's answer. */
export function unitKey(unit: string): string {
  return unit.replace('/', '_');
}

/**
 * JSON as Python's `json.dumps(value, sort_keys=True)` writes it: `", "` and `": "` separators, sorted keys,
 * non-ASCII as `\uXXXX`. The providers parse either form; the same bytes keep relation-changed from firing when
 * nothing changed after a charm is swapped for ours.
 */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value).sort().map((k) => `${pythonJson(k)}: ${pythonJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(', ')}}`;
  }
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One certificate asked for: the common name and the other names (addresses and host names) it must carry. */
export interface CertRequest {
  readonly commonName: string;
  readonly sans: readonly string[];
}

/** Sorted, without duplicates: the order charm-helpers sends, so a provider's is-it-new test sees no change. */
function sortedSans(sans: readonly string[]): string[] {
  return [...new Set(sans)].sort();
}

/** The requirer's bag: every request in `cert_requests` (charm-helpers' batch form) and `unit_name`. */
export function encodeRequests(unit: string, requests: readonly CertRequest[]): Record<string, string | null> {
  const batch: Record<string, { sans: string[] }> = {};
  for (const r of requests) batch[r.commonName] = { sans: sortedSans([...(batch[r.commonName]?.sans ?? []), ...r.sans]) };
  return { unit_name: unitKey(unit), cert_requests: requests.length > 0 ? pythonJson(batch) : null };
}

/** A certificate name as vault takes it in a request: a host name (wildcards allowed), or an IP address. */
export const certName: Decoder<string> = (raw) => {
  const value = raw.trim().replace(/\.$/, '');
  if (isIP(value) !== 0) return accept(value.toLowerCase());
  return /^(\*\.)?(?!-)[A-Za-z0-9_-]{1,63}(\.(?!-)[A-Za-z0-9_-]{1,63})*$/.test(value) && value.length <= 253
    ? accept(value)
    : refuse('must be a host name or an IP address');
};

const MAX_REQUESTS = 32;
const MAX_SANS = 64;

/** A JSON list of certificate names (`sans`). */
export const sanList: Decoder<string[]> = (raw) => {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return refuse('must be a JSON list of host names or addresses');
  }
  if (!Array.isArray(value) || value.length > MAX_SANS || !value.every((v) => typeof v === 'string')) return refuse(`must be a JSON list of at most ${MAX_SANS} host names or addresses`);
  const out: string[] = [];
  for (const v of value as string[]) {
    const d = certName(v);
    if (!d.ok) return refuse(`must list host names or addresses only`);
    out.push(d.value);
  }
  return accept(sortedSans(out));
};

/** `{"<cn>": {"sans": [...]}, ...}` as `cert_requests` and `client_cert_requests` carry it. */
export const requestBatch: Decoder<CertRequest[]> = (raw) => {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return refuse('must be a JSON object of common name to {"sans": [...]}');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return refuse('must be a JSON object of common name to {"sans": [...]}');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_REQUESTS) return refuse(`must hold at most ${MAX_REQUESTS} requests`);
  const out: CertRequest[] = [];
  for (const [cn, spec] of entries) {
    const name = certName(cn);
    if (!name.ok) return refuse('must use host names or addresses as common names');
    const sans = (spec as { sans?: unknown } | null)?.sans;
    const decoded = sans === undefined || sans === null ? accept<string[]>([]) : sanList(JSON.stringify(sans));
    if (!decoded.ok) return refuse(`sans of each request ${decoded.rule}`);
    out.push({ commonName: name.value, sans: decoded.value });
  }
  return accept(out);
};

export type RequestKind = 'server' | 'client';

/** One request as the provider reads it, with where its answer goes. */
export interface ProviderRequest extends CertRequest {
  readonly kind: RequestKind;
  /** The requirer's key prefix (`unit_name`, or its unit name with `_`). */
  readonly unitKey: string;
  /** The request came in the old single-certificate keys: the answer goes to `<unit>.server.cert`/`.key`. */
  readonly legacy: boolean;
}

/** Every request of one requirer unit: the legacy single one, the server batch and the client batch. */
export function checkRequests(unit: string, raw: RawBag): BagResult<ProviderRequest[]> {
  const decoded = decodeFields(raw, {
    unitName: field<string | null>('unit_name', (r) => (/^[a-z][a-z0-9-]{0,62}_\d{1,9}$/.test(r.trim()) ? accept(r.trim()) : refuse('must be a unit name with _ for /')), null),
    commonName: field<string | null>('common_name', certName, null),
    sans: field<string[]>('sans', sanList, []),
    server: field<CertRequest[]>('cert_requests', requestBatch, []),
    client: field<CertRequest[]>('client_cert_requests', requestBatch, []),
  });
  if (!decoded.ok) return decoded;
  const v = decoded.value;
  const key = v.unitName ?? unitKey(unit);
  const out: ProviderRequest[] = [];
  if (v.commonName !== null) out.push({ kind: 'server', unitKey: key, legacy: true, commonName: v.commonName, sans: v.sans });
  for (const r of v.server) out.push({ kind: 'server', unitKey: key, legacy: false, ...r });
  for (const r of v.client) out.push({ kind: 'client', unitKey: key, legacy: false, ...r });
  return { ok: true, value: out };
}

export interface IssuedCertificate {
  /** PEM of the certificate alone (the provider sends the chain separately). */
  readonly cert: string;
  readonly key: string;
}

/** Where the answer to `request` goes: `<unit>.processed_requests` (or `_client_`), or the legacy pair. */
export function answerKey(request: Pick<ProviderRequest, 'kind' | 'unitKey'>): string {
  return request.kind === 'server' ? `${request.unitKey}.processed_requests` : `${request.unitKey}.processed_client_requests`;
}

/** The batch map after adding one answer (`{"<cn>": {"cert": ..., "key": ...}}`), in the bytes Python writes. */
export function withAnswer(existing: string | undefined, commonName: string, issued: IssuedCertificate): string {
  let map: Record<string, unknown> = {};
  try {
    const parsed: unknown = existing ? JSON.parse(existing) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) map = parsed as Record<string, unknown>;
  } catch {
    // our own earlier answer cannot be unparsable; start over if it is
  }
  return pythonJson({ ...map, [commonName]: { cert: issued.cert, key: issued.key } });
}

/** What a requirer unit gets: the CA, the chain, and its certificates by common name, each checked. */
export interface CertificateBundle {
  readonly provider: string;
  /** The CA certificate(s) to trust, PEM. */
  readonly ca: string;
  /** Intermediates to serve after each certificate (may be empty), PEM. */
  readonly chain: string;
  readonly certs: ReadonlyMap<string, { readonly cert: string; readonly key: string; readonly notAfter: Date }>;
}

/** `{"<cn>": {"cert": "...", "key": "..."}}` from the provider, decoded but not yet checked. */
const answerBatch: Decoder<Map<string, { cert: string; key: string }>> = (raw) => {
  const rule = 'must be a JSON object of common name to {"cert": PEM, "key": PEM}';
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return refuse(rule);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length > MAX_REQUESTS) return refuse(rule);
  const out = new Map<string, { cert: string; key: string }>();
  for (const [cn, entry] of Object.entries(value as Record<string, unknown>)) {
    const e = entry as { cert?: unknown; key?: unknown } | null;
    if (typeof e?.cert !== 'string' || typeof e.key !== 'string') return refuse(rule);
    out.set(cn, { cert: e.cert, key: e.key });
  }
  return accept(out);
};

/**
 * One provider unit's answer for this unit: CA and chain parsed, and for every request a certificate that parses,
 * matches its key, is valid at `now`, names what was asked, and chains to the CA. Missing while the CA or any
 * requested certificate is not there yet (a provider fills the batch one request at a time).
 */
export function checkAnswer(provider: string, raw: RawBag, self: string, requests: readonly CertRequest[], now: Date): BagResult<CertificateBundle> {
  const batchKey = `${unitKey(self)}.processed_requests`;
  const decoded = decodeFields(raw, {
    ca: field('ca', pemCertificates()),
    chain: field<string>('chain', pemCertificates(), ''),
    batch: field(batchKey, answerBatch),
  });
  if (!decoded.ok) return decoded;
  const { ca, chain, batch } = decoded.value;
  const anchors = checkAuthority(ca, now);
  if (!anchors.ok) return { ok: false, missing: [], invalid: [{ key: 'ca', rule: anchors.rule }] };
  const intermediates = splitPem(chain);
  const missing: string[] = [];
  const invalid: Problem[] = [];
  const certs = new Map<string, { cert: string; key: string; notAfter: Date }>();
  for (const request of requests) {
    const where = `${batchKey}[${request.commonName}]`;
    const entry = batch.get(request.commonName);
    if (!entry) {
      missing.push(where);
      continue;
    }
    const certPem = pemCertificates()(entry.cert);
    const keyPem = pemPrivateKey()(entry.key);
    if (!certPem.ok) invalid.push({ key: `${where}.cert`, rule: certPem.rule });
    if (!keyPem.ok) invalid.push({ key: `${where}.key`, rule: keyPem.rule });
    if (!certPem.ok || !keyPem.ok) continue;
    const checked = checkServerCertificate({
      certPem: certPem.value, keyPem: keyPem.value, anchors: anchors.value, intermediates, names: [request.commonName, ...request.sans], now,
    });
    if (!checked.ok) invalid.push({ key: `${where}.cert`, rule: checked.rule });
    else certs.set(request.commonName, { cert: checked.value.cert.toString(), key: checked.value.keyPem, notAfter: new Date(checked.value.cert.validTo) });
  }
  if (missing.length > 0 || invalid.length > 0) return { ok: false, missing, invalid };
  return { ok: true, value: { provider, ca, chain: chainWithoutAnchors(intermediates, anchors.value), certs } };
}

/** The intermediates to serve: the chain minus the CA itself (vault's chain holds the root when it is the issuer). */
function chainWithoutAnchors(chain: readonly X509Certificate[], anchors: readonly X509Certificate[]): string {
  const roots = new Set(anchors.map((a) => a.fingerprint256));
  return chain.filter((c) => !roots.has(c.fingerprint256)).map((c) => c.toString()).join('');
}

/** The CA alone, for a requirer that only needs to trust the provider (a client such as masakari-monitors). */
export interface Authority {
  readonly provider: string;
  /** CA and chain, PEM: what a client verifies servers against. */
  readonly bundle: string;
}

/** One provider unit's `ca` (and `chain`), each a CA certificate valid at `now`; missing until `ca` is sent. */
export function checkAuthorityAnswer(provider: string, raw: RawBag, now: Date): BagResult<Authority> {
  const decoded = decodeFields(raw, { ca: field('ca', pemCertificates()), chain: field<string>('chain', pemCertificates(), '') });
  if (!decoded.ok) return decoded;
  const anchors = checkAuthority(decoded.value.ca, now);
  if (!anchors.ok) return { ok: false, missing: [], invalid: [{ key: 'ca', rule: anchors.rule }] };
  const extra = chainWithoutAnchors(splitPem(decoded.value.chain), anchors.value);
  return { ok: true, value: { provider, bundle: decoded.value.ca + extra } };
}

/**
 * Checking what a certificate provider hands out before anything is written: every certificate parses, the key is
 * the certificate's, the certificate is valid now, it names what was asked for, and a path of signatures leads from
 * it to the relation's CA. Each refusal is a rule (never the value), so it can go into a status as it is.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { accept, refuse, type Decoded } from '../../reactive/decode/values.js';

/** A CA bundle or chain as separate parsed certificates (the decoders have re-exported them already). */
export function splitPem(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((b) => new X509Certificate(b));
}

function validAt(cert: X509Certificate, now: Date): 'expired' | 'not-yet-valid' | null {
  if (new Date(cert.validTo).getTime() <= now.getTime()) return 'expired';
  if (new Date(cert.validFrom).getTime() > now.getTime()) return 'not-yet-valid';
  return null;
}

const WHEN_RULE = { expired: 'has expired', 'not-yet-valid': 'is not valid yet' } as const;

/** The trust anchors: each must be a CA certificate valid now. */
export function checkAuthority(caPem: string, now: Date): Decoded<X509Certificate[]> {
  const certs = splitPem(caPem);
  if (certs.length === 0) return refuse('must hold a CA certificate');
  for (const c of certs) {
    if (!c.ca) return refuse('must be a CA certificate (basicConstraints CA:true)');
    const when = validAt(c, now);
    if (when) return refuse(`CA certificate ${WHEN_RULE[when]}`);
  }
  return accept(certs);
}

/**
 * True when a chain of signatures leads from `leaf` to one of `anchors`, through the intermediates of `pool`
 * (each link issued by and signed with the next, each valid now). Depth-bounded: a pool cannot make it loop.
 */
export function chainsTo(leaf: X509Certificate, pool: readonly X509Certificate[], anchors: readonly X509Certificate[], now: Date, depth = 0): boolean {
  if (depth > 8) return false;
  const signedBy = (issuer: X509Certificate): boolean => leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey) && validAt(issuer, now) === null;
  if (anchors.some(signedBy)) return true;
  return pool.filter((p) => p.ca && p.fingerprint256 !== leaf.fingerprint256 && signedBy(p)).some((p) => chainsTo(p, pool, anchors, now, depth + 1));
}

export interface ServerCertificate {
  /** The leaf alone, as parsed. */
  readonly cert: X509Certificate;
  /** PKCS#8 PEM of the private key. */
  readonly keyPem: string;
}

/** The first name among `names` the certificate does not cover (IP SANs compared as addresses), or null. */
export function missingName(cert: X509Certificate, names: readonly string[]): string | null {
  for (const name of names) {
    const covered = isIP(name) !== 0 ? cert.checkIP(name) !== undefined : cert.checkHost(name, { subject: 'default' }) !== undefined;
    if (!covered) return name;
  }
  return null;
}

/**
 * One server certificate and key from the relation, checked against the CA (and the chain's intermediates).
 * `names` are the common name and SANs this unit asked for.
 */
export function checkServerCertificate(input: {
  readonly certPem: string;
  readonly keyPem: string;
  readonly anchors: readonly X509Certificate[];
  readonly intermediates: readonly X509Certificate[];
  readonly names: readonly string[];
  readonly now: Date;
}): Decoded<ServerCertificate> {
  const blocks = splitPemSafe(input.certPem);
  if (!blocks || blocks.length === 0) return refuse('must be a PEM certificate that parses');
  const leaf = blocks[0]!;
  let key;
  try {
    key = createPrivateKey({ key: input.keyPem, format: 'pem' });
  } catch {
    return refuse('key must be one unencrypted PEM private key that parses');
  }
  if (!leaf.checkPrivateKey(key)) return refuse('key does not match the certificate');
  const when = validAt(leaf, input.now);
  if (when) return refuse(`certificate ${WHEN_RULE[when]}`);
  if (!chainsTo(leaf, [...blocks.slice(1), ...input.intermediates], input.anchors, input.now)) return refuse('certificate is not signed by the relation\'s CA');
  const missing = missingName(leaf, input.names);
  if (missing !== null) return refuse(`certificate does not name ${missing}`);
  return accept({ cert: leaf, keyPem: String(key.export({ type: 'pkcs8', format: 'pem' })) });
}

function splitPemSafe(pem: string): X509Certificate[] | null {
  try {
    return splitPem(pem);
  } catch {
    return null;
  }
}

/**
 * Certificates and private keys as options and relations carry them: base64 of PEM text (the OpenStack charms'
 * habit), or PEM text itself. Every block is parsed by Node's crypto, so a value that only looks like PEM (any
 * base64 between the markers) is refused, and what comes back is re-exported by crypto: text that has been parsed,
 * with nothing between or around the blocks.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { accept, refuse, type Decoder } from './values.js';

const BLOCK = /-----BEGIN ([A-Z0-9 ]{1,40})-----\r?\n([A-Za-z0-9+/=\r\n]{1,200000}?)-----END \1-----/g;
const KEY_KINDS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'];

/** The PEM text in `raw` (base64-decoded when it is not PEM already), or null when it is neither. */
function pemText(raw: string, maxBytes: number): string | null {
  const value = raw.trim();
  if (value.length > Math.ceil(maxBytes / 3) * 4 + 4096) return null;
  if (value.startsWith('-----BEGIN ')) return /^[\x20-\x7e\r\n\t]*$/.test(value) ? value : null;
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return null;
  const text = Buffer.from(compact, 'base64').toString('latin1');
  return /^[\x20-\x7e\r\n\t]*$/.test(text) && text.length <= maxBytes ? text.trim() : null;
}

/** The blocks of a PEM text, or null when anything but white space stands between or around them. */
function blocks(text: string): { kind: string; pem: string }[] | null {
  const found: { kind: string; pem: string }[] = [];
  let rest = '';
  let last = 0;
  for (const m of text.matchAll(BLOCK)) {
    rest += text.slice(last, m.index);
    found.push({ kind: m[1]!, pem: m[0] });
    last = m.index + m[0].length;
  }
  rest += text.slice(last);
  return found.length > 0 && rest.trim() === '' ? found : null;
}

/** One or more X.509 certificates (a chain or a CA bundle); the value is the re-exported PEM. */
export function pemCertificates(maxBytes = 262_144): Decoder<string> {
  const rule = 'must be base64 of PEM certificates that parse';
  return (raw) => {
    const text = pemText(raw, maxBytes);
    const found = text === null ? null : blocks(text);
    if (!found || found.some((b) => b.kind !== 'CERTIFICATE')) return refuse(rule);
    try {
      return accept(found.map((b) => new X509Certificate(b.pem).toString().trimEnd() + '\n').join(''));
    } catch {
      return refuse(rule);
    }
  };
}

/** One unencrypted private key (PKCS#8, PKCS#1 RSA or SEC1 EC); the value is the key, re-exported as PKCS#8 PEM. */
export function pemPrivateKey(maxBytes = 65_536): Decoder<string> {
  const rule = 'must be base64 of one unencrypted PEM private key that parses';
  return (raw) => {
    const text = pemText(raw, maxBytes);
    const found = text === null ? null : blocks(text);
    if (!found || found.length !== 1 || !KEY_KINDS.includes(found[0]!.kind)) return refuse(rule);
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: found[0]!.pem, format: 'pem' });
    } catch {
      return refuse(rule);
    }
    return accept(String(key.export({ type: 'pkcs8', format: 'pem' })));
  };
}

/** True when `keyPem` is the private key of the first certificate in `certsPem`. */
export function keyMatchesCertificate(certsPem: string, keyPem: string): boolean {
  try {
    return new X509Certificate(certsPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/**
 * A real certificate authority with the openssl command line: an EC P-256 root made once, server certificates it
 * signs for each request. The root's key stays in a 0600 file; a certificate's key comes from openssl's stdout
 * and goes to the relation, never to a file or a log. What vault does with its PKI mount, with openssl.
 */
import { isIP } from 'node:net';
import type { Host } from '../../../../../reactive/host/host.js';

export const CA_DIR = '/var/lib/local-ca';
export const CA_KEY = `${CA_DIR}/ca.key`;
export const CA_CERT = `${CA_DIR}/ca.pem`;

/**
 * A new key with a request for it, both on stdout (`-keyout -`): the key never touches a file, and no `/dev/stdin`
 * is needed (a unit agent's pipes are sockets, which openssl cannot open by path).
 */
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-noenc', '-keyout', '-'];

/** The key and the certificate or request openssl printed one after the other. */
export function splitKeyAnd(stdout: string, kind: 'CERTIFICATE' | 'CERTIFICATE REQUEST'): { key: string; pem: string } {
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(stdout)?.[0];
  const pem = new RegExp(`-----BEGIN ${kind}-----[\\s\\S]+?-----END ${kind}-----\\n`).exec(stdout)?.[0];
  if (!key || !pem) throw new Error(`openssl did not print a private key and a ${kind.toLowerCase()}`);
  return { key, pem };
}

/** The subjectAltName vault writes: the common name first as a DNS name (or IP), then every SAN. */
export function subjectAltName(commonName: string, sans: readonly string[]): string {
  const names = [...new Set([commonName, ...sans])];
  return names.map((n) => (isIP(n) !== 0 ? `IP:${n}` : `DNS:${n}`)).join(',');
}

export interface Authority {
  readonly cert: string;
}

/** The CA's certificate, or null before it is made. */
export async function loadAuthority(host: Host): Promise<Authority | null> {
  const [cert, key] = await Promise.all([host.readFile(CA_CERT), host.exists(CA_KEY)]);
  return cert && key ? { cert } : null;
}

/** Makes a new root (a first one, or a rotation): key then self-signed certificate, both written atomically. */
export async function createAuthority(host: Host, commonName: string, days: number): Promise<Authority> {
  await host.ensureDirectory(CA_DIR, { mode: 0o700 });
  const { key, pem: cert } = splitKeyAnd((await host.check([
    'openssl', 'req', '-x509', '-new', ...NEW_KEY, '-subj', `/CN=${commonName}`, '-days', String(days),
    '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ])).stdout, 'CERTIFICATE');
  await host.writeFile(CA_KEY, key, { mode: 0o600 });
  await host.writeFile(CA_CERT, cert, { mode: 0o644 });
  return { cert };
}

export interface Issued {
  readonly cert: string;
  readonly key: string;
}

/** A new key and a certificate for it signed by the CA, naming `commonName` and `sans`, for server and client use. */
export async function issue(host: Host, request: { commonName: string; sans: readonly string[] }, days: number): Promise<Issued> {
  const { key, pem: csr } = splitKeyAnd((await host.check([
    'openssl', 'req', '-new', ...NEW_KEY, '-subj', `/CN=${request.commonName}`,
    '-addext', `subjectAltName=${subjectAltName(request.commonName, request.sans)}`,
    '-addext', 'basicConstraints=critical,CA:false',
    '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
    '-addext', 'extendedKeyUsage=serverAuth,clientAuth',
  ])).stdout, 'CERTIFICATE REQUEST');
  const cert = (await host.check([
    'openssl', 'x509', '-req', '-CA', CA_CERT, '-CAkey', CA_KEY, '-days', String(days), '-copy_extensions', 'copyall', '-sha256',
  ], { input: csr })).stdout;
  return { cert, key };
}

/**
 * Typed decoders for untrusted text: relation values written by other units, and options. Every decoder answers
 * with the value or with the rule it broke; a rule names what is accepted and never repeats the input, so it can go
 * into a status message or a log as it is. `decodeFields` runs several of them over one bag and collects every
 * problem at once, each with its key, instead of stopping at the first.
 *
 * The rules are tighter than the formats strictly need on purpose: a value that passes here carries nothing that
 * is meaningful in any file we render (no line breaks, braces, quotes, `$`, `%`, spaces where a name is expected),
 * so a renderer that forgets to escape still cannot be made to add a key, a section or a host.
 */
import { isIP } from 'node:net';

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly rule: string };

export type Decoder<T> = (raw: string) => Decoded<T>;

export const accept = <T>(value: T): Decoded<T> => ({ ok: true, value });
export const refuse = <T = never>(rule: string): Decoded<T> => ({ ok: false, rule });

/** Longest value any decoder reads; beyond it a value is refused before a pattern runs over it. */
export const MAX_VALUE_LENGTH = 65_536;

/** C0/C1 controls, line and paragraph separators, and the byte-order mark: never part of a one-line value. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/u;

/** A one-line printable string of at most `max` characters, surrounding white space removed. */
export function line(max = 255): Decoder<string> {
  return (raw) => {
    if (raw.length > Math.max(max * 4, 1024)) return refuse(`must be at most ${max} characters`);
    const value = raw.trim();
    if (CONTROL.test(value)) return refuse('must be one line of printable characters');
    if ([...value].length > max) return refuse(`must be at most ${max} characters`);
    return accept(value);
  };
}

/** Like `line` but non-empty. */
export function nonEmptyLine(max = 255): Decoder<string> {
  const decode = line(max);
  return (raw) => {
    const decoded = decode(raw);
    if (decoded.ok && decoded.value === '') return refuse('must not be empty');
    return decoded;
  };
}

/** A secret (password, token): one line, printable ASCII without spaces, 1 to `max` characters. */
export function secret(max = 1024): Decoder<string> {
  return (raw) => {
    if (raw.length > max || raw.length === 0) return refuse(`must be 1 to ${max} characters`);
    if (!/^[\x21-\x7e]+$/.test(raw)) return refuse('must be printable ASCII without spaces or line breaks');
    return accept(raw);
  };
}

/** A name made of letters, digits and `_.-` (database names, user names, vhosts, unit-name parts). */
export function identifier(max = 64): Decoder<string> {
  const pattern = new RegExp(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,${max - 1}}$`);
  return (raw) => (pattern.test(raw.trim()) ? accept(raw.trim()) : refuse(`must be 1 to ${max} letters, digits, '_', '.' or '-'`));
}

const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** An RFC 1123 host name (letters, digits, '-' in dot-separated labels of at most 63, 253 in all); a trailing dot is dropped. */
export const hostname: Decoder<string> = (raw) => {
  const value = raw.trim().replace(/\.$/, '');
  if (value.length === 0 || value.length > 253 || !value.split('.').every((l) => LABEL.test(l)) || /^[0-9.]+$/.test(value)) {
    return refuse('must be a host name (letters, digits and - in dot-separated labels, at most 253 characters)');
  }
  return accept(value);
};

/** An IPv4 or IPv6 address literal (IPv6 without brackets or zone). */
export const ipAddress: Decoder<string> = (raw) => {
  const value = raw.trim().replace(/^\[(.*)\]$/, '$1');
  return isIP(value) !== 0 ? accept(value.toLowerCase()) : refuse('must be an IPv4 or IPv6 address');
};

/** An address or a host name, as `private-address` and most `*_host` keys carry. */
export const hostOrAddress: Decoder<string> = (raw) => {
  const address = ipAddress(raw);
  if (address.ok) return address;
  return hostname(raw).ok ? hostname(raw) : refuse('must be an IP address or a host name');
};

/** An integer from `min` to `max`, decimal digits only. */
export function integer(min: number, max: number): Decoder<number> {
  return (raw) => {
    const value = raw.trim();
    if (!/^-?\d{1,16}$/.test(value)) return refuse(`must be a whole number from ${min} to ${max}`);
    const n = Number(value);
    return Number.isSafeInteger(n) && n >= min && n <= max ? accept(n) : refuse(`must be a whole number from ${min} to ${max}`);
  };
}

export const port: Decoder<number> = integer(1, 65_535);

/** true/false in any case, as Juju and the stock charms write booleans. */
export const boolean: Decoder<boolean> = (raw) => {
  const value = raw.trim().toLowerCase();
  if (value === 'true' || value === 'false') return accept(value === 'true');
  return refuse('must be true or false');
};

export function oneOf<const T extends string>(allowed: readonly T[]): Decoder<T> {
  return (raw) => {
    const value = raw.trim();
    return (allowed as readonly string[]).includes(value) ? accept(value as T) : refuse(`must be one of ${allowed.join(', ')}`);
  };
}

export interface UrlRules {
  readonly schemes: readonly string[];
  /** User and password in the URL: refused unless allowed (a secret has its own option or key). */
  readonly credentials?: boolean;
  readonly max?: number;
}

/** An absolute URL with one of `schemes`, a host, and no credentials (unless allowed); returns the normalised URL. */
export function url(rules: UrlRules): Decoder<URL> {
  const max = rules.max ?? 2048;
  return (raw) => {
    const value = raw.trim();
    if (value.length > max || CONTROL.test(value) || /\s/.test(value)) return refuse(`must be a URL of at most ${max} characters without spaces`);
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      return refuse(`must be an absolute URL (${rules.schemes.map((s) => `${s}://`).join(' or ')})`);
    }
    if (!rules.schemes.includes(parsed.protocol.replace(/:$/, ''))) return refuse(`must use ${rules.schemes.join(' or ')}`);
    if (!parsed.hostname) return refuse('must name a host');
    if (!rules.credentials && (parsed.username !== '' || parsed.password !== '')) {
      return refuse('must not carry a user or password (the credentials have their own option)');
    }
    return accept(parsed);
  };
}

/** Standard base64 (no line breaks) of `min` to `max` bytes once decoded. */
export function base64Bytes(min: number, max: number): Decoder<Buffer> {
  const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  return (raw) => {
    const value = raw.trim();
    if (value.length > Math.ceil(max / 3) * 4 || !B64.test(value)) return refuse(`must be base64 of ${min} to ${max} bytes`);
    const bytes = Buffer.from(value, 'base64');
    return bytes.length >= min && bytes.length <= max ? accept(bytes) : refuse(`must be base64 of ${min} to ${max} bytes`);
  };
}

/** A space-separated list of values each accepted by `item`, at most `maxItems`. */
export function list<T>(item: Decoder<T>, maxItems = 1024): Decoder<T[]> {
  return (raw) => {
    const parts = raw.trim() === '' ? [] : raw.trim().split(/[ \t]+/);
    if (parts.length > maxItems) return refuse(`must list at most ${maxItems} items`);
    const values: T[] = [];
    for (const [i, part] of parts.entries()) {
      const decoded = item(part);
      if (!decoded.ok) return refuse(`item ${i + 1}: ${decoded.rule}`);
      values.push(decoded.value);
    }
    return accept(values);
  };
}

/** A JSON-encoded value (charms.reactive's `to_publish`) decoded first, then checked by `inner` as text. */
export function jsonString<T>(inner: Decoder<T>): Decoder<T> {
  return (raw) => {
    let value: unknown = raw;
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      // plain text: the raw fallback charms.reactive's `received` has too
    }
    return typeof value === 'string' ? inner(value) : refuse('must be a JSON string');
  };
}

/** Brackets an IPv6 literal for a URL authority or a `host:port` pair; host names and IPv4 pass unchanged. */
export function bracketHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

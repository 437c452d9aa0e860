/**
 * Decoding a whole bag (one remote unit's relation data, or a set of options) into a typed record. Every field is
 * checked and every problem kept, so one status names all of them; a missing required key is told apart from an
 * invalid one, because the first means "wait for the other side" and the second "the other side is broken".
 */
import type { Decoded, Decoder } from './values.js';

export interface FieldSpec<T> {
  readonly key: string;
  readonly decode: Decoder<T>;
  /** A missing or empty key makes the bag incomplete (default), or takes this value. */
  readonly fallback?: T;
}

/** Where a value came from: `relation shared-db:3 mysql/0`, or `option vip`. */
export interface Problem {
  readonly key: string;
  readonly rule: string;
}

export type BagResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly missing: readonly string[]; readonly invalid: readonly Problem[] };

type Specs<T> = { readonly [K in keyof T]: FieldSpec<T[K]> };

export function field<T>(key: string, decode: Decoder<T>, fallback?: T): FieldSpec<T> {
  return fallback === undefined ? { key, decode } : { key, decode, fallback };
}

/** Decodes `bag` field by field; ok only when every field decoded. */
export function decodeFields<T extends object>(bag: Readonly<Record<string, string | undefined>>, specs: Specs<T>): BagResult<T> {
  const value: Partial<Record<keyof T, unknown>> = {};
  const missing: string[] = [];
  const invalid: Problem[] = [];
  for (const name of Object.keys(specs) as (keyof T)[]) {
    const spec = specs[name];
    const raw = bag[spec.key];
    if (raw === undefined || raw.trim() === '') {
      if (spec.fallback === undefined) missing.push(spec.key);
      else value[name] = spec.fallback;
      continue;
    }
    const decoded: Decoded<unknown> = spec.decode(raw);
    if (decoded.ok) value[name] = decoded.value;
    else invalid.push({ key: spec.key, rule: decoded.rule });
  }
  if (missing.length > 0 || invalid.length > 0) return { ok: false, missing, invalid };
  return { ok: true, value: value as T };
}

/** Longest status message the charms set: Juju keeps more, but a status is read by a person in one line. */
export const STATUS_MAX = 480;

/** `relation shared-db (mysql/0): db_host must be ...; db_port must be ...`, cut at STATUS_MAX with the count left. */
export function describeProblems(source: string, problems: readonly Problem[]): string {
  const parts = problems.map((p) => `${p.key} ${p.rule}`);
  let message = `${source}: `;
  for (const [i, part] of parts.entries()) {
    const next = `${i === 0 ? '' : '; '}${part}`;
    const rest = parts.length - i - 1;
    if (message.length + next.length + (rest > 0 ? 24 : 0) > STATUS_MAX) {
      return i === 0 ? `${message}${parts.length} problems, the first with ${problems[0]!.key}` : `${message}; and ${parts.length - i} more`;
    }
    message += next;
  }
  return message;
}

/** Bounds any status text, cutting at a word boundary where one is near. */
export function boundedStatus(message: string, max = STATUS_MAX): string {
  if (message.length <= max) return message;
  const cut = message.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max - 40 ? cut.slice(0, space) : cut}…`;
}

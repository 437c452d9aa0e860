/**
 * Unit-local key/value state. A hook works on an in-memory copy; the copy is committed (atomically: temporary
 * file, fsync, rename) only when the whole hook succeeded, so a failed hook leaves no trace — the same
 * contract as charm-helpers' unitdata flush.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** JSON with sorted object keys: the same data always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value) ?? 'undefined').digest('hex');
}

export class KeyValueStore {
  private readonly data: Map<string, JsonValue>;
  private readonly initial: Readonly<Record<string, JsonValue>>;
  /** Keys written or removed since load; compared with their initial value to decide whether to write. */
  private readonly touched = new Set<string>();

  constructor(initial: Readonly<Record<string, JsonValue>> = {}) {
    this.initial = initial;
    this.data = new Map(Object.entries(initial));
  }

  get<T extends JsonValue = JsonValue>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  has(key: string): boolean {
    return this.data.has(key);
  }

  set(key: string, value: JsonValue): void {
    const previous = this.data.get(key);
    if (previous !== undefined && canonicalJson(previous) === canonicalJson(value)) return;
    this.data.set(key, value);
    this.touched.add(key);
  }

  unset(key: string): void {
    if (this.data.delete(key)) this.touched.add(key);
  }

  /** Keys with the prefix, prefix removed, sorted. */
  keysWithPrefix(prefix: string): string[] {
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)).sort();
  }

  /**
   * True when `value` differs from what was recorded under `key` the last time this was called (and on the first
   * call); records the new value's hash either way. The charms.reactive `data_changed` idiom.
   */
  dataChanged(key: string, value: unknown): boolean {
    const storeKey = `reactive.data_changed.${key}`;
    const hash = hashOf(value);
    if (this.data.get(storeKey) === hash) return false;
    this.set(storeKey, hash);
    return true;
  }

  /**
   * True when the content differs from what was loaded. A flag set at the start of a hook and cleared at its end
   * (config.changed, ...) is no change: an idle hook writes nothing.
   */
  get isDirty(): boolean {
    for (const key of this.touched) {
      const before = Object.prototype.hasOwnProperty.call(this.initial, key) ? this.initial[key] : undefined;
      const after = this.data.get(key);
      if (before === undefined || after === undefined ? before !== after : canonicalJson(before) !== canonicalJson(after)) return true;
    }
    return false;
  }

  toJSON(): Record<string, JsonValue> {
    return Object.fromEntries([...this.data.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

export function loadStore(path: string): KeyValueStore {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new KeyValueStore();
    throw error;
  }
  try {
    return new KeyValueStore(JSON.parse(text) as Record<string, JsonValue>);
  } catch (error) {
    throw new Error(`unit state ${path} is not valid JSON (${(error as Error).message}); move it aside to start afresh`);
  }
}

/** Writes the store atomically with mode 0600 (it may hold generated keys). */
export function commitStore(path: string, store: KeyValueStore): void {
  if (!store.isDirty) return;
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(store.toJSON(), null, 1)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

/**
 * Base class for interface endpoints (charms.reactive's Endpoint): relations with their joined units and data,
 * automatic `endpoint.<name>.*` flags, and publishing through a per-relation bag that is diffed against what this
 * unit last sent and flushed with one relation-set per relation at the end of a successful hook.
 */
import { compareUnits, relationNumber } from './hookenv/args.js';
import type { HookEnvironment } from './hookenv/environment.js';
import type { RelationData } from './hookenv/tools.js';
import type { FlagStore } from './flags.js';
import type { KeyValueStore } from './kv.js';
import { createHash } from 'node:crypto';

/**
 * What the framework loads for one relation: the remote units' bags and, for an endpoint class that reads it
 * (`readsAppData`), the remote application bag.
 */
export interface RelationSnapshot {
  readonly id: string;
  readonly remoteApp: string;
  readonly units: Readonly<Record<string, RelationData>>;
  /** Absent when the endpoint's class does not read application data, so it was not asked for. */
  readonly app?: RelationData;
}

export interface EndpointContext {
  readonly env: HookEnvironment;
  readonly isLeader: boolean;
  readonly flags: FlagStore;
  readonly kv: KeyValueStore;
  log(message: string): void;
}

/** JSON-decoded view with fallback to the raw string (a value that is not JSON is returned as it is). */
export function decodeReceived(raw: RelationData): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!value) {
      out[key] = value;
      continue;
    }
    try {
      out[key] = JSON.parse(value);
    } catch {
      out[key] = value;
    }
  }
  return Object.freeze(out);
}

/** What unit state keeps of a secret instead of the secret: enough to tell that it changed, nothing to read it from. */
export function secretDigest(value: string): string {
  return `sha256:${createHash('sha256').update(value).digest('hex')}`;
}

/** `data` with the values of `secrets` replaced by their digest (empty values stay as they are). */
export function withSecretsDigested<T extends Readonly<Record<string, unknown>>>(data: T, secrets: ReadonlySet<string>): T {
  if (secrets.size === 0) return data;
  const out: Record<string, unknown> = { ...data };
  for (const key of secrets) {
    const value = out[key];
    if (value !== undefined && value !== null && value !== '') out[key] = secretDigest(String(value));
  }
  return out as T;
}

/** A bag of our own relation data; `null` deletes a key. Values are strings on the wire. */
export class PublishBag {
  private readonly current: Map<string, string>;

  /** `published` holds the digest of each `secrets` key, not its value (see `withSecretsDigested`). */
  constructor(
    readonly published: Readonly<Record<string, string>>,
    private readonly guard: () => void = () => undefined,
    private readonly secrets: ReadonlySet<string> = new Set(),
  ) {
    this.current = new Map(Object.entries(published));
  }

  setRaw(key: string, value: string | null | undefined): void {
    this.guard();
    if (value === null || value === undefined || value === '') this.current.delete(key);
    else this.current.set(key, value);
  }

  /** setRaw for every key, in order: what an interface's encode function returns goes on the wire as it is. */
  setAllRaw(values: Readonly<Record<string, string | null | undefined>>): void {
    for (const [key, value] of Object.entries(values)) this.setRaw(key, value);
  }

  get(key: string): string | undefined {
    return this.current.get(key);
  }

  /** Keys whose value differs from what was published; deleted keys map to null. */
  diff(): Record<string, string | null> {
    const changes: Record<string, string | null> = {};
    for (const [key, value] of this.current) {
      const sent = this.published[key];
      if (sent !== value && !(this.secrets.has(key) && sent === secretDigest(value))) changes[key] = value;
    }
    for (const key of Object.keys(this.published)) if (!this.current.has(key)) changes[key] = null;
    return changes;
  }

  snapshot(): Record<string, string> {
    return Object.fromEntries([...this.current.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

/** Encodes values as JSON (sorted keys) before they go into a PublishBag. */
export class JsonPublisher {
  constructor(private readonly bag: PublishBag) {}
  set(key: string, value: unknown): void {
    this.bag.setRaw(key, value === null || value === undefined ? null : JSON.stringify(sortKeys(value)));
  }
  get(key: string): unknown {
    const raw = this.bag.get(key);
    return raw === undefined ? undefined : JSON.parse(raw);
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export class RelationUnit {
  readonly received: Readonly<Record<string, unknown>>;
  constructor(readonly name: string, readonly relation: Relation, readonly receivedRaw: RelationData) {
    this.received = decodeReceived(receivedRaw);
  }
  get appName(): string {
    return this.name.split('/')[0] ?? '';
  }
}

export class Relation {
  readonly units: readonly RelationUnit[];
  private readonly appRaw: RelationData | undefined;
  readonly toPublishRaw: PublishBag;
  readonly toPublish: JsonPublisher;
  readonly toPublishAppRaw: PublishBag;
  readonly toPublishApp: JsonPublisher;

  constructor(
    snapshot: RelationSnapshot,
    published: { unit: Readonly<Record<string, string>>; app: Readonly<Record<string, string>> },
    isLeader: boolean,
    secrets: ReadonlySet<string> = new Set(),
  ) {
    this.id = snapshot.id;
    this.remoteApp = snapshot.remoteApp;
    this.units = Object.keys(snapshot.units)
      .sort(compareUnits)
      .map((name) => new RelationUnit(name, this, snapshot.units[name] ?? {}));
    this.appRaw = snapshot.app;
    this.toPublishRaw = new PublishBag(published.unit, undefined, secrets);
    this.toPublish = new JsonPublisher(this.toPublishRaw);
    this.toPublishAppRaw = new PublishBag(published.app, () => {
      if (!isLeader) throw new Error(`cannot write application data of relation ${snapshot.id}: this unit is not the leader`);
    }, secrets);
    this.toPublishApp = new JsonPublisher(this.toPublishAppRaw);
  }

  readonly id: string;
  readonly remoteApp: string;

  /** The remote application's bag; only for an endpoint class with `static readonly readsAppData = true`. */
  get receivedAppRaw(): RelationData {
    if (this.appRaw === undefined) {
      throw new Error(`relation ${this.id}: application data was not loaded; set "static readonly readsAppData = true" on the endpoint's class`);
    }
    return this.appRaw;
  }

  get receivedApp(): Readonly<Record<string, unknown>> {
    return decodeReceived(this.receivedAppRaw);
  }

  get number(): number {
    return relationNumber(this.id);
  }
}

/** What one remote unit asked for, and where (the provides side of request/answer interfaces). */
export interface UnitRequest<T> {
  readonly relation: Relation;
  readonly unit: string;
  readonly request: T;
}

export class Endpoint {
  /** Suffixes of the interface flags this endpoint class manages (`endpoint.<name>.<suffix>`), for typing. */
  static readonly flagSuffixes: readonly string[] = [];
  /**
   * Whether this interface reads the remote application's bag. Off by default: loading it costs one relation-get
   * per relation in every hook, and none of the classic interfaces write application data.
   */
  static readonly readsAppData: boolean = false;
  /**
   * Keys whose values are secrets (an authkey, a password), sent or received. Unit state keeps only their digest:
   * what this unit last sent is compared by digest, and in update-status the relations of such an endpoint are
   * read again instead of being taken from the last hook's snapshot when a remote unit had sent one.
   */
  static readonly secretKeys: readonly string[] = [];

  constructor(readonly name: string, readonly relations: readonly Relation[], protected readonly ctx: EndpointContext) {}

  get allJoinedUnits(): readonly RelationUnit[] {
    return this.relations.flatMap((r) => r.units);
  }

  get isJoined(): boolean {
    return this.relations.some((r) => r.units.length > 0);
  }

  /** The same plain-string values on every relation of this endpoint (a requirer's request, a peer's addresses). */
  publishRawToAll(values: Readonly<Record<string, string | null | undefined>>): void {
    for (const relation of this.relations) relation.toPublishRaw.setAllRaw(values);
  }

  /** The first joined unit's data (by relation, then unit number) that `decode` accepts; null while none does. */
  firstDecoded<T>(decode: (unit: RelationUnit) => T | null): T | null {
    for (const unit of this.allJoinedUnits) {
      const value = decode(unit);
      if (value !== null) return value;
    }
    return null;
  }

  /** Per relation, the first unit whose request `decode` accepts: the units of one application all ask the same. */
  firstRequestPerRelation<T>(decode: (unit: RelationUnit) => T | null): UnitRequest<T>[] {
    const out: UnitRequest<T>[] = [];
    for (const relation of this.relations) {
      for (const unit of relation.units) {
        const request = decode(unit);
        if (request !== null) {
          out.push({ relation, unit: unit.name, request });
          break;
        }
      }
    }
    return out;
  }

  flag(suffix: string): string {
    return `endpoint.${this.name}.${suffix}`;
  }

  isFlagSet(suffix: string): boolean {
    return this.ctx.flags.isSet(this.flag(suffix));
  }

  setFlag(suffix: string): void {
    this.ctx.flags.set(this.flag(suffix));
  }

  clearFlag(suffix: string): void {
    this.ctx.flags.clear(this.flag(suffix));
  }

  toggleFlag(suffix: string, on: boolean): void {
    this.ctx.flags.toggle(this.flag(suffix), on);
  }

  /** Units that departed since the list was last cleared (persisted across hooks). */
  get departedUnits(): readonly string[] {
    return this.ctx.kv.get<string[]>(`reactive.endpoints.departed.${this.name}`) ?? [];
  }

  clearDepartedUnits(): void {
    this.ctx.kv.unset(`reactive.endpoints.departed.${this.name}`);
  }

  /** Interface-specific flags; called at the start of every hook after the automatic flags are managed. */
  manageFlags(): void {}
}

export type EndpointClass<E extends Endpoint = Endpoint> = (new (name: string, relations: readonly Relation[], ctx: EndpointContext) => E) & {
  readonly flagSuffixes: readonly string[];
  readonly readsAppData: boolean;
  readonly secretKeys: readonly string[];
};

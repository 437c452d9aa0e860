/**
 * Flags: the single truth of a reactive charm. Stored in the unit's key/value state under `reactive.states.<flag>`
 * so they persist between hooks and roll back with a failed hook. The store records which flags changed state
 * during the current dispatch batch (charms.reactive's FlagWatch) and fires triggers synchronously.
 */
import type { JsonValue, KeyValueStore } from './kv.js';

const PREFIX = 'reactive.states.';

export interface Trigger {
  readonly when?: string;
  readonly whenNot?: string;
  readonly setFlag?: string;
  readonly clearFlag?: string;
  readonly callback?: () => void;
}

/** The read/write face handlers see; `F` is the charm's flag vocabulary. */
export interface Flags<F extends string = string> {
  isSet(flag: F): boolean;
  value(flag: F): JsonValue | undefined;
  set(flag: F, value?: JsonValue): void;
  clear(flag: F): void;
  toggle(flag: F, on: boolean): void;
  all(): string[];
}

export class FlagStore implements Flags<string> {
  private batchChanges = new Set<string>();
  private triggers: Trigger[] = [];
  /** Set by every clear(): the dispatcher re-tests the rest of its batch (charms.reactive `removed_state`). */
  clearedSinceCheck = false;

  constructor(private readonly kv: KeyValueStore) {}

  isSet(flag: string): boolean {
    return this.kv.has(PREFIX + flag);
  }

  value(flag: string): JsonValue | undefined {
    return this.kv.get(PREFIX + flag);
  }

  set(flag: string, value: JsonValue = null): void {
    const wasSet = this.isSet(flag);
    this.kv.set(PREFIX + flag, value);
    if (wasSet) return;
    this.batchChanges.add(flag);
    for (const t of this.triggers) {
      if (t.when === flag) this.fire(t);
    }
  }

  clear(flag: string): void {
    this.clearedSinceCheck = true;
    if (!this.isSet(flag)) return;
    this.kv.unset(PREFIX + flag);
    this.batchChanges.add(flag);
    for (const t of this.triggers) {
      if (t.whenNot === flag) this.fire(t);
    }
  }

  toggle(flag: string, on: boolean): void {
    if (on) this.set(flag);
    else this.clear(flag);
  }

  all(): string[] {
    return this.kv.keysWithPrefix(PREFIX);
  }

  addTrigger(trigger: Trigger): void {
    const conditions = [trigger.when, trigger.whenNot].filter(Boolean).length;
    if (conditions !== 1) throw new Error('a trigger needs exactly one of `when` and `whenNot`');
    this.triggers.push(trigger);
  }

  /** Flags that changed state since the last call; starts the next batch's record. */
  takeBatchChanges(): ReadonlySet<string> {
    const changes = this.batchChanges;
    this.batchChanges = new Set();
    return changes;
  }

  private fire(t: Trigger): void {
    if (t.setFlag) this.set(t.setFlag);
    if (t.clearFlag) this.clear(t.clearFlag);
    t.callback?.();
  }
}

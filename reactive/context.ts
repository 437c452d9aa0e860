/** What a handler receives: the hook's facts, and the seams through which it changes anything. */
import type { KeyValueStore } from './kv.js';
import type { ConfigValues } from './config.js';
import type { Endpoint, EndpointClass } from './endpoint.js';
import type { Flags } from './flags.js';
import type { HookEnvironment } from './hookenv/environment.js';
import type { HookTools, RelationData } from './hookenv/tools.js';
import type { Host } from './host/host.js';

export interface ActionContext {
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Merged into the action's results (reported once, when the action ends). */
  set(results: Readonly<Record<string, unknown>>): void;
  /** Marks the action failed with a message for the operator; results set so far are kept. */
  fail(message: string): void;
  /** A progress line, shown to the operator at once. */
  log(message: string): Promise<void>;
}

export interface LeaderData {
  /** Leader settings as of the start of the hook, plus this hook's own writes. */
  readonly data: RelationData;
  /** leader-set (leader only; immediate, like Juju). A null value deletes the key. */
  set(values: Readonly<Record<string, string | null>>): Promise<void>;
}

export interface HookContext<FL extends string, EM extends Readonly<Record<string, EndpointClass>>> {
  readonly hookName: string;
  readonly env: HookEnvironment;
  readonly tools: HookTools;
  readonly host: Host;
  readonly flags: Flags<FL>;
  readonly kv: KeyValueStore;
  readonly config: ConfigValues;
  /** Messages naming each invalid option; empty when the config is valid. */
  readonly configErrors: readonly string[];
  readonly isLeader: boolean;
  readonly leader: LeaderData;
  /** Set only while an action runs. */
  readonly action: ActionContext | undefined;
  endpoint<K extends Extract<keyof EM, string>>(name: K): InstanceType<EM[K]>;
  /** Any declared endpoint, typed as the base class (for endpoints the charm does not map to an interface class). */
  anyEndpoint(name: string): Endpoint;
  /** DEBUG goes to stdout (Juju logs it at DEBUG); other levels through juju-log. Never pass secrets. */
  log(message: string, level?: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR'): Promise<void>;
  /** Renders templates/<name> with handlebars (strict: a missing value is an error). */
  render(name: string, data: Readonly<Record<string, unknown>>): Promise<string>;
}

/**
 * The typed registration API. A charm is a value built by `defineCharm()`; nothing registers at import time.
 *
 *   const charm = defineCharm({ name, flags: [...] as const, endpoints: { 'shared-db': MysqlSharedRequires } });
 *   charm.when('endpoint.shared-db.joined').whenNot('db.requested').do('request-database', (ctx) => ...);
 */
import type { ConfigCheck, ConfigRules } from './config.js';
import type { HookContext } from './context.js';
import { Handler } from './dispatch.js';
import type { EndpointClass } from './endpoint.js';
import type { Trigger } from './flags.js';
import type { WorkloadStatus } from './hookenv/tools.js';

export type EndpointMap = Readonly<Record<string, EndpointClass>>;

/** The flags a charm may name: its own, and the automatic families. */
export type FlagOf<F extends string, E extends string> =
  | F
  | 'config.changed'
  | 'config.valid'
  | `config.${'changed' | 'set' | 'default'}.${string}`
  | `endpoint.${E}.${string}`
  | 'leadership.is_leader'
  | 'leadership.changed'
  | `leadership.${'changed' | 'set'}.${string}`;

export interface UnitStatus {
  readonly status: WorkloadStatus;
  readonly message: string;
}

export interface CharmOptions<F extends string, EM extends EndpointMap> {
  readonly name: string;
  readonly flags: readonly F[];
  readonly endpoints?: EM;
  readonly configRules?: ConfigRules;
  readonly configCheck?: ConfigCheck;
  /**
   * Options and leader-data keys holding secrets: unit state keeps only their digest, and update-status reads them
   * again (one config-get / leader-get) instead of taking them from the last hook's snapshot.
   */
  readonly secrets?: { readonly config?: readonly string[]; readonly leader?: readonly string[] };
}

export type Ctx<F extends string, EM extends EndpointMap> = HookContext<FlagOf<F, Extract<keyof EM, string>>, EM>;
export type HandlerFn<F extends string, EM extends EndpointMap> = (ctx: Ctx<F, EM>) => void | Promise<void>;
export type ActionFn<F extends string, EM extends EndpointMap> = (ctx: Ctx<F, EM>, params: Readonly<Record<string, unknown>>) => void | Promise<void>;

class Conditions<F extends string, EM extends EndpointMap> {
  constructor(
    private readonly charm: Charm<F, EM>,
    private readonly hooks: readonly string[] = [],
    private readonly allOf: readonly string[] = [],
    private readonly anyOf: readonly string[] = [],
    private readonly noneOf: readonly string[] = [],
    private readonly notAllOf: readonly string[] = [],
  ) {}

  when(...flags: FlagOf<F, Extract<keyof EM, string>>[]): Conditions<F, EM> {
    return new Conditions(this.charm, this.hooks, [...this.allOf, ...flags], this.anyOf, this.noneOf, this.notAllOf);
  }
  whenAny(...flags: FlagOf<F, Extract<keyof EM, string>>[]): Conditions<F, EM> {
    return new Conditions(this.charm, this.hooks, this.allOf, [...this.anyOf, ...flags], this.noneOf, this.notAllOf);
  }
  whenNot(...flags: FlagOf<F, Extract<keyof EM, string>>[]): Conditions<F, EM> {
    return new Conditions(this.charm, this.hooks, this.allOf, this.anyOf, [...this.noneOf, ...flags], this.notAllOf);
  }
  /** Alias of whenNot: none of the flags is set. */
  whenNone(...flags: FlagOf<F, Extract<keyof EM, string>>[]): Conditions<F, EM> {
    return this.whenNot(...flags);
  }
  whenNotAll(...flags: FlagOf<F, Extract<keyof EM, string>>[]): Conditions<F, EM> {
    return new Conditions(this.charm, this.hooks, this.allOf, this.anyOf, this.noneOf, [...this.notAllOf, ...flags]);
  }

  /** Registers the handler; `name` says what it achieves and shows in the log. */
  do(name: string, run: HandlerFn<F, EM>): void {
    if (this.hooks.length === 0 && this.allOf.length + this.anyOf.length + this.noneOf.length + this.notAllOf.length === 0) {
      throw new Error(`handler "${name}" has no condition: give it a flag or a hook`);
    }
    this.charm.addHandler(
      new Handler<Ctx<F, EM>>({ name, hooks: this.hooks, all: this.allOf, any: this.anyOf, none: this.noneOf, notAll: this.notAllOf, run }),
    );
  }
}

export class Charm<F extends string, EM extends EndpointMap> {
  readonly handlers: Handler<Ctx<F, EM>>[] = [];
  readonly actions = new Map<string, ActionFn<F, EM>>();
  readonly triggers: Trigger[] = [];
  statusFn: (ctx: Ctx<F, EM>) => UnitStatus | Promise<UnitStatus> = () => ({ status: 'active', message: '' });

  constructor(readonly options: CharmOptions<F, EM>) {}

  get name(): string {
    return this.options.name;
  }

  get endpointClasses(): EM {
    return (this.options.endpoints ?? {}) as EM;
  }

  addHandler(handler: Handler<Ctx<F, EM>>): void {
    if (this.handlers.some((h) => h.spec.name === handler.spec.name)) {
      throw new Error(`handler name "${handler.spec.name}" is registered twice in charm ${this.name}`);
    }
    this.handlers.push(handler);
  }

  when(...flags: FlagOf<F, Extract<keyof EM, string>>[]): Conditions<F, EM> {
    return new Conditions<F, EM>(this).when(...flags);
  }
  whenAny(...flags: FlagOf<F, Extract<keyof EM, string>>[]): Conditions<F, EM> {
    return new Conditions<F, EM>(this).whenAny(...flags);
  }
  whenNot(...flags: FlagOf<F, Extract<keyof EM, string>>[]): Conditions<F, EM> {
    return new Conditions<F, EM>(this).whenNot(...flags);
  }
  whenNone(...flags: FlagOf<F, Extract<keyof EM, string>>[]): Conditions<F, EM> {
    return new Conditions<F, EM>(this).whenNone(...flags);
  }
  whenNotAll(...flags: FlagOf<F, Extract<keyof EM, string>>[]): Conditions<F, EM> {
    return new Conditions<F, EM>(this).whenNotAll(...flags);
  }
  /** Hook handlers run before any flag handler, only in the named hooks (`{a,b}` alternation allowed). */
  hook(...patterns: string[]): Conditions<F, EM> {
    return new Conditions<F, EM>(this, patterns);
  }

  /** A trigger fires synchronously inside set/clear: no handler can observe the state in between. */
  trigger(trigger: { when?: FlagOf<F, Extract<keyof EM, string>>; whenNot?: FlagOf<F, Extract<keyof EM, string>>; setFlag?: FlagOf<F, Extract<keyof EM, string>>; clearFlag?: FlagOf<F, Extract<keyof EM, string>> }): void {
    this.triggers.push(trigger);
  }

  action(name: string, run: ActionFn<F, EM>): void {
    if (this.actions.has(name)) throw new Error(`action "${name}" is registered twice in charm ${this.name}`);
    this.actions.set(name, run);
  }

  /** Computes the unit's status from facts at the end of every hook and action. */
  assessStatus(fn: (ctx: Ctx<F, EM>) => UnitStatus | Promise<UnitStatus>): void {
    this.statusFn = fn;
  }
}

export function defineCharm<const F extends string, EM extends EndpointMap = Record<never, EndpointClass>>(
  options: CharmOptions<F, EM>,
): Charm<F, EM> {
  return new Charm(options);
}

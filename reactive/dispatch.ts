/**
 * Handler registry and the settle loop, with charms.reactive's rules (juju-contract §4.5):
 * - hook handlers run first, in their own batch;
 * - then up to 100 iterations; iteration 0 runs every handler whose predicate holds;
 * - in later iterations a handler runs only if one of its own flags changed state in the previous batch;
 * - flags set in a batch are seen from the next iteration on; a cleared flag re-tests the rest of the batch.
 * Order within a batch is registration order.
 */
import type { FlagStore } from './flags.js';

export const MAX_ITERATIONS = 100;

export interface HandlerSpec<C> {
  readonly name: string;
  readonly hooks: readonly string[];
  readonly all: readonly string[];
  readonly any: readonly string[];
  readonly none: readonly string[];
  readonly notAll: readonly string[];
  readonly run: (ctx: C) => void | Promise<void>;
}

/** Hook name patterns allow `{a,b}` alternation, e.g. `{install,upgrade-charm}`. */
export function hookPatternMatches(pattern: string, hookName: string): boolean {
  const alternation = /\{([^}]*)\}/.exec(pattern);
  if (!alternation) return pattern === hookName;
  return alternation[1]!.split(',').some((choice) =>
    hookPatternMatches(pattern.slice(0, alternation.index) + choice + pattern.slice(alternation.index + alternation[0].length), hookName),
  );
}

export class Handler<C> {
  readonly flags: ReadonlySet<string>;

  constructor(readonly spec: HandlerSpec<C>) {
    this.flags = new Set([...spec.all, ...spec.any, ...spec.none, ...spec.notAll]);
  }

  get isHookHandler(): boolean {
    return this.spec.hooks.length > 0;
  }

  /** The predicate alone (phase and flags), without the re-eligibility rule. */
  holds(phase: 'hooks' | 'other', hookName: string, flags: FlagStore): boolean {
    const { hooks, all, any, none, notAll } = this.spec;
    if (phase === 'hooks') {
      if (!this.isHookHandler || !hooks.some((p) => hookPatternMatches(p, hookName))) return false;
    } else if (this.isHookHandler) {
      return false;
    }
    return (
      all.every((f) => flags.isSet(f)) &&
      (any.length === 0 || any.some((f) => flags.isSet(f))) &&
      none.every((f) => !flags.isSet(f)) &&
      (notAll.length === 0 || !notAll.every((f) => flags.isSet(f)))
    );
  }
}

export interface DispatchTrace {
  /** Handler names in the order they ran. */
  readonly invoked: string[];
  readonly iterations: number;
}

export async function dispatch<C>(
  handlers: readonly Handler<C>[],
  hookName: string,
  flags: FlagStore,
  ctx: C,
  log: (message: string) => void = () => undefined,
): Promise<DispatchTrace> {
  const invoked: string[] = [];
  const runBatch = async (batch: Handler<C>[], test: (h: Handler<C>) => boolean): Promise<void> => {
    let queue = batch;
    while (queue.length > 0) {
      flags.clearedSinceCheck = false;
      const handler = queue.shift()!;
      log(`Invoking reactive handler: ${handler.spec.name}`);
      invoked.push(handler.spec.name);
      await handler.spec.run(ctx);
      if (flags.clearedSinceCheck) queue = queue.filter(test);
    }
  };

  flags.takeBatchChanges();
  const hookTest = (h: Handler<C>): boolean => h.holds('hooks', hookName, flags);
  await runBatch(handlers.filter(hookTest), hookTest);
  let changed = flags.takeBatchChanges();

  let iteration = 0;
  for (; iteration < MAX_ITERATIONS; iteration += 1) {
    const first = iteration === 0;
    const previous = changed;
    const eligible = (h: Handler<C>): boolean =>
      h.holds('other', hookName, flags) && (first || h.flags.size === 0 || [...h.flags].some((f) => previous.has(f)));
    const matched = handlers.filter(eligible);
    if (matched.length === 0) break;
    await runBatch(matched, (h) => h.holds('other', hookName, flags));
    changed = flags.takeBatchChanges();
  }
  if (iteration === MAX_ITERATIONS) {
    log(`dispatch stopped after ${MAX_ITERATIONS} iterations: handlers keep toggling flags`);
  }
  return { invoked, iterations: iteration };
}

import { describe, expect, it } from 'vitest';
import { dispatch, Handler, hookPatternMatches, MAX_ITERATIONS, type HandlerSpec } from '../dispatch.js';
import { FlagStore } from '../flags.js';
import { KeyValueStore } from '../kv.js';

type Ctx = { flags: FlagStore; ran: string[] };

function handler(name: string, conditions: Partial<Omit<HandlerSpec<Ctx>, 'name' | 'run'>>, run: (ctx: Ctx) => void = () => undefined): Handler<Ctx> {
  return new Handler<Ctx>({
    name,
    hooks: conditions.hooks ?? [],
    all: conditions.all ?? [],
    any: conditions.any ?? [],
    none: conditions.none ?? [],
    notAll: conditions.notAll ?? [],
    run: (ctx) => {
      ctx.ran.push(name);
      run(ctx);
    },
  });
}

function setup(flags: string[] = []): Ctx {
  const store = new FlagStore(new KeyValueStore());
  for (const f of flags) store.set(f);
  return { flags: store, ran: [] };
}

describe('dispatch (charms.reactive rules, juju-contract §4.5)', () => {
  it('runs hook handlers first, only in matching hooks', async () => {
    const ctx = setup(['a']);
    const handlers = [handler('on-a', { all: ['a'] }), handler('on-install', { hooks: ['install'] }), handler('on-stop', { hooks: ['stop'] })];
    await dispatch(handlers, 'install', ctx.flags, ctx);
    expect(ctx.ran).toEqual(['on-install', 'on-a']);
  });

  it('matches {a,b} alternation in hook patterns', () => {
    expect(hookPatternMatches('{install,upgrade-charm}', 'upgrade-charm')).toBe(true);
    expect(hookPatternMatches('{db,cache}-relation-{joined,changed}', 'cache-relation-changed')).toBe(true);
    expect(hookPatternMatches('{install,upgrade-charm}', 'start')).toBe(false);
  });

  it('runs every matching handler at least once per hook, even when nothing changed', async () => {
    const ctx = setup(['a']);
    await dispatch([handler('h', { all: ['a'] })], 'update-status', ctx.flags, ctx);
    await dispatch([handler('h', { all: ['a'] })], 'update-status', ctx.flags, ctx);
    expect(ctx.ran).toEqual(['h', 'h']);
  });

  it('picks up a flag set in a batch only in the next iteration (chaining orders handlers)', async () => {
    const ctx = setup(['start']);
    const handlers = [
      handler('second', { all: ['first-done'] }),
      handler('first', { all: ['start'] }, (c) => c.flags.set('first-done')),
    ];
    const trace = await dispatch(handlers, 'config-changed', ctx.flags, ctx);
    expect(ctx.ran).toEqual(['first', 'second']);
    expect(trace.iterations).toBeGreaterThanOrEqual(2);
  });

  it('re-tests the rest of the batch after a flag is cleared', async () => {
    const ctx = setup(['a', 'b']);
    const handlers = [handler('clear-b', { all: ['a'] }, (c) => c.flags.clear('b')), handler('needs-b', { all: ['b'] })];
    await dispatch(handlers, 'x', ctx.flags, ctx);
    expect(ctx.ran).toEqual(['clear-b']);
  });

  it('runs a handler again in a later iteration only when one of its own flags changed', async () => {
    const ctx = setup(['a']);
    const handlers = [
      handler('on-a', { all: ['a'] }, (c) => c.flags.set('unrelated')),
      handler('on-a-not-c', { all: ['a'], none: ['c'] }),
      handler('sets-c-later', { all: ['unrelated'] }, (c) => c.flags.set('c')),
    ];
    await dispatch(handlers, 'x', ctx.flags, ctx);
    // on-a does not watch "unrelated"/"c" changes relevant to it except c for on-a-not-c, whose predicate is then false.
    expect(ctx.ran).toEqual(['on-a', 'on-a-not-c', 'sets-c-later']);
  });

  it('re-runs a handler whose watched flag changed and whose predicate still holds', async () => {
    const ctx = setup(['a']);
    const handlers = [
      handler('watch-any', { any: ['a', 'b'] }),
      handler('set-b', { all: ['a'], none: ['b'] }, (c) => c.flags.set('b')),
    ];
    await dispatch(handlers, 'x', ctx.flags, ctx);
    expect(ctx.ran).toEqual(['watch-any', 'set-b', 'watch-any']);
  });

  it('implements when / whenNot / whenAny / whenNotAll predicates', async () => {
    const ctx = setup(['a', 'b']);
    const handlers = [
      handler('all-ab', { all: ['a', 'b'] }),
      handler('all-ac', { all: ['a', 'c'] }),
      handler('none-c', { none: ['c'] }),
      handler('none-a', { none: ['a'] }),
      handler('any-cb', { any: ['c', 'b'] }),
      handler('any-cd', { any: ['c', 'd'] }),
      handler('notall-ab', { notAll: ['a', 'b'] }),
      handler('notall-ac', { notAll: ['a', 'c'] }),
    ];
    await dispatch(handlers, 'x', ctx.flags, ctx);
    expect(ctx.ran).toEqual(['all-ab', 'none-c', 'any-cb', 'notall-ac']);
  });

  it(`stops after ${MAX_ITERATIONS} iterations when handlers keep toggling flags`, async () => {
    const ctx = setup(['a']);
    const logs: string[] = [];
    const handlers = [handler('flip', { any: ['a', 'b'] }, (c) => c.flags.toggle('b', !c.flags.isSet('b')))];
    const trace = await dispatch(handlers, 'x', ctx.flags, ctx, (m) => logs.push(m));
    expect(trace.iterations).toBe(MAX_ITERATIONS);
    expect(ctx.ran).toHaveLength(MAX_ITERATIONS);
    expect(logs.at(-1)).toMatch(/stopped after 100 iterations/);
  });

  it('fires triggers synchronously inside set and clear', async () => {
    const ctx = setup();
    ctx.flags.addTrigger({ when: 'x', setFlag: 'y' });
    ctx.flags.addTrigger({ whenNot: 'x', clearFlag: 'y' });
    ctx.flags.set('x');
    expect(ctx.flags.isSet('y')).toBe(true);
    ctx.flags.clear('x');
    expect(ctx.flags.isSet('y')).toBe(false);
    expect(() => ctx.flags.addTrigger({ setFlag: 'z' })).toThrow(/exactly one of `when` and `whenNot`/);
  });

  it('keeps a flag value and does not count a re-set as a change', () => {
    const ctx = setup();
    ctx.flags.set('v', { n: 1 });
    ctx.flags.takeBatchChanges();
    ctx.flags.set('v', { n: 2 });
    expect(ctx.flags.takeBatchChanges().size).toBe(0);
    expect(ctx.flags.value('v')).toEqual({ n: 2 });
  });
});

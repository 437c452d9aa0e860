import { afterEach, describe, expect, it } from 'vitest';
import { defineCharm } from '../charm.js';
import { Endpoint } from '../endpoint.js';
import { Harness, HookFailed } from '../testing/harness.js';
import { makeDemoCharm } from './fixtures/demo-charm.js';

const charmDir = new URL('./fixtures/demo', import.meta.url).pathname;
const harnesses: Harness<string, never>[] = [];

function demo() {
  const h = new Harness(makeDemoCharm(), { charmDir });
  harnesses.push(h as never);
  return h;
}

/** A charm that records which automatic flags were set while its handlers ran. */
function observer() {
  const seen: string[][] = [];
  const charm = defineCharm({ name: 'demo', flags: ['obs.x'] as const });
  charm.hook('{install,config-changed,start,update-status,leader-elected,leader-settings-changed}', '{db,website,cluster}-relation-{created,joined,changed,departed,broken}').do('record', (ctx) => {
    seen.push(ctx.flags.all());
  });
  const h = new Harness(charm, { charmDir });
  harnesses.push(h as never);
  return { h, seen };
}

afterEach(() => {
  for (const h of harnesses.splice(0)) h.cleanup();
});

describe('automatic config flags', () => {
  it('sets config.changed, config.changed.<opt>, config.set.<opt>, config.default.<opt> and clears them at hook end', async () => {
    const { h, seen } = observer();
    h.begin();
    await h.runHook('config-changed');
    const first = seen.at(-1)!;
    expect(first).toContain('config.changed');
    expect(first).toContain('config.changed.port');
    expect(first).toContain('config.set.port');
    expect(first).toContain('config.default.port');
    expect(first).not.toContain('config.set.name'); // unset string: not "set"
    expect(first).not.toContain('config.set.debug'); // false: not "set"
    await h.updateConfig({ port: 9090 });
    const second = seen.at(-1)!;
    expect(second).toContain('config.changed.port');
    expect(second).not.toContain('config.changed.mode');
    expect(second).not.toContain('config.default.port');
    await h.runHook('update-status');
    expect(seen.at(-1)!.filter((f) => f.startsWith('config.changed'))).toEqual([]);
    expect(h.flags.filter((f) => f.startsWith('config.'))).toEqual([]);
  });
});

describe('automatic endpoint flags', () => {
  it('toggles joined, sets changed and changed.<key> only when a value changed, and departed on departure', async () => {
    const { h, seen } = observer();
    h.begin();
    const rid = await h.addRelation('db', 'mysql', { units: { 'mysql/0': { password: 'p1', host: 'db0' } } });
    expect(h.isFlagSet('endpoint.db.joined')).toBe(true);
    expect(h.isFlagSet('endpoint.db.changed.password')).toBe(true);
    expect(h.isFlagSet('endpoint.db.changed.host')).toBe(true);
    // changed flags are never cleared automatically (charms.reactive): the charm clears them.
    await h.updateRelationData(rid, 'mysql/0', { host: 'db0' }); // no change: no hook at all
    expect(h.lastHook?.hook).toBe('db-relation-changed');
    await h.updateRelationData(rid, 'mysql/0', { password: 'p2' });
    expect(seen.at(-1)).toContain('endpoint.db.changed.password');
    await h.addRelationUnit(rid, 'mysql/1', { password: 'p2' });
    await h.removeRelationUnit(rid, 'mysql/1');
    expect(h.isFlagSet('endpoint.db.departed')).toBe(true);
    expect(h.isFlagSet('endpoint.db.joined')).toBe(true);
    await h.removeRelationUnit(rid, 'mysql/0');
    expect(h.isFlagSet('endpoint.db.joined')).toBe(false);
    await h.removeRelation(rid);
    expect(h.history.map((r) => r.hook).slice(-1)).toEqual(['db-relation-broken']);
  });

  it('excludes the departing unit from the relation in its departed hook and lists it as departed', async () => {
    const units: string[][] = [];
    const departed: string[][] = [];
    const charm = defineCharm({ name: 'demo', flags: [] as const });
    charm.hook('db-relation-departed').do('look', (ctx) => {
      units.push(ctx.anyEndpoint('db').allJoinedUnits.map((u) => u.name));
      departed.push([...ctx.anyEndpoint('db').departedUnits]);
    });
    const h = new Harness(charm, { charmDir });
    harnesses.push(h as never);
    h.begin();
    const rid = await h.addRelation('db', 'mysql', { units: { 'mysql/0': {}, 'mysql/1': {}, 'mysql/10': {} } });
    await h.removeRelationUnit(rid, 'mysql/1');
    expect(units).toEqual([['mysql/0', 'mysql/10']]);
    expect(departed).toEqual([['mysql/1']]);
  });
});

describe('leadership flags', () => {
  it('sets leadership.is_leader, leadership.set.<key> and leadership.changed.<key>', async () => {
    const { h, seen } = observer();
    h.begin();
    await h.setLeader(true);
    expect(h.isFlagSet('leadership.is_leader')).toBe(true);
    await h.setLeader(false);
    await h.setLeaderData({ 'db-sync-done': '1' });
    expect(seen.at(-1)).toContain('leadership.changed.db-sync-done');
    expect(h.isFlagSet('leadership.set.db-sync-done')).toBe(true);
    expect(h.isFlagSet('leadership.is_leader')).toBe(false);
    await h.setLeaderData({ 'db-sync-done': null });
    expect(h.isFlagSet('leadership.set.db-sync-done')).toBe(false);
  });
});

describe('a failed hook changes nothing', () => {
  it('discards flag changes, kv writes and relation data of a hook that throws', async () => {
    const charm = defineCharm({ name: 'demo', flags: ['t.before', 't.during'] as const });
    let fail = false;
    charm.hook('config-changed').do('work', (ctx) => {
      ctx.flags.set('t.during');
      ctx.kv.set('attempts', (ctx.kv.get<number>('attempts') ?? 0) + 1);
      for (const r of ctx.anyEndpoint('db').relations) r.toPublishRaw.setRaw('database', 'x');
      if (fail) throw new Error('disk full');
    });
    const h = new Harness(charm, { charmDir });
    harnesses.push(h as never);
    const rid = await h.addRelation('db', 'mysql', { units: { 'mysql/0': {} } });
    h.begin();
    fail = true;
    await expect(h.runHook('config-changed')).rejects.toBeInstanceOf(HookFailed);
    expect(h.isFlagSet('t.during')).toBe(false);
    expect(h.kv.get('attempts')).toBeUndefined();
    expect(h.relationData(rid)).toEqual({});
    fail = false;
    await h.runHook('config-changed');
    expect(h.isFlagSet('t.during')).toBe(true);
    expect(h.kv.get('attempts')).toBe(1);
    expect(h.relationData(rid)).toEqual({ database: 'x' });
  });
});

describe('the demo charm end to end', () => {
  it('walks from blocked to active through relation data, with one relation-set per relation', async () => {
    const h = demo();
    await h.beginWithInitialHooks();
    expect(h.status).toEqual({ status: 'blocked', message: "'db' missing" });
    expect(h.host.packageVersion).toBeDefined();
    const rid = await h.addRelation('db', 'mysql', { units: { 'mysql/0': {} } });
    expect(h.relationData(rid)).toEqual({ database: 'demo' });
    expect(h.status).toEqual({ status: 'waiting', message: "'db' incomplete" });
    await h.updateRelationData(rid, 'mysql/0', { password: '123' });
    expect(h.status).toEqual({ status: 'active', message: 'Unit is ready' });
    expect(h.host.file('/etc/demo/app.conf')).toBe('port = 8080\n');
    expect(h.host.serviceActions.map((a) => `${a.action} ${a.name}`)).toEqual(['restart demo']);
    const sets = h.history.flatMap((r) => r.toolCalls.filter((c) => c.tool === 'relation-set'));
    expect(sets).toHaveLength(1);
  });

  it('is idempotent: a second config-changed writes nothing, restarts nothing, sets no status', async () => {
    const h = demo();
    await h.beginWithInitialHooks();
    await h.addRelation('db', 'mysql', { units: { 'mysql/0': { password: 'x' } } });
    h.host.clearRecords();
    await h.runHook('config-changed');
    expect(h.host.writes).toEqual([]);
    expect(h.host.serviceActions).toEqual([]);
    expect(h.lastHook!.toolCalls.map((c) => c.tool)).not.toContain('status-set');
    expect(h.lastHook!.toolCalls.map((c) => c.tool)).not.toContain('relation-set');
  });

  it('answers an idle update-status with at most three hook-tool calls', async () => {
    const h = demo();
    await h.beginWithInitialHooks();
    await h.addRelation('db', 'mysql', { units: { 'mysql/0': { password: 'x' } } });
    await h.runHook('update-status');
    expect(h.lastHook!.toolCalls.length).toBeLessThanOrEqual(3);
    expect(h.lastHook!.toolCalls.map((c) => c.tool)).toEqual(['is-leader']);
  });

  it('blocks on invalid config naming every bad option and what is accepted, without echoing secrets', async () => {
    const h = demo();
    await h.beginWithInitialHooks();
    await h.updateConfig({ port: 70000, mode: 'sideways' });
    expect(h.status.status).toBe('blocked');
    expect(h.status.message).toBe('invalid config: mode: must be one of "active", "standby"; port: must be <= 65535');
    // Never the value, whatever the option's name; and bounded whatever the value's size.
    const long = `secret-${'x'.repeat(100_000)}`;
    await h.updateConfig({ mode: long });
    expect(h.status.message).toBe('invalid config: mode: must be one of "active", "standby"; port: must be <= 65535');
    expect(h.status.message).not.toContain('secret-');
    await h.updateConfig({ port: 8080, mode: 'standby' });
    expect(h.status.message).toBe("'db' missing");
  });

  it('lets the leader generate a secret once and share it through leader data', async () => {
    const h = demo();
    await h.setLeader(true);
    await h.beginWithInitialHooks();
    expect(h.model.leaderData).toEqual({ secret: 's3cr3t' });
    const before = h.history.length;
    await h.runHook('update-status');
    expect(h.history.slice(before).flatMap((r) => r.toolCalls).filter((c) => c.tool === 'leader-set')).toEqual([]);
  });

  it('runs actions with validated parameters and reports results and failures', async () => {
    const h = demo();
    h.begin();
    expect(await h.runAction('echo', { message: 'hi', times: 2 })).toEqual({ results: { echoed: 'hi', nested: { times: 2 } }, failed: false, message: undefined, logs: [] });
    const missing = await h.runAction('echo', {});
    expect(missing.failed).toBe(true);
    expect(missing.message).toBe('invalid parameters for echo: missing required parameter "message"');
    const extra = await h.runAction('echo', { message: 'x', colour: 'red' });
    expect(extra.message).toBe('invalid parameters for echo: unknown parameter "colour"');
    const bad = await h.runAction('echo', { message: 'x', times: 0 });
    expect(bad.message).toBe('invalid parameters for echo: parameter "times" must be >= 1');
    const boom = await h.runAction('explode');
    expect(boom).toMatchObject({ failed: true, message: 'boom' });
  });

  it('refuses application data writes from a non-leader', async () => {
    const charm = defineCharm({ name: 'demo', flags: [] as const, endpoints: { db: Endpoint } });
    charm.when('endpoint.db.joined').do('publish-app', (ctx) => {
      ctx.anyEndpoint('db').relations[0]!.toPublishAppRaw.setRaw('k', 'v');
    });
    const h = new Harness(charm, { charmDir });
    harnesses.push(h as never);
    h.begin();
    await expect(h.addRelation('db', 'mysql', { units: { 'mysql/0': {} } })).rejects.toThrow(/not the leader/);
  });
});

describe('status after a handler set a progress status', () => {
  it('sends the assessed status again even when it equals the last one sent', async () => {
    const charm = defineCharm({ name: 'demo', flags: [] as const });
    charm.hook('upgrade-charm').do('show-progress', async (ctx) => {
      await ctx.tools.statusSet('maintenance', 'Installing packages');
    });
    charm.assessStatus(() => ({ status: 'active', message: 'Unit is ready' }));
    const h = new Harness(charm, { charmDir });
    harnesses.push(h as never);
    h.begin();
    await h.runHook('config-changed');
    expect(h.status).toEqual({ status: 'active', message: 'Unit is ready' });
    await h.runHook('upgrade-charm');
    expect(h.status).toEqual({ status: 'active', message: 'Unit is ready' });
    expect(h.lastHook!.toolCalls.filter((c) => c.tool === 'status-set')).toHaveLength(2);
  });
});

describe('config checks', () => {
  it('run again only when the values change or the charm was upgraded; the answer is kept in between', async () => {
    const checked: unknown[] = [];
    const charm = defineCharm({
      name: 'demo',
      flags: [] as const,
      configCheck: (values) => {
        checked.push(values.port);
        return values.port === 1 ? ['port: 1 is reserved'] : [];
      },
    });
    const h = new Harness(charm, { charmDir });
    harnesses.push(h as never);
    h.begin();
    await h.runHook('config-changed');
    await h.runHook('start');
    await h.runHook('leader-settings-changed');
    expect(checked).toEqual([8080]);
    await h.updateConfig({ port: 1 });
    await h.runHook('start');
    expect(checked).toEqual([8080, 1]);
    expect(h.status).toEqual({ status: 'blocked', message: 'invalid config: port: 1 is reserved' });
    await h.runHook('upgrade-charm');
    expect(checked).toEqual([8080, 1, 1]);
    expect(h.status).toEqual({ status: 'blocked', message: 'invalid config: port: 1 is reserved' });
  });
});

describe('remote application data', () => {
  class ReadsApp extends Endpoint {
    static override readonly readsAppData = true;
  }

  function charmReading(endpoints: Record<string, typeof Endpoint>) {
    const seen: unknown[] = [];
    const charm = defineCharm({ name: 'demo', flags: [] as const, endpoints });
    charm.hook('db-relation-changed').do('read-app-data', (ctx) => {
      try {
        seen.push(ctx.endpoint('db').relations[0]!.receivedApp);
      } catch (error) {
        seen.push((error as Error).message);
      }
    });
    const h = new Harness(charm, { charmDir });
    harnesses.push(h as never);
    h.begin();
    return { h: h as never as Harness<string, never>, seen };
  }

  /** How many times each db relation hook asked for the application bag. */
  const appGets = (h: Harness<string, never>) =>
    h.history.filter((r) => r.hook.startsWith('db-relation-')).map((r) => r.toolCalls.filter((c) => c.tool === 'relation-get' && c.detail.endsWith('--app')).length);

  it('is read only for an endpoint class that declares it, with one relation-get per relation', async () => {
    const { h, seen } = charmReading({ db: ReadsApp });
    await h.addRelation('db', 'mysql', { appData: { mode: '"primary"' }, units: { 'mysql/0': { host: 'db0' } } });
    expect(seen.at(-1)).toEqual({ mode: 'primary' });
    expect(appGets(h).length).toBeGreaterThan(1);
    expect(new Set(appGets(h))).toEqual(new Set([1]));
  });

  it('is not asked for otherwise, and reading it says which declaration is missing', async () => {
    const { h, seen } = charmReading({ db: Endpoint });
    await h.addRelation('db', 'mysql', { appData: { mode: '"primary"' }, units: { 'mysql/0': { host: 'db0' } } });
    expect(appGets(h).length).toBeGreaterThan(1);
    expect(new Set(appGets(h))).toEqual(new Set([0]));
    expect(seen.at(-1)).toMatch(/relation db:\d+: application data was not loaded; set "static readonly readsAppData = true" on the endpoint's class/);
  });
});

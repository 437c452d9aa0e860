/**
 * The phases of a hook (reactive/phases/) one at a time, with frozen inputs: the in-memory model's hook tools
 * where a phase reads them, a plain store and flag store otherwise. No host and no charm run.
 */
import { describe, expect, it } from 'vitest';
import { defineCharm } from '../charm.js';
import { parseCharmMeta } from '../charm-meta.js';
import { Endpoint, Relation, secretDigest, type EndpointContext } from '../endpoint.js';
import { FlagStore } from '../flags.js';
import { readHookEnvironment } from '../hookenv/environment.js';
import { KeyValueStore } from '../kv.js';
import { loadFacts, secretsOf, snapshotOf, undigested, writeSnapshot, type HookFacts } from '../phases/facts.js';
import { automaticFlags, buildEndpoints, publishedKey } from '../phases/flags.js';
import { finalStatus, publish, publishPlan, sendStatus } from '../phases/finish.js';
import { ActionSession, LeaderView, StatusWatchingTools } from '../phases/session.js';
import { HarnessModel, ModelTools } from '../testing/model.js';

class Db extends Endpoint {
  static override readonly secretKeys = ['password'];
}

const meta = parseCharmMeta(
  { name: 'demo', requires: { db: { interface: 'mysql-shared' } } },
  { options: { port: { type: 'int', default: 80 }, token: { type: 'string' } } },
  {},
);
const charm = defineCharm({ name: 'demo', flags: [] as const, endpoints: { db: Db }, secrets: { config: ['token'] } });
const env = (hook: string) => readHookEnvironment({ JUJU_UNIT_NAME: 'demo/0', JUJU_HOOK_NAME: hook }, hook);

function model(): HarnessModel {
  const m = new HarnessModel('demo/0');
  m.config = { port: 80, token: 's3cret' };
  m.leaderData = { a: '1' };
  m.isLeader = true;
  m.relations.set('db:1', {
    id: 'db:1', endpoint: 'db', remoteApp: 'mysql', peer: false, units: new Map([['mysql/0', { host: '10.0.0.5', password: 'pw' }]]),
    departed: new Map(), remoteAppData: {}, localUnitData: {}, localAppData: {}, broken: false,
  });
  return m;
}

const facts = (over: Partial<HookFacts> = {}): HookFacts => ({
  previous: undefined, useSnapshot: false, isLeader: true, config: { port: 80, token: 't' }, configKey: 'k', configErrors: [],
  leader: { a: '1' }, relations: { db: [] }, ...over,
});

describe('phase: load the facts', () => {
  it('reads config, leadership and each endpoint\'s relations through the hook tools', async () => {
    const tools = new ModelTools(model());
    const f = await loadFacts(charm, { env: env('config-changed'), tools, meta, store: new KeyValueStore() }, secretsOf(charm));
    expect(f).toMatchObject({ useSnapshot: false, isLeader: true, config: { port: 80, token: 's3cret' }, configErrors: [], leader: { a: '1' } });
    expect(f.relations['db']).toEqual([{ id: 'db:1', remoteApp: 'mysql', units: { 'mysql/0': { host: '10.0.0.5', password: 'pw' } } }]);
  });

  it('takes update-status from the snapshot, reading again only what holds a secret', async () => {
    const store = new KeyValueStore();
    const secrets = secretsOf(charm);
    writeSnapshot(store, snapshotOf(facts({ config: { port: 81, token: 'old' }, relations: { db: [] } }), { a: '0' }, secrets));
    const tools = new ModelTools(model());
    const f = await loadFacts(charm, { env: env('update-status'), tools, meta, store }, secrets);
    expect(f.useSnapshot).toBe(true);
    expect(f.config).toEqual({ port: 80, token: 's3cret' });
    expect(f.leader).toEqual({ a: '0' });
    expect(tools.calls.map((c) => c.tool)).toEqual(['is-leader', 'config-get']);
  });
});

describe('phase: automatic flags', () => {
  it('sets config and leadership flags and returns those of this hook only', () => {
    const flags = new FlagStore(new KeyValueStore());
    const transient = automaticFlags(meta, facts(), secretsOf(charm), flags);
    expect(transient).toEqual(expect.arrayContaining(['config.changed', 'config.changed.port', 'config.valid', 'leadership.changed', 'leadership.changed.a']));
    expect(transient).not.toContain('leadership.is_leader');
    expect(flags.isSet('leadership.is_leader') && flags.isSet('leadership.set.a') && flags.isSet('config.default.port')).toBe(true);
  });

  it('sees no change where a secret equals the digest the snapshot kept', () => {
    const secrets = secretsOf(charm);
    const previous = snapshotOf(facts(), { a: '1' }, secrets);
    expect(previous.config['token']).toBe(secretDigest('t'));
    expect(undigested(previous.config, facts().config, secrets.options)).toEqual({ port: 80, token: 't' });
    const transient = automaticFlags(meta, facts({ previous }), secrets, new FlagStore(new KeyValueStore()));
    expect(transient.filter((f) => f.includes('changed'))).toEqual([]);
    expect(transient).toContain('config.valid');
  });

  it('builds one endpoint per declared endpoint, joined with changed flags for new data', () => {
    const store = new KeyValueStore();
    const flags = new FlagStore(store);
    const ctx: EndpointContext = { env: env('db-relation-changed'), isLeader: true, flags, kv: store, log: () => undefined };
    const relations = { db: [{ id: 'db:1', remoteApp: 'mysql', units: { 'mysql/0': { host: 'h' } } }] };
    const endpoints = buildEndpoints(charm, meta, facts({ relations }), secretsOf(charm), ctx);
    expect(endpoints.get('db')).toBeInstanceOf(Db);
    expect(['endpoint.db.joined', 'endpoint.db.changed', 'endpoint.db.changed.host'].every((f) => flags.isSet(f))).toBe(true);
  });
});

describe('phase: finish', () => {
  const relation = (published: { unit: Record<string, string>; app: Record<string, string> }) =>
    new Relation({ id: 'db:1', remoteApp: 'mysql', units: {} }, published, true, new Set(['password']));

  it('plans only what changed, keeps secrets as digests, and forgets relations that are gone', async () => {
    const r = relation({ unit: { user: 'demo' }, app: {} });
    r.toPublishRaw.setRaw('password', 'pw');
    const ctx: EndpointContext = { env: env('install'), isLeader: true, flags: new FlagStore(new KeyValueStore()), kv: new KeyValueStore(), log: () => undefined };
    const plan = publishPlan([new Db('db', [r], ctx)], secretsOf(charm));
    expect(plan).toEqual([{ relationId: 'db:1', unit: { password: 'pw' }, app: {}, record: { unit: { password: secretDigest('pw'), user: 'demo' }, app: {} } }]);
    const sent: unknown[] = [];
    const store = new KeyValueStore({ [publishedKey('db:9')]: { unit: { x: '1' }, app: {} } });
    await publish(plan, { relationSet: async (id, data, options) => void sent.push([id, data, options]) }, store, true);
    expect(sent).toEqual([['db:1', { password: 'pw' }, undefined]]);
    expect(store.get(publishedKey('db:1'))).toEqual(plan[0]!.record);
    expect(store.get(publishedKey('db:9'))).toBeUndefined();
  });

  it('blocks on invalid options and sends a status only when it changed or a handler sent its own', async () => {
    expect(finalStatus({ status: 'active', message: 'Unit is ready' }, ["option 'port' must be a port"])).toMatchObject({ status: 'blocked' });
    const sent: string[] = [];
    const tools = { statusSet: async (s: string, m: string) => void sent.push(`${s}: ${m}`) };
    const store = new KeyValueStore();
    const ready = { status: 'active', message: 'Unit is ready' } as const;
    await sendStatus(ready, tools, store, false);
    await sendStatus(ready, tools, store, false);
    await sendStatus(ready, tools, store, true);
    expect(sent).toEqual(['active: Unit is ready', 'active: Unit is ready']);
  });
});

describe('hook session', () => {
  it('collects action results and the first refusal, reported once', () => {
    const a = new ActionSession('list', { all: true }, { actionLog: async () => undefined });
    a.context.set({ a: 1 });
    a.context.set({ b: 2 });
    expect(a.results).toEqual({ a: 1, b: 2 });
    a.refuse('no');
    expect(a.failed).toBe('no');
  });

  it('sees its own leader-set at once and refuses it on a non-leader', async () => {
    const writes: unknown[] = [];
    const view = new LeaderView({ a: '1' }, true, { leaderSet: async (d) => void writes.push(d) });
    await view.set({ a: null, b: '2' });
    expect(view.data).toEqual({ b: '2' });
    await expect(new LeaderView({}, false, { leaderSet: async () => undefined }).set({ a: '1' })).rejects.toThrow(/not the leader/);
  });

  it('notes a status set by a handler and passes every call through', async () => {
    const m = model();
    const tools = new StatusWatchingTools(new ModelTools(m));
    expect(await tools.configGet()).toEqual({ port: 80, token: 's3cret' });
    expect(tools.statusSetByHandler).toBe(false);
    await tools.statusSet('maintenance', 'Installing packages');
    expect(tools.statusSetByHandler).toBe(true);
    expect(m.unitStatus).toMatchObject({ status: 'maintenance', message: 'Installing packages' });
  });
});

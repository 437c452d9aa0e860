import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeReceived, PublishBag, Relation } from '../endpoint.js';
import { canonicalJson, commitStore, KeyValueStore, loadStore } from '../kv.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('unit state', () => {
  it('commits atomically with mode 0600 and reloads what was committed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-'));
    dirs.push(dir);
    const path = join(dir, 'state', '.unit-state.json');
    const store = loadStore(path);
    store.set('a', { z: 1, y: [1, 2] });
    commitStore(path, store);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'state'))).toEqual(['.unit-state.json']); // no temporary left behind
    expect(loadStore(path).get('a')).toEqual({ z: 1, y: [1, 2] });
  });

  it('does not rewrite the file when nothing changed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-'));
    dirs.push(dir);
    const path = join(dir, '.unit-state.json');
    const store = new KeyValueStore({ a: 1 });
    store.set('a', 1);
    commitStore(path, store);
    expect(existsSync(path)).toBe(false);
  });

  it('names a corrupt state file and says how to recover', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-'));
    dirs.push(dir);
    const path = join(dir, '.unit-state.json');
    writeFileSync(path, '{not json');
    expect(() => loadStore(path)).toThrow(/is not valid JSON .* move it aside/);
  });

  it('dataChanged is true the first time and whenever the value changes, independent of key order', () => {
    const store = new KeyValueStore();
    expect(store.dataChanged('cfg', { a: 1, b: 2 })).toBe(true);
    expect(store.dataChanged('cfg', { b: 2, a: 1 })).toBe(false);
    expect(store.dataChanged('cfg', { a: 1, b: 3 })).toBe(true);
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":1}');
  });
});

describe('endpoint data', () => {
  it('decodes JSON values and falls back to the raw string', () => {
    expect(decodeReceived({ a: '{"x":1}', b: 'plain text', c: '"quoted"', d: '', e: '123' })).toEqual({ a: { x: 1 }, b: 'plain text', c: 'quoted', d: '', e: 123 });
  });

  it('sorts units by number and keeps raw values beside decoded ones', () => {
    const relation = new Relation(
      { id: 'db:4', remoteApp: 'mysql', units: { 'mysql/10': { x: '1' }, 'mysql/2': { x: '"two"' } }, app: { leader: 'true' } },
      { unit: {}, app: {} },
      false,
    );
    expect(relation.units.map((u) => u.name)).toEqual(['mysql/2', 'mysql/10']);
    expect(relation.units[0]!.received.x).toBe('two');
    expect(relation.units[0]!.receivedRaw.x).toBe('"two"');
    expect(relation.receivedApp.leader).toBe(true);
    expect(relation.number).toBe(4);
  });

  it('publishes only what differs from the last published bag; null and empty delete', () => {
    const bag = new PublishBag({ keep: 'same', drop: 'old', change: 'a' });
    bag.setRaw('keep', 'same');
    bag.setRaw('drop', null);
    bag.setRaw('change', 'b');
    bag.setRaw('new', '');
    bag.setRaw('added', 'x');
    expect(bag.diff()).toEqual({ added: 'x', change: 'b', drop: null });
    expect(bag.snapshot()).toEqual({ added: 'x', change: 'b', keep: 'same' });
  });

  it('JSON-encodes published values with sorted keys', () => {
    const relation = new Relation({ id: 'ha:1', remoteApp: 'hacluster', units: {}, app: {} }, { unit: {}, app: {} }, true);
    relation.toPublish.set('resources', { b: 1, a: [{ d: 1, c: 2 }] });
    expect(relation.toPublishRaw.get('resources')).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    relation.toPublishApp.set('k', true);
    expect(relation.toPublishAppRaw.diff()).toEqual({ k: 'true' });
  });
});

describe('no stray files', () => {
  it('keeps the fixture charm free of state files', () => {
    const fixture = new URL('./fixtures/demo', import.meta.url).pathname;
    expect(readdirSync(fixture).sort()).toEqual(['actions.yaml', 'config.yaml', 'metadata.yaml', 'templates']);
    expect(readFileSync(join(fixture, 'templates', 'app.conf'), 'utf8')).toContain('{{port}}');
  });
});

describe('unit state writes', () => {
  it('is not dirty when keys were set and unset back to what was loaded', () => {
    const store = new KeyValueStore({ kept: 1, 'reactive.states.x': null });
    store.set('reactive.states.config.changed', null);
    store.unset('reactive.states.config.changed');
    store.unset('reactive.states.x');
    store.set('reactive.states.x', null);
    store.set('kept', 2);
    store.set('kept', 1);
    expect(store.isDirty).toBe(false);
    store.set('kept', 3);
    expect(store.isDirty).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { Endpoint, Relation } from '../endpoint.js';
import type { RelationData } from '../hookenv/tools.js';

function relation(id: string, units: Record<string, RelationData>, published: Record<string, string> = {}): Relation {
  return new Relation({ id, remoteApp: id.split(':')[0] ?? '', units, app: {} }, { unit: published, app: {} }, false);
}

const asked = (unit: { receivedRaw: RelationData }): string | null => unit.receivedRaw.ask ?? null;

describe('endpoint helpers shared by the interfaces', () => {
  it('publishes the same values on every relation; null, undefined and empty delete a key', () => {
    const rels = [relation('db:1', {}, { old: 'x', keep: 'k' }), relation('db:2', {})];
    new Endpoint('db', rels, {} as never).publishRawToAll({ a: '1', old: null, gone: undefined, empty: '' });
    expect(rels[0]!.toPublishRaw.diff()).toEqual({ a: '1', old: null });
    expect(rels[0]!.toPublishRaw.snapshot()).toEqual({ a: '1', keep: 'k' });
    expect(rels[1]!.toPublishRaw.snapshot()).toEqual({ a: '1' });
  });

  it('finds the first unit, by relation then unit number, whose data decodes', () => {
    const ep = new Endpoint('db', [relation('db:1', { 'a/10': { ask: 'ten' }, 'a/2': {} }), relation('db:3', { 'b/0': { ask: 'b' } })], {} as never);
    expect(ep.firstDecoded(asked)).toBe('ten');
    expect(new Endpoint('db', [relation('db:1', { 'a/0': {} })], {} as never).firstDecoded(asked)).toBeNull();
  });

  it('takes one request per relation: its first unit that asked', () => {
    const rels = [relation('db:1', { 'a/1': { ask: 'one' }, 'a/0': {}, 'a/2': { ask: 'two' } }), relation('db:2', { 'b/0': {} }), relation('db:4', { 'c/0': { ask: 'c' } })];
    const requests = new Endpoint('db', rels, {} as never).firstRequestPerRelation(asked);
    expect(requests.map((r) => [r.relation.id, r.unit, r.request])).toEqual([['db:1', 'a/1', 'one'], ['db:4', 'c/0', 'c']]);
  });
});

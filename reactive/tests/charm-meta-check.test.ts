import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkCharmDocs, readCharm, readCharmDir, CharmMetaError } from '../charm-meta-check.js';

const DEMO = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures/demo');

describe('charm metadata: reading', () => {
  it('reads a charm folder into typed metadata, its hooks and its actions', () => {
    const charm = readCharmDir(DEMO);
    expect(charm.meta.name).toBe('demo');
    expect(Object.keys(charm.meta.requires)).toEqual(['db']);
    expect(charm.meta.options.port?.type).toBeDefined();
    expect(charm.actionNames).toEqual(['echo', 'explode']);
    for (const endpoint of ['db', 'website', 'cluster']) expect(charm.hookNames).toContain(`${endpoint}-relation-broken`);
    expect(charm.hookNames).toContain('leader-settings-changed');
    expect([...charm.hookNames].sort()).toEqual(charm.hookNames);
  });

  it('keeps documents that need nothing spelled out as they are, key order included', () => {
    const metadata = { name: 'x', summary: 's', series: ['jammy'], requires: { db: { interface: 'mysql', limit: 1 } }, tags: ['a'] };
    const config = { options: { port: { type: 'int', default: 80, description: 'p' } } };
    const actions = { go: { description: 'g', params: { n: { type: 'integer' } }, required: ['n'] } };
    const { docs } = checkCharmDocs({ metadata, config, actions }, 'x');
    expect(JSON.stringify(docs)).toBe(JSON.stringify({ metadata, config, actions }));
  });

  it("spells out Juju's shorthands: an endpoint as its interface, an option without type, an empty action", () => {
    const { docs, meta } = checkCharmDocs({
      metadata: { name: 'x', requires: { db: 'mysql' } },
      config: { options: { motd: { default: 'hi' } } },
      actions: { pause: null },
    }, 'x');
    expect(meta.requires.db).toEqual({ interface: 'mysql' });
    expect(meta.options.motd).toEqual({ default: 'hi', type: 'string' });
    expect(docs.actions).toEqual({ pause: {} });
    expect(checkCharmDocs({ metadata: { name: 'x' } }, 'x').docs).toEqual({ metadata: { name: 'x' }, config: {}, actions: {} });
  });

  it('names a folder without metadata.yaml and a file that is not YAML', () => {
    expect(() => readCharm('/c', () => undefined)).toThrow('/c is not a charm: it has no metadata.yaml');
    expect(() => readCharm('/c', (file) => (file === 'metadata.yaml' ? 'name: [' : undefined))).toThrow(/^\/c\/metadata.yaml: not valid YAML: /);
    expect(() => readCharm('/c', (file) => (file === 'metadata.yaml' ? 'name: c' : 'a: [1'))).toThrow(/^\/c\/config.yaml: not valid YAML: /);
  });
});

describe('charm metadata: what is wrong, where, and what is accepted', () => {
  const base = { name: 'x' };
  it.each<[string, { metadata: unknown; config?: unknown; actions?: unknown }, RegExp]>([
    ['top level', { metadata: ['a'] }, /^c\/metadata.yaml: the top level must be a mapping \(name, summary, provides, \.\.\.\)$/],
    ['name', { metadata: { summary: 's' } }, /^c\/metadata.yaml: 'name' is required: the charm's name, a non-empty string; found nothing$/],
    ['subordinate', { metadata: { ...base, subordinate: 'yes' } }, /'subordinate' must be true or false; found "yes"$/],
    ['section', { metadata: { ...base, provides: ['db'] } }, /^c\/metadata.yaml: 'provides' must be a mapping of names to definitions$/],
    ['endpoint name', { metadata: { ...base, requires: { Bad_Name: 'x' } } }, /requires name 'Bad_Name' must be lowercase letters, digits and single hyphens$/],
    ['endpoint', { metadata: { ...base, requires: { db: 3 } } }, /requires\.db must be an interface name or a mapping with interface \(and scope, limit, optional\); found 3$/],
    ['interface', { metadata: { ...base, requires: { db: { scope: 'global' } } } }, /requires\.db\.interface is required: the interface name, a string; found nothing$/],
    ['scope', { metadata: { ...base, peers: { c: { interface: 'p', scope: 'machine' } } } }, /peers\.c\.scope must be global or container; found "machine"$/],
    ['limit', { metadata: { ...base, provides: { c: { interface: 'p', limit: -1 } } } }, /provides\.c\.limit must be a whole number, 0 or more; found -1$/],
    ['optional', { metadata: { ...base, requires: { c: { interface: 'p', optional: 'no' } } } }, /requires\.c\.optional must be true or false; found "no"$/],
    ['twice', { metadata: { ...base, provides: { db: 'a' }, requires: { db: 'a' } } }, /endpoint 'db' is declared in both provides and requires; endpoint names must be unique$/],
    ['storage', { metadata: { ...base, storage: { Data: {} } } }, /metadata.yaml: storage name 'Data' must be lowercase/],
    ['extra-bindings', { metadata: { ...base, 'extra-bindings': ['public'] } }, /'extra-bindings' must be a mapping of binding names/],
    ['options', { metadata: base, config: { options: ['a'] } }, /^c\/config.yaml: 'options' must be a mapping of option names to definitions$/],
    ['option', { metadata: base, config: { options: { port: 80 } } }, /^c\/config.yaml: options\.port must be a mapping with type, default and description; found 80$/],
    ['option type', { metadata: base, config: { options: { port: { type: 'integer' } } } }, /^c\/config.yaml: options\.port\.type must be string, int, float, boolean or secret; found "integer"$/],
    ['actions', { metadata: base, actions: ['go'] }, /^c\/actions.yaml: the top level must be a mapping of action names to definitions$/],
    ['action name', { metadata: base, actions: { Go: {} } }, /^c\/actions.yaml: action name 'Go' must be lowercase letters, digits and single hyphens$/],
    ['action', { metadata: base, actions: { go: 'now' } }, /^c\/actions.yaml: go must be a mapping with description, params, required and additionalProperties; found "now"$/],
    ['params', { metadata: base, actions: { go: { params: ['n'] } } }, /^c\/actions.yaml: go\.params must be a mapping of parameter names to JSON schemas$/],
    ['required', { metadata: base, actions: { go: { required: 'n' } } }, /^c\/actions.yaml: go\.required must be a list of parameter names; found "n"$/],
    ['additionalProperties', { metadata: base, actions: { go: { additionalProperties: 'no' } } }, /go\.additionalProperties must be true or false; found "no"$/],
  ])('%s', (_what, docs, message) => {
    expect(() => checkCharmDocs(docs, 'c')).toThrow(CharmMetaError);
    expect(() => checkCharmDocs(docs, 'c')).toThrow(message);
  });

  it('shortens a long value it quotes', () => {
    expect(() => checkCharmDocs({ metadata: { name: 'x', requires: { db: ['a'.repeat(100)] } } }, 'c')).toThrow(/found \["a{55}\.\.\.$/);
  });
});

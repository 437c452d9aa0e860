import { afterEach, describe, expect, it } from 'vitest';
import { loadBundle } from '../bundle/load.js';
import { BundleError } from '../bundle/errors.js';
import { parsePlacement } from '../bundle/placement.js';
import { charmFiles, DB, SUB, tempTree, WEB, WEB_CONFIG } from './fixtures.js';

const charms = { ...charmFiles('charms/db', DB), ...charmFiles('charms/web', WEB, WEB_CONFIG), ...charmFiles('charms/sub', SUB) };
let cleanups: (() => void)[] = [];
/** The temp dir of the last tree made by problems(), for messages that contain absolute paths. */
let lastDir = '';
const cleanupDir = (): string => lastDir;
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});

function tree(files: Record<string, string | object>) {
  const t = tempTree({ ...charms, ...files });
  cleanups.push(t.cleanup);
  return t;
}

/** The list of problems a bad bundle reports, as printed. */
function problems(bundle: string | object, overlays: Record<string, string | object> = {}, extra: Record<string, string | object> = {}): string[] {
  const t = tree({ 'bundles/b.yaml': bundle, ...overlays, ...extra });
  lastDir = t.dir;
  try {
    loadBundle(t.path('bundles/b.yaml'), Object.keys(overlays).map(t.path), { cwd: t.dir });
  } catch (error) {
    expect(error).toBeInstanceOf(BundleError);
    return (error as BundleError).message.split('\n');
  }
  throw new Error('bundle unexpectedly valid');
}

const base = {
  applications: {
    db: { charm: '../charms/db', num_units: 1 },
    web: { charm: '../charms/web', num_units: 2, options: { port: 8080 } },
  },
  relations: [['web', 'db']],
};

describe('valid bundles', () => {
  it('resolves charm paths against the declaring file, infers endpoints and expands placements', () => {
    const t = tree({ 'bundles/b.yaml': { ...base, machines: { '0': {}, '1': { constraints: 'mem=1G' } }, applications: { ...base.applications, web: { charm: '../charms/web', num_units: 3, to: ['0', 'lxd:1'] }, sub: { charm: '../charms/sub' } }, relations: [['web', 'db'], ['sub', 'web']] } });
    const plan = loadBundle(t.path('bundles/b.yaml'), [], { cwd: t.dir });
    const web = plan.applications.find((a) => a.name === 'web')!;
    expect(web.charmPath).toBe(t.path('charms/web'));
    expect(web.placements).toEqual([{ kind: 'machine', machine: '0' }, { kind: 'machine', machine: '1', container: 'lxd' }, { kind: 'machine', machine: '1', container: 'lxd' }]);
    expect(plan.applications.find((a) => a.name === 'sub')!.numUnits).toBe(0);
    expect(plan.relations.map((r) => r.endpoints.map((e) => `${e.application}:${e.endpoint.name}`))).toEqual([['web:db', 'db:db'], ['sub:host', 'web:juju-info']]);
    expect(plan.machines).toEqual([{ id: '0' }, { id: '1', constraints: 'mem=1G' }]);
  });

  it('merges overlays as Juju does: null removes an application with its relations, maps merge, relations append', () => {
    const t = tree({
      'bundles/b.yaml': { ...base, applications: { ...base.applications, sub: { charm: '../charms/sub' } }, relations: [['web', 'db'], ['sub', 'db']] },
      'overlays/o.yaml': { applications: { sub: null, web: { options: { name: 'x', port: null }, num_units: 1 }, extra: { charm: '../charms/db', num_units: 1 } }, relations: [['web:db', 'extra:db']] },
    });
    const plan = loadBundle(t.path('bundles/b.yaml'), [t.path('overlays/o.yaml')], { cwd: t.dir });
    expect(plan.applications.map((a) => a.name)).toEqual(['db', 'web', 'extra']);
    const web = plan.applications.find((a) => a.name === 'web')!;
    expect(web.options).toEqual({ name: 'x' });
    expect(web.numUnits).toBe(1);
    expect(plan.applications.find((a) => a.name === 'extra')!.charmPath).toBe(t.path('charms/db'));
    expect(plan.relations.map((r) => r.endpoints.map((e) => e.application).join('-'))).toEqual(['web-db', 'web-extra']);
  });

  it('applies extra YAML documents of the bundle file as overlays and reads include-file:// options', () => {
    const t = tree({
      'bundles/b.yaml': `applications:\n  web:\n    charm: ../charms/web\n    num_units: 1\n---\napplications:\n  web:\n    options:\n      name: include-file://name.txt\n`,
      'bundles/name.txt': 'from-file',
    });
    const plan = loadBundle(t.path('bundles/b.yaml'), [], { cwd: t.dir });
    expect(plan.applications[0]!.options).toEqual({ name: 'from-file' });
  });

  it('accepts the legacy "services" key', () => {
    const t = tree({ 'bundles/b.yaml': { services: { db: { charm: '../charms/db', num_units: 1 } } } });
    expect(loadBundle(t.path('bundles/b.yaml'), [], { cwd: t.dir }).applications.map((a) => a.name)).toEqual(['db']);
  });

  it('places units beside another application\'s units', () => {
    const t = tree({ 'bundles/b.yaml': { applications: { db: { charm: '../charms/db', num_units: 2 }, web: { charm: '../charms/web', num_units: 2, to: ['db'] } } } });
    const plan = loadBundle(t.path('bundles/b.yaml'), [], { cwd: t.dir });
    expect(plan.applications.find((a) => a.name === 'web')!.placements).toEqual([{ kind: 'unit', application: 'db', unit: 0 }, { kind: 'unit', application: 'db', unit: 1 }]);
  });
});

describe('bad bundles: every problem names the file, the path and what is wrong', () => {
  it('invalid YAML', () => {
    expect(problems('applications:\n  web: [\n')).toEqual([expect.stringMatching(/^bundles\/b\.yaml: \(file\): invalid YAML at line 3, column 1: /)]);
  });
  it('missing file', () => {
    const t = tree({});
    expect(() => loadBundle(t.path('nope.yaml'), [], { cwd: t.dir })).toThrow('nope.yaml: (file): no such file');
  });
  it('an empty file', () => {
    expect(problems('# nothing here\n')).toEqual(['bundles/b.yaml: (file): the file holds no YAML document']);
  });
  it('not a mapping', () => {
    expect(problems('- a\n- b\n')).toEqual(['bundles/b.yaml: (top level): a bundle is a mapping with "applications", "machines" and "relations", got a list']);
  });
  it('unknown keys at top level and in an application', () => {
    expect(problems({ ...base, aplications: {}, applications: { db: { charm: '../charms/db', num_unit: 1 } }, relations: [] })).toEqual([
      'bundles/b.yaml: aplications: unknown key "aplications" (accepted: applications, services, machines, relations, series, default-base, description, name, tags, saas, bundle, variables, local_overlay_enabled)',
      'bundles/b.yaml: applications.db.num_unit: unknown key "num_unit" (accepted: charm, channel, revision, series, base, num_units, scale, to, expose, options, annotations, constraints, storage, devices, bindings, resources, plan, trust, requires)',
    ]);
  });
  it('wrong types and negative counts', () => {
    expect(problems({ applications: { db: { charm: '../charms/db', num_units: 'two', expose: 'yes' }, web: { charm: '../charms/web', num_units: -1 } } })).toEqual([
      'bundles/b.yaml: applications.db.num_units: must be an integer, got "two"',
      'bundles/b.yaml: applications.db.expose: must be true or false, got "yes"',
      'bundles/b.yaml: applications.web.num_units: must be 0 or more, got number -1',
    ]);
  });
  it('overlay-only keys in the base bundle', () => {
    expect(problems({ applications: { db: { charm: '../charms/db', num_units: 1, offers: { x: {} } } } })).toEqual(['bundles/b.yaml: applications.db.offers: "offers" is only allowed in an overlay, not in the base bundle']);
  });
  it('a null application in the base bundle', () => {
    expect(problems({ applications: { db: null } })).toEqual(['bundles/b.yaml: applications.db: must be a mapping, got null']);
  });
  it('relations that are not pairs of strings', () => {
    expect(problems({ ...base, relations: [['web'], 'web db', ['web', 5]] })).toEqual([
      'bundles/b.yaml: relations[0]: a relation names exactly two endpoints, got 1',
      'bundles/b.yaml: relations[1]: must be a pair of endpoints like ["app1:endpoint", "app2"], got "web db"',
      'bundles/b.yaml: relations[2][1]: must be a string, got number 5',
    ]);
  });
  it('machine ids that are not numbers', () => {
    expect(problems({ ...base, machines: { a: {} } })).toEqual(['bundles/b.yaml: machines.a: machine id "a" must be a non-negative integer such as "0"']);
  });
  it('charms that are missing, not charms, or from Charmhub', () => {
    expect(problems({ applications: { a: { charm: './nothing', num_units: 1 }, b: { charm: '../bundles', num_units: 1 }, c: { charm: 'mysql', num_units: 1 }, d: { num_units: 1 } } })).toEqual([
      `bundles/b.yaml: applications.a.charm: ${'<dir>'}/bundles/nothing does not exist`,
      `bundles/b.yaml: applications.b.charm: ${'<dir>'}/bundles is not a charm: it has no metadata.yaml`,
      'bundles/b.yaml: applications.c.charm: "mysql" is a Charmhub charm; the local model deploys local charms only (a path such as ./build/mysql or ../x.charm, relative to this file)',
      'bundles/b.yaml: applications.d.charm: no charm given',
    ].map((l) => l.replace(/<dir>/g, cleanupDir())));
  });
  it('invalid application names', () => {
    expect(problems({ applications: { Web: { charm: '../charms/web', num_units: 1 }, 'web-1': { charm: '../charms/web', num_units: 1 } } })).toEqual([
      'bundles/b.yaml: applications.Web: invalid application name "Web": lowercase letters, digits and single hyphens, starting with a letter, no all-digit part after a hyphen',
      'bundles/b.yaml: applications.web-1: invalid application name "web-1": lowercase letters, digits and single hyphens, starting with a letter, no all-digit part after a hyphen',
    ]);
  });
  it('options unknown to the charm or of the wrong type, and unknown bindings', () => {
    expect(problems({ applications: { web: { charm: '../charms/web', num_units: 1, options: { port: '80', colour: 'red', debug: 1, ratio: 1 }, bindings: { db: 'space', nope: 'x' } } } })).toEqual([
      'bundles/b.yaml: applications.web.options.port: option "port" expects an integer, got "80"',
      'bundles/b.yaml: applications.web.options.colour: charm "web" has no option "colour" (options: debug, name, port, ratio)',
      'bundles/b.yaml: applications.web.options.debug: option "debug" expects true or false, got 1',
      'bundles/b.yaml: applications.web.bindings.nope: charm "web" has no endpoint or extra binding "nope"',
    ]);
  });
  it('placements: grammar, undefined machines and units, subordinates, too many', () => {
    expect(problems({
      machines: { '0': {} },
      applications: {
        sub: { charm: '../charms/sub' },
        db: { charm: '../charms/db', num_units: 1, to: ['docker:0'] },
        web: { charm: '../charms/web', num_units: 4, to: ['3', 'db/5', 'sub', 'lxd:0'] },
        web2: { charm: '../charms/web', num_units: 1, to: ['0', '0'] },
        web3: { charm: '../charms/web', num_units: 1, to: ['ghost/0'] },
      },
    })).toEqual([
      'bundles/b.yaml: applications.db.to[0]: invalid placement "docker:0": unknown container type "docker" (accepted: "<machine>", "new", "<app>", "<app>/<n>", each optionally prefixed by "lxd:" or "kvm:", or "lxd" alone)',
      'bundles/b.yaml: applications.web.to[0]: machine "3" is not defined in "machines" (defined: 0)',
      'bundles/b.yaml: applications.web.to[1]: placement refers to unit db/5, but "db" has 1 unit(s)',
      'bundles/b.yaml: applications.web.to[2]: placement refers to subordinate application "sub", which has no machines of its own',
      'bundles/b.yaml: applications.web2.to: 2 placement directives for 1 unit(s): give at most one per unit',
      'bundles/b.yaml: applications.web3.to[0]: placement refers to application "ghost", which the bundle does not define',
    ]);
  });
  it('subordinates with units or placement', () => {
    expect(problems({ applications: { sub: { charm: '../charms/sub', num_units: 2, to: ['0'] } }, machines: { '0': {} } })).toEqual([
      'bundles/b.yaml: applications.sub.num_units: "sub" is a subordinate charm: it takes no num_units (it gets one unit per related principal unit)',
      'bundles/b.yaml: applications.sub.to: "sub" is a subordinate charm: it takes no placement (its units live with their principals)',
    ]);
  });
  it('machines nobody uses', () => {
    expect(problems({ ...base, machines: { '0': {}, '7': {} } })).toEqual([
      'bundles/b.yaml: machines.0: machine "0" is not used by any application placement',
      'bundles/b.yaml: machines.7: machine "7" is not used by any application placement',
    ]);
  });
  it('relations: unknown application or endpoint, self, impossible, ambiguous, duplicate', () => {
    const amb = { name: 'amb', provides: { a: { interface: 'mysql' }, b: { interface: 'mysql' } } };
    expect(problems({
      applications: { ...base.applications, amb: { charm: '../charms/amb', num_units: 1 } },
      relations: [['web', 'ghost'], ['web:nope', 'db'], ['web', 'web'], ['db', 'amb:a'], ['web', 'amb'], ['web', 'db'], ['db', 'web']],
    }, {}, charmFiles('charms/amb', amb))).toEqual([
      'bundles/b.yaml: relations[0][1]: application "ghost" is not defined in the bundle',
      'bundles/b.yaml: relations[1]: application "web" has no endpoint "nope" (endpoints: cache, cluster, db, juju-info)',
      'bundles/b.yaml: relations[2]: cannot relate application "web" to itself (peer relations are created automatically)',
      'bundles/b.yaml: relations[3]: no relation is possible between "db" and "amb:a": no provides/requires endpoints with the same interface',
      'bundles/b.yaml: relations[4]: ambiguous relation between "web" and "amb": name the endpoints, one of "web:db amb:a", "web:db amb:b"',
      'bundles/b.yaml: relations[6]: relation db:db web:db is listed more than once',
    ]);
  });
  it('overlay problems name the overlay file', () => {
    expect(problems(base, { 'overlays/o.yaml': { applications: { web: { options: { port: 'x' } }, new: { charm: './missing', num_units: 1 } }, relations: [['web', 'nothere']] } })).toEqual([
      'overlays/o.yaml: applications.web.options.port: option "port" expects an integer, got "x"',
      `overlays/o.yaml: applications.new.charm: ${cleanupDir()}/overlays/missing does not exist`,
      'overlays/o.yaml: relations[0][1]: application "nothere" is not defined in the bundle',
    ].sort((a, b) => (a.includes('charm') ? -1 : b.includes('charm') ? 1 : 0)));
  });
  it('shape and reference problems together: all in one report, none repeated for what was left out', () => {
    expect(problems({
      machines: { a: {}, '0': {} },
      applications: {
        web: { charm: '../charms/web', num_unit: 1, options: { port: 'x' } },
        db: { charm: '../charms/db', num_units: 'two', to: ['0', '0', '0'] },
        broken: 'not a mapping',
        cache: { charm: 5, num_units: 1 },
      },
      relations: [['web', 'ghost'], ['web', 'broken'], 'web db', ['web:nope', 'db'], ['cache', 'web']],
    }, { 'overlays/o.yaml': { applications: { web: { expose: 'yes', bindings: { nope: 'x' } } }, relations: [['web', 'nothere']] } })).toEqual([
      'bundles/b.yaml: applications.web.num_unit: unknown key "num_unit" (accepted: charm, channel, revision, series, base, num_units, scale, to, expose, options, annotations, constraints, storage, devices, bindings, resources, plan, trust, requires)',
      'bundles/b.yaml: applications.db.num_units: must be an integer, got "two"',
      'bundles/b.yaml: applications.broken: must be a mapping, got "not a mapping"',
      'bundles/b.yaml: applications.cache.charm: must be a string, got number 5',
      'bundles/b.yaml: machines.a: machine id "a" must be a non-negative integer such as "0"',
      'bundles/b.yaml: relations[2]: must be a pair of endpoints like ["app1:endpoint", "app2"], got "web db"',
      'overlays/o.yaml: applications.web.expose: must be true or false, got "yes"',
      'bundles/b.yaml: applications.web.options.port: option "port" expects an integer, got "x"',
      'overlays/o.yaml: applications.web.bindings.nope: charm "web" has no endpoint or extra binding "nope"',
      'bundles/b.yaml: relations[0][1]: application "ghost" is not defined in the bundle',
      'bundles/b.yaml: relations[3]: application "web" has no endpoint "nope" (endpoints: cache, cluster, db, juju-info)',
      'overlays/o.yaml: relations[0][1]: application "nothere" is not defined in the bundle',
    ]);
  });
  it('include-file:// of a missing file', () => {
    expect(problems({ applications: { web: { charm: '../charms/web', num_units: 1, options: { name: 'include-file://nope.txt' } } } })).toEqual([
      `bundles/b.yaml: applications.web.options.name: include-file://nope.txt: file ${cleanupDir()}/bundles/nope.txt does not exist`,
    ]);
  });
});


describe('placement grammar', () => {
  it('parses every form', () => {
    expect(parsePlacement('0')).toEqual({ kind: 'machine', machine: '0' });
    expect(parsePlacement('lxd:12')).toEqual({ kind: 'machine', machine: '12', container: 'lxd' });
    expect(parsePlacement('new')).toEqual({ kind: 'new' });
    expect(parsePlacement('lxd')).toEqual({ kind: 'new', container: 'lxd' });
    expect(parsePlacement('lxd:new')).toEqual({ kind: 'new', container: 'lxd' });
    expect(parsePlacement('mysql/1')).toEqual({ kind: 'unit', application: 'mysql', unit: 1 });
    expect(parsePlacement('lxd:mysql')).toEqual({ kind: 'unit', application: 'mysql', container: 'lxd' });
    expect(parsePlacement(3)).toEqual({ kind: 'machine', machine: '3' });
  });
  it('rejects the rest', () => {
    expect(() => parsePlacement('')).toThrow('invalid placement "": it is empty');
    expect(() => parsePlacement('01')).toThrow('invalid placement "01": not a machine number, "new", an application or a unit');
    expect(() => parsePlacement('Mysql/0')).toThrow('not a machine number');
  });
});

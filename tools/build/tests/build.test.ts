import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { buildAll } from '../main.js';
import { withoutSeries } from '../metadata.js';
import { checkCharmDocs } from '../../../reactive/charm-meta-check.js';
import { PROJECT_ROOT, writeTinyCharm, type TinyCharm } from './support/tiny-charm.js';

let tiny: TinyCharm;
let outDir: string;
const logs: string[] = [];

beforeAll(async () => {
  tiny = writeTinyCharm();
  outDir = join(tiny.workDir, 'build');
  const result = await buildAll({ projectRoot: PROJECT_ROOT, charmsDir: tiny.charmsDir, outDir, log: (line) => logs.push(line) });
  expect(result.failed).toEqual(new Map());
}, 120_000); // bundling is seconds, but CI machines can be busy

afterAll(() => rmSync(tiny.workDir, { recursive: true, force: true }));

const RELATION_HOOKS = ['created', 'joined', 'changed', 'departed', 'broken'];

/** `unzip -Z` lines → { name: permission string }. */
function zipModes(file: string): Map<string, string> {
  const out = execFileSync('unzip', ['-Z', file], { encoding: 'utf8' });
  const modes = new Map<string, string>();
  for (const line of out.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length >= 9 && /^[-d][rwx-]{9}$/.test(fields[0] ?? '')) modes.set(fields.at(-1) ?? '', fields[0] ?? '');
  }
  return modes;
}

describe('hook and action names', () => {
  it('covers standard hooks, five hooks per endpoint (peers included) and two per storage', () => {
    const { hookNames, actionNames } = checkCharmDocs({
      metadata: { name: 'x', provides: { a: { interface: 'i' } }, requires: { b: 'i' }, peers: { c: { interface: 'p' } }, storage: { d: {} } },
      actions: { 'b-x': {}, a: null },
    }, 'x');
    expect(hookNames).toHaveLength(11 + 3 * 5 + 2);
    expect(hookNames).toContain('c-relation-created');
    expect(hookNames).toContain('d-storage-detaching');
    expect(actionNames).toEqual(['a', 'b-x']);
  });
});

describe('built charm tree', () => {
  it('has the copied files, the bundle, manifest and version, with normalised modes', () => {
    const dir = join(outDir, 'tiny');
    for (const file of ['metadata.yaml', 'config.yaml', 'actions.yaml', 'README.md', 'templates/app.conf', 'dist/charm.mjs', 'manifest.yaml', 'version']) {
      // dist/charm.mjs: src/main.ts uses top-level await, so the bundle is ESM (see the CommonJS variant below)
      expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o644);
    }
    for (const file of ['dispatch', 'bin/tiny-tool', 'templates/sub/helper.sh']) expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o755);
    expect(existsSync(join(dir, 'build.json'))).toBe(false);
    expect(existsSync(join(dir, 'src'))).toBe(false);
    expect(readFileSync(join(dir, 'bin/tiny-tool'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(readFileSync(join(dir, 'version'), 'utf8')).toMatch(/^0\.1\.0\+[0-9a-f]{12}\n$/);
    const manifest = yaml.load(readFileSync(join(dir, 'manifest.yaml'), 'utf8')) as { bases: { name: string; channel: string }[]; analysis: unknown };
    expect(manifest.bases.map((b) => `${b.name}@${b.channel}`)).toEqual(['ubuntu@24.04', 'debian@12']);
    expect(manifest.analysis).toBeDefined();
    expect(logs.some((line) => /^build: tiny: .*tiny\.charm \(\d+ entries, \d+ KiB, 33 hooks, 2 actions\) in \d+ ms$/.test(line))).toBe(true);
  });

  it('links every hook the charm can receive, and every action, to ../dispatch', () => {
    const dir = join(outDir, 'tiny');
    const expected = ['install', 'config-changed', 'start', 'stop', 'remove', 'update-status', 'upgrade-charm', 'leader-elected',
      'leader-settings-changed', 'pre-series-upgrade', 'post-series-upgrade', 'data-storage-attached', 'data-storage-detaching',
      ...['website', 'shared-db', 'ha', 'cluster'].flatMap((endpoint) => RELATION_HOOKS.map((kind) => `${endpoint}-relation-${kind}`))];
    for (const hook of expected) {
      expect(lstatSync(join(dir, 'hooks', hook)).isSymbolicLink(), hook).toBe(true);
      expect(readlinkSync(join(dir, 'hooks', hook))).toBe('../dispatch');
    }
    expect(readFileSync(join(dir, 'hooks/install'), 'utf8')).toBe(readFileSync(join(dir, 'dispatch'), 'utf8'));
    for (const action of ['pause', 'restart-services']) expect(readlinkSync(join(dir, 'actions', action))).toBe('../dispatch');
  });

  it('runs: dispatch reached through a hook link starts the bundle, which uses execa and js-yaml without node_modules', () => {
    const dir = join(outDir, 'tiny');
    const out = execFileSync(join(dir, 'hooks/shared-db-relation-changed'), [], { encoding: 'utf8', cwd: '/', env: { PATH: process.env.PATH ?? '' } });
    const report = JSON.parse(out) as Record<string, unknown>;
    expect(report).toMatchObject({
      dispatchPath: join(dir, 'hooks/shared-db-relation-changed'), sh: 'from-sh', yaml: 'a:\n  - 1\n  - 2', fqdn: true, dynamicImport: true, started: 'dist/charm.mjs',
    });
    expect(execFileSync(join(dir, 'bin/tiny-tool'), ['x', 'y'], { encoding: 'utf8' })).toBe('tool says x,y\n');
  });
});

describe('.charm zip', () => {
  it('holds every file with its unix mode; hook links are followed into executable files', () => {
    const modes = zipModes(join(outDir, 'tiny.charm'));
    expect(modes.get('dispatch')).toBe('-rwxr-xr-x');
    expect(modes.get('hooks/install')).toBe('-rwxr-xr-x');
    expect(modes.get('hooks/cluster-relation-departed')).toBe('-rwxr-xr-x');
    expect(modes.get('actions/pause')).toBe('-rwxr-xr-x');
    expect(modes.get('bin/tiny-tool')).toBe('-rwxr-xr-x');
    expect(modes.get('dist/charm.mjs')).toBe('-rw-r--r--');
    expect(modes.get('metadata.yaml')).toBe('-rw-r--r--');
    expect(modes.get('hooks/')).toBe('drwxr-xr-x');
    const names = [...modes.keys()];
    expect(names).toEqual([...names].sort());
    expect(names.filter((name) => name.startsWith('hooks/') && !name.endsWith('/'))).toHaveLength(33);
    const hook = execFileSync('unzip', ['-p', join(outDir, 'tiny.charm'), 'hooks/ha-relation-joined'], { encoding: 'utf8' });
    expect(hook).toBe(readFileSync(join(outDir, 'tiny/dispatch'), 'utf8'));
  });

  it('is byte-for-byte the same when built again, elsewhere and in another time zone', async () => {
    const first = readFileSync(join(outDir, 'tiny.charm'));
    const otherOut = join(tiny.workDir, 'build-again');
    const tz = process.env.TZ;
    process.env.TZ = 'Pacific/Kiritimati';
    try {
      await buildAll({ projectRoot: PROJECT_ROOT, charmsDir: tiny.charmsDir, outDir: otherOut, log: () => {} });
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
    expect(Buffer.compare(readFileSync(join(otherOut, 'tiny.charm')), first)).toBe(0);
    expect(readFileSync(join(otherOut, 'tiny/version'), 'utf8')).toBe(readFileSync(join(outDir, 'tiny/version'), 'utf8'));
  });
});

describe('bad charm sources are named, not half-built', () => {
  function brokenCharm(name: string, files: Record<string, string>): string {
    const dir = join(tiny.workDir, `broken-${name}`, 'charms', name);
    mkdirSync(join(dir, 'src'), { recursive: true });
    for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
    return join(tiny.workDir, `broken-${name}`);
  }

  it.each([
    ['wrongname', { 'metadata.yaml': 'name: other\n', 'src/main.ts': '' }, /'name' must be the charm folder's name 'wrongname', found "other"/],
    ['nomain', { 'metadata.yaml': 'name: nomain\n' }, /src\/main.ts is missing/],
    ['badjson', { 'metadata.yaml': 'name: badjson\n', 'src/main.ts': '', 'build.json': '{"entry": []}' }, /build.json: unknown key\(s\) entry; accepted: entries, include/],
    ['badimport', { 'metadata.yaml': 'name: badimport\n', 'src/main.ts': "import './nope.js';\n" }, /bundling .*src\/main.ts failed:\n.*src\/main.ts:1:7: Could not resolve ".\/nope.js"/],
    ['badyaml', { 'metadata.yaml': 'name: [\n', 'src/main.ts': '' }, /metadata.yaml: not valid YAML/],
    ['hookout', { 'metadata.yaml': 'name: hookout\n', 'src/main.ts': '', 'build.json': '{"entries": [{"source": "src/main.ts", "output": "hooks/x"}]}' },
      /entries\[0\]\.output must be a relative path in the built charm, outside dispatch, hooks, actions, dist, manifest.yaml, version/],
    ['nosource', { 'metadata.yaml': 'name: nosource\n', 'src/main.ts': '', 'build.json': '{"entries": [{"source": "src/none.ts", "output": "bin/x"}]}' },
      /entries\[0\]\.source must name an existing file/],
    ['badinclude', { 'metadata.yaml': 'name: badinclude\n', 'src/main.ts': '', 'build.json': '{"include": ["../etc"]}' },
      /"include" must be a list of relative paths inside the charm folder/],
    ['badaction', { 'metadata.yaml': 'name: badaction\n', 'src/main.ts': '', 'actions.yaml': 'Do_It: {}\n' },
      /actions.yaml: action name 'Do_It' must be lowercase letters, digits and single hyphens/],
    ['badendpoint', { 'metadata.yaml': 'name: badendpoint\nrequires:\n  Bad_Name: { interface: x }\n', 'src/main.ts': '' },
      /badendpoint\/metadata.yaml: requires name 'Bad_Name' must be lowercase letters, digits and single hyphens/],
  ])('%s', async (name, files, message) => {
    const root = brokenCharm(name, files);
    const result = await buildAll({ projectRoot: PROJECT_ROOT, charmsDir: join(root, 'charms'), outDir: join(root, 'build'), log: () => {} });
    expect(result.built).toEqual([]);
    expect(result.failed.get(name)).toMatch(message);
    expect(existsSync(join(root, 'build', name))).toBe(false);
    expect(existsSync(join(root, 'build', `${name}.charm`))).toBe(false);
  });

  it('rejects an unknown charm name with the list of charms', async () => {
    await expect(buildAll({ projectRoot: PROJECT_ROOT, charmsDir: tiny.charmsDir, outDir, only: ['nope'], log: () => {} }))
      .rejects.toThrow(/no charm named nope under .*; charms there: tiny/);
  });
});

describe('built metadata.yaml', () => {
  it('drops series (flow or block list), keeping every other byte and comment', () => {
    const flow = 'name: x\n# the series\nseries: [noble, jammy]\nsubordinate: true\n';
    expect(withoutSeries(flow)).toEqual({ text: 'name: x\n# the series\nsubordinate: true\n', removed: true });
    const block = 'name: x\nseries:\n  - noble\n  - jammy\n\n# endpoints\nrequires:\n  a:\n    interface: b\n';
    expect(withoutSeries(block).text).toBe('name: x\n\n# endpoints\nrequires:\n  a:\n    interface: b\n');
    const column0 = 'series:\n- noble\nname: x\n';
    expect(withoutSeries(column0).text).toBe('name: x\n');
    expect(withoutSeries('name: x\n')).toEqual({ text: 'name: x\n', removed: false });
  });
});

describe('CommonJS main bundle with a V8 code cache (src/main.ts without top-level await)', () => {
  let cjs: TinyCharm;
  let dir: string;
  beforeAll(async () => {
    cjs = writeTinyCharm({ topLevelAwait: false });
    const result = await buildAll({ projectRoot: PROJECT_ROOT, charmsDir: cjs.charmsDir, outDir: join(cjs.workDir, 'build'), log: () => {} });
    expect(result.failed).toEqual(new Map());
    expect(result.built[0]?.start).toBe('dist/start.cjs');
    dir = join(cjs.workDir, 'build/tiny');
  }, 120_000);
  afterAll(() => rmSync(cjs.workDir, { recursive: true, force: true }));

  const hook = () => JSON.parse(execFileSync(join(dir, 'hooks/install'), [], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })) as Record<string, unknown>;

  it('ships charm.cjs and its start file, and dispatch runs the start file', () => {
    expect(existsSync(join(dir, 'dist/charm.mjs'))).toBe(false);
    expect(statSync(join(dir, 'dist/charm.cjs')).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(dir, 'dispatch'), 'utf8')).toContain('exec "$NODE" "$charm_dir/dist/start.cjs" "$@"');
    expect(zipModes(join(cjs.workDir, 'build/tiny.charm')).has('dist/charm.cjs.v8cache')).toBe(false);
  });

  it('writes the code cache on the first hook, keeps it on the next, and replaces one V8 rejects', () => {
    const cache = join(dir, 'dist/charm.cjs.v8cache');
    expect(existsSync(cache)).toBe(false);
    expect(hook()).toMatchObject({ sh: 'from-sh', yaml: 'a:\n  - 1\n  - 2', dynamicImport: true, started: 'dist/start.cjs' });
    const first = statSync(cache);
    expect(first.size).toBeGreaterThan(10_000);
    expect(hook()).toMatchObject({ sh: 'from-sh' });
    const second = statSync(cache);
    expect([second.ino, second.mtimeMs]).toEqual([first.ino, first.mtimeMs]); // accepted: not rewritten
    writeFileSync(cache, 'not a code cache');
    expect(hook()).toMatchObject({ sh: 'from-sh' });
    expect(statSync(cache).size).toBeGreaterThan(10_000);
    expect(readdirSync(join(dir, 'dist')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('main bundle format', () => {
  it('falls back to ESM when a module deeper than src/main.ts needs it (import.meta), and the bundle still runs', async () => {
    const root = join(tiny.workDir, 'deep-esm');
    mkdirSync(join(root, 'charms/deep/src'), { recursive: true });
    writeFileSync(join(root, 'charms/deep/metadata.yaml'), 'name: deep\n');
    writeFileSync(join(root, 'charms/deep/src/where.ts'), 'export const where = new URL(import.meta.url).pathname;\n');
    writeFileSync(join(root, 'charms/deep/src/main.ts'), "import { where } from './where.js';\nconsole.log(where.endsWith('/dist/charm.mjs'));\n");
    const result = await buildAll({ projectRoot: PROJECT_ROOT, charmsDir: join(root, 'charms'), outDir: join(root, 'build'), log: () => {} });
    expect(result.built[0]?.start).toBe('dist/charm.mjs');
    expect(execFileSync(join(root, 'build/deep/dispatch'), [], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })).toBe('true\n');
  });
});

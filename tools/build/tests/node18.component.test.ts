import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAll } from '../main.js';
import { debianNode18, type DebianNode } from './support/debian-node18.js';
import { PROJECT_ROOT, writeTinyCharm, type TinyCharm } from './support/tiny-charm.js';

// The bundles target Node 18 because Debian 12 and Ubuntu 24.04 ship it. This runs them on Debian 12's own
// nodejs package, not on the (newer) Node that runs the tests.
const isRoot = process.getuid?.() === 0;
let node18: DebianNode;
let tiny: TinyCharm;

beforeAll(async () => {
  node18 = debianNode18((line) => console.log(line));
  tiny = writeTinyCharm();
  const result = await buildAll({ projectRoot: PROJECT_ROOT, charmsDir: tiny.charmsDir, outDir: join(tiny.workDir, 'build'), log: () => {} });
  expect(result.failed).toEqual(new Map());
});

afterAll(() => {
  if (tiny) rmSync(tiny.workDir, { recursive: true, force: true });
});

describe.runIf(isRoot)('bundles on Debian 12 node 18', () => {
  it('dispatch picks node 18 from PATH and the bundle runs: execa, js-yaml, top-level await', () => {
    const charm = join(tiny.workDir, 'build/tiny');
    const out = execFileSync(join(charm, 'hooks/update-status'), [], {
      encoding: 'utf8', cwd: charm, env: { PATH: `${node18.binDir}:/usr/sbin:/usr/bin:/sbin:/bin` },
    });
    const report = JSON.parse(out) as Record<string, unknown>;
    expect(node18.version).toMatch(/^v18\./);
    expect(report).toMatchObject({ node: node18.version.slice(1), sh: 'from-sh', yaml: 'a:\n  - 1\n  - 2', dispatchPath: join(charm, 'hooks/update-status') });
    expect(execFileSync(join(charm, 'bin/tiny-tool'), ['a', 'b'], { encoding: 'utf8', env: { PATH: `${node18.binDir}:/usr/bin:/bin` } })).toBe('tool says a,b\n');
  });

  it('a CommonJS bundle runs through its start file on node 18, writing and then reusing the V8 code cache', async () => {
    const cjs = writeTinyCharm({ topLevelAwait: false });
    try {
      const result = await buildAll({ projectRoot: PROJECT_ROOT, charmsDir: cjs.charmsDir, outDir: join(cjs.workDir, 'build'), log: () => {} });
      expect(result.built[0]?.start).toBe('dist/start.cjs');
      const charm = join(cjs.workDir, 'build/tiny');
      const run = () => JSON.parse(execFileSync(join(charm, 'hooks/start'), [], {
        encoding: 'utf8', env: { PATH: `${node18.binDir}:/usr/bin:/bin` },
      })) as Record<string, unknown>;
      expect(run()).toMatchObject({ node: node18.version.slice(1), sh: 'from-sh', dynamicImport: true, started: 'dist/start.cjs' });
      const cache = statSync(join(charm, 'dist/charm.cjs.v8cache'));
      expect(run()).toMatchObject({ node: node18.version.slice(1), sh: 'from-sh' });
      const again = statSync(join(charm, 'dist/charm.cjs.v8cache'));
      expect([again.ino, again.mtimeMs]).toEqual([cache.ino, cache.mtimeMs]); // node 18 accepted its own cache
    } finally {
      rmSync(cjs.workDir, { recursive: true, force: true });
    }
  });

  it('the framework runs whole hooks on node 18: the bench idle charm through install, config-changed, start, update-status', async () => {
    const work = mkdtempSync(join(tmpdir(), 'node18-idle-'));
    try {
      const built = await buildAll({ projectRoot: PROJECT_ROOT, charmsDir: join(PROJECT_ROOT, 'tools/bench/fixtures'), only: ['idle-charm'], outDir: join(work, 'build'), log: () => {} });
      expect(built.failed).toEqual(new Map());
      // Hook tools that answer at once and log their argv, like the bench's.
      const tools = join(work, 'tools');
      const calls = join(work, 'calls');
      mkdirSync(tools);
      const answers: Record<string, string> = {
        'is-leader': 'true', 'config-get': '{"debug":false,"region":"RegionOne","worker-multiplier":null}', 'leader-get': '{}',
        'relation-ids': '[]', 'relation-list': '[]', 'status-set': '', 'juju-log': '', 'status-get': '{"status":"unknown","message":""}',
      };
      for (const [tool, answer] of Object.entries(answers)) {
        writeFileSync(join(tools, tool), `#!/bin/sh\necho "${tool} $*" >> ${calls}\n${answer ? `echo '${answer}'\n` : ''}`);
        chmodSync(join(tools, tool), 0o755);
      }
      const charmDir = join(work, 'build/idle-charm');
      for (const hook of ['install', 'config-changed', 'start', 'update-status']) {
        const result = spawnSync(join(charmDir, 'dispatch'), [], {
          cwd: charmDir, encoding: 'utf8',
          env: { PATH: `${tools}:${node18.binDir}:/usr/bin:/bin`, JUJU_UNIT_NAME: 'idle-charm/0', JUJU_CHARM_DIR: charmDir, JUJU_MODEL_NAME: 'node18', JUJU_DISPATCH_PATH: `hooks/${hook}`, JUJU_HOOK_NAME: hook },
        });
        expect(result.stderr, hook).toBe('');
        expect(result.status, hook).toBe(0);
      }
      const log = readFileSync(calls, 'utf8');
      expect(log).toContain("status-set blocked 'shared-db' missing, 'amqp' missing, 'identity-service' missing");
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("every charm of this project that builds parses under node 18 (syntax target), extra programs included", async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'build-node18-'));
    try {
      const result = await buildAll({ projectRoot: PROJECT_ROOT, outDir, log: () => {} });
      for (const [name, why] of result.failed) console.log(`not checked (does not build yet): ${name}: ${why.split('\n')[0]}`);
      expect(result.built.length).toBeGreaterThan(0);
      for (const charm of result.built) {
        const extras = existsSync(join(charm.dir, 'bin')) ? readdirSync(join(charm.dir, 'bin')).map((file) => `bin/${file}`) : [];
        const files = [...(charm.start === 'dist/start.cjs' ? ['dist/start.cjs', 'dist/charm.cjs'] : [charm.start]), ...extras];
        for (const file of files) {
          const check = spawnSync(node18.node, ['--check', join(charm.dir, file)], { encoding: 'utf8' });
          expect(check.stderr, `${charm.name} ${file}`).toBe('');
          expect(check.status, `${charm.name} ${file}`).toBe(0);
        }
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });

  it('the check above would catch syntax node 18 lacks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'node18-syntax-'));
    try {
      const file = join(dir, 'new-syntax.mjs');
      execFileSync('sh', ['-c', `printf 'export const r = /[\\\\p{L}--[a-z]]/v;\\n' > ${file}`]);
      const check = spawnSync(node18.node, ['--check', file], { encoding: 'utf8' });
      expect(check.status).toBe(1);
      expect(check.stderr).toContain('SyntaxError');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

  it("every charm of this project that builds parses under node 18 (syntax target)", async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'build-node18-'));
    try {
      const result = await buildAll({ projectRoot: PROJECT_ROOT, outDir, log: () => {} });
      for (const [name, why] of result.failed) console.log(`not checked (does not build yet): ${name}: ${why.split('\n')[0]}`);
      expect(result.built.length).toBeGreaterThan(0);
      for (const charm of result.built) {
        const check = spawnSync(node18.node, ['--check', join(charm.dir, 'dist/charm.mjs')], { encoding: 'utf8' });
        expect(check.stderr, charm.name).toBe('');
        expect(check.status, charm.name).toBe(0);
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

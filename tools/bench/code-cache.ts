/**
 * What the V8 code cache of a CommonJS main bundle saves per hook. The bench idle charm is built twice: as it is
 * (`await runCharm(charm)` → ESM, no cache) and with `void runCharm(charm)` (→ CommonJS run through dist/start.cjs
 * with a code cache). Each does its first hooks (the first writes the cache), then idle `update-status` hooks of
 * the two alternate with `node -e 0`; hook tools are instant shell scripts. Wall medians, and the CPU time
 * (user+sys of the hook's processes), which a busy machine disturbs less.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { buildAll } from '../build/main.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);
const work = mkdtempSync(join(tmpdir(), 'bench-code-cache-'));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** The idle charm in `charmsDir/idle-charm`, with absolute framework imports and the chosen last line. */
function writeVariant(charmsDir: string, topLevelAwait: boolean): void {
  const from = join(root, 'tools/bench/fixtures/idle-charm');
  const to = join(charmsDir, 'idle-charm');
  cpSync(from, to, { recursive: true });
  const main = readFileSync(join(from, 'src/main.ts'), 'utf8')
    .replace(/'(\.\.\/)+reactive\//g, `'${root}reactive/`)
    .replace(/^await runCharm\(charm\);$/m, topLevelAwait ? 'await runCharm(charm);' : 'void runCharm(charm);');
  writeFileSync(join(to, 'src/main.ts'), main);
}

async function cpuOf(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<{ wall: number; cpu: number }> {
  // GNU time reports the children's user+sys; the wall time is ours.
  const started = performance.now();
  const result = await execa('/usr/bin/time', ['-f', '%U %S', command, ...args], { env, cwd, reject: false });
  const wall = performance.now() - started;
  const [user, sys] = (result.stderr.trim().split('\n').at(-1) ?? '0 0').split(' ').map(Number);
  return { wall, cpu: ((user ?? 0) + (sys ?? 0)) * 1000 };
}

try {
  const tools = join(work, 'tools');
  mkdirSync(tools);
  const answers: Record<string, string> = {
    'is-leader': 'true', 'config-get': '{"debug":false,"region":"RegionOne","worker-multiplier":null}', 'leader-get': '{}',
    'relation-ids': '[]', 'relation-list': '[]', 'status-set': '', 'juju-log': '',
  };
  for (const [tool, answer] of Object.entries(answers)) {
    writeFileSync(join(tools, tool), `#!/bin/sh\n${answer ? `echo '${answer}'\n` : ''}`);
    chmodSync(join(tools, tool), 0o755);
  }
  const variants: Record<string, string> = {};
  for (const [label, tla] of [['esm', true], ['cjs+cache', false]] as const) {
    const charmsDir = join(work, label, 'charms');
    writeVariant(charmsDir, tla);
    const result = await buildAll({ projectRoot: root, charmsDir, outDir: join(work, label, 'build'), log: () => undefined });
    const built = result.built[0];
    if (!built) throw new Error(`building the ${label} variant failed: ${[...result.failed.values()].join('; ')}`);
    variants[label] = built.dir;
    console.log(`  ${label.padEnd(10)} dispatch runs ${built.start}`);
  }
  const envFor = (dir: string, hook: string) => ({
    PATH: `${tools}:${process.env.PATH}`, JUJU_UNIT_NAME: 'idle-charm/0', JUJU_CHARM_DIR: dir, JUJU_MODEL_NAME: 'bench',
    JUJU_DISPATCH_PATH: `hooks/${hook}`, JUJU_HOOK_NAME: hook,
  });
  for (const dir of Object.values(variants)) {
    for (const hook of ['install', 'config-changed', 'start', 'update-status']) await execa(join(dir, 'dispatch'), [], { cwd: dir, env: envFor(dir, hook) });
  }
  const samples: Record<string, { wall: number[]; cpu: number[] }> = { 'node -e 0': { wall: [], cpu: [] } };
  for (const label of Object.keys(variants)) samples[label] = { wall: [], cpu: [] };
  for (let i = 0; i < ROUNDS; i += 1) {
    const base = await cpuOf(process.execPath, ['-e', '0'], {}, work);
    samples['node -e 0']?.wall.push(base.wall);
    samples['node -e 0']?.cpu.push(base.cpu);
    for (const [label, dir] of Object.entries(variants)) {
      const hook = await cpuOf(join(dir, 'dispatch'), [], envFor(dir, 'update-status'), dir);
      samples[label]?.wall.push(hook.wall);
      samples[label]?.cpu.push(hook.cpu);
    }
  }
  console.log(`code-cache: idle update-status of the bench idle charm, ${ROUNDS} alternating rounds, medians (${process.version})`);
  const baseWall = median(samples['node -e 0']?.wall ?? []);
  const baseCpu = median(samples['node -e 0']?.cpu ?? []);
  for (const [label, s] of Object.entries(samples)) {
    console.log(`  ${label.padEnd(10)} wall ${median(s.wall).toFixed(1).padStart(6)} ms (×${(median(s.wall) / baseWall).toFixed(2)})   cpu ${median(s.cpu).toFixed(0).padStart(4)} ms (×${(median(s.cpu) / baseCpu).toFixed(2)})`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

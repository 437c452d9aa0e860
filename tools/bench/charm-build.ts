/**
 * Charm build speed: `buildAll` of every charm in charms/ into a temporary folder, several rounds in one process
 * (esbuild's service stays warm after the first), with the bundle and zip size of each charm. The build runs
 * before every `npm test`, so it must stay a matter of seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll, type BuildAllResult } from '../build/main.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const work = mkdtempSync(join(tmpdir(), 'bench-charm-build-'));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

try {
  const times: number[] = [];
  let last: BuildAllResult | undefined;
  for (let round = 0; round < ROUNDS; round += 1) {
    const started = performance.now();
    last = await buildAll({ projectRoot: root, outDir: join(work, `round-${round}`), log: () => undefined });
    times.push(performance.now() - started);
  }
  console.log(`charm-build: buildAll of charms/ into a temporary folder, ${ROUNDS} rounds in one process`);
  console.log(`  first round          ${times[0]?.toFixed(0)} ms   (esbuild service start included)`);
  console.log(`  median               ${median(times).toFixed(0)} ms`);
  for (const charm of last?.built ?? []) {
    console.log(`  ${charm.name.padEnd(20)} ${String(charm.entries).padStart(3)} entries, .charm ${(charm.bytes / 1024).toFixed(0)} KiB, version ${charm.version}`);
  }
  for (const [name, why] of last?.failed ?? []) console.log(`  ${name.padEnd(20)} not built: ${why.split('\n')[0]}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

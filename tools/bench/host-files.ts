/**
 * The cost of LocalHost.writeFile on the idle path (content, owner, group and mode unchanged: a stat and a read,
 * nothing written) next to a changed write (temporary file, fsync, rename, fsync of the folder), for a typical
 * 4 KiB config file. An idle hook rewrites every config it manages this way, so the first figure is what
 * convergence costs per file when nothing changed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHost } from '../../reactive/host/local-host.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'bench-host-files-'));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

try {
  const host = new LocalHost({ log: () => undefined });
  const path = join(dir, 'service.conf');
  const contents = ['a', 'b'].map((letter) => `${letter}=${'x'.repeat(60)}\n`.repeat(64));
  const unchanged: number[] = [];
  const changed: number[] = [];
  await host.writeFile(path, contents[0] ?? '', { mode: 0o640 });
  for (let i = 0; i < ROUNDS; i += 1) {
    let t = performance.now();
    await host.writeFile(path, contents[i % 2] ?? '', { mode: 0o640 });
    changed.push(performance.now() - t);
    t = performance.now();
    await host.writeFile(path, contents[i % 2] ?? '', { mode: 0o640 });
    unchanged.push(performance.now() - t);
  }
  console.log(`host-files: LocalHost.writeFile of a 4 KiB file, ${ROUNDS} alternating rounds, medians, in ${tmpdir()}`);
  console.log(`  unchanged (no write) ${(median(unchanged) * 1000).toFixed(0)} µs`);
  console.log(`  changed (atomic)     ${(median(changed) * 1000).toFixed(0)} µs`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

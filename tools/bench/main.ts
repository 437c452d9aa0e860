/**
 * `npm run bench`: runs every benchmark script in tools/bench/ (or those named on the command line) one after
 * another, each in its own process so one cannot warm another's caches. Each script prints its own table;
 * ratios are measured side by side inside a script, never across scripts. Like `npm start` and `npm test`, it first
 * installs the Debian packages the chosen scripts need (tools/prereqs/packages.ts, `bench:`).
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { installHostPackages } from '../prereqs/install.js';
import { benchPackages } from '../prereqs/packages.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const wanted = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'main.ts' && !f.endsWith('.test.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(basename(f, '.ts')))
  .sort();

/** As root the missing packages are installed; otherwise they are named, and the scripts skip what needs root. */
async function installPrerequisites(benchmarks: readonly string[]): Promise<void> {
  const sets = benchPackages(benchmarks);
  if (sets.length === 0) return;
  try {
    await installHostPackages(sets, (line) => console.log(line));
  } catch (error) {
    if (process.getuid?.() === 0) {
      console.error(`npm run bench: ${(error as Error).message}\nnext: check that apt works (apt-get update), then run npm run bench again`);
      process.exit(1);
    }
    console.log(`${(error as Error).message}\n(not root: the benchmarks skip the parts that need root)`);
  }
}

await installPrerequisites(scripts.map((f) => basename(f, '.ts')));

let failed = 0;
for (const [index, script] of scripts.entries()) {
  console.log(`\n=== bench ${index + 1}/${scripts.length}: ${basename(script, '.ts')} ===`);
  const result = await execa('node', ['--import', './tools/ts-register.mjs', join('tools', 'bench', script)], {
    cwd: root,
    stdout: 'inherit',
    stderr: 'inherit',
    reject: false,
  });
  if (result.exitCode !== 0) {
    failed += 1;
    console.log(`bench ${script} failed (exit ${result.exitCode})`);
  }
}
if (scripts.length === 0) console.log(`no benchmark matched ${wanted.join(', ')}`);
process.exit(failed > 0 ? 1 : 0);

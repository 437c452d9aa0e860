/**
 * The functional suite on one model alone, then on two models at once (`functest-run-suite --parallel 2`),
 * measured side by side in this script. Opt-in (BENCH_FUNCTEST=1): it needs root and deploys real machines for
 * tens of minutes. The goal on 2 cores: two models in under 1.4x the time of one.
 *
 * BENCH_FUNCTEST_PHASES=deploy stops each model after its deploy settled. Both figures are printed either way:
 * the suite's wall time (deploy, configure, tests) and each model's deploy time, which is the CPU-bound part.
 * The machine's busy CPU-seconds are sampled along each run, so the script also prints what the deploys cost
 * together against apart, and the floor the cores put under the ratio (tools/profile/cpu-busy.ts).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { buildStandins, repoRoot } from '../../deploy/standins.js';
import { runSuite } from '../../deploy/suite.js';
import { parseTestsYaml } from '../../deploy/tests-yaml.js';
import { BusyRecorder, busyAt, parallelFloor } from '../profile/cpu-busy.js';

if (process.env.BENCH_FUNCTEST !== '1') {
  console.log('functest-parallel: skipped (set BENCH_FUNCTEST=1; needs root, built charms and ~30-60 min)');
  process.exit(0);
}
const phasesName = process.env.BENCH_FUNCTEST_PHASES ?? 'all';
if (phasesName !== 'all' && phasesName !== 'deploy') {
  console.error(`BENCH_FUNCTEST_PHASES: '${phasesName}' is not accepted: all (deploy, configure, tests) or deploy`);
  process.exit(2);
}
const phases = phasesName === 'all' ? { deploy: true, configure: true, test: true } : { deploy: true, configure: false, test: false };
await buildStandins(() => undefined);
const config = parseTestsYaml(join(repoRoot, 'tests/zaza/tests.yaml'));
const bundle = config.smoke[0]!;
const rows: { name: string; wall: number; deploys: (number | null)[]; deployCpu: number }[] = [];
for (const copies of [1, 2]) {
  const recorder = new BusyRecorder();
  const result = await runSuite({
    config, bundles: Array.from({ length: copies }, () => bundle), backend: 'juju-local', repoRoot, parallel: copies, keep: 'none',
    deployTimeoutMs: 3_600_000, phases, out: (l) => console.log(`  ${l}`),
  });
  const samples = recorder.stop();
  const deploys = result.reports.map((r) => r.deploySeconds);
  const lastSettled = Math.max(...deploys.map((d) => d ?? 0));
  rows.push({ name: `${copies} model(s)`, wall: result.wallSeconds, deploys, deployCpu: busyAt(samples, lastSettled) });
  if (!result.ok) {
    console.log(`the run with ${copies} model(s) failed; no ratio`);
    process.exit(1);
  }
}
const mean = (xs: (number | null)[]) => xs.reduce<number>((a, x) => a + (x ?? 0), 0) / xs.length;
console.log(`\nphases: ${phasesName}\n| run | wall time | each model settled after |\n|---|---|---|`);
for (const r of rows) console.log(`| ${r.name} | ${r.wall.toFixed(0)} s | ${r.deploys.map((d) => (d === null ? 'failed' : `${d.toFixed(0)} s`)).join(', ')} |`);
console.log(`ratio two/one, wall time of the ${phasesName === 'all' ? 'whole suite' : 'deploys'}: ${(rows[1]!.wall / rows[0]!.wall).toFixed(2)} (goal < 1.4)`);
console.log(`ratio two/one, deploy until settled (mean of the two): ${(mean(rows[1]!.deploys) / mean(rows[0]!.deploys)).toFixed(2)}`);
const [one, two] = [rows[0]!, rows[1]!];
const cores = availableParallelism();
const oneDeploy = one.deploys[0] ?? 0;
console.log(`machine busy until the deploys settled: one model ${one.deployCpu.toFixed(0)} CPU-s in ${oneDeploy.toFixed(0)} s (${((100 * one.deployCpu) / (cores * oneDeploy)).toFixed(0)}% of ${cores} cores); two models ${two.deployCpu.toFixed(0)} CPU-s, ${(two.deployCpu / (2 * one.deployCpu)).toFixed(2)}x two deploys apart`);
if (phasesName === 'all') {
  const floor = parallelFloor({ cores, deployCpu: one.deployCpu, deploy: oneDeploy, wall: one.wall });
  console.log(`floor on ${cores} cores for two models (both deploys' CPU spent before the second model's tests, no contention): ${floor.toFixed(2)}; measured ${(two.wall / one.wall).toFixed(2)}`);
}

/**
 * Deploy wall time of the local base + masakari overlay: one model alone, then two models at once (the suite's
 * --parallel 2), measured side by side in this script. Opt-in (BENCH_FUNCTEST=1): it needs root and deploys
 * real machines for tens of minutes. The goal on 2 cores: two models in under 1.4x the time of one.
 */
import { join } from 'node:path';
import { buildStandins, repoRoot } from '../../tests/zaza/build-standins.js';
import { runSuite } from '../../tests/zaza/runner/suite.js';
import { parseTestsYaml } from '../../tests/zaza/runner/tests-yaml.js';

if (process.env.BENCH_FUNCTEST !== '1') {
  console.log('functest-parallel: skipped (set BENCH_FUNCTEST=1; needs root, built charms and ~30-60 min)');
  process.exit(0);
}
await buildStandins(() => undefined);
const config = parseTestsYaml(join(repoRoot, 'tests/zaza/tests.yaml'));
const bundle = config.smoke[0]!;
const rows: [string, number, string][] = [];
for (const copies of [1, 2]) {
  const result = await runSuite({
    config, bundles: Array.from({ length: copies }, () => bundle), backend: 'juju-local', repoRoot, parallel: copies, keep: 'none',
    deployTimeoutMs: 3_600_000, phases: { deploy: true, configure: false, test: false }, out: (l) => console.log(`  ${l}`),
  });
  const deploys = result.reports.map((r) => (r.deploySeconds === null ? 'failed' : `${r.deploySeconds.toFixed(0)} s`)).join(', ');
  rows.push([`${copies} model(s)`, result.wallSeconds, deploys]);
  if (!result.ok) break;
}
console.log('\n| run | wall time | each model settled after |\n|---|---|---|');
for (const [name, wall, each] of rows) console.log(`| ${name} | ${wall.toFixed(0)} s | ${each} |`);
if (rows.length === 2) console.log(`ratio two/one: ${(rows[1]![1] / rows[0]![1]).toFixed(2)} (goal < 1.4)`);

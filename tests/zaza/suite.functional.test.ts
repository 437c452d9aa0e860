/**
 * The functional tier: the zaza-style suite's smoke run on the local model (real machines, real daemons; only
 * Nova and MAAS emulated). Prints the transcript: deploy time, each test, failover step times.
 * FUNCTEST_PARALLEL=2 deploys two models at once (for the parallel timing evidence).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runSuite } from '../../deploy/suite.js';
import { parseTestsYaml } from '../../deploy/tests-yaml.js';
import { buildStandins, repoRoot } from '../../deploy/standins.js';

// The whole suite deploys 19 units on 7 machines and fails over twice (20-25 minutes on 2 cores, within CI's
// 90). `npm test` runs it; FUNCTEST_SUITE=0 skips it for a quick local run.
describe.skipIf(process.env.FUNCTEST_SUITE === '0')('masakari on the local model (zaza-style suite)', () => {
  it('deploys base + masakari overlay, fences and evacuates a failed host, recovers, scales down', async () => {
    await buildStandins((l) => console.log(l));
    const config = parseTestsYaml(join(repoRoot, 'tests/zaza/tests.yaml'));
    const copies = Number(process.env.FUNCTEST_PARALLEL ?? 1);
    const result = await runSuite({
      config, bundles: Array.from({ length: copies }, () => config.smoke[0]!), backend: 'juju-local', repoRoot, parallel: copies,
      keep: process.env.FUNCTEST_KEEP === '1' ? 'faulty' : 'none', deployTimeoutMs: Number(process.env.TEST_DEPLOY_TIMEOUT ?? 1800) * 1000,
      out: (line) => console.log(line),
    });
    expect(result.reports.map((r) => r.error ?? 'ok')).toEqual(result.reports.map(() => 'ok'));
    expect(result.reports.flatMap((r) => r.outcomes.filter((o) => !o.ok).map((o) => `${o.test}: ${o.error}`))).toEqual([]);
  }, 50 * 60_000);
});

/**
 * zaza's run flow (prepare → before_deploy → deploy → wait for target states → configure → tests → destroy),
 * one model per bundle entry, named `zaza-<12 hex>`. Unlike zaza, up to `parallel` models run at once: every
 * step names its model explicitly, so nothing is shared between them.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JujuCli, type BackendName } from './driver.js';
import { type StepFunction, type SuiteContext, type TestClass, type TestOutcome, resolveDotted, runTestClass } from './context.js';
import { UnitError, waitForApplicationStates } from './model.js';
import { environmentVars, renderOverlays } from './overlays.js';
import type { BundleSpec, TestsYaml } from './tests-yaml.js';

export type KeepPolicy = 'none' | 'last' | 'all' | 'faulty';

export interface SuiteOptions {
  config: TestsYaml;
  bundles: BundleSpec[];
  backend: BackendName;
  repoRoot: string;
  parallel: number;
  keep: KeepPolicy;
  deployTimeoutMs: number;
  /** Only deploy (functest-deploy), or skip deploy and use an existing model (functest-configure/-test). */
  phases?: { deploy: boolean; configure: boolean; test: boolean };
  configureOverride?: string[];
  testsOverride?: string[];
  modelName?: string;
  out: (line: string) => void;
}

export interface ModelReport {
  model: string;
  bundle: string;
  ok: boolean;
  deploySeconds: number | null;
  outcomes: TestOutcome[];
  timings: { step: string; at: number }[];
  error?: string;
  kept: boolean;
}

export function generateModelName(): string {
  return `zaza-${randomUUID().replace(/-/g, '').slice(-12)}`;
}

function clock(): string {
  return new Date().toISOString().slice(11, 19);
}

async function runOne(opts: SuiteOptions, bundle: BundleSpec, isLast: boolean): Promise<ModelReport> {
  const model = opts.modelName ?? generateModelName();
  const phases = opts.phases ?? { deploy: true, configure: true, test: true };
  const log = (line: string) => opts.out(`${clock()} [${model}] ${line}`);
  const cli = JujuCli.create(opts.backend, opts.repoRoot, (l) => log(l));
  const ctx: SuiteContext = {
    model, alias: bundle.alias, cli, config: opts.config, vars: { ...environmentVars(), MODEL_NAME: model }, facts: {}, log,
    timings: [], cleanups: [], mark: (step) => ctx.timings.push({ step, at: Date.now() }),
  };
  const report: ModelReport = { model, bundle: bundle.name, ok: false, deploySeconds: null, outcomes: [], timings: ctx.timings, kept: false };
  const work = mkdtempSync(join(tmpdir(), `${model}-`));
  let created = false;
  try {
    if (phases.deploy) {
      log(`preparing model for bundle ${bundle.name} (backend ${opts.backend})`);
      if (!opts.modelName) {
        await cli.addModel(model);
        created = true;
      }
      for (const name of opts.config.beforeDeploy) {
        log(`before_deploy ${name}`);
        await (await resolveDotted<StepFunction>(opts.config.dir, name, 'function'))(ctx);
      }
      const rendered = renderOverlays(opts.config.dir, bundle.name, ctx.vars, work);
      const started = Date.now();
      ctx.mark('deploy.start');
      log(`deploying ${bundle.base}${[...bundle.overlays, ...rendered].map((o) => ` --overlay ${o}`).join('')}`);
      await cli.deploy(model, bundle.base, [...bundle.overlays, ...rendered]);
      await waitForApplicationStates(cli, model, opts.config.targetDeployStatus, opts.deployTimeoutMs, log);
      report.deploySeconds = (Date.now() - started) / 1000;
      ctx.mark('deploy.ready');
      log(`deployed and settled in ${report.deploySeconds.toFixed(0)} s`);
    }
    if (phases.configure) {
      for (const name of opts.configureOverride ?? opts.config.configure) {
        log(`configure ${name}`);
        await (await resolveDotted<StepFunction>(opts.config.dir, name, 'function'))(ctx);
      }
    }
    if (phases.test) {
      for (const name of opts.testsOverride ?? opts.config.tests) {
        report.outcomes.push(...(await runTestClass(await resolveDotted<TestClass>(opts.config.dir, name, 'test class'), ctx)));
      }
    }
    report.ok = report.outcomes.every((o) => o.ok);
  } catch (err) {
    report.error = (err as Error).message;
    log(`FAILED: ${report.error}`);
    try {
      const status = await cli.run(['status', '-m', model], { quiet: true });
      log(`status at failure:\n${status.stdout}`);
      // A failed hook's traceback is in the unit's log, and a CI transcript is often all there is to go on.
      for (const unit of err instanceof UnitError ? err.units : []) {
        log(`last log lines of ${unit}:\n${await cli.logTail(model, unit)}`);
      }
    } catch {
      // nothing more to report
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    const keep = opts.keep === 'all' || (opts.keep === 'last' && isLast) || (opts.keep === 'faulty' && !report.ok) || !created;
    if (keep) {
      report.kept = true;
      if (created) log(`keeping model ${model} (destroy it with: ${opts.backend} destroy-model ${model}${opts.backend === 'juju' ? ' --no-prompt' : ' -y'})`);
    } else {
      for (const cleanup of [...ctx.cleanups].reverse()) await cleanup().catch((e: Error) => log(`cleanup failed: ${e.message}`));
      log('destroying model');
      await cli.destroyModel(model).catch((e: Error) => log(`destroy failed: ${e.message}`));
    }
  }
  return report;
}

export async function runSuite(opts: SuiteOptions): Promise<{ ok: boolean; reports: ModelReport[]; wallSeconds: number }> {
  const started = Date.now();
  if (opts.bundles.length === 0) throw new Error(`${opts.config.file}: no bundles to run (give -b or add gate/smoke/dev bundles)`);
  opts.out(`${clock()} running ${opts.bundles.length} bundle(s) with up to ${opts.parallel} model(s) at once: ${opts.bundles.map((b) => b.name).join(', ')}`);
  const reports: ModelReport[] = new Array(opts.bundles.length);
  let next = 0;
  const worker = async () => {
    while (next < opts.bundles.length) {
      const i = next++;
      reports[i] = await runOne(opts, opts.bundles[i]!, i === opts.bundles.length - 1);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel, opts.bundles.length)) }, worker));
  const wallSeconds = (Date.now() - started) / 1000;
  opts.out(summary(reports, wallSeconds));
  return { ok: reports.every((r) => r.ok), reports, wallSeconds };
}

export function summary(reports: ModelReport[], wallSeconds: number): string {
  const lines = ['', '==== functest summary ===='];
  for (const r of reports) {
    const passed = r.outcomes.filter((o) => o.ok).length;
    lines.push(`${r.ok ? 'PASS' : 'FAIL'} ${r.model} bundle=${r.bundle} deploy=${r.deploySeconds === null ? '-' : `${r.deploySeconds.toFixed(0)}s`} tests=${passed}/${r.outcomes.length}${r.error ? ` error: ${r.error}` : ''}`);
    for (const o of r.outcomes.filter((x) => !x.ok)) lines.push(`  FAILED ${o.test}: ${(o.error ?? '').split('\n')[0]}`);
    const t0 = r.timings[0]?.at;
    if (t0 !== undefined && r.timings.length > 1) lines.push(`  timeline: ${r.timings.map((t) => `${t.step}=+${((t.at - t0) / 1000).toFixed(1)}s`).join(' ')}`);
  }
  lines.push(`wall time ${wallSeconds.toFixed(0)} s for ${reports.length} model(s)`);
  return lines.join('\n');
}

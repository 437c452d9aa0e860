/**
 * What before_deploy / configure functions and test classes receive: the model they work on (named explicitly,
 * so several models can run at once), the CLI, render variables, tests.yaml options and a logger.
 * Dotted names in tests.yaml resolve to TypeScript exports: `functest.setup.createSegments` is the export
 * `createSegments` of tests/zaza/functest/setup.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JujuCli } from './driver.js';
import type { TestsYaml } from './tests-yaml.js';

export interface SuiteContext {
  model: string;
  alias: string;
  cli: JujuCli;
  config: TestsYaml;
  /** Render variables (TEST_*, OS_* ... from the environment, plus what before_deploy steps add). */
  vars: Record<string, string>;
  /** Facts steps hand to later steps (e.g. the MAAS emulator's URL, timings). */
  facts: Record<string, unknown>;
  log(line: string): void;
  /** Named times in ms since the epoch; the suite prints them at the end. */
  mark(step: string): void;
  timings: { step: string; at: number }[];
  /** Run (in reverse order) before the model is destroyed: stop helpers started for it, remove their files. */
  cleanups: (() => Promise<void>)[];
}

export type StepFunction = (ctx: SuiteContext) => Promise<void>;

export interface TestClass {
  name: string;
  setUp?: StepFunction;
  tearDown?: StepFunction;
  /** Run in name order, like unittest's test_* methods. */
  tests: Record<string, StepFunction>;
}

export function defineTests(name: string, spec: Omit<TestClass, 'name'>): TestClass {
  return { name, ...spec };
}

export async function resolveDotted<T>(testDir: string, dotted: string, what: 'function' | 'test class'): Promise<T> {
  const parts = dotted.split('.');
  const exportName = parts.pop()!;
  const file = join(testDir, ...parts) + '.ts';
  if (!existsSync(file)) throw new Error(`${what} '${dotted}': no module ${file}`);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const value = mod[exportName];
  if (value === undefined) throw new Error(`${what} '${dotted}': ${file} has no export '${exportName}' (exports: ${Object.keys(mod).join(', ')})`);
  if (what === 'function' && typeof value !== 'function') throw new Error(`'${dotted}' is not a function`);
  if (what === 'test class' && (typeof value !== 'object' || value === null || !('tests' in value))) throw new Error(`'${dotted}' is not a test class (use defineTests)`);
  return value as T;
}

export interface TestOutcome {
  test: string;
  ok: boolean;
  seconds: number;
  error?: string;
}

export async function runTestClass(cls: TestClass, ctx: SuiteContext): Promise<TestOutcome[]> {
  const outcomes: TestOutcome[] = [];
  for (const name of Object.keys(cls.tests).sort()) {
    const started = Date.now();
    const id = `${cls.name}.${name}`;
    ctx.log(`test ${id} ...`);
    try {
      if (cls.setUp) await cls.setUp(ctx);
      try {
        await cls.tests[name]!(ctx);
      } finally {
        if (cls.tearDown) await cls.tearDown(ctx);
      }
      const seconds = (Date.now() - started) / 1000;
      outcomes.push({ test: id, ok: true, seconds });
      ctx.log(`test ${id} ok (${seconds.toFixed(1)} s)`);
    } catch (err) {
      const seconds = (Date.now() - started) / 1000;
      const error = (err as Error).stack ?? String(err);
      outcomes.push({ test: id, ok: false, seconds, error });
      ctx.log(`test ${id} FAILED (${seconds.toFixed(1)} s): ${(err as Error).message}`);
    }
  }
  return outcomes;
}

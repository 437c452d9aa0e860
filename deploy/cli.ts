/**
 * zaza's command line: functest-run-suite, functest-prepare, functest-deploy, functest-configure, functest-test,
 * functest-destroy, with zaza's flags, plus --parallel N and --backend juju-local|juju.
 * bin/functest-* call `cli.ts <command> ...` from the repository root; FUNCTEST_CWD is the caller's directory.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { JujuCli, type BackendName } from './driver.js';
import { runSuite, type KeepPolicy } from './suite.js';
import { bundleFromArg, parseTestsYaml, TestsYamlError } from './tests-yaml.js';
import { buildStandins, repoRoot } from './standins.js';
import { loadBundle } from './bundle-check/load.js';
import { existsSync } from 'node:fs';
import type { BundleSpec } from './tests-yaml.js';

/** Stand-ins are built here; the product charms come from `npm run build`, checked so a miss is named early. */
async function prepareCharms(bundles: BundleSpec[], out: (line: string) => void): Promise<void> {
  await buildStandins((l) => out(l));
  for (const b of bundles) {
    const merged = loadBundle(b.base, b.overlays);
    const missing = Object.entries(merged.applications).filter(([, a]) => a.local && !existsSync(a.charmRef)).map(([n, a]) => `${n} (${a.charmRef})`);
    if (missing.length > 0) throw new Error(`bundle ${b.name} needs charms that are not built: ${missing.join(', ')}; run npm run build`);
  }
}

const cwd = process.env.FUNCTEST_CWD ?? process.cwd();
const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR'];

const common = {
  log: { type: 'string', default: 'INFO' },
  'test-directory': { type: 'string' },
  backend: { type: 'string', default: process.env.FUNCTEST_BACKEND ?? 'juju-local' },
} as const;

const usage: Record<string, string> = {
  'run-suite': 'functest-run-suite [--smoke|--dev] [-b BUNDLE [BUNDLE ...]] [--keep-model|--keep-all-models|--keep-faulty-model] [--parallel N] [--backend juju-local|juju] [--log LEVEL] [--test-directory DIR]',
  prepare: 'functest-prepare -m MODEL [--backend ...]',
  deploy: 'functest-deploy -m MODEL -b BUNDLE [--no-wait] [--backend ...]',
  configure: 'functest-configure -m MODEL [-c FUNC ...] [--backend ...]',
  test: 'functest-test -m MODEL [-t CLASS ...] [--backend ...]',
  destroy: 'functest-destroy -m MODEL [--backend ...]',
};

function backendOf(value: string): BackendName {
  if (value !== 'juju-local' && value !== 'juju') throw new Error(`--backend: '${value}' is not accepted: juju-local (the local model) or juju (a real controller)`);
  return value;
}

/** zaza's -m takes `alias:model` or `model`. */
function modelArg(value: string | undefined, command: string): string {
  if (!value) throw new Error(`-m/--model is required\nusage: ${usage[command]}`);
  return value.includes(':') ? value.split(':', 2)[1]! : value;
}

/** zaza's multi-value flags (`-b a b`, `-c f g`): collect the values that follow the flag. */
function expandMulti(argv: string[], flags: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    out.push(a);
    if (!flags.includes(a)) continue;
    out.push(argv[++i] ?? '');
    while (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) out.push(a, argv[++i]!);
  }
  return out;
}

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || !(command in usage)) {
    out(`usage:\n${Object.values(usage).map((u) => `  ${u}`).join('\n')}`);
    return 2;
  }
  const { values } = parseArgs({
    args: expandMulti(rest, ['-b', '--bundle', '-c', '--configfuncs', '-t', '--tests']),
    options: {
      ...common,
      smoke: { type: 'boolean' }, dev: { type: 'boolean' },
      bundle: { type: 'string', short: 'b', multiple: true },
      model: { type: 'string', short: 'm' }, 'model-name': { type: 'string' },
      'keep-model': { type: 'boolean' }, 'keep-last-model': { type: 'boolean' }, 'keep-all-models': { type: 'boolean' }, 'keep-faulty-model': { type: 'boolean' },
      parallel: { type: 'string', default: '1' },
      force: { type: 'boolean', short: 'f' }, trust: { type: 'boolean' },
      'no-wait': { type: 'boolean' },
      configfuncs: { type: 'string', short: 'c', multiple: true },
      tests: { type: 'string', short: 't', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    out(`usage: ${usage[command]}`);
    return 0;
  }
  const level = String(values.log).toUpperCase();
  if (!LEVELS.includes(level)) throw new Error(`--log: '${values.log}' is not accepted: ${LEVELS.join(', ')}`);
  const backend = backendOf(String(values.backend));
  const testDir = resolve(cwd, values['test-directory'] ?? resolve(repoRoot, 'tests/zaza'));
  const config = parseTestsYaml(resolve(testDir, 'tests.yaml'));
  const print = level === 'ERROR' || level === 'WARNING' ? (l: string) => { if (/FAIL|ERROR|summary|PASS/.test(l)) out(l); } : out;
  if (level !== 'ERROR') for (const warning of config.warnings) out(`WARNING ${warning}`);
  const parallel = Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 8) throw new Error(`--parallel: '${values.parallel}' is not accepted: a whole number from 1 to 8`);
  const deployTimeoutMs = Number(process.env.TEST_DEPLOY_TIMEOUT ?? 3600) * 1000;
  const base = { config, backend, repoRoot, parallel, deployTimeoutMs, out: print };
  const model = values.model ?? values['model-name'];

  switch (command) {
    case 'run-suite': {
      const keepFlags = [values['keep-model'] || values['keep-last-model'], values['keep-all-models'], values['keep-faulty-model']].filter(Boolean);
      if (keepFlags.length > 1) throw new Error('--keep-model, --keep-all-models and --keep-faulty-model exclude each other');
      if (values.bundle && (values.smoke || values.dev)) throw new Error('-b/--bundle cannot be combined with --smoke or --dev');
      const keep: KeepPolicy = values['keep-all-models'] ? 'all' : values['keep-faulty-model'] ? 'faulty' : values['keep-model'] || values['keep-last-model'] ? 'last' : 'none';
      const bundles = values.bundle ? values.bundle.map((b) => bundleFromArg(b, config)) : values.smoke ? config.smoke : values.dev ? config.dev : config.gate;
      await prepareCharms(bundles, print);
      const result = await runSuite({ ...base, bundles, keep });
      return result.ok ? 0 : 1;
    }
    case 'prepare': {
      await JujuCli.create(backend, repoRoot, print).addModel(modelArg(model, command));
      return 0;
    }
    case 'destroy': {
      await JujuCli.create(backend, repoRoot, print).destroyModel(modelArg(model, command));
      return 0;
    }
    case 'deploy': {
      const name = modelArg(model, command);
      const bundle = values.bundle?.[0];
      if (!bundle) throw new Error(`-b/--bundle is required\nusage: ${usage[command]}`);
      await prepareCharms([bundleFromArg(bundle, config)], print);
      const cli = JujuCli.create(backend, repoRoot, print);
      const existing = await cli.run(['status', '-m', name, '--format', 'json'], { quiet: true });
      if (existing.code !== 0) await cli.addModel(name);
      const result = await runSuite({
        ...base, bundles: [bundleFromArg(bundle, config)], keep: 'all', modelName: name,
        phases: { deploy: true, configure: false, test: false },
        ...(values['no-wait'] ? { deployTimeoutMs: 0 } : {}),
      });
      return result.ok || (values['no-wait'] && result.reports[0]?.error?.startsWith('model') === true) ? 0 : 1;
    }
    case 'configure':
    case 'test': {
      const result = await runSuite({
        ...base, bundles: [{ alias: 'default_alias', name: 'existing', base: '', overlays: [] }], keep: 'all', modelName: modelArg(model, command),
        phases: { deploy: false, configure: command === 'configure', test: command === 'test' },
        ...(values.configfuncs ? { configureOverride: values.configfuncs } : {}),
        ...(values.tests ? { testsOverride: values.tests } : {}),
      });
      return result.ok ? 0 : 1;
    }
  }
  return 2;
}

const isMain = process.argv[1]?.endsWith('deploy/cli.ts') ?? false;
if (isMain) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }).catch((err: Error) => {
    console.error(err instanceof TestsYamlError ? err.message : `functest: ${err.message}`);
    process.exitCode = 2;
  });
}

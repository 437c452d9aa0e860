/**
 * tests.yaml in zaza's schema (charm_name, gate/smoke/dev bundles, before_deploy, configure, tests,
 * target_deploy_status, tests_options, configure_options), validated with a message that names the key. Every shape
 * zaza reads is accepted, so a charm's upstream tests.yaml loads; what this runner does not act on (multi-model
 * bundle entries, steps for other model aliases, test arguments, force_deploy and the other tests_options) comes
 * back as one warning each. Bundle entries it runs take zaza's forms `name` and `{alias: name}`. Our one extension
 * lives where zaza allows free-form data, tests_options: `bundles: {<name>: {base, overlays}}` composes a bundle
 * from the repository's base + overlay files.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import yaml from 'js-yaml';
import type { TargetStatus } from './model.js';

export interface BundleSpec {
  alias: string;
  name: string;
  base: string;
  overlays: string[];
}

export interface TestsYaml {
  file: string;
  dir: string;
  charmName: string;
  gate: BundleSpec[];
  smoke: BundleSpec[];
  dev: BundleSpec[];
  beforeDeploy: string[];
  configure: string[];
  tests: string[];
  targetDeployStatus: Record<string, TargetStatus>;
  testsOptions: Record<string, unknown>;
  /** One line per key or entry that loads but that this runner does not act on, naming the file and the path. */
  warnings: string[];
}

const bundleName = { type: 'string', minLength: 1 };
// zaza's four forms: `name`, `{alias: name}`, `{alias1: b1, alias2: b2}` (one model per alias, unordered) and
// `{env-name: [{alias: b}, ...]}` (ordered).
const bundleEntry = {
  anyOf: [
    bundleName,
    { type: 'object', minProperties: 1, additionalProperties: bundleName },
    { type: 'object', minProperties: 1, maxProperties: 1, additionalProperties: { type: 'array', items: { type: 'object', additionalProperties: bundleName } } },
  ],
};
const DOTTED = '[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+';
/** A list of dotted names, each either for the default model or in a `{model alias: [names]}` map (zaza's form). */
function stepList(name: object): object {
  return { type: 'array', items: { anyOf: [name, { type: 'object', additionalProperties: { type: 'array', items: name } }] } };
}
const funcList = stepList({ type: 'string', pattern: `^${DOTTED}$` });
// A test class may carry arguments after ';' for zaza's direct_with_args runners.
const testList = stepList({ type: 'string', pattern: `^${DOTTED}(;.*)?$` });

const schema = {
  type: 'object',
  required: ['tests'],
  additionalProperties: false,
  properties: {
    charm_name: { type: 'string' },
    gate_bundles: { type: 'array', items: bundleEntry },
    smoke_bundles: { type: 'array', items: bundleEntry },
    dev_bundles: { type: 'array', items: bundleEntry },
    before_deploy: funcList,
    configure: funcList,
    tests: testList,
    target_deploy_status: {
      type: 'object',
      additionalProperties: {
        type: 'object', additionalProperties: false,
        properties: {
          'workload-status': { enum: ['active', 'blocked', 'waiting', 'maintenance', 'unknown'] },
          'workload-status-message': { type: 'string' },
          'workload-status-message-prefix': { type: 'string' },
          'workload-status-message-regex': { type: 'string' },
          'num-expected-units': { type: 'integer', minimum: 0 },
        },
      },
    },
    tests_options: { type: 'object' },
    configure_options: { type: 'object' },
  },
};

const validate = new Ajv({ allErrors: true }).compile(schema);

export class TestsYamlError extends Error {}

const DEFAULT_ALIAS = 'default_alias';

/** tests_options keys zaza reads itself, with what this runner does instead. */
const ZAZA_TESTS_OPTIONS: Record<string, string> = {
  force_deploy: 'this runner never deploys with --force (zaza does for the bundles listed)',
  trust: 'this runner never deploys with --trust (zaza does for the bundles listed)',
  ignore_hard_deploy_errors: 'a unit in error always fails the deploy here',
  plugins: 'zaza plugins are Python; this runner loads none',
};

/** A bundle entry this runner deploys: `name` or `{alias: name}`; zaza's multi-model forms are not run. */
function singleModelEntry(entry: unknown): boolean {
  if (typeof entry === 'string') return true;
  const values = Object.values(entry as Record<string, unknown>);
  return values.length === 1 && typeof values[0] === 'string';
}

type Warn = (path: string, text: string) => void;

/** The steps for the default model; those mapped to other model aliases are named in a warning. */
function defaultSteps(items: readonly unknown[], key: string, warn: Warn, clean = (name: string, _path: string) => name): string[] {
  const out: string[] = [];
  items.forEach((item, i) => {
    if (typeof item === 'string') {
      out.push(clean(item, `${key}[${i}]`));
      return;
    }
    for (const [alias, steps] of Object.entries(item as Record<string, string[]>)) {
      if (alias === DEFAULT_ALIAS) out.push(...steps.map((step, j) => clean(step, `${key}[${i}].${alias}[${j}]`)));
      else warn(`${key}[${i}].${alias}`, `not run: steps for model alias '${alias}' (this runner runs the ${DEFAULT_ALIAS} steps on every model)`);
    }
  });
  return out;
}

/** A test class without zaza's `;arg` suffix (direct_with_args runners), which is named in a warning. */
function testClass(warn: Warn): (name: string, path: string) => string {
  return (name, path) => {
    const cut = name.indexOf(';');
    if (cut < 0) return name;
    warn(path, `arguments '${name.slice(cut + 1)}' are not passed: the class runs without them (zaza's direct_with_args runner is not supported)`);
    return name.slice(0, cut);
  };
}

/** The warnings for tests_options and configure_options keys: this runner reads only tests_options.bundles. */
function optionWarnings(d: Record<string, any>, warn: Warn): void {
  for (const key of Object.keys((d['tests_options'] ?? {}) as object)) {
    if (key === 'bundles') continue;
    warn(`tests_options.${key}`, `not acted on: ${ZAZA_TESTS_OPTIONS[key] ?? 'no test of this suite reads it'}`);
  }
  for (const key of Object.keys((d['configure_options'] ?? {}) as object)) warn(`configure_options.${key}`, 'not acted on: no configure step of this suite reads it');
}

function resolveBundle(entry: unknown, dir: string, options: Record<string, unknown>, file: string): BundleSpec {
  const [alias, name] = typeof entry === 'string' ? ['default_alias', entry] : Object.entries(entry as Record<string, string>)[0]!;
  const composed = ((options['bundles'] ?? {}) as Record<string, { base?: string; overlays?: string[] }>)[name];
  const rel = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  if (composed) {
    if (typeof composed.base !== 'string') throw new TestsYamlError(`${file}: tests_options.bundles.${name}.base must name a bundle file`);
    return { alias, name, base: rel(composed.base), overlays: (composed.overlays ?? []).map(rel) };
  }
  return { alias, name, base: join(dir, 'bundles', `${name}.yaml`), overlays: [] };
}

export function parseTestsYaml(file: string, text = readFileSync(file, 'utf8')): TestsYaml {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    throw new TestsYamlError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  if (!validate(doc)) {
    const problems = (validate.errors ?? []).map((e) => {
      const extra = e.params && 'additionalProperty' in e.params ? String(e.params.additionalProperty) : undefined;
      const hint = extra !== undefined && extra in ZAZA_TESTS_OPTIONS ? ` (zaza reads it under tests_options: tests_options.${extra})` : '';
      return `${e.instancePath || '(top)'} ${e.message}${extra !== undefined ? ` '${extra}'${hint}` : ''}`;
    });
    throw new TestsYamlError(`${file}: ${problems.join('; ')}`);
  }
  const d = doc as Record<string, any>;
  const dir = dirname(resolve(file));
  const options = (d['tests_options'] ?? {}) as Record<string, unknown>;
  const warnings: string[] = [];
  const warn: Warn = (path, text) => void warnings.push(`${file}: ${path}: ${text}`);
  const bundles = (key: string) => ((d[key] ?? []) as unknown[]).flatMap((e, i) => {
    if (singleModelEntry(e)) return [resolveBundle(e, dir, options, file)];
    warn(`${key}[${i}]`, `not run: a multi-model entry (${Object.keys(e as object).join(', ')}); this runner deploys one model per entry`);
    return [];
  });
  const targets: Record<string, TargetStatus> = {};
  for (const [app, t] of Object.entries((d['target_deploy_status'] ?? {}) as Record<string, Record<string, unknown>>)) {
    const { 'workload-status-message': legacy, ...rest } = t;
    targets[app] = { ...(legacy !== undefined ? { 'workload-status-message-prefix': String(legacy) } : {}), ...rest } as TargetStatus;
  }
  const result = {
    file, dir, charmName: d['charm_name'] ?? '', gate: bundles('gate_bundles'), smoke: bundles('smoke_bundles'), dev: bundles('dev_bundles'),
    beforeDeploy: defaultSteps(d['before_deploy'] ?? [], 'before_deploy', warn), configure: defaultSteps(d['configure'] ?? [], 'configure', warn),
    tests: defaultSteps(d['tests'], 'tests', warn, testClass(warn)), targetDeployStatus: targets, testsOptions: options,
  };
  optionWarnings(d, warn);
  return { ...result, warnings };
}

/** `-b name` or `-b alias:name`: a bundle of tests.yaml (any list), or a bundle file path. */
export function bundleFromArg(arg: string, t: TestsYaml): BundleSpec {
  const [alias, name] = arg.includes(':') && !arg.includes('/') ? (arg.split(':', 2) as [string, string]) : ['default_alias', arg];
  const known = [...t.gate, ...t.smoke, ...t.dev].find((b) => b.name === name);
  if (known) return { ...known, alias };
  if (name.endsWith('.yaml')) return { alias, name, base: resolve(name), overlays: [] };
  return resolveBundle(name, t.dir, t.testsOptions, t.file);
}

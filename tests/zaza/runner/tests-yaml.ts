/**
 * tests.yaml in zaza's schema (charm_name, gate/smoke/dev bundles, before_deploy, configure, tests,
 * target_deploy_status, tests_options), validated with a message that names the key. Bundle entries take zaza's
 * forms: `name`, `{alias: name}`. Our one extension lives where zaza allows free-form data, tests_options:
 * `bundles: {<name>: {base, overlays}}` composes a bundle from the repository's base + overlay files.
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
}

const bundleEntry = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'object', minProperties: 1, additionalProperties: { type: 'string', minLength: 1 } }] };
const funcList = { type: 'array', items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+$' } };

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
    tests: funcList,
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
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '(top)'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` '${String(e.params.additionalProperty)}'` : ''}`);
    throw new TestsYamlError(`${file}: ${problems.join('; ')}`);
  }
  const d = doc as Record<string, any>;
  const dir = dirname(resolve(file));
  const options = (d['tests_options'] ?? {}) as Record<string, unknown>;
  const bundles = (key: string) => ((d[key] ?? []) as unknown[]).map((e) => resolveBundle(e, dir, options, file));
  const targets: Record<string, TargetStatus> = {};
  for (const [app, t] of Object.entries((d['target_deploy_status'] ?? {}) as Record<string, Record<string, unknown>>)) {
    const { 'workload-status-message': legacy, ...rest } = t;
    targets[app] = { ...(legacy !== undefined ? { 'workload-status-message-prefix': String(legacy) } : {}), ...rest } as TargetStatus;
  }
  return {
    file, dir, charmName: d['charm_name'] ?? '', gate: bundles('gate_bundles'), smoke: bundles('smoke_bundles'), dev: bundles('dev_bundles'),
    beforeDeploy: d['before_deploy'] ?? [], configure: d['configure'] ?? [], tests: d['tests'], targetDeployStatus: targets, testsOptions: options,
  };
}

/** `-b name` or `-b alias:name`: a bundle of tests.yaml (any list), or a bundle file path. */
export function bundleFromArg(arg: string, t: TestsYaml): BundleSpec {
  const [alias, name] = arg.includes(':') && !arg.includes('/') ? (arg.split(':', 2) as [string, string]) : ['default_alias', arg];
  const known = [...t.gate, ...t.smoke, ...t.dev].find((b) => b.name === name);
  if (known) return { ...known, alias };
  if (name.endsWith('.yaml')) return { alias, name, base: resolve(name), overlays: [] };
  return resolveBundle(name, t.dir, t.testsOptions, t.file);
}

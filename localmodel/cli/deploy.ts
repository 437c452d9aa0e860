/** `deploy <bundle|charm dir|.charm>`: bundles are loaded and verified completely before the agent sees them. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import yaml from 'js-yaml';
import { loadBundle, checkApplicationName } from '../bundle/load.js';
import { BundleError } from '../bundle/errors.js';
import { parsePlacement, type Placement } from '../bundle/placement.js';
import { loadCharmMeta } from '../charm/metadata.js';
import { checkOptionValue, parseOptionText, type ConfigValue } from '../charm/config.js';
import type { DeployRequest } from '../agent/operations.js';
import { call } from './agent-client.js';
import { collect, liveModel, parse, UsageError, type Io } from './common.js';

function isBundle(path: string): boolean {
  return /\.ya?ml$/.test(path) && statSync(path).isFile();
}

export function bundleRequest(file: string, overlays: string[], cwd: string): DeployRequest {
  const plan = loadBundle(file, overlays, { cwd });
  return {
    applications: plan.applications.map((a) => ({
      name: a.name,
      charmDir: '',
      charmSource: a.charmPath,
      meta: a.meta,
      numUnits: a.numUnits,
      placements: [...a.placements],
      options: { ...a.options },
      expose: a.expose,
      bindings: { ...a.bindings },
    })),
    bundleMachines: plan.machines.map((m) => ({ id: m.id, ...(m.constraints ? { constraints: m.constraints } : {}) })),
    relations: plan.relations.map((r) => r.endpoints.map((e) => ({ application: e.application, endpoint: e.endpoint.name }))),
  };
}

function charmConfig(file: string | undefined, settings: string[], app: string, meta: ReturnType<typeof loadCharmMeta>, cwd: string): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  if (file) {
    const doc = yaml.load(readFileSync(resolve(cwd, file), 'utf8')) as Record<string, unknown> | null;
    const section = (doc?.[app] ?? doc) as Record<string, unknown> | null;
    for (const [k, v] of Object.entries(section ?? {})) out[k] = checkOptionValue(meta, k, v);
  }
  for (const s of settings) {
    const eq = s.indexOf('=');
    if (eq < 1) throw new UsageError(`expected --config key=value or a YAML file, got "${s}"`);
    out[s.slice(0, eq)] = parseOptionText(meta, s.slice(0, eq), s.slice(eq + 1));
  }
  return out;
}

export async function deployVerb(args: string[], io: Io): Promise<number> {
  const overlays = collect(args, ['--overlay']);
  const configs = collect(overlays.rest, ['--config']);
  const parsed = parse(configs.rest, [
    { names: ['n', 'num-units'], kind: 'value' },
    { names: ['to'], kind: 'value' },
    { names: ['dry-run'], kind: 'bool' },
    { names: ['trust'], kind: 'bool' },
    { names: ['force'], kind: 'bool' },
  ]);
  const [target, appName, ...rest] = parsed.positional;
  if (!target) throw new UsageError('no charm or bundle specified: juju-local deploy <bundle.yaml|charm dir|file.charm> [application name]');
  if (rest.length) throw new UsageError(`unrecognized args: ["${rest.join('" "')}"]`);
  const path = resolve(io.cwd, target);
  if (!existsSync(path)) throw new Error(`${target}: no such file or directory (the local model deploys local charms and bundles only)`);
  let request: DeployRequest;
  if (isBundle(path)) {
    if (parsed.flags['num-units'] || parsed.flags.to || appName) throw new UsageError('-n, --to and an application name apply to charms, not bundles');
    io.out(`Reading bundle ${target}${overlays.values.length ? ` with overlays ${overlays.values.join(', ')}` : ''}\n`);
    try {
      request = bundleRequest(path, overlays.values.map((o) => resolve(io.cwd, o)), io.cwd);
    } catch (error) {
      if (error instanceof BundleError) {
        io.err(`ERROR cannot deploy bundle: ${error.problems.length} problem(s); nothing was deployed\n`);
        for (const line of error.message.split('\n')) io.err(`  ${line}\n`);
        return 1;
      }
      throw error;
    }
  } else {
    if (overlays.values.length) throw new UsageError('--overlay applies to bundles only');
    const meta = loadCharmMeta(path);
    const name = appName ?? meta.name;
    const bad = checkApplicationName(name);
    if (bad) throw new UsageError(bad);
    const n = parsed.flags['num-units'] === undefined ? (meta.subordinate ? 0 : 1) : Number(parsed.flags['num-units']);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`-n must be a non-negative integer, got "${String(parsed.flags['num-units'])}"`);
    if (meta.subordinate && n > 0) throw new UsageError(`"${meta.name}" is a subordinate charm: deploy it without -n and relate it to a principal`);
    const placements: Placement[] = typeof parsed.flags.to === 'string' ? parsed.flags.to.split(',').map((p) => parsePlacement(p.trim())) : [];
    const files = configs.values.filter((c) => !c.includes('=') || existsSync(resolve(io.cwd, c)));
    const settings = configs.values.filter((c) => !files.includes(c));
    request = {
      applications: [{
        name,
        charmDir: '',
        charmSource: path,
        meta,
        numUnits: n,
        placements: Array.from({ length: n }, (_, i) => placements[Math.min(i, placements.length - 1)] ?? { kind: 'new' as const }),
        options: charmConfig(files[0], settings, name, meta, io.cwd),
        expose: false,
        bindings: {},
      }],
      bundleMachines: null,
      relations: [],
    };
    io.out(`Located local charm "${meta.name}" at ${target}${basename(path).endsWith('.charm') ? '' : ' (directory)'}\n`);
  }
  if (parsed.flags['dry-run']) {
    for (const a of request.applications) io.out(`- deploy application ${a.name} from ${a.charmSource} with ${a.numUnits} unit(s)\n`);
    for (const r of request.relations) io.out(`- add relation ${r.map((e) => `${e.application}:${e.endpoint}`).join(' ')}\n`);
    return 0;
  }
  const { model } = await liveModel(parsed);
  const notes = await call<string[]>(model, 'deploy', { request });
  for (const n of notes) io.out(`- ${n}\n`);
  io.out(`Deploy of ${isBundle(path) ? 'bundle' : 'charm'} to model "${model}" accepted; machines and hooks proceed in the background (juju-local wait / status)\n`);
  return 0;
}

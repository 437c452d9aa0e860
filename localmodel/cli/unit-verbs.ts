/** Verbs that act on applications and units: add/remove-unit, integrate, config, run, exec, ssh, resolved... */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { resolve } from 'node:path';
import yaml from 'js-yaml';
import { parsePlacement } from '../bundle/placement.js';
import { effectiveConfig } from '../charm/config.js';
import { readState, modelPaths } from '../model/store.js';
import { compareUnits, type ActionState, type ModelState } from '../model/state.js';
import { queueReason } from '../agent/waiting.js';
import { createBackend } from '../backend/factory.js';
import { call, agentPid } from './agent-client.js';
import { formatWait, keyValues, liveModel, modelName, parse, parseTimeout, parseWait, resolveUnit, UsageError, collect, type Io } from './common.js';
import type { ExecOutcome } from '../agent/runner.js';
import { formatStatus } from './status.js';
import { waitForModel } from './wait.js';

export async function addUnitVerb(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, [{ names: ['n', 'num-units'], kind: 'value' }, { names: ['to'], kind: 'value' }]);
  const [app] = parsed.positional;
  if (!app) throw new UsageError('no application specified');
  const { model } = await liveModel(parsed);
  const placement = typeof parsed.flags.to === 'string' ? parsePlacement(parsed.flags.to) : undefined;
  const units = await call<string[]>(model, 'add-unit', { application: app, count: Number(parsed.flags['num-units'] ?? 1), placement });
  io.out(`added ${units.join(', ')}\n`);
  return 0;
}

export async function removeUnitVerb(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, [{ names: ['force'], kind: 'bool' }, { names: ['no-wait'], kind: 'bool' }]);
  if (parsed.positional.length === 0) throw new UsageError('no units specified');
  const { model } = await liveModel(parsed);
  await call(model, 'remove-unit', { units: parsed.positional, force: parsed.flags.force === true });
  io.out(`removing ${parsed.positional.join(', ')}\n`);
  return 0;
}

export async function removeApplicationVerb(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, [{ names: ['force'], kind: 'bool' }, { names: ['no-wait'], kind: 'bool' }]);
  const [app] = parsed.positional;
  if (!app) throw new UsageError('no application specified');
  const { model } = await liveModel(parsed);
  await call(model, 'remove-application', { application: app, force: parsed.flags.force === true });
  io.out(`removing application ${app}\n`);
  return 0;
}

export async function integrateVerb(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, []);
  const [a, b, ...rest] = parsed.positional;
  if (!a || !b || rest.length) throw new UsageError('expected two endpoints: juju-local integrate <app>[:<endpoint>] <app>[:<endpoint>]');
  const { model } = await liveModel(parsed);
  const key = await call<string>(model, 'integrate', { a, b });
  io.out(`added relation ${key}\n`);
  return 0;
}

export async function removeRelationVerb(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, []);
  const [a, b] = parsed.positional;
  if (!a || !b) throw new UsageError('expected two endpoints: juju-local remove-relation <app>[:<endpoint>] <app>[:<endpoint>]');
  const { model } = await liveModel(parsed);
  io.out(`removing relation ${await call<string>(model, 'remove-relation', { a, b })}\n`);
  return 0;
}

export async function configVerb(args: string[], io: Io): Promise<number> {
  const resets = collect(args, ['--reset']);
  const parsed = parse(resets.rest, [{ names: ['format'], kind: 'value' }, { names: ['file'], kind: 'value' }]);
  const [app, ...rest] = parsed.positional;
  if (!app) throw new UsageError('no application specified');
  const model = modelName(parsed);
  const state = readState(model);
  const a = state.applications[app];
  if (!a) throw new Error(`application "${app}" not found`);
  const gets = rest.filter((r) => !r.includes('='));
  const sets = rest.filter((r) => r.includes('='));
  const reset = resets.values.flatMap((v) => v.split(','));
  if (sets.length === 0 && reset.length === 0 && !parsed.flags.file) {
    const cfg = effectiveConfig(a.meta, a.config);
    if (gets.length === 1) {
      const v = cfg[gets[0]!];
      if (!(gets[0]! in cfg)) throw new Error(`key "${gets[0]}" not found in "${app}" application config`);
      io.out(`${v ?? ''}\n`);
      return 0;
    }
    const settings = Object.fromEntries(Object.entries(a.meta.config).map(([k, o]) => [k, { description: o.description ?? '', type: o.type, source: k in a.config ? 'user' : 'default', ...(cfg[k] !== null ? { value: cfg[k] } : {}) }]));
    const doc = { application: app, charm: a.meta.name, settings };
    io.out(parsed.flags.format === 'json' ? `${JSON.stringify(doc)}\n` : yaml.dump(doc, { lineWidth: -1 }));
    return 0;
  }
  const set = keyValues(sets);
  if (typeof parsed.flags.file === 'string') {
    const doc = yaml.load(readFileSync(resolve(io.cwd, parsed.flags.file), 'utf8')) as Record<string, Record<string, unknown>>;
    for (const [k, v] of Object.entries(doc?.[app] ?? {})) set[k] ??= String(v);
  }
  await liveModel(parsed);
  await call(model, 'config', { application: app, set, reset });
  return 0;
}

export async function modelConfigVerb(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, []);
  const { model, state } = await liveModel(parsed);
  if (parsed.positional.length === 0) {
    io.out(yaml.dump(state.settings));
    return 0;
  }
  io.out(yaml.dump(await call(model, 'model-config', { set: keyValues(parsed.positional) })));
  return 0;
}

export async function statusVerb(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, [{ names: ['format'], kind: 'value' }, { names: ['watch'], kind: 'value' }]);
  const format = String(parsed.flags.format ?? 'tabular');
  if (!['tabular', 'yaml', 'json'].includes(format)) throw new UsageError(`invalid --format "${format}": tabular, yaml or json`);
  const model = modelName(parsed);
  io.out(formatStatus(readState(model), format, agentPid(model) !== undefined));
  return 0;
}

function yamlValue(text: string): unknown {
  try {
    return yaml.load(text);
  } catch {
    return text;
  }
}

function actionParams(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(keyValues(pairs))) {
    const path = k.split('.');
    let cur = out;
    for (const p of path.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
    cur[path[path.length - 1]!] = yamlValue(v);
  }
  return out;
}

export function actionDocument(a: ActionState): Record<string, unknown> {
  return {
    id: a.id,
    ...(a.log.length ? { log: a.log.map((l) => `${l.timestamp} ${l.message}`) } : {}),
    ...(a.message ? { message: a.message } : {}),
    results: a.results,
    status: a.status,
    timing: { enqueued: a.enqueued, ...(a.started ? { started: a.started } : {}), ...(a.completed ? { completed: a.completed } : {}) },
    unit: a.unit,
  };
}

/** juju 3's default --wait for `juju run` (runCommandBase: 60 s when neither --wait nor --background is given). */
export const RUN_DEFAULT_WAIT_MS = 60_000;
/** A task that waits or runs without logging is mentioned this often, so a long wait never looks like a hang. */
const SILENCE_MS = 15_000;
/** A task usually starts within this of being queued; only a longer wait is worth saying. */
const START_MS = 1_000;
/** The agent ends a task at its --wait; the CLI gives up this much later only if the agent did not (not running?). */
const AGENT_GRACE_MS = 15_000;

function isDone(a: ActionState): boolean {
  return ['completed', 'failed', 'aborted'].includes(a.status);
}

/** What a task that has not ended is doing: waiting for its turn (and on what), or running. */
function taskProgress(state: ModelState, a: ActionState): string {
  if (a.status === 'pending') return `task ${a.id} waits: ${queueReason(state, a.unit, a.id)}`;
  const since = a.started ? Math.round((Date.now() - Date.parse(a.started)) / 1000) : 0;
  return `task ${a.id} (${a.name}) running on ${a.unit} for ${since} s${a.waitMs ? ` of --wait ${formatWait(a.waitMs)}` : ''}; no progress message since the last`;
}

/**
 * Waits for the task to end. As juju does, prints to stderr the action's action-log messages as they arrive; and
 * what it waits for when that changes, or after a silence, so a wait says on what.
 */
async function followAction(model: string, id: string, unit: string, waitMs: number, io: Io): Promise<ActionState> {
  const deadline = Date.now() + waitMs + AGENT_GRACE_MS;
  let logged = 0;
  let said = '';
  let heard = Date.now();
  for (;;) {
    // The agent persists shortly after answering: an action not yet on disk is simply not done yet.
    const state = readState(model);
    const a = state.actions[id];
    if (a) {
      for (const entry of a.log.slice(logged)) io.err(`${entry.timestamp.slice(11, 19)} ${entry.message}\n`);
      if (a.log.length > logged) heard = Date.now();
      logged = a.log.length;
      if (isDone(a)) return a;
      const progress = taskProgress(state, a);
      // Waiting (once it lasts) is said as soon as its reason changes; running only after a silence.
      const waiting = a.status === 'pending' && Date.now() - Date.parse(a.enqueued) >= START_MS;
      const topic = waiting ? progress : a.status === 'pending' ? '' : 'running';
      const changed = topic !== said;
      const silent = Date.now() - heard >= SILENCE_MS;
      if ((changed && waiting) || silent) io.err(`${progress}\n`);
      if (changed || silent) {
        said = topic;
        heard = Date.now();
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for results from: unit ${unit} (task ${id} is ${a?.status ?? 'pending'} and the model agent did not end it at --wait ${formatWait(waitMs)}; see juju-local show-task ${id})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runVerb(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, [{ names: ['wait'], kind: 'value' }, { names: ['background'], kind: 'bool' }, { names: ['format'], kind: 'value' }]);
  const [given, action, ...pairs] = parsed.positional;
  if (!given || !action) throw new UsageError('expected: juju-local run <unit> <action> [key=value ...]');
  if (parsed.flags.background && parsed.flags.wait !== undefined) throw new UsageError('cannot specify both --wait and --background');
  const waitMs = parseWait(parsed.flags.wait, RUN_DEFAULT_WAIT_MS);
  const { model, state } = await liveModel(parsed);
  const unit = resolveUnit(state, given);
  // A background task has no time limit, as in juju; a waited-for one ends at --wait (the agent kills it).
  const id = await call<string>(model, 'run', { unit, action, params: actionParams(pairs), ...(parsed.flags.background ? {} : { waitMs }) });
  if (parsed.flags.background) {
    io.out(`Scheduled operation ${id} with 1 task\n  - task ${id} on ${unit}\n\nCheck the task status with: juju-local show-task ${id}\n`);
    return 0;
  }
  io.err(`Running operation ${id} with 1 task\n  - task ${id} on unit-${unit.replace('/', '-')}\n\nWaiting for task ${id}...\n`);
  const a = await followAction(model, id, unit, waitMs, io);
  const format = parsed.flags.format;
  if (format === 'json' || format === 'yaml') {
    const doc = { [unit]: actionDocument(a) };
    io.out(format === 'json' ? `${JSON.stringify(doc)}\n` : yaml.dump(doc, { lineWidth: -1 }));
  } else {
    const { stdout, stderr, 'return-code': _rc, ...results } = a.results as Record<string, unknown>;
    if (typeof stdout === 'string') io.out(stdout);
    if (typeof stderr === 'string') io.err(stderr);
    if (Object.keys(results).length) io.out(yaml.dump(results, { lineWidth: -1 }));
  }
  if (a.status !== 'completed') {
    io.err(`ERROR the following task failed:\n id "${a.id}" with return code ${String((a.results as Record<string, unknown>)['return-code'] ?? 1)}: ${a.message}\n\nuse 'juju-local show-task' to inspect the failure\n`);
    return 1;
  }
  return 0;
}

export async function showTaskVerb(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, [{ names: ['format'], kind: 'value' }]);
  const [id] = parsed.positional;
  if (!id) throw new UsageError('no task id specified');
  const a = readState(modelName(parsed)).actions[id];
  if (!a) throw new Error(`task ${id} not found`);
  io.out(parsed.flags.format === 'json' ? `${JSON.stringify(actionDocument(a))}\n` : yaml.dump(actionDocument(a), { lineWidth: -1 }));
  return 0;
}

/** juju 3's default --wait for `juju exec`. */
export const EXEC_DEFAULT_WAIT_MS = 5 * 60_000;

/** What to tell the user about a command that ran out of --wait: it was killed, or never started, and what to do. */
function execTimeoutMessage(unit: string, r: ExecOutcome, waitMs: number): string {
  const what = r.timedOut === 'queued'
    ? `it did not start within --wait ${formatWait(waitMs)}: ${r.waitedOn ?? 'its machine was busy'}`
    : `it ran past --wait ${formatWait(waitMs)} and was killed with every process it started`;
  return `ERROR timed out waiting for results from: unit ${unit}\n${what}; give it a longer --wait (e.g. --wait 30m) if it needs the time. `
    + 'Commands get no stdin: one that waits for input (a shell, a REPL) ends at once rather than hanging.\n';
}

export async function execVerb(args: string[], io: Io): Promise<number> {
  const dash = args.indexOf('--');
  const head = dash >= 0 ? args.slice(0, dash) : args;
  // --timeout is juju 2.9's name for it (juju run); juju 3 calls it --wait.
  const parsed = parse(head, [{ names: ['unit', 'u'], kind: 'value' }, { names: ['format'], kind: 'value' }, { names: ['wait', 'timeout'], kind: 'value' }]);
  const command = [...(dash >= 0 ? [] : parsed.positional), ...(dash >= 0 ? args.slice(dash + 1) : [])].join(' ');
  if (!parsed.flags.unit) throw new UsageError('--unit is required: juju-local exec --unit <unit>[,<unit>] -- <command>');
  if (!command) throw new UsageError('no command specified');
  const waitMs = parseWait(parsed.flags.wait, EXEC_DEFAULT_WAIT_MS);
  const { model, state } = await liveModel(parsed);
  const units = String(parsed.flags.unit).split(',').map((u) => resolveUnit(state, u));
  let worst = 0;
  const timeouts: string[] = [];
  const results: Record<string, unknown> = {};
  for (const unit of units) {
    // The agent ends the command at waitMs; the socket call only guards against an agent that stopped answering.
    const r = await call<ExecOutcome>(model, 'exec', { unit, command, waitMs }, undefined, waitMs + 60_000);
    worst = Math.max(worst, r.code);
    if (r.timedOut) timeouts.push(execTimeoutMessage(unit, r, waitMs));
    results[unit] = {
      results: { 'return-code': r.code, ...(r.stdout ? { stdout: r.stdout } : {}), ...(r.stderr ? { stderr: r.stderr } : {}) },
      ...(r.timedOut ? { status: 'failed', message: `timed out after ${formatWait(waitMs)} (${r.timedOut === 'queued' ? 'never started' : 'killed'})` } : {}),
    };
    if (units.length === 1 && !parsed.flags.format) {
      io.out(r.stdout);
      io.err(r.stderr);
    }
  }
  if (units.length > 1 || parsed.flags.format) io.out(parsed.flags.format === 'json' ? `${JSON.stringify(results)}\n` : yaml.dump(results, { lineWidth: -1 }));
  for (const message of timeouts) io.err(message);
  return timeouts.length > 0 ? Math.max(worst, 1) : worst;
}

export async function sshVerb(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, []);
  const [target, ...command] = parsed.positional;
  if (!target) throw new UsageError('expected a unit or machine: juju-local ssh <unit|machine> [command]');
  const model = modelName(parsed);
  const state = readState(model);
  const unitName = state.machines[target] ? target : resolveUnit(state, target);
  const machine = state.units[unitName]?.machine ?? (state.machines[target] ? target : undefined);
  if (!machine) throw new Error(`"${target}" is neither a unit nor a machine of model "${model}"`);
  const backend = createBackend(state.backend, model);
  const sh = await backend.shell(machine);
  const argv = command.length ? [...sh.args.filter((a) => a !== '-l'), '-c', command.join(' ')] : sh.args;
  const child = spawn(sh.command, argv, { stdio: 'inherit', ...(sh.cwd ? { cwd: sh.cwd } : {}) });
  void io;
  return await new Promise<number>((res) => child.on('close', (code) => res(code ?? 1)));
}

export async function resolvedVerb(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, [{ names: ['no-retry'], kind: 'bool' }, { names: ['all'], kind: 'bool' }]);
  const { model, state } = await liveModel(parsed);
  const units = parsed.flags.all ? Object.values(state.units).filter((u) => u.uniter.error).map((u) => u.name) : parsed.positional.map((u) => resolveUnit(state, u));
  if (units.length === 0) throw new UsageError('no unit specified');
  for (const unit of units) await call(model, 'resolved', { unit, retry: !parsed.flags['no-retry'] });
  void io;
  return 0;
}

export async function refreshVerb(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, [{ names: ['path'], kind: 'value' }]);
  const [app] = parsed.positional;
  if (!app) throw new UsageError('no application specified');
  const { model } = await liveModel(parsed);
  const path = typeof parsed.flags.path === 'string' ? resolve(io.cwd, parsed.flags.path) : undefined;
  const rev = await call<number>(model, 'refresh', { application: app, ...(path ? { path } : {}) });
  io.out(`Added local charm "${app}", revision ${rev}, to the model\n`);
  return 0;
}

export async function showUnitVerb(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, [{ names: ['format'], kind: 'value' }]);
  const model = modelName(parsed);
  const state = readState(model);
  const doc: Record<string, unknown> = {};
  for (const name of parsed.positional.map((n) => resolveUnit(state, n))) {
    const u = state.units[name];
    if (!u) throw new Error(`unit "${name}" not found`);
    const app = state.applications[u.application]!;
    const relationInfo = Object.values(state.relations)
      .filter((r) => r.endpoints.some((e) => e.application === u.application) && u.uniter.relations[String(r.id)])
      .sort((a, b) => a.id - b.id)
      .map((r) => {
        const mine = r.endpoints.find((e) => e.application === u.application)!;
        const other = r.endpoints.find((e) => e.application !== u.application) ?? mine;
        const local = u.uniter.relations[String(r.id)]!;
        return {
          'relation-id': r.id,
          endpoint: mine.name,
          'related-endpoint': other.name,
          'application-data': r.appSettings[other.application]?.data ?? {},
          'local-unit': { 'in-scope': r.inScope.includes(u.name), data: r.unitSettings[u.name]?.data ?? {} },
          ...(Object.keys(local.members).length
            ? { 'related-units': Object.fromEntries(Object.keys(local.members).sort(compareUnits).map((m) => [m, { 'in-scope': r.inScope.includes(m), data: r.unitSettings[m]?.data ?? {} }])) }
            : {}),
        };
      });
    doc[name] = {
      'opened-ports': u.openedPorts,
      charm: `local:${app.meta.name}-${app.charmRevision}`,
      leader: app.leader === u.name,
      life: u.life,
      ...(relationInfo.length ? { 'relation-info': relationInfo } : {}),
      ...(u.principal ? { principal: u.principal } : { machine: u.machine }),
      'public-address': state.machines[u.machine]?.address ?? '',
      ...(u.workloadVersion ? { 'workload-version': u.workloadVersion } : {}),
    };
  }
  io.out(parsed.flags.format === 'json' ? `${JSON.stringify(doc)}\n` : yaml.dump(doc, { lineWidth: -1 }));
  return 0;
}

export async function waitVerb(args: string[], io: Io): Promise<number> {
  const statuses = collect(args, ['--status']);
  const parsed = parse(statuses.rest, [{ names: ['timeout'], kind: 'value' }, { names: ['workload'], kind: 'value' }, { names: ['apps'], kind: 'value' }, { names: ['quiet', 'q'], kind: 'bool' }]);
  const model = modelName(parsed);
  const expected: Record<string, string[]> = {};
  if (typeof parsed.flags.workload === 'string') expected['*'] = parsed.flags.workload.split(',');
  for (const s of statuses.values) {
    const eq = s.indexOf('=');
    if (eq < 1) throw new UsageError(`expected --status <app>=<status>[,<status>], got "${s}"`);
    expected[s.slice(0, eq)] = s.slice(eq + 1).split(',');
  }
  await waitForModel(model, {
    timeoutMs: parseTimeout(parsed.flags.timeout, 1_800_000),
    expected,
    ...(typeof parsed.flags.apps === 'string' ? { applications: parsed.flags.apps.split(',') } : {}),
    progress: parsed.flags.quiet ? undefined : (line) => io.out(`${line}\n`),
  });
  return 0;
}

export async function debugLogVerb(args: string[], io: Io): Promise<number> {
  const includes = collect(args, ['--include']);
  const parsed = parse(includes.rest, [{ names: ['replay'], kind: 'bool' }, { names: ['n', 'lines'], kind: 'value' }, { names: ['no-tail'], kind: 'bool' }, { names: ['level', 'l'], kind: 'value' }]);
  const model = modelName(parsed);
  const file = modelPaths(model).debugLog;
  const levels = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];
  const min = levels.indexOf(String(parsed.flags.level ?? 'DEBUG').toUpperCase());
  const keep = (line: string): boolean => {
    const m = /^(\S+): \S+ (\S+) /.exec(line);
    if (!m) return line.length > 0;
    if (includes.values.length && !includes.values.some((i) => m[1] === i || m[1] === `unit-${i.replace('/', '-')}` || m[1]!.startsWith(`unit-${i}-`))) return false;
    return levels.indexOf(m[2]!) >= min;
  };
  let offset = 0;
  if (existsSync(file)) {
    const lines = readFileSync(file, 'utf8').split('\n').filter(keep);
    const n = parsed.flags.replay ? lines.length : Number(parsed.flags.lines ?? 10);
    io.out(lines.slice(-n).map((l) => `${l}\n`).join(''));
    offset = statSync(file).size;
  }
  if (parsed.flags['no-tail']) return 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    if (!existsSync(file)) return 0;
    const size = statSync(file).size;
    if (size <= offset) continue;
    const fd = openSync(file, 'r');
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    closeSync(fd);
    offset = size;
    io.out(buf.toString('utf8').split('\n').filter(keep).map((l) => `${l}\n`).join(''));
  }
}

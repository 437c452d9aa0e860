/** add-model, models, switch, destroy-model. */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBackend } from '../backend/factory.js';
import { currentModel, listModels, MODEL_NAME, modelPaths, readState, removeModelDir, setCurrentModel, withStoreLock, writeState, jujuLocalHome } from '../model/store.js';
import { newModelState, now, type ModelState } from '../model/state.js';
import { parseDuration } from '../agent/duration.js';
import { agentPid, call, ensureAgent, pidAlive } from './agent-client.js';
import { stillRunning } from '../model/processes.js';
import { collect, keyValues, modelName, parse, parseTimeout, UsageError, type Io } from './common.js';

export async function addModelVerb(args: string[], io: Io): Promise<number> {
  const configs = collect(args, ['--config']);
  const parsed = parse(configs.rest, [{ names: ['backend'], kind: 'value' }, { names: ['no-switch'], kind: 'bool' }]);
  const [name, ...rest] = parsed.positional;
  if (!name) throw new UsageError('model name required: juju-local add-model <name>');
  if (rest.length) throw new UsageError(`unrecognized args: ["${rest.join('" "')}"]`);
  if (!MODEL_NAME.test(name)) throw new UsageError(`invalid model name "${name}": lowercase letters, digits and hyphens, at most 31, starting with a letter or digit`);
  const backend = String(parsed.flags.backend ?? process.env.JUJU_LOCAL_BACKEND ?? 'nspawn');
  if (backend !== 'nspawn' && backend !== 'host') throw new UsageError(`invalid --backend "${backend}": nspawn (real containers) or host (processes on this host, for fast tests)`);
  const settings: ModelState['settings'] = { 'update-status-hook-interval': '5m', 'automatically-retry-hooks': false };
  for (const [k, v] of Object.entries(keyValues(configs.values))) {
    if (k === 'update-status-hook-interval') {
      parseDuration(v);
      settings[k] = v;
    } else if (k === 'automatically-retry-hooks') settings[k] = v === 'true';
    else throw new UsageError(`unknown model setting "${k}" (settings: update-status-hook-interval, automatically-retry-hooks)`);
  }
  await withStoreLock(() => {
    const paths = modelPaths(name);
    if (existsSync(paths.state)) throw new Error(`model "${name}" already exists`);
    mkdirSync(paths.dir, { recursive: true });
    const state = newModelState({ name, uuid: randomUUID(), backend, created: now(), settings });
    writeState(state);
    if (!parsed.flags['no-switch']) setCurrentModel(name);
  });
  const pid = await ensureAgent(name);
  io.out(`Added model "${name}" (backend ${backend}, agent pid ${pid})${parsed.flags['no-switch'] ? '' : '; it is now the current model'}\n`);
  return 0;
}

export async function modelsVerb(_args: string[], io: Io): Promise<number> {
  const current = currentModel();
  const rows = [['Model', 'Backend', 'Machines', 'Units', 'Agent']];
  for (const name of listModels()) {
    const s = readState(name);
    const pid = agentPid(name);
    rows.push([`${name}${name === current ? '*' : ''}`, s.backend, String(Object.keys(s.machines).length), String(Object.keys(s.units).length), pid ? `running (pid ${pid})` : 'stopped']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  io.out(rows.map((r) => r.map((c, i) => c.padEnd(widths[i]! + 2)).join('').trimEnd()).join('\n') + '\n');
  return 0;
}

export async function switchVerb(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, []);
  const [name] = parsed.positional;
  if (!name) throw new UsageError('model name required');
  readState(name);
  setCurrentModel(name);
  io.out(`current model: ${name}\n`);
  return 0;
}

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

export async function destroyModelVerb(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, [{ names: ['y', 'no-prompt'], kind: 'bool' }, { names: ['force'], kind: 'bool' }, { names: ['timeout'], kind: 'value' }]);
  const name = parsed.positional[0] ?? modelName(parsed);
  const state = readState(name);
  const paths = modelPaths(name);
  io.out(`Destroying model "${name}" (${Object.keys(state.machines).length} machine(s), ${Object.keys(state.units).length} unit(s))\n`);
  const pid = agentPid(name);
  let destroyedByAgent = false;
  if (pid) {
    try {
      io.out(`- asking the model agent (pid ${pid}) to stop hooks and destroy machines\n`);
      await call(name, 'destroy', {}, jujuLocalHome(), 10_000);
      const started = Date.now();
      const deadline = started + parseTimeout(parsed.flags.timeout, 600_000);
      let shown = started;
      while (pidAlive(pid) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        if (Date.now() - shown >= 15_000) {
          shown = Date.now();
          io.out(`  still destroying after ${Math.round((shown - started) / 1000)}s (machines are stopped, their files removed)\n`);
        }
      }
      destroyedByAgent = !pidAlive(pid);
    } catch (error) {
      io.err(`WARNING the agent did not take the request (${(error as Error).message}); destroying directly\n`);
    }
    if (pidAlive(pid)) {
      io.out(`- stopping the agent by its recorded pid ${pid}\n`);
      killPid(pid, 'SIGKILL');
    }
  }
  // Hook processes the agent recorded, in case it died without stopping them.
  const hookPids = join(paths.dir, 'hook.pids');
  if (existsSync(hookPids)) {
    for (const line of readFileSync(hookPids, 'utf8').split('\n')) {
      const p = stillRunning(line);
      if (!p) continue;
      killPid(-p, 'SIGKILL');
      killPid(p, 'SIGKILL');
    }
  }
  if (!destroyedByAgent) {
    io.out('- destroying machines and the model network\n');
    await createBackend(state.backend, name).destroyAll();
  }
  await withStoreLock(() => {
    removeModelDir(name);
    if (currentModel() === name) setCurrentModel(undefined);
  });
  io.out(`Model "${name}" destroyed\n`);
  return 0;
}

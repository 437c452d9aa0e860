/**
 * The model store on the host: one folder per model under the juju-local home, the current model, atomic JSON
 * writes and a lock (proper-lockfile) around every read-modify-write of the store itself.
 */
import { mkdirSync, readFileSync, writeFileSync, renameSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import type { ModelState } from './state.js';

export const MODEL_NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;

export function jujuLocalHome(): string {
  if (process.env.JUJU_LOCAL_HOME) return process.env.JUJU_LOCAL_HOME;
  return process.getuid?.() === 0 ? '/var/lib/juju-local' : join(homedir(), '.local/share/juju-local');
}

export interface ModelPaths {
  dir: string;
  state: string;
  pid: string;
  agentLog: string;
  control: string;
  /** Bind-mounted into machines: the hook-tool socket lives here. */
  run: string;
  hookSocket: string;
  /** Bind-mounted read-only into machines: the hook-tool client and its per-tool symlinks. */
  tools: string;
  charms: string;
  debugLog: string;
  hostMachines: string;
}

export function modelPaths(name: string, home = jujuLocalHome()): ModelPaths {
  const dir = join(home, 'models', name);
  return {
    dir,
    state: join(dir, 'state.json'),
    pid: join(dir, 'agent.pid'),
    agentLog: join(dir, 'agent.log'),
    control: join(dir, 'control.sock'),
    run: join(dir, 'run'),
    hookSocket: join(dir, 'run', 'hooktools.sock'),
    tools: join(dir, 'tools'),
    charms: join(dir, 'charms'),
    debugLog: join(dir, 'debug.log'),
    hostMachines: join(dir, 'machines'),
  };
}

/** Writes a file so that readers see the old or the new content, never a mix. */
export function writeFileAtomic(path: string, content: string | Buffer, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(16).slice(2)}`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

export function readState(name: string, home = jujuLocalHome()): ModelState {
  const p = modelPaths(name, home).state;
  if (!existsSync(p)) throw new Error(`model "${name}" not found (see: juju-local models)`);
  return JSON.parse(readFileSync(p, 'utf8')) as ModelState;
}

export function writeState(state: ModelState, home = jujuLocalHome()): void {
  writeFileAtomic(modelPaths(state.name, home).state, JSON.stringify(state, null, 1));
}

export function listModels(home = jujuLocalHome()): string[] {
  const dir = join(home, 'models');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => MODEL_NAME.test(n) && existsSync(join(dir, n, 'state.json')))
    .sort();
}

export function currentModel(home = jujuLocalHome()): string | undefined {
  const p = join(home, 'current-model');
  return existsSync(p) ? readFileSync(p, 'utf8').trim() || undefined : undefined;
}

export function setCurrentModel(name: string | undefined, home = jujuLocalHome()): void {
  mkdirSync(home, { recursive: true });
  writeFileAtomic(join(home, 'current-model'), name ? `${name}\n` : '');
}

/** Runs `fn` holding the store lock (one writer of the model registry at a time, across processes). */
export async function withStoreLock<T>(fn: () => Promise<T> | T, home = jujuLocalHome()): Promise<T> {
  mkdirSync(home, { recursive: true });
  const release = await lockfile.lock(home, {
    lockfilePath: join(home, '.store.lock'),
    retries: { retries: 200, minTimeout: 25, maxTimeout: 250 },
    stale: 30_000,
  });
  try {
    return await fn();
  } finally {
    await release();
  }
}

export function removeModelDir(name: string, home = jujuLocalHome()): void {
  rmSync(modelPaths(name, home).dir, { recursive: true, force: true });
}

/**
 * The per-model state file: which machines exist, their addresses, the PIDs recorded at boot and the host
 * processes started in the model network. Written atomically under a lock, so any process (a later CLI call)
 * can manage what an earlier one started.
 */
import { mkdir, readFile, readdir, rename, writeFile, open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { withHostLock } from './locks.js';
import { removeTree } from './overlay.js';
import { allocateModelIndex, defaultDomain, validateModelName } from './naming.js';
import { machinesHome, modelDir, modelStateFile } from './paths.js';
import type { ProcessRecord } from './processes.js';
import type { BindMount } from './types.js';

export interface MachineRecord {
  id: string;
  hostname: string;
  domain: string;
  hostNumber: number;
  binds: BindMount[];
  /** present while the machine is (supposed to be) on */
  nspawn?: ProcessRecord;
  init?: ProcessRecord;
}

export interface ModelProcessRecord extends ProcessRecord {
  argv: string[];
}

export interface ModelState {
  version: 1;
  model: string;
  subnetIndex: number;
  domain: string;
  machines: Record<string, MachineRecord>;
  processes: ModelProcessRecord[];
}

export async function writeFileAtomic(path: string, content: string | Buffer, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const handle = await open(temp, 'w', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

export function parseModelState(text: string, origin: string): ModelState {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${origin}: not valid JSON (${(error as Error).message}); destroy the model's directory by hand if it is beyond repair`);
  }
  const state = data as Partial<ModelState>;
  if (state.version !== 1 || typeof state.model !== 'string' || typeof state.subnetIndex !== 'number' || typeof state.machines !== 'object') {
    throw new Error(`${origin}: not a local-model machines state file (version 1 with model, subnetIndex, machines expected)`);
  }
  return { processes: [], domain: defaultDomain(state.model), ...state } as ModelState;
}

export function serializeModelState(state: ModelState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

export async function readModelState(model: string): Promise<ModelState | undefined> {
  validateModelName(model);
  const file = modelStateFile(model);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  return text === undefined ? undefined : parseModelState(text, file);
}

async function withLock<T>(path: string, action: () => Promise<T>): Promise<T> {
  await mkdir(path, { recursive: true });
  return withHostLock(path, { staleMs: 15_000, waitMs: 300_000 }, action);
}

async function allModelIndexes(): Promise<number[]> {
  const names = await readdir(machinesHome()).catch(() => [] as string[]);
  const indexes: number[] = [];
  for (const name of names) {
    const text = await readFile(modelStateFile(name), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    try {
      indexes.push(parseModelState(text, name).subnetIndex);
    } catch {
      // an unreadable state file does not hold a subnet we could honour
    }
  }
  return indexes;
}

/** Returns the model's state, creating it (with a subnet no other model uses) when it does not exist yet. */
export async function ensureModelState(model: string): Promise<ModelState> {
  validateModelName(model);
  const existing = await readModelState(model);
  if (existing) return existing;
  return withLock(machinesHome(), async () => {
    const again = await readModelState(model);
    if (again) return again;
    const state: ModelState = {
      version: 1,
      model,
      subnetIndex: allocateModelIndex(await allModelIndexes()),
      domain: defaultDomain(model),
      machines: {},
      processes: [],
    };
    await writeFileAtomic(modelStateFile(model), serializeModelState(state));
    return state;
  });
}

/** Read-modify-write of a model's state under the model's lock. */
export async function updateModelState<T>(model: string, change: (state: ModelState) => T | Promise<T>): Promise<T> {
  await ensureModelState(model);
  return withLock(modelDir(model), async () => {
    const state = await readModelState(model);
    if (!state) throw new Error(`model "${model}" disappeared while being changed`);
    const result = await change(state);
    await writeFileAtomic(modelStateFile(model), serializeModelState(state));
    return result;
  });
}

/** Runs `action` holding the model's lock, for changes outside the state file that must not race (the switch). */
export async function withModelLock<T>(model: string, action: () => Promise<T>): Promise<T> {
  await ensureModelState(model);
  return withLock(modelDir(model), action);
}

/** Serialises power operations on one machine (the agent and the MAAS emulator may both act on it). */
export async function withMachineLock<T>(model: string, id: string, action: () => Promise<T>): Promise<T> {
  // proper-lockfile tracks locks by their path, so each machine needs its own (the lock is <dir>.lock)
  return withLock(join(modelDir(model), 'machines', id), action);
}

export async function removeModelState(model: string): Promise<void> {
  validateModelName(model);
  await removeTree(modelDir(model));
  await rm(`${modelDir(model)}.lock`, { recursive: true, force: true });
}

export async function listModelNames(): Promise<string[]> {
  const names = await readdir(machinesHome()).catch(() => [] as string[]);
  const models: string[] = [];
  for (const name of names.sort()) {
    if ((await readFile(modelStateFile(name), 'utf8').catch(() => undefined)) !== undefined) models.push(name);
  }
  return models;
}

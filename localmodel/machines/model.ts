/** Model-wide operations: the network, host processes inside it, listing, and destroying everything. */
import { join } from 'node:path';
import { listMachines, powerOff } from './machines.js';
import { removeContainerLeftovers, stopContainer } from './container.js';
import { spawnHost } from './exec.js';
import { modelSubnet, switchNetnsName, validateModelName } from './naming.js';
import { ensureSwitch, modelNetnsNames, netnsPath, removeSwitch } from './network.js';
import { isMounted, unmountOverlay } from './overlay.js';
import { machineDir } from './paths.js';
import { isAlive, recordProcess, signalRecordedGroup, waitForExit } from './processes.js';
import { run } from './run.js';
import { ensureModelState, withModelLock, listModelNames, readModelState, removeModelState, updateModelState } from './state.js';
import type { ModelProcess, SpawnOptions } from './types.js';

export interface ModelNetwork {
  model: string;
  cidr: string;
  gateway: string;
  netns: string;
}

export async function createModelNetwork(model: string): Promise<ModelNetwork> {
  const state = await ensureModelState(model);
  await withModelLock(model, () => ensureSwitch(model, state.subnetIndex));
  const subnet = modelSubnet(state.subnetIndex);
  return { model, cidr: subnet.cidr, gateway: subnet.gateway, netns: switchNetnsName(model) };
}

export async function destroyModelNetwork(model: string): Promise<void> {
  const state = await readModelState(model);
  if (state && Object.keys(state.machines).length > 0) {
    throw new Error(`model "${model}" still has machines (${Object.keys(state.machines).join(', ')}); destroy them or use destroyModel`);
  }
  await stopModelProcesses(model);
  await removeSwitch(model);
}

export async function modelGatewayAddress(model: string): Promise<string> {
  return (await createModelNetwork(model)).gateway;
}

export async function listModels(): Promise<string[]> {
  return listModelNames();
}

/**
 * Starts a host process inside the model's switch namespace (emulators, test servers): it listens on the
 * gateway address where every machine can reach it. Recorded, so destroyModel stops it.
 */
export async function runInModelNetwork(model: string, argv: string[], options: SpawnOptions = {}): Promise<ModelProcess> {
  if (argv.length === 0) throw new Error('runInModelNetwork: empty command');
  const network = await createModelNetwork(model);
  const env = options.env ? { ...process.env, ...options.env } : process.env;
  const command = ['nsenter', `--net=${netnsPath(network.netns)}`, '--', ...(options.cwd ? ['env', '-C', options.cwd] : []), ...argv];
  const child = spawnHost(command, options, env);
  if (!child.pid) throw new Error(`could not start ${argv[0]} in the network of model "${model}"`);
  const pid = child.pid;
  const record = await recordProcess(pid).catch(() => undefined);
  if (record) {
    await updateModelState(model, (state) => {
      state.processes = state.processes.filter((p) => p.pid !== pid);
      state.processes.push({ ...record, argv });
    });
  }
  return { pid, child };
}

export async function stopModelProcess(model: string, pid: number, timeoutMs = 5_000): Promise<void> {
  const state = await readModelState(model);
  const record = state?.processes.find((p) => p.pid === pid);
  if (!record) throw new Error(`process ${pid} was not started in the network of model "${model}"`);
  await stopRecorded(record, timeoutMs);
  await updateModelState(model, (fresh) => {
    fresh.processes = fresh.processes.filter((p) => p.pid !== pid);
  });
}

async function stopRecorded(record: { pid: number; startTime: string }, timeoutMs: number): Promise<void> {
  if (await signalRecordedGroup(record, 'SIGTERM')) {
    if (await waitForExit(record, timeoutMs)) return;
  }
  await signalRecordedGroup(record, 'SIGKILL');
  await waitForExit(record, 5_000);
}

async function stopModelProcesses(model: string): Promise<void> {
  const state = await readModelState(model);
  for (const record of state?.processes ?? []) await stopRecorded(record, 5_000);
  if (state) {
    await updateModelState(model, (fresh) => {
      fresh.processes = [];
    });
  }
}

/**
 * Stops and removes everything the model has: machines (by their recorded PIDs), overlays, host processes,
 * namespaces and state. Each step runs even when an earlier one failed (a crashed container, a half-made
 * machine); the errors are reported together at the end.
 */
export async function destroyModel(model: string): Promise<void> {
  validateModelName(model);
  const errors: string[] = [];
  const attempt = async (what: string, action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      errors.push(`${what}: ${(error as Error).message}`);
    }
  };
  const state = await readModelState(model).catch((error: Error) => {
    errors.push(`state: ${error.message}`);
    return undefined;
  });
  // clean poweroffs in parallel, each bounded; a container that does not stop in time is killed
  const machines = state ? await listMachines(model).catch(() => []) : [];
  await Promise.all(machines.map((machine) => attempt(`machine ${machine.id}`, () => powerOff(machine, { graceful: true, timeoutMs: 10_000 }))));
  // pieces a broken state file no longer names: stop nothing by guess, but unmount and unplug what is ours
  for (const [id, record] of Object.entries(state?.machines ?? {})) {
    await attempt(`machine ${id} leftovers`, async () => {
      if (await isAlive(record.init)) await stopContainer(record.nspawn, record.init, false);
      await removeContainerLeftovers(model, id);
      const root = join(machineDir(model, id), 'root');
      if (await isMounted(root)) await unmountOverlay(root);
    });
  }
  await attempt('host processes', () => stopModelProcesses(model));
  await attempt('namespaces', async () => {
    for (const name of await modelNetnsNames(model)) {
      if (name !== switchNetnsName(model)) await run(['ip', 'netns', 'del', name]);
    }
    await removeSwitch(model);
  });
  if (errors.length === 0) await attempt('state', () => removeModelState(model));
  if (errors.length > 0) {
    throw new Error(`destroying model "${model}" left something behind:\n  ${errors.join('\n  ')}\nfix the cause and run destroy again (it is safe to repeat)`);
  }
}

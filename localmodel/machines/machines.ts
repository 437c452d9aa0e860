/** Machine lifecycle: start (create or power on), exec/spawn inside, power off/on/reset, destroy. */
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { ensureArchiveIndex } from './archive.js';
import { bootContainer, removeContainerLeftovers, stopContainer, waitForSystem } from './container.js';
import { execViaNsenter, nsenterArgv, spawnHost } from './exec.js';
import { mergeHostsFile, renderHostsBlock } from './hosts-file.js';
import { prepareImage } from './image.js';
import { preparePackageLayer } from './layers.js';
import { allocateHostNumber, machineAddress, modelSubnet, validateDomain, validateHostname, validateMachineId, validateModelName } from './naming.js';
import { ensureSwitch, plugMachine, unplugMachine } from './network.js';
import { isMounted, mountOverlay, overlayDirs, removeTree, unmountOverlay } from './overlay.js';
import { machineDir } from './paths.js';
import { ensureHostLimits } from './prerequisites.js';
import { isAlive } from './processes.js';
import { ensureModelState, readModelState, updateModelState, withMachineLock, withModelLock, writeFileAtomic, type MachineRecord, type ModelState } from './state.js';
import { noProgress, type ExecOptions, type ExecResult, type Machine, type MachineRef, type MachineSpec, type Progress, type SpawnOptions } from './types.js';

export interface StoredMachine extends MachineRecord {
  image: string;
  /** Package layers stacked over the image, topmost first (absent on machines made without). */
  layers?: string[];
}

function toMachine(state: ModelState, record: MachineRecord, running: boolean): Machine {
  const subnet = modelSubnet(state.subnetIndex);
  return {
    model: state.model,
    id: record.id,
    hostname: record.hostname,
    domain: record.domain,
    fqdn: `${record.hostname}.${record.domain}`,
    address: machineAddress(subnet, record.hostNumber),
    cidr: subnet.cidr,
    prefixLength: subnet.prefixLength,
    gateway: subnet.gateway,
    hostPid: running ? (record.nspawn?.pid ?? 0) : 0,
    initPid: running ? (record.init?.pid ?? 0) : 0,
    rootDir: join(machineDir(state.model, record.id), 'root'),
    running,
  };
}

async function recordOf(ref: MachineRef): Promise<{ state: ModelState; record: StoredMachine }> {
  validateModelName(ref.model);
  const state = await readModelState(ref.model);
  const record = state?.machines[ref.id] as StoredMachine | undefined;
  if (!state || !record) throw new Error(`no machine "${ref.id}" in model "${ref.model}" (listMachines shows what exists)`);
  return { state, record };
}

/**
 * Brings the managed block of /etc/hosts up to date in every machine whose root is mounted (a machine that is
 * off gets it when it is powered on). Call with the state read under the model's lock.
 */
export async function writeModelHosts(state: ModelState): Promise<void> {
  const subnet = modelSubnet(state.subnetIndex);
  const entries = Object.values(state.machines).map((record) => ({
    address: machineAddress(subnet, record.hostNumber),
    fqdn: `${record.hostname}.${record.domain}`,
    hostname: record.hostname,
  }));
  const block = renderHostsBlock(subnet.gateway, state.domain, entries);
  for (const record of Object.values(state.machines)) {
    const root = join(machineDir(state.model, record.id), 'root');
    if (!(await isMounted(root))) continue;
    const file = join(root, 'etc/hosts');
    const current = await readFile(file, 'utf8').catch(() => '');
    const next = mergeHostsFile(current, block);
    // the temporary file sits beside the target, so the rename stays inside the overlay
    if (next !== current) await writeFileAtomic(file, next);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Identity files that belong to the machine, written into its own layer. */
async function writeIdentity(root: string, record: MachineRecord): Promise<void> {
  await writeFile(join(root, 'etc/hostname'), `${record.hostname}\n`);
  await writeFile(join(root, 'etc/resolv.conf'), `search ${record.domain}\noptions timeout:1 attempts:1\n`);
  const machineId = join(root, 'etc/machine-id');
  const current = await readFile(machineId, 'utf8').catch(() => '');
  if (!/^[0-9a-f]{32}\s*$/.test(current)) await writeFile(machineId, `${randomBytes(16).toString('hex')}\n`);
}

export async function getMachine(ref: MachineRef): Promise<Machine | undefined> {
  const state = await readModelState(ref.model);
  const record = state?.machines[ref.id];
  if (!state || !record) return undefined;
  return toMachine(state, record, await isAlive(record.init));
}

export async function listMachines(model: string): Promise<Machine[]> {
  const state = await readModelState(model);
  if (!state) return [];
  const machines: Machine[] = [];
  for (const record of Object.values(state.machines)) machines.push(toMachine(state, record, await isAlive(record.init)));
  return machines.sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
}

export async function isRunning(ref: MachineRef): Promise<boolean> {
  const { record } = await recordOf(ref);
  return isAlive(record.init);
}

/** Creates the machine if it does not exist, boots it if it is off, and waits for its systemd. */
export async function startMachine(spec: MachineSpec, progress: Progress = noProgress): Promise<Machine> {
  validateModelName(spec.model);
  validateMachineId(spec.id);
  validateHostname(spec.hostname);
  const initial = await ensureModelState(spec.model);
  const domain = spec.domain ?? initial.domain;
  validateDomain(domain);
  const image = await prepareImage(progress);
  await ensureArchiveIndex();
  const known = (await readModelState(spec.model))?.machines[spec.id] !== undefined;
  // built outside the model's lock: it takes minutes, and other machines of the model go on meanwhile
  const layer = !known && spec.packages && spec.packages.length > 0 ? await preparePackageLayer(image, spec.packages, progress) : undefined;
  const created = await updateModelState(spec.model, async (state) => {
    const existing = state.machines[spec.id];
    if (existing && (existing.hostname !== spec.hostname || existing.domain !== domain)) {
      throw new Error(`machine ${spec.model}/${spec.id} exists as ${existing.hostname}.${existing.domain}; destroy it before reusing its id for ${spec.hostname}.${domain}`);
    }
    const clash = Object.values(state.machines).find((m) => m.id !== spec.id && m.hostname === spec.hostname && m.domain === domain);
    if (clash) throw new Error(`hostname ${spec.hostname}.${domain} is already machine ${spec.model}/${clash.id}`);
    const record: StoredMachine = (existing as StoredMachine | undefined) ?? {
      id: spec.id,
      hostname: spec.hostname,
      domain,
      hostNumber: allocateHostNumber(Object.values(state.machines).map((m) => m.hostNumber)),
      binds: spec.binds ?? [],
      image: image.dir,
      ...(layer ? { layers: [layer.dir] } : {}),
    };
    record.binds = spec.binds ?? record.binds;
    state.machines[spec.id] = record;
    await writeModelHosts(state);
    return existing === undefined;
  });
  try {
    return await powerOn(spec, progress);
  } catch (error) {
    // a machine that never came up is not left behind half-made
    if (created) await destroyMachine(spec).catch(() => undefined);
    throw error;
  }
}

export async function powerOn(ref: MachineRef, progress: Progress = noProgress): Promise<Machine> {
  validateModelName(ref.model);
  validateMachineId(ref.id);
  return withMachineLock(ref.model, ref.id, () => powerOnLocked(ref, progress));
}

/** Host limits are checked once per process, before its first boot. */
let limitsChecked: Promise<string[]> | undefined;

async function powerOnLocked(ref: MachineRef, progress: Progress): Promise<Machine> {
  const started = Date.now();
  limitsChecked ??= ensureHostLimits().then((changes) => {
    for (const change of changes) progress({ step: 'machine', detail: `raised a host limit for many machines: ${change}` });
    return changes;
  }, (error: Error) => {
    // one model's machines fit in the default limits; only many at once need more
    progress({ step: 'machine', detail: `warning: ${error.message}; about twenty machines at once may then fail to boot` });
    return [];
  });
  await limitsChecked;
  const { state, record } = await recordOf(ref);
  if (await isAlive(record.init)) return toMachine(state, record, true);
  const label = `${ref.model}/${ref.id}`;
  // a crashed earlier run may have left its pieces behind
  await stopContainer(record.nspawn, record.init, false);
  for (const lower of [record.image, ...(record.layers ?? [])]) {
    if (!(await exists(lower))) {
      throw new Error(`machine ${label} was made from ${lower}, which is gone from the cache; destroy the machine and start it again`);
    }
  }
  try {
    progress({ step: 'machine', detail: `${label}: mounting its root and plugging it into the model switch` });
    const dir = machineDir(ref.model, ref.id);
    const dirs = overlayDirs(dir, record.image, record.layers);
    await mountOverlay(dirs);
    await writeIdentity(dirs.root, record);
    await updateModelState(ref.model, (fresh) => writeModelHosts(fresh));
    await withModelLock(ref.model, () => ensureSwitch(ref.model, state.subnetIndex));
    const netnsPath = await plugMachine(ref.model, ref.id, state.subnetIndex, record.hostNumber);
    progress({ step: 'machine', detail: `${label}: booting systemd (${record.hostname}.${record.domain}, ${machineAddress(modelSubnet(state.subnetIndex), record.hostNumber)})` });
    const booted = await bootContainer({ model: ref.model, id: ref.id, hostname: record.hostname, rootDir: dirs.root, netnsPath, binds: record.binds });
    await updateModelState(ref.model, (fresh) => {
      const current = fresh.machines[ref.id];
      if (current) Object.assign(current, booted);
    });
    const status = await waitForSystem(ref.model, ref.id, booted.init, progress);
    progress({ step: 'machine', detail: `${label}: ${status} after ${((Date.now() - started) / 1000).toFixed(1)} s` });
  } catch (error) {
    // leave the machine cleanly off rather than half up; the next powerOn starts from scratch
    await powerOffLocked(ref, { graceful: false }).catch(() => undefined);
    throw error;
  }
  const after = await recordOf(ref);
  return toMachine(after.state, after.record, true);
}

export async function powerOff(ref: MachineRef, options: { graceful?: boolean; timeoutMs?: number } = {}): Promise<void> {
  validateModelName(ref.model);
  validateMachineId(ref.id);
  await withMachineLock(ref.model, ref.id, () => powerOffLocked(ref, options));
}

async function powerOffLocked(ref: MachineRef, options: { graceful?: boolean; timeoutMs?: number }): Promise<void> {
  const { record } = await recordOf(ref);
  await stopContainer(record.nspawn, record.init, options.graceful ?? false, options.timeoutMs);
  await unplugMachine(ref.model, ref.id, record.hostNumber);
  await unmountOverlay(join(machineDir(ref.model, ref.id), 'root'));
  await removeContainerLeftovers(ref.model, ref.id);
  await updateModelState(ref.model, (state) => {
    const current = state.machines[ref.id];
    if (current) {
      delete current.nspawn;
      delete current.init;
    }
  });
}

export async function reset(ref: MachineRef, progress: Progress = noProgress): Promise<Machine> {
  await powerOff(ref, { graceful: false });
  return powerOn(ref, progress);
}

/** Clean poweroff (SIGTERM to nspawn) bounded by a short timeout, then everything of the machine is removed. */
export async function destroyMachine(ref: MachineRef, options: { timeoutMs?: number } = {}): Promise<void> {
  await powerOff(ref, { graceful: true, timeoutMs: options.timeoutMs ?? 10_000 });
  await removeTree(machineDir(ref.model, ref.id));
  await updateModelState(ref.model, async (state) => {
    delete state.machines[ref.id];
    await writeModelHosts(state);
  });
}

async function runningInit(ref: MachineRef): Promise<number> {
  const { record } = await recordOf(ref);
  if (!record.init || !(await isAlive(record.init))) throw new Error(`machine ${ref.model}/${ref.id} is not running; power it on first`);
  return record.init.pid;
}

export async function execInMachine(ref: MachineRef, argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
  return execViaNsenter(await runningInit(ref), argv, options);
}

export async function spawnInMachine(ref: MachineRef, argv: string[], options: SpawnOptions = {}): Promise<ChildProcess> {
  const init = await runningInit(ref);
  return spawnHost(nsenterArgv(init, argv, options.env, options.cwd), options);
}

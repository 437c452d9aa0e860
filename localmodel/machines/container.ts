/**
 * Booting and stopping one machine's container: systemd-nspawn --boot on the mounted overlay, in the
 * machine's network namespace. The nspawn process and the container's init are recorded by PID (with start
 * time); stopping uses only those records: SIGTERM to nspawn for a clean poweroff, SIGKILL to the container's
 * init (which ends its whole PID namespace) when that does not finish in time or a hard stop is asked for.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { archiveDir, archiveMountPoint, machineLogFile } from './paths.js';
import { descendants, innermostPid, isAlive, recordProcess, signalRecorded, sleep, waitForExit, type ProcessRecord } from './processes.js';
import { execViaNsenter, spawnHost } from './exec.js';
import { isMounted } from './overlay.js';
import type { BindMount, Progress } from './types.js';

/** nspawn keys its propagation directory by machine name, so the name must be unique on the host. */
export function containerName(model: string, id: string): string {
  return `lm-${createHash('sha256').update(`${model}/${id}`).digest('hex').slice(0, 16)}`;
}

export interface BootRequest {
  model: string;
  id: string;
  hostname: string;
  rootDir: string;
  netnsPath: string;
  binds: BindMount[];
}

export function nspawnArgv(request: BootRequest): string[] {
  const binds = request.binds.map((bind) => {
    if (bind.host.includes(':') || bind.machine.includes(':')) throw new Error(`bind mount "${bind.host}" → "${bind.machine}": paths may not contain ":"`);
    if (!bind.machine.startsWith('/')) throw new Error(`bind mount target "${bind.machine}" must be an absolute path inside the machine`);
    return `--bind${bind.readOnly ? '-ro' : ''}=${bind.host}:${bind.machine}`;
  });
  return [
    'systemd-nspawn', '--quiet', '--boot',
    // no machined or D-Bus on the host, and no systemd scope to create
    '--register=no', '--keep-unit',
    `--directory=${request.rootDir}`, `--machine=${containerName(request.model, request.id)}`, `--hostname=${request.hostname}`,
    `--network-namespace-path=${request.netnsPath}`,
    // nspawn keeps CAP_NET_ADMIN only for networks it creates itself; machines need it for addresses they manage
    // (pacemaker's IPaddr2 VIP), inside their own namespace only.
    '--capability=CAP_NET_ADMIN',
    '--console=passive', '--resolv-conf=off', '--timezone=off', '--link-journal=no',
    `--bind-ro=${archiveDir()}:${archiveMountPoint}`,
    ...binds,
  ];
}

async function tail(file: string, lines = 20): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

export interface Booted {
  nspawn: ProcessRecord;
  init: ProcessRecord;
}

/** Starts nspawn detached (it outlives this process) and returns once the container's init exists. */
export async function bootContainer(request: BootRequest): Promise<Booted> {
  for (const bind of request.binds) {
    await stat(bind.host).catch(() => {
      throw new Error(`bind mount source "${bind.host}" does not exist on the host`);
    });
  }
  const log = machineLogFile(request.model, request.id);
  const child = spawnHost(nspawnArgv(request), { logFile: log, detached: true });
  const pid = child.pid;
  if (!pid) throw new Error(`systemd-nspawn did not start for machine ${request.model}/${request.id}; is systemd-container installed?`);
  const nspawn = await recordProcess(pid);
  // a loaded host (twenty machines booting at once on two cores) can take most of a minute
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (!(await isAlive(nspawn))) throw new Error(`systemd-nspawn exited while booting ${request.model}/${request.id}; its log (${log}):\n${await tail(log)}`);
    for (const candidate of await descendants(pid)) {
      if ((await innermostPid(candidate)) === 1) return { nspawn, init: await recordProcess(candidate) };
    }
    await sleep(20);
  }
  await stopContainer(nspawn, undefined, false);
  throw new Error(`the container of ${request.model}/${request.id} has no init after 90 s (stopped it); log (${log}):\n${await tail(log)}`);
}

/**
 * Waits until the machine's systemd has reached basic.target (file systems, sockets and D-Bus up), as a cloud
 * machine's agent starts then, beside the services the image enables rather than after them: a slow service
 * (RabbitMQ takes most of a minute on a loaded 2-core host) does not hold up the machine's first hook, and
 * charms start or wait for their services themselves. Returns what systemd says of the whole boot at that point.
 */
export async function waitForSystem(model: string, id: string, init: ProcessRecord, progress: Progress, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!(await isAlive(init))) throw new Error(`machine ${model}/${id} stopped while booting; log (${machineLogFile(model, id)}):\n${await tail(machineLogFile(model, id))}`);
    const basic = await execViaNsenter(init.pid, ['systemctl', 'is-active', 'basic.target'], { timeoutMs: 10_000 });
    last = basic.stdout.trim() || basic.stderr.trim();
    if (basic.exitCode === 0) {
      const system = await execViaNsenter(init.pid, ['systemctl', 'is-system-running'], { timeoutMs: 10_000 });
      const state = system.stdout.trim() || 'unknown';
      if (state === 'degraded') {
        const failed = await execViaNsenter(init.pid, ['systemctl', '--failed', '--plain', '--no-legend', '--no-pager'], { timeoutMs: 10_000 });
        progress({ step: 'machine', detail: `${model}/${id} is up but degraded; failed units: ${failed.stdout.trim().split('\n').map((l) => l.split(' ')[0]).join(', ')}` });
      }
      return state;
    }
    await sleep(100);
  }
  throw new Error(`machine ${model}/${id} did not reach basic.target within ${timeoutMs / 1000} s (systemd says "${last}"); log: ${machineLogFile(model, id)}`);
}

/**
 * Stops a container by its records. Graceful: SIGTERM to nspawn, which asks the container's systemd to power
 * off. Hard (or when graceful takes too long): SIGKILL to the container's init, ending its PID namespace.
 */
export async function stopContainer(nspawn: ProcessRecord | undefined, init: ProcessRecord | undefined, graceful: boolean, timeoutMs = 20_000): Promise<void> {
  if (graceful && (await signalRecorded(nspawn, 'SIGTERM'))) {
    if (await waitForExit(nspawn, timeoutMs)) return;
  }
  await signalRecorded(init, 'SIGKILL');
  if (init && !(await waitForExit(init, 10_000))) throw new Error(`the container init (pid ${init?.pid}) survived SIGKILL for 10 s`);
  if (!(await waitForExit(nspawn, 5_000))) {
    await signalRecorded(nspawn, 'SIGKILL');
    await waitForExit(nspawn, 5_000);
  }
}

/** nspawn leaves its propagation directory behind when /run is not its own tmpfs. */
export async function removeContainerLeftovers(model: string, id: string): Promise<void> {
  const dir = `/run/systemd/nspawn/propagate/${containerName(model, id)}`;
  if (!(await isMounted(dir))) await rm(dir, { recursive: true, force: true });
}

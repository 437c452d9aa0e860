/**
 * Processes of a lab node: its PID 1 (network namespace from network.ts plus its own mount, UTS and PID
 * namespaces, with private bind mounts), commands entered with nsenter, and long-running daemons. A daemon's parent
 * is the host-side nsenter that started it, so the lab can stop it by PID and learns at once when it dies;
 * killing a node's PID 1 ends every process of the node (the PID namespace goes with it).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A daemon started in a node. */
export interface NodeDaemon {
  readonly node: string;
  readonly name: string;
  /** Host PID of the nsenter wrapper; the daemon is its only child. */
  readonly wrapperPid: number;
  /** stdout and stderr of the daemon, in the node's folder on the host. */
  readonly logFile: string;
}

export interface BootSpec {
  readonly node: string;
  readonly netns: string;
  /** The node's folder on the host: `${root}${dir}` is what the node sees at `dir`. */
  readonly root: string;
  readonly privateDirs: readonly string[];
  /** Directories created on the node's fresh /run at every boot → "user:group". */
  readonly runDirs: Readonly<Record<string, string>>;
}

// `unshare --fork` ignores SIGTERM, and a shell as PID 1 only dies of SIGKILL: the lab kills nodes with SIGKILL.
const INIT = `set -e
hostname "$LAB_NODE"
for d in $LAB_DIRS; do mount --bind "$LAB_ROOT$d" "$d"; done
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/crm /run/lock
chown hacluster:haclient /run/crm
for spec in $LAB_RUN_DIRS; do mkdir -p "\${spec%%=*}"; chown "\${spec#*=}" "\${spec%%=*}"; done
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ip link set lo up
touch "$LAB_ROOT/ready"
trap 'exit 0' TERM
while :; do sleep 1 & wait $! || true; done
`;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Polls `probe` until it returns a truthy value; the error names `what` and the time waited. */
/**
 * Waits until `probe` has held on every poll for `holdMs` in a row. A cluster that has just reached a state can leave
 * it again a second later (a member rejoining moves remote connections), so a test that starts from "idle with every
 * remote online" needs that state to last, not to be seen once.
 */
export async function waitSteady(what: string, probe: () => Promise<boolean>, holdMs: number, timeoutMs = 180_000, intervalMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let since: number | null = null;
  for (;;) {
    const ok = await probe().catch(() => false);
    const t = Date.now();
    if (!ok) since = null;
    else if (since === null) since = t;
    else if (t - since >= holdMs) return;
    if (t > deadline) throw new Error(`lab: timed out after ${timeoutMs / 1000}s waiting for ${what} to hold for ${holdMs / 1000}s`);
    await sleep(intervalMs);
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`lab: timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Starts a node's PID 1 and returns its host PID once the private mounts are in place. */
export async function bootNode(spec: BootSpec): Promise<number> {
  const ready = join(spec.root, 'ready');
  rmSync(ready, { force: true });
  const child = spawn('ip', ['netns', 'exec', spec.netns, 'unshare', '--mount', '--uts', '--pid', '--fork', '--mount-proc', '--kill-child', 'sh', '-c', INIT], {
    detached: true, stdio: 'ignore',
    env: {
      ...process.env, LAB_NODE: spec.node, LAB_ROOT: spec.root, LAB_DIRS: spec.privateDirs.join(' '),
      LAB_RUN_DIRS: Object.entries(spec.runDirs).map(([dir, owner]) => `${dir}=${owner}`).join(' '),
    },
  });
  child.unref();
  const unshare = child.pid as number;
  return waitFor(`node ${spec.node} to boot (see ${spec.root})`, async () => (existsSync(ready) ? childrenOf(unshare)[0] : null), 10_000, 50);
}

function enter(initPid: number): string[] {
  return ['nsenter', '-t', String(initPid), '-n', '-m', '-u', '-p', '--'];
}

export interface ExecOptions {
  readonly input?: string;
  readonly timeoutMs?: number;
  /** Added to the environment the program inherits from the test process. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory inside the node. */
  readonly cwd?: string;
}

/** Runs a program inside a node; never throws on exit codes. */
export async function execIn(initPid: number, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const wd = options.cwd === undefined ? [] : [`--wd=${options.cwd}`];
  const env = options.env === undefined ? [] : ['env', ...Object.entries(options.env).map(([k, v]) => `${k}=${v}`)];
  const [, ...nsenter] = enter(initPid);
  const r = await execa('nsenter', [...wd, ...nsenter, ...env, ...argv], { reject: false, input: options.input, timeout: options.timeoutMs ?? 60_000 });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a long-running program inside a node, its output appended to `<root>/<name>.out`. */
export async function startDaemon(
  node: string, initPid: number, root: string, name: string, argv: readonly string[], env: Readonly<Record<string, string>> = {},
): Promise<NodeDaemon> {
  const logFile = join(root, `${name}.out`);
  const fd = openSync(logFile, 'a');
  const [program, ...args] = [...enter(initPid), 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv];
  const child = spawn(program as string, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  const daemon: NodeDaemon = { node, name, wrapperPid: child.pid as number, logFile };
  await waitFor(`${name} to start on ${node}`, async () => daemonPid(daemon), 5_000, 20);
  return daemon;
}

/** Host PID of the daemon itself (nsenter forks once into the PID namespace, `env` execs the program), or null. */
export function daemonPid(daemon: NodeDaemon): number | null {
  const pid = childrenOf(daemon.wrapperPid)[0];
  return pid !== undefined && alive(pid) ? pid : null;
}

/** Signals the daemon and waits for it to exit; SIGKILL when it outlives `timeoutMs`. */
export async function stopDaemon(daemon: NodeDaemon, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  const pid = daemonPid(daemon);
  if (pid !== null) {
    kill(pid, signal);
    await waitFor(`${daemon.name} (pid ${pid}) on ${daemon.node} to exit`, async () => !alive(pid), timeoutMs, 50).catch(() => kill(pid, 'SIGKILL'));
  }
  await waitFor(`the wrapper of ${daemon.name} to exit`, async () => !alive(daemon.wrapperPid), 5_000, 20).catch(() => undefined);
}

/**
 * A few "machines" on one host for component tests: each node is a network namespace on a private bridge plus
 * its own mount, UTS and PID namespaces, with private copies of the directories pacemaker, corosync and the
 * masakari monitors keep state in (real-components.md §2). Daemons are started by hand inside a node and stopped by
 * PID; destroying the lab kills each node's PID 1, which takes every process of that node with it.
 *
 * Needs root, iproute2, util-linux (unshare, nsenter). Names and addresses come from the caller's prefix and
 * subnet so that parallel labs do not collide.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

/** Directories each node sees as its own (bind-mounted from the node's folder). */
export const NODE_DIRS = [
  '/etc/corosync',
  '/etc/pacemaker',
  '/var/lib/corosync',
  '/var/lib/pacemaker',
  '/var/log/pacemaker',
  '/var/log/corosync',
  '/etc/masakarimonitors',
  '/etc/default',
  '/var/log/masakari',
] as const;

export interface LabNode {
  readonly name: string;
  readonly ip: string;
  /** The node's folder; `${dir}${path}` is what the node sees at `path` for every NODE_DIRS entry. */
  readonly dir: string;
  /** Host PID of the node's PID 1. */
  readonly initPid: number;
}

export interface LabDaemon {
  readonly node: string;
  /** Host PID of the nsenter wrapper; the daemon is its only child. */
  readonly wrapperPid: number;
  readonly logFile: string;
}

export interface LabOptions {
  /** Short prefix for namespaces and interfaces (≤ 5 characters), e.g. `pmr`. */
  readonly prefix: string;
  /** First three octets of a /24 that exists only inside the lab, e.g. `10.78.0`. */
  readonly subnet: string;
  readonly baseDir: string;
  readonly log?: (line: string) => void;
}

const INIT_SCRIPT = `
set -e
hostname "$LAB_NODE"
for d in $LAB_DIRS; do mount --bind "$LAB_ROOT$d" "$d"; done
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/crm /run/lock /run/masakari /run/lock/masakari /run/sudo
chown hacluster:haclient /run/crm
if id masakari >/dev/null 2>&1; then chown masakari:masakari /run/masakari /run/lock/masakari; fi
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ip link set lo up
touch "$LAB_ROOT/ready"
exec sleep infinity
`;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
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

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export class NamespaceLab {
  readonly nodes = new Map<string, LabNode>();
  private readonly daemons: LabDaemon[] = [];
  private switchUp = false;
  private readonly log: (line: string) => void;

  constructor(readonly options: LabOptions) {
    this.log = options.log ?? (() => undefined);
  }

  get switchNs(): string {
    return `${this.options.prefix}-sw`;
  }

  get gateway(): string {
    return `${this.options.subnet}.254`;
  }

  nodeNs(name: string): string {
    return `${this.options.prefix}-${name}`;
  }

  node(name: string): LabNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no lab node ${name}`);
    return node;
  }

  private async ip(...args: string[]): Promise<void> {
    await execa('ip', args);
  }

  /** Removes what an earlier, interrupted run of the same lab left behind. */
  async clearLeftovers(): Promise<void> {
    const { stdout } = await execa('ip', ['netns', 'list']);
    for (const line of stdout.split('\n')) {
      const ns = line.split(' ')[0] ?? '';
      if (!ns.startsWith(`${this.options.prefix}-`)) continue;
      const { stdout: pids } = await execa('ip', ['netns', 'pids', ns], { reject: false });
      for (const pid of pids.split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await execa('ip', ['netns', 'del', ns], { reject: false });
    }
  }

  private async ensureSwitch(): Promise<void> {
    if (this.switchUp) return;
    const ns = this.switchNs;
    await this.ip('netns', 'add', ns);
    await this.ip('-n', ns, 'link', 'set', 'lo', 'up');
    await this.ip('-n', ns, 'link', 'add', 'br0', 'type', 'bridge');
    await this.ip('-n', ns, 'addr', 'add', `${this.gateway}/24`, 'dev', 'br0');
    await this.ip('-n', ns, 'link', 'set', 'br0', 'up');
    this.switchUp = true;
  }

  /** Creates and boots a node at `${subnet}.${hostIndex}`. */
  async addNode(name: string, hostIndex: number): Promise<LabNode> {
    await this.ensureSwitch();
    const ns = this.nodeNs(name);
    const ip = `${this.options.subnet}.${hostIndex}`;
    const veth = `v${this.options.prefix}${name}`.slice(0, 15);
    await this.ip('netns', 'add', ns);
    await this.ip('-n', this.switchNs, 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    await this.ip('-n', this.switchNs, 'link', 'set', veth, 'master', 'br0', 'up');
    await this.ip('-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
    await this.ip('-n', ns, 'link', 'set', 'eth0', 'up');

    const dir = join(this.options.baseDir, name);
    rmSync(dir, { recursive: true, force: true }); // state of an earlier run would be taken for this node's
    for (const d of NODE_DIRS) mkdirSync(join(dir, d), { recursive: true });
    for (const d of ['cib', 'pengine', 'blackbox', 'cores']) mkdirSync(join(dir, '/var/lib/pacemaker', d), { recursive: true });
    await execa('chown', ['-R', 'hacluster:haclient', join(dir, '/var/lib/pacemaker'), join(dir, '/var/log/pacemaker')]);
    await execa('chown', ['masakari:masakari', join(dir, '/var/log/masakari')], { reject: false });

    const unshare = spawn(
      'ip',
      ['netns', 'exec', ns, 'unshare', '--mount', '--uts', '--pid', '--fork', '--mount-proc', '--kill-child', 'sh', '-c', INIT_SCRIPT],
      { detached: true, stdio: 'ignore', env: { ...process.env, LAB_NODE: name, LAB_ROOT: dir, LAB_DIRS: NODE_DIRS.join(' ') } },
    );
    unshare.unref();
    const initPid = await waitFor(`node ${name} to boot`, 10_000, async () =>
      existsSync(join(dir, 'ready')) ? childrenOf(unshare.pid!)[0] : null,
    );
    const node: LabNode = { name, ip, dir, initPid };
    this.nodes.set(name, node);
    this.log(`lab: node ${name} up at ${ip} (init pid ${initPid})`);
    return node;
  }

  private enter(name: string): string[] {
    return ['nsenter', '-t', String(this.node(name).initPid), '-n', '-m', '-u', '-p', '--'];
  }

  /** Runs a command inside a node and returns its result (never throws on a non-zero exit). */
  async exec(name: string, argv: readonly string[], options: { input?: string; timeoutMs?: number } = {}) {
    const [program, ...args] = [...this.enter(name), ...argv];
    return execa(program!, args, { reject: false, input: options.input, timeout: options.timeoutMs ?? 30_000 });
  }

  /** Starts a long-running program inside a node, output appended to a log file in the node's folder. */
  async startDaemon(name: string, argv: readonly string[], label: string, env: Readonly<Record<string, string>> = {}): Promise<LabDaemon> {
    const logFile = join(this.node(name).dir, `${label}.out`);
    const fd = openSync(logFile, 'a');
    const [program, ...args] = [...this.enter(name), 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv];
    const child = spawn(program!, args, { detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.unref();
    const daemon: LabDaemon = { node: name, wrapperPid: child.pid!, logFile };
    this.daemons.push(daemon);
    const pid = await waitFor(`${label} to start in ${name}`, 5_000, async () => this.daemonPid(daemon), 20);
    this.log(`lab: ${name}: started ${label} (pid ${pid})`);
    return daemon;
  }

  /** Host PID of the daemon itself (the wrapper's child), or null when it is gone. */
  daemonPid(daemon: LabDaemon): number | null {
    // nsenter forks once to enter the PID namespace; `env` then execs the program in that child.
    const child = childrenOf(daemon.wrapperPid)[0];
    return child !== undefined && isAlive(child) ? child : null;
  }

  isRunning(daemon: LabDaemon): boolean {
    return this.daemonPid(daemon) !== null;
  }

  /** Stops a daemon by its PID and waits until it is gone. */
  async stopDaemon(daemon: LabDaemon, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
    const pid = this.daemonPid(daemon);
    if (pid !== null) {
      process.kill(pid, signal);
      await waitFor(`pid ${pid} to exit`, timeoutMs, async () => !isAlive(pid)).catch(() => process.kill(pid, 'SIGKILL'));
    }
    await waitFor(`wrapper ${daemon.wrapperPid} to exit`, 5_000, async () => !isAlive(daemon.wrapperPid)).catch(() => undefined);
  }

  /** Kills every node (its PID 1, hence its whole PID namespace) and deletes the namespaces. */
  async destroy(): Promise<void> {
    for (const node of this.nodes.values()) {
      try {
        process.kill(node.initPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const node of this.nodes.values()) {
      await waitFor(`node ${node.name} to stop`, 5_000, async () => !isAlive(node.initPid)).catch(() => undefined);
      await execa('ip', ['netns', 'del', this.nodeNs(node.name)], { reject: false });
    }
    if (this.switchUp) await execa('ip', ['netns', 'del', this.switchNs], { reject: false });
    this.nodes.clear();
    this.switchUp = false;
  }
}

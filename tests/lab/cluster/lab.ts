/**
 * A live corosync/pacemaker cluster on one host (real-components.md §2): members, pacemaker-remote nodes and plain
 * nodes, each a network namespace plus its own mount/UTS/PID namespaces with private copies of the directories
 * the cluster (and whatever the test adds) keeps state in. Daemons run for real and the lab is every node's service
 * manager: it starts them by name, records their PIDs and stops them by PID. See README.md for the API.
 */
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { seedCib } from './cib-text.js';
import { parseCrmMon, parseFencingHistory, remotePrimitive, type ClusterStatus, type FenceEvent } from './cluster-state.js';
import { LabLock } from './lab-lock.js';
import { createNodeNetwork, createSwitch, destroyNetwork, nodeNs, setLink } from './network.js';
import { alive, bootNode, daemonPid, execIn, kill, sleep, startDaemon, stopDaemon, waitFor, waitSteady, type ExecOptions, type ExecResult, type NodeDaemon } from './node-process.js';
import { debInstalled, ensureLabPrereqs, REMOTED } from './prereqs.js';

export type { ClusterStatus, FenceEvent, NodeState } from './cluster-state.js';
export type { ExecOptions, ExecResult } from './node-process.js';
export { waitFor, waitSteady } from './node-process.js';

/** Directories every node keeps its own copy of. */
export const CLUSTER_DIRS = ['/etc/corosync', '/etc/pacemaker', '/var/lib/corosync', '/var/lib/pacemaker', '/var/log/pacemaker', '/var/log/corosync'] as const;

/** How the lab runs a service: the program of its unit's ExecStart (User= via setpriv), and when it is ready. */
export interface ServiceCommand {
  readonly argv: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

const PCMK_LOG = { PCMK_logfile: '/var/log/pacemaker/pacemaker.log' };

/** Debian's unit names for the cluster's daemons. */
export const CLUSTER_SERVICES: Readonly<Record<string, ServiceCommand>> = {
  corosync: { argv: ['corosync', '-f'] },
  pacemaker: { argv: ['pacemakerd'], env: PCMK_LOG },
  pacemaker_remote: { argv: [REMOTED], env: PCMK_LOG },
};

export interface ClusterLabOptions {
  /** ≤ 6 characters; namespaces are `<prefix>-sw` and `<prefix>-<node>`. */
  readonly prefix: string;
  /** First three octets of a /24 used only inside the lab, e.g. `10.79.0`. */
  readonly subnet: string;
  /** Member host names (short); they are the pacemaker node names. Addresses `<subnet>.1`, `.2`, ... */
  readonly members: readonly string[];
  /** Remote host names (short). Addresses `<subnet>.11`, `.12`, ... */
  readonly remotes: readonly string[];
  /** Nodes outside the cluster (an emulator's machine). Addresses `<subnet>.51`, ... */
  readonly others?: readonly string[];
  readonly baseDir: string;
  /**
   * `lab` (default): the lab writes the remotes' authkey and runs their pacemaker_remote. `hooks`: both are left
   * to charm code running against the remote's LabNodeHost.
   */
  readonly remoteDaemons?: 'lab' | 'hooks';
  /** The pacemaker authkey the lab writes; random when absent. */
  readonly authkey?: Buffer;
  /** Give the host namespace `<subnet>.254` on the lab switch (for emulators running in the test process). */
  readonly hostAddress?: boolean;
  /** corosync.conf for every member; the lab writes a knet one when absent. */
  readonly corosyncConf?: string;
  /** Node domain: a node's FQDN is `<node>.<domain>` (just `<node>` without one). */
  readonly domain?: string;
  /** More private directories (path → "user:group" owning it), for what the test runs besides the cluster. */
  readonly privateDirs?: Readonly<Record<string, string>>;
  /** Directories created on each node's fresh /run at boot (path → "user:group"). */
  readonly runDirs?: Readonly<Record<string, string>>;
  /** More services (Debian unit name → command); a node's LabNodeHost starts them through the lab. */
  readonly services?: Readonly<Record<string, ServiceCommand>>;
  /** Debian packages the test needs besides the cluster's (checked before anything is built). */
  readonly packages?: readonly string[];
  readonly log?: (line: string) => void;
}

/** Numeric ids of the host's accounts (lab nodes share them). */
export function gid(group: string): number {
  return Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]);
}
export function uid(user: string): number {
  return Number(execFileSync('getent', ['passwd', user], { encoding: 'utf8' }).split(':')[2]);
}

export class ClusterLab {
  readonly members: readonly string[];
  readonly remotes: readonly string[];
  readonly others: readonly string[];
  /** Every directory a node keeps its own copy of. */
  readonly privateDirs: readonly string[];
  private readonly services: Record<string, ServiceCommand>;
  private readonly log: (line: string) => void;
  private readonly started = Date.now();
  private readonly lock: LabLock;
  private readonly initPids = new Map<string, number>();
  private readonly daemons = new Map<string, NodeDaemon>();
  /** node → services its boot starts, in order (what `systemctl enable` gives a machine). */
  private readonly enabled = new Map<string, Set<string>>();

  constructor(readonly options: ClusterLabOptions) {
    this.members = options.members;
    this.remotes = options.remotes;
    this.others = options.others ?? [];
    this.privateDirs = [...CLUSTER_DIRS, ...Object.keys(options.privateDirs ?? {})];
    this.services = { ...CLUSTER_SERVICES, ...options.services };
    this.log = options.log ?? (() => undefined);
    this.lock = new LabLock(`${options.baseDir}.lock`, `lab ${options.prefix}`, (line) => this.progress(line));
  }

  get nodes(): string[] {
    return [...this.members, ...this.remotes, ...this.others];
  }

  address(node: string): string {
    for (const [list, first] of [[this.members, 1], [this.remotes, 11], [this.others, 51]] as const) {
      const i = list.indexOf(node);
      if (i >= 0) return `${this.options.subnet}.${i + first}`;
    }
    throw new Error(`${node} is not a node of this lab`);
  }

  get hostAddress(): string {
    return `${this.options.subnet}.254`;
  }

  fqdn(node: string): string {
    return this.options.domain ? `${node}.${this.options.domain}` : node;
  }

  /**
   * Whether `node` has a package, as its charms' aptInstall/packageVersion see it. Nodes share the host's /usr, but
   * Debian's pacemaker-remote conflicts with pacemaker: a remote has it (unpacked beside pacemaker) and has neither
   * pacemaker nor corosync; the other nodes have what the host has, pacemaker-remote excepted.
   */
  hasPackage(node: string, name: string): boolean {
    const remote = this.remotes.includes(node);
    if (name === 'pacemaker-remote') return remote && existsSync(REMOTED);
    if (remote && (name === 'pacemaker' || name === 'corosync')) return false;
    return debInstalled(name);
  }

  /** What `node` sees at `path` (one of the private directories or below), as a host path. */
  nodePath(node: string, path: string): string {
    return join(this.options.baseDir, 'nodes', node, path);
  }

  private progress(what: string): void {
    this.log(`[lab ${((Date.now() - this.started) / 1000).toFixed(1)}s] ${what}`);
  }

  private saveState(): void {
    writeFileSync(join(this.options.baseDir, 'state.json'), JSON.stringify({ prefix: this.options.prefix, nodes: this.nodes, initPids: Object.fromEntries(this.initPids) }));
  }

  private get labRunsRemotes(): boolean {
    return (this.options.remoteDaemons ?? 'lab') === 'lab';
  }

  /** Network, node directories, configuration files and node namespaces; cluster daemons are not started yet. */
  async create(): Promise<void> {
    await ensureLabPrereqs(this.options.packages, this.log);
    mkdirSync(dirname(this.options.baseDir), { recursive: true });
    await this.lock.acquire();
    await ClusterLab.destroyLeftovers(this.options.baseDir);
    rmSync(join(this.options.baseDir, 'nodes'), { recursive: true, force: true });
    mkdirSync(this.options.baseDir, { recursive: true });
    this.progress(`network ${this.options.subnet}.0/24: ${this.members.length} members, ${this.remotes.length} remotes, ${this.others.length} other nodes`);
    await createSwitch(this.options.prefix, this.options.subnet, this.options.hostAddress ?? false);
    const authkey = this.options.authkey ?? randomBytes(4096);
    const hacluster = { uid: uid('hacluster'), gid: gid('haclient') };
    for (const node of this.nodes) {
      await createNodeNetwork(this.options.prefix, node, this.address(node));
      for (const d of this.privateDirs) mkdirSync(this.nodePath(node, d), { recursive: true });
      for (const [d, owner] of Object.entries(this.options.privateDirs ?? {})) {
        const [user, group] = owner.split(':') as [string, string];
        chownSync(this.nodePath(node, d), uid(user), gid(group ?? user));
      }
      for (const sub of ['cib', 'pengine', 'blackbox', 'cores']) mkdirSync(this.nodePath(node, `/var/lib/pacemaker/${sub}`), { recursive: true });
      if (this.members.includes(node)) {
        writeFileSync(this.nodePath(node, '/etc/corosync/corosync.conf'), this.options.corosyncConf ?? this.corosyncConf());
        writeFileSync(this.nodePath(node, '/var/lib/pacemaker/cib/cib.xml'), ClusterLab.SEED_CIB, { mode: 0o600 });
      }
      if (this.members.includes(node) || (this.remotes.includes(node) && this.labRunsRemotes)) this.writePacemakerKey(node, authkey);
      for (const p of ['/var/lib/pacemaker', '/var/lib/pacemaker/cib', '/var/lib/pacemaker/cib/cib.xml', '/var/lib/pacemaker/pengine', '/var/lib/pacemaker/blackbox', '/var/lib/pacemaker/cores', '/var/log/pacemaker']) {
        if (existsSync(this.nodePath(node, p))) chownSync(this.nodePath(node, p), hacluster.uid, hacluster.gid);
      }
      await this.boot(node);
    }
  }

  /** dc-deadtime 5 s: a fresh cluster elects its DC in seconds instead of ~20; a 60 s recheck retries failures soon. */
  static readonly SEED_CIB = seedCib({ 'dc-deadtime': '5s', 'stonith-enabled': 'false', 'cluster-recheck-interval': '60s' });

  /** The lab's own corosync.conf: knet unicast, no crypto (the lab network is private), votequorum. */
  corosyncConf(): string {
    const nodes = this.members.map((m, i) => `  node {\n    ring0_addr: ${this.address(m)}\n    name: ${m}\n    nodeid: ${1001 + i}\n  }\n`).join('');
    return `totem {\n  version: 2\n  cluster_name: ${this.options.prefix}lab\n  transport: knet\n  crypto_cipher: none\n  crypto_hash: none\n  token: 1000\n}\n`
      + `nodelist {\n${nodes}}\nquorum {\n  provider: corosync_votequorum\n${this.members.length === 2 ? '  two_node: 1\n' : ''}}\n`
      + 'logging {\n  to_logfile: yes\n  logfile: /var/log/corosync/corosync.log\n  to_syslog: no\n  to_stderr: no\n  timestamp: on\n}\n';
  }

  /** The node's /etc/pacemaker/authkey (hacluster:haclient 0640); a running pacemakerd keeps the key it read. */
  writePacemakerKey(node: string, key: Buffer): void {
    const path = this.nodePath(node, '/etc/pacemaker/authkey');
    writeFileSync(path, key, { mode: 0o640 });
    chownSync(path, uid('hacluster'), gid('haclient'));
  }

  private async boot(node: string): Promise<void> {
    const pid = await bootNode({
      node, netns: nodeNs(this.options.prefix, node), root: this.nodePath(node, ''), privateDirs: this.privateDirs, runDirs: this.options.runDirs ?? {},
    });
    this.initPids.set(node, pid);
    this.saveState();
  }

  /** Runs a program inside a node (its network, mount, UTS and PID namespaces); never throws on exit codes. */
  async exec(node: string, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const pid = this.initPids.get(node);
    if (pid === undefined || !alive(pid)) return { exitCode: 255, stdout: '', stderr: `node ${node} is not running` };
    return execIn(pid, argv, options);
  }

  waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
    return waitFor(what, probe, timeoutMs, intervalMs);
  }

  /** Adds or replaces a service (for commands that need the lab's addresses or paths). */
  defineService(name: string, command: ServiceCommand): void {
    this.services[name] = command;
  }

  /** Starts a service on a node unless it runs already; corosync counts as started once its ring is up. */
  async startService(node: string, name: string): Promise<void> {
    if (this.servicePid(node, name) !== null) return;
    const command = this.services[name];
    if (!command) throw new Error(`lab: no command for service ${name} (known: ${Object.keys(this.services).join(', ')}); add it to the lab's services option`);
    const pid = this.initPids.get(node);
    if (pid === undefined || !alive(pid)) throw new Error(`lab: cannot start ${name}: node ${node} is not running`);
    const daemon = await startDaemon(node, pid, this.nodePath(node, ''), name, command.argv, command.env);
    this.daemons.set(`${node}/${name}`, daemon);
    if (name === 'corosync') await this.waitFor(`corosync on ${node}`, async () => (await this.exec(node, ['corosync-cfgtool', '-s'])).exitCode === 0, 30_000);
    this.progress(`${node}: started ${name} (pid ${daemonPid(daemon) ?? 'gone'})`);
  }

  /** Stops a service by its PID (`signal`, then SIGKILL after `timeoutMs`) and waits until it is gone. */
  async stopService(node: string, name: string, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 60_000): Promise<void> {
    const daemon = this.daemons.get(`${node}/${name}`);
    if (daemon) await stopDaemon(daemon, signal, timeoutMs);
    this.daemons.delete(`${node}/${name}`);
  }

  /** Whether a service starts when the node is powered on. */
  enableService(node: string, name: string, enabled = true): void {
    const set = this.enabled.get(node) ?? new Set<string>();
    if (enabled) set.add(name);
    else set.delete(name);
    this.enabled.set(node, set);
  }

  serviceEnabled(node: string, name: string): boolean {
    return this.enabled.get(node)?.has(name) ?? false;
  }

  /** Host PID of a service's process, or null when it is not running. */
  servicePid(node: string, name: string): number | null {
    const daemon = this.daemons.get(`${node}/${name}`);
    return daemon ? daemonPid(daemon) : null;
  }

  /** Where a service's stdout and stderr go (in the node's folder). */
  serviceOutput(node: string, name: string): string {
    return join(this.nodePath(node, ''), `${name}.out`);
  }

  /** corosync + pacemaker on every member (and pacemaker_remote on the remotes it runs); waits for quorum. */
  async start(): Promise<void> {
    for (const m of this.members) for (const s of ['corosync', 'pacemaker']) this.enableService(m, s);
    if (this.labRunsRemotes) for (const r of this.remotes) this.enableService(r, 'pacemaker_remote');
    for (const m of this.members) await this.startService(m, 'corosync');
    for (const m of this.members) await this.startService(m, 'pacemaker');
    if (this.labRunsRemotes) for (const r of this.remotes) await this.startRemote(r);
    this.progress('daemons started; waiting for the membership');
    await this.waitForQuorum();
    this.progress(`cluster formed: ${this.members.join(' ')} online with quorum`);
  }

  /** Every member online in a quorate partition with a DC. */
  waitSteady(what: string, probe: () => Promise<boolean>, holdMs: number, timeoutMs = 180_000, intervalMs = 500): Promise<void> {
    return waitSteady(what, probe, holdMs, timeoutMs, intervalMs);
  }
  async waitForQuorum(timeoutMs = 90_000): Promise<void> {
    await this.waitFor('all members online with quorum', async () => {
      const s = await this.status().catch(() => null);
      return s !== null && s.quorum && s.onlineMembers.length === this.members.length;
    }, timeoutMs, 500);
  }

  async startRemote(remote: string): Promise<void> {
    await this.startService(remote, 'pacemaker_remote');
  }

  /** SIGKILL of pacemaker-remoted inside the remote node (the host itself stays up). */
  async killRemote(remote: string): Promise<void> {
    if (this.servicePid(remote, 'pacemaker_remote') === null) throw new Error(`kill-remote ${remote}: pacemaker_remote is not running there`);
    await this.stopService(remote, 'pacemaker_remote', 'SIGKILL', 10_000);
    this.progress(`killed pacemaker-remoted on ${remote}`);
  }

  /** "Power off": the node's PID 1 is killed, which ends every process of the node. */
  async powerOff(node: string): Promise<void> {
    const pid = this.initPids.get(node);
    if (pid !== undefined) kill(pid, 'SIGKILL');
    if (pid !== undefined) await this.waitFor(`${node} to stop`, async () => !alive(pid), 10_000, 50);
    for (const key of [...this.daemons.keys()]) if (key.startsWith(`${node}/`)) this.daemons.delete(key);
    this.progress(`${node} powered off`);
  }

  /** "Power on": a fresh PID 1 that starts the node's enabled services (those `start()` ran, or a charm enabled). */
  async powerOn(node: string): Promise<void> {
    await this.boot(node);
    for (const s of this.enabled.get(node) ?? []) await this.startService(node, s);
    this.progress(`${node} powered on`);
  }

  async setLink(node: string, up: boolean): Promise<void> {
    await setLink(this.options.prefix, node, up);
  }

  /** crm_mon on a member, parsed. */
  async status(member = this.members[0] as string): Promise<ClusterStatus> {
    const r = await this.exec(member, ['crm_mon', '--one-shot', '--inactive', '--output-as=xml']);
    if (r.exitCode !== 0) throw new Error(`crm_mon on ${member}: ${r.stderr.trim()}`);
    return parseCrmMon(r.stdout);
  }

  /** Creates the `ocf:pacemaker:remote` connection to `server` as hacluster does (node name = resource id). */
  async addRemoteConnection(nodeName: string, server: string, member = this.members[0] as string): Promise<void> {
    const r = await this.exec(member, ['cibadmin', '--create', '--scope', 'resources', '--xml-text', remotePrimitive(nodeName, server)]);
    if (r.exitCode !== 0) throw new Error(`cibadmin --create ${nodeName} failed: ${r.stderr}`);
  }

  /** Waits until the cluster sees the remote node `nodeName` (present, type remote) online or offline. */
  async waitForRemote(nodeName: string, online: boolean, timeoutMs = 60_000): Promise<void> {
    await this.waitFor(`${nodeName} to be ${online ? 'online' : 'offline'}`, async () => {
      const s = await this.status().catch(() => null);
      return s?.nodes.some((n) => n.name === nodeName && n.type === 'remote' && n.online === online) ?? false;
    }, timeoutMs);
  }

  /** The fencer's history of every target, from a member. */
  async fencingHistory(member = this.members[0] as string): Promise<FenceEvent[]> {
    const r = await this.exec(member, ['stonith_admin', '--history', '*', '--verbose', '--output-as=xml']);
    return r.exitCode === 0 ? parseFencingHistory(r.stdout) : [];
  }

  /** Kills every node (by recorded PID) and removes the namespaces. Safe to call twice. */
  async destroy(): Promise<void> {
    for (const [node, pid] of this.initPids) if (alive(pid)) {
      kill(pid, 'SIGKILL');
      this.log(`[lab] stopped ${node}`);
    }
    for (const pid of this.initPids.values()) await this.waitFor('nodes to stop', async () => !alive(pid), 10_000, 50).catch(() => undefined);
    await destroyNetwork(this.options.prefix, this.nodes);
    this.initPids.clear();
    this.daemons.clear();
    rmSync(join(this.options.baseDir, 'state.json'), { force: true });
    this.lock.release();
  }

  /** Tears down a lab a crashed run left behind (PIDs and namespaces from its state.json). */
  static async destroyLeftovers(baseDir: string): Promise<void> {
    const file = join(baseDir, 'state.json');
    if (!existsSync(file)) return;
    const state = JSON.parse(readFileSync(file, 'utf8')) as { prefix: string; nodes: string[]; initPids: Record<string, number> };
    for (const pid of Object.values(state.initPids)) if (alive(pid)) kill(pid, 'SIGKILL');
    await sleep(200);
    await destroyNetwork(state.prefix, state.nodes);
    rmSync(file, { force: true });
  }
}

/**
 * A live corosync/pacemaker cluster on one host (real-components.md §2): N members and M pacemaker-remote nodes,
 * each a network namespace plus its own mount/UTS/PID namespaces with private copies of the directories the
 * cluster keeps state in. Daemons run for real; a node's PID 1 is recorded and killing it ends the whole node.
 * See README.md for the API.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chownSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { XMLParser } from 'fast-xml-parser';
import { createNodeNetwork, createSwitch, destroyNetwork, nodeNs, setLink } from './network.js';
import { ensurePacemakerRemoted, REMOTED } from './prereqs.js';

export const PRIVATE_DIRS = ['/etc/corosync', '/etc/pacemaker', '/var/lib/corosync', '/var/lib/pacemaker', '/var/log/pacemaker', '/var/log/corosync'] as const;

export interface ClusterLabOptions {
  /** ≤ 6 characters; namespaces are `<prefix>-sw` and `<prefix>-<node>`. */
  readonly prefix: string;
  /** First three octets of a /24 used only inside the lab, e.g. `10.79.0`. */
  readonly subnet: string;
  /** Member host names (short); they are the pacemaker node names. Addresses `<subnet>.1`, `.2`, ... */
  readonly members: readonly string[];
  /** Remote host names (short). Addresses `<subnet>.11`, `.12`, ... */
  readonly remotes: readonly string[];
  readonly baseDir: string;
  /** Give the host namespace `<subnet>.254` on the lab switch (for emulators running in the test process). */
  readonly hostAddress?: boolean;
  /** corosync.conf for every member; the lab writes a knet one when absent. */
  readonly corosyncConf?: string;
  readonly log?: (line: string) => void;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface FenceEvent {
  readonly target: string;
  readonly action: string;
  readonly status: string;
  readonly delegate: string;
  readonly completed: string;
}

export interface ClusterStatus {
  readonly quorum: boolean;
  readonly onlineMembers: readonly string[];
  readonly onlineRemotes: readonly string[];
  /** resource id → nodes where it is started */
  readonly started: ReadonlyMap<string, readonly string[]>;
  /** True while any resource is starting, stopping or in a pending action. */
  readonly busy: boolean;
}

const INIT = `set -e
hostname "$LAB_HOST"
for d in $LAB_DIRS; do mount --bind "$LAB_ROOT$d" "$d"; done
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/crm /run/lock
chown hacluster:haclient /run/crm
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
touch "$LAB_ROOT/ready"
trap 'exit 0' TERM
while :; do sleep 1 & wait $! || true; done
`;

const SEED_CIB = `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="cib-bootstrap-options-dc-deadtime" name="dc-deadtime" value="5s"/>
        <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/>
      </cluster_property_set>
    </crm_config>
    <nodes/><resources/><constraints/>
  </configuration>
  <status/>
</cib>
`;

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['node', 'resource', 'clone', 'group', 'fence_event'].includes(name) });

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function ids(user: string): number {
  return Number(readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`))?.split(':')[2] ?? 0);
}
function gid(group: string): number {
  return Number(readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.startsWith(`${group}:`))?.split(':')[2] ?? 0);
}

export class ClusterLab {
  readonly members: readonly string[];
  readonly remotes: readonly string[];
  private readonly log: (line: string) => void;
  private readonly started = Date.now();
  private initPids = new Map<string, number>();

  constructor(readonly options: ClusterLabOptions) {
    this.members = options.members;
    this.remotes = options.remotes;
    this.log = options.log ?? (() => undefined);
  }

  get nodes(): string[] {
    return [...this.members, ...this.remotes];
  }

  address(node: string): string {
    const m = this.members.indexOf(node);
    if (m >= 0) return `${this.options.subnet}.${m + 1}`;
    const r = this.remotes.indexOf(node);
    if (r >= 0) return `${this.options.subnet}.${r + 11}`;
    throw new Error(`${node} is not a node of this lab`);
  }

  get hostAddress(): string {
    return `${this.options.subnet}.254`;
  }

  /** What `node` sees at `path` (one of PRIVATE_DIRS or below), as a host path. */
  nodePath(node: string, path: string): string {
    return join(this.options.baseDir, 'nodes', node, path);
  }

  private progress(what: string): void {
    this.log(`[lab ${((Date.now() - this.started) / 1000).toFixed(1)}s] ${what}`);
  }

  private saveState(): void {
    writeFileSync(join(this.options.baseDir, 'state.json'), JSON.stringify({ prefix: this.options.prefix, nodes: this.nodes, initPids: Object.fromEntries(this.initPids) }));
  }

  private get lockFile(): string {
    return `${this.options.baseDir}.lock`;
  }

  /**
   * One lab per prefix at a time: another process (a CI run next to a developer's) may hold it, so wait for it
   * rather than tear its lab down. A lock whose owner died is a leftover and is taken over.
   */
  private async acquire(timeoutMs = 15 * 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let said = false;
    for (;;) {
      try {
        writeFileSync(this.lockFile, String(process.pid), { flag: 'wx' });
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = Number(readFileSync(this.lockFile, 'utf8').trim());
      if (!Number.isInteger(owner) || owner === process.pid || !alive(owner)) {
        rmSync(this.lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`lab ${this.options.prefix}: process ${owner} holds ${this.lockFile} for too long; stop it or remove the file`);
      if (!said) this.progress(`lab ${this.options.prefix} is in use by process ${owner}; waiting for it to finish`);
      said = true;
      await sleep(2000);
    }
  }

  private release(): void {
    if (existsSync(this.lockFile) && readFileSync(this.lockFile, 'utf8').trim() === String(process.pid)) rmSync(this.lockFile, { force: true });
  }

  /** Network, node directories, configuration files and node namespaces; cluster daemons are not started yet. */
  async create(): Promise<void> {
    mkdirSync(dirname(this.options.baseDir), { recursive: true });
    await this.acquire();
    await ClusterLab.destroyLeftovers(this.options.baseDir);
    await ensurePacemakerRemoted(this.log);
    rmSync(join(this.options.baseDir, 'nodes'), { recursive: true, force: true });
    mkdirSync(this.options.baseDir, { recursive: true });
    this.progress(`network ${this.options.subnet}.0/24: ${this.members.length} members, ${this.remotes.length} remotes`);
    await createSwitch(this.options.prefix, this.options.subnet, this.options.hostAddress ?? false);
    const authkey = randomBytes(4096);
    for (const node of this.nodes) {
      await createNodeNetwork(this.options.prefix, node, this.address(node));
      for (const d of PRIVATE_DIRS) mkdirSync(this.nodePath(node, d), { recursive: true });
      for (const sub of ['cib', 'pengine', 'blackbox', 'cores']) mkdirSync(this.nodePath(node, `/var/lib/pacemaker/${sub}`), { recursive: true });
      writeFileSync(this.nodePath(node, '/etc/pacemaker/authkey'), authkey, { mode: 0o640 });
      if (this.members.includes(node)) {
        writeFileSync(this.nodePath(node, '/etc/corosync/corosync.conf'), this.options.corosyncConf ?? this.corosyncConf());
        writeFileSync(this.nodePath(node, '/var/lib/pacemaker/cib/cib.xml'), SEED_CIB, { mode: 0o600 });
      }
      for (const p of ['/etc/pacemaker/authkey', '/var/lib/pacemaker', '/var/lib/pacemaker/cib', '/var/lib/pacemaker/cib/cib.xml', '/var/lib/pacemaker/pengine', '/var/lib/pacemaker/blackbox', '/var/lib/pacemaker/cores', '/var/log/pacemaker']) {
        if (existsSync(this.nodePath(node, p))) chownSync(this.nodePath(node, p), ids('hacluster'), gid('haclient'));
      }
      await this.boot(node);
    }
  }

  /** The lab's own corosync.conf: knet unicast, no crypto (the lab network is private), votequorum. */
  corosyncConf(): string {
    const nodes = this.members.map((m, i) => `  node {\n    ring0_addr: ${this.address(m)}\n    name: ${m}\n    nodeid: ${1001 + i}\n  }\n`).join('');
    return `totem {\n  version: 2\n  cluster_name: ${this.options.prefix}lab\n  transport: knet\n  crypto_cipher: none\n  crypto_hash: none\n  token: 1000\n}\n`
      + `nodelist {\n${nodes}}\nquorum {\n  provider: corosync_votequorum\n${this.members.length === 2 ? '  two_node: 1\n' : ''}}\n`
      + 'logging {\n  to_logfile: yes\n  logfile: /var/log/corosync/corosync.log\n  to_syslog: no\n  to_stderr: no\n  timestamp: on\n}\n';
  }

  /** Starts the node's PID 1 (namespaces + private mounts) and records its host PID. */
  private async boot(node: string): Promise<void> {
    rmSync(join(this.nodePath(node, ''), 'ready'), { force: true });
    const child = spawn('ip', ['netns', 'exec', nodeNs(this.options.prefix, node), 'unshare', '--mount', '--uts', '--pid', '--fork', '--mount-proc', '--kill-child', 'sh', '-c', INIT], {
      detached: true, stdio: 'ignore',
      env: { ...process.env, LAB_HOST: node, LAB_ROOT: this.nodePath(node, ''), LAB_DIRS: PRIVATE_DIRS.join(' ') },
    });
    child.unref();
    const unsharePid = child.pid as number;
    for (let i = 0; i < 100; i++) {
      const kids = existsSync(`/proc/${unsharePid}/task/${unsharePid}/children`) ? readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim() : '';
      if (kids && existsSync(join(this.nodePath(node, ''), 'ready'))) {
        this.initPids.set(node, Number(kids.split(' ')[0]));
        this.saveState();
        return;
      }
      await sleep(50);
    }
    throw new Error(`node ${node} did not come up (see ${this.nodePath(node, '')})`);
  }

  /** Runs a program inside a node (its network, mount, UTS and PID namespaces). */
  async exec(node: string, argv: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    const pid = this.initPids.get(node);
    if (pid === undefined || !alive(pid)) return { exitCode: 255, stdout: '', stderr: `node ${node} is not running` };
    const r = await execa('nsenter', ['-t', String(pid), '-n', '-m', '-u', '-p', '--', ...argv], {
      reject: false, input: options.input, timeout: options.timeoutMs ?? 60_000,
    });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Starts a daemon in the background inside a node; its PID (inside the node) goes to /run/<name>.pid. */
  private async daemon(node: string, name: string, argv: readonly string[]): Promise<void> {
    const r = await this.exec(node, ['sh', '-c', `"$@" >/dev/null 2>&1 & echo $! > /run/${name}.pid`, 'sh', ...argv]);
    if (r.exitCode !== 0) throw new Error(`starting ${name} on ${node} failed: ${r.stderr}`);
  }

  async waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`lab: timed out after ${timeoutMs / 1000}s waiting for ${what}`);
      await sleep(intervalMs);
    }
  }

  /** corosync + pacemakerd on every member, pacemaker-remoted on every remote; waits for a quorate membership. */
  async start(): Promise<void> {
    for (const m of this.members) await this.daemon(m, 'corosync', ['corosync', '-f']);
    for (const m of this.members) await this.waitFor(`corosync on ${m}`, async () => (await this.exec(m, ['corosync-cfgtool', '-s'])).exitCode === 0, 30_000);
    for (const m of this.members) await this.daemon(m, 'pacemakerd', ['pacemakerd']);
    for (const r of this.remotes) await this.startRemote(r);
    this.progress('daemons started; waiting for the membership');
    await this.waitFor('all members online with quorum', async () => {
      const s = await this.status().catch(() => null);
      return s !== null && s.quorum && s.onlineMembers.length === this.members.length;
    }, 90_000, 500);
    this.progress(`cluster formed: ${this.members.join(' ')} online with quorum`);
  }

  async startRemote(remote: string): Promise<void> {
    await this.daemon(remote, 'pacemaker-remoted', [REMOTED]);
  }

  /** SIGKILL of pacemaker-remoted inside the remote node (the host itself stays up). */
  async killRemote(remote: string): Promise<void> {
    const r = await this.exec(remote, ['sh', '-c', 'kill -9 "$(cat /run/pacemaker-remoted.pid)"']);
    if (r.exitCode !== 0) throw new Error(`kill-remote ${remote}: ${r.stderr}`);
    this.progress(`killed pacemaker-remoted on ${remote}`);
  }

  /** "Power off": the node's PID 1 is killed, which ends every process of the node. */
  async powerOff(node: string): Promise<void> {
    const pid = this.initPids.get(node);
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
    if (pid !== undefined) await this.waitFor(`${node} to stop`, async () => !alive(pid), 10_000, 50);
    this.progress(`${node} powered off`);
  }

  /** "Power on": a fresh PID 1; remotes get pacemaker-remoted, members corosync + pacemakerd. */
  async powerOn(node: string): Promise<void> {
    await this.boot(node);
    if (this.remotes.includes(node)) await this.startRemote(node);
    else {
      await this.daemon(node, 'corosync', ['corosync', '-f']);
      await this.waitFor(`corosync on ${node}`, async () => (await this.exec(node, ['corosync-cfgtool', '-s'])).exitCode === 0, 30_000);
      await this.daemon(node, 'pacemakerd', ['pacemakerd']);
    }
    this.progress(`${node} powered on`);
  }

  async setLink(node: string, up: boolean): Promise<void> {
    await setLink(this.options.prefix, node, up);
  }

  /** crm_mon on a member, parsed. */
  async status(member = this.members[0] as string): Promise<ClusterStatus> {
    const r = await this.exec(member, ['crm_mon', '--one-shot', '--inactive', '--output-as=xml']);
    if (r.exitCode !== 0) throw new Error(`crm_mon on ${member}: ${r.stderr.trim()}`);
    const doc = xml.parse(r.stdout) as { 'pacemaker-result': Record<string, any> };
    const res = doc['pacemaker-result'];
    const nodes = (res.nodes?.node ?? []) as { name: string; type: string; online: string }[];
    const started = new Map<string, string[]>();
    let busy = false;
    const visit = (rs: Record<string, any>[] = []): void => {
      for (const x of rs) {
        if (x.role === 'Starting' || x.role === 'Stopping' || x.pending) busy = true;
        if (x.role === 'Started') for (const n of x.node ?? []) started.set(x.id, [...(started.get(x.id) ?? []), n.name]);
      }
    };
    visit(res.resources?.resource);
    for (const c of res.resources?.clone ?? []) visit(c.resource);
    for (const g of res.resources?.group ?? []) visit(g.resource);
    for (const c of res.resources?.clone ?? []) for (const g of c.group ?? []) visit(g.resource);
    return {
      quorum: res.summary?.current_dc?.with_quorum === 'true',
      onlineMembers: nodes.filter((n) => n.type === 'member' && n.online === 'true').map((n) => n.name),
      onlineRemotes: nodes.filter((n) => n.type === 'remote' && n.online === 'true').map((n) => n.name),
      started, busy,
    };
  }

  /** The fencer's history of every target, from a member. */
  async fencingHistory(member = this.members[0] as string): Promise<FenceEvent[]> {
    const r = await this.exec(member, ['stonith_admin', '--history', '*', '--verbose', '--output-as=xml']);
    if (r.exitCode !== 0) return [];
    // <pacemaker-result><list name="fencing history"><fence_event .../></list></pacemaker-result>
    const doc = xml.parse(r.stdout) as { 'pacemaker-result'?: { list?: { fence_event?: Record<string, string>[] } | { fence_event?: Record<string, string>[] }[] } };
    const lists = doc['pacemaker-result']?.list;
    const events = (Array.isArray(lists) ? lists : lists ? [lists] : []).flatMap((l) => l.fence_event ?? []);
    return events.map((e) => ({
      target: e.target ?? '', action: e.action ?? '', status: e.status ?? '', delegate: e.delegate ?? '', completed: e.completed ?? '',
    }));
  }

  /** Kills every node (by recorded PID) and removes the namespaces. Safe to call twice. */
  async destroy(): Promise<void> {
    for (const [node, pid] of this.initPids) if (alive(pid)) {
      process.kill(pid, 'SIGKILL');
      this.log(`[lab] stopped ${node}`);
    }
    for (const pid of this.initPids.values()) await this.waitFor('nodes to stop', async () => !alive(pid), 10_000, 50).catch(() => undefined);
    await destroyNetwork(this.options.prefix, this.nodes);
    this.initPids.clear();
    rmSync(join(this.options.baseDir, 'state.json'), { force: true });
    this.release();
  }

  /** Tears down a lab a crashed run left behind (PIDs and namespaces from its state.json). */
  static async destroyLeftovers(baseDir: string): Promise<void> {
    const file = join(baseDir, 'state.json');
    if (!existsSync(file)) return;
    const state = JSON.parse(readFileSync(file, 'utf8')) as { prefix: string; nodes: string[]; initPids: Record<string, number> };
    for (const pid of Object.values(state.initPids)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await sleep(200);
    await destroyNetwork(state.prefix, state.nodes);
    rmSync(file, { force: true });
  }
}

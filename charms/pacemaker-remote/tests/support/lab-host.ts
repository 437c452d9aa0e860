/**
 * The `Host` a charm sees when its hooks run for a NamespaceLab node: files in the node's private directories are
 * written for real (atomically, with real owner and mode, through LocalHost), services are the node's daemons
 * started by hand (the lab has no systemd), packages are what this host has installed for the lab.
 */
import { join } from 'node:path';
import type { CommandResult, FileOptions, Host, RunOptions, ServiceAction } from '../../../../reactive/host/host.js';
import { LocalHost } from '../../../../reactive/host/local-host.js';
import { RecordingHost } from '../../../../reactive/host/recording-host.js';
import { NODE_DIRS, type LabDaemon, type NamespaceLab } from './namespace-lab.js';

/** How the lab runs a service: the program of its unit's ExecStart (and User=, via setpriv). */
export type ServiceCommands = Readonly<Record<string, { argv: readonly string[]; env?: Readonly<Record<string, string>> }>>;

export interface LabHostOptions {
  readonly domain: string;
  readonly services: ServiceCommands;
  /** Packages this node has, as the charm's aptInstall will find them (name → how to tell it is there). */
  readonly packages: Readonly<Record<string, () => boolean>>;
}

/**
 * Extends RecordingHost (the harness's host type) so that package and service actions are also recorded in the
 * usual `packageActions` / `serviceActions`; every Host operation itself is overridden to act on the lab node.
 */
export class LabHost extends RecordingHost implements Host {
  private readonly local = new LocalHost({ log: () => undefined });
  private readonly running = new Map<string, LabDaemon>();

  constructor(private readonly lab: NamespaceLab, private readonly nodeName: string, private readonly options: LabHostOptions) {
    super({ hostname: nodeName, fqdn: `${nodeName}.${options.domain}` });
  }

  /** Where a node path lives on this host; null for paths the node shares with the host (read-only here). */
  private onHost(path: string): string | null {
    const inside = NODE_DIRS.some((d) => path === d || path.startsWith(`${d}/`));
    return inside ? join(this.lab.node(this.nodeName).dir, path) : null;
  }

  private writable(path: string): string {
    const target = this.onHost(path);
    if (!target) throw new Error(`lab node ${this.nodeName}: ${path} is not in a node-private directory (${NODE_DIRS.join(', ')})`);
    return target;
  }

  override readFile(path: string): Promise<string | null> {
    return this.local.readFile(this.onHost(path) ?? path);
  }
  override writeFile(path: string, content: string | Uint8Array, options?: FileOptions): Promise<boolean> {
    return this.local.writeFile(this.writable(path), content, options);
  }
  override removeFile(path: string): Promise<boolean> {
    return this.local.removeFile(this.writable(path));
  }
  override exists(path: string): Promise<boolean> {
    return this.local.exists(this.onHost(path) ?? path);
  }
  override ensureDirectory(path: string, options?: FileOptions): Promise<boolean> {
    return this.local.ensureDirectory(this.writable(path), options);
  }

  override async aptInstall(packages: readonly string[]): Promise<void> {
    for (const name of packages) {
      const present = this.options.packages[name];
      if (!present || !present()) throw new Error(`lab node ${this.nodeName}: package ${name} is not available on this host`);
    }
    await super.aptInstall(packages);
  }
  override async aptUpgrade(): Promise<void> {}
  override async aptPurge(packages: readonly string[]): Promise<void> {
    throw new Error(`lab node ${this.nodeName}: purging ${packages.join(', ')} is not supported`);
  }
  override async packageVersion(name: string): Promise<string | null> {
    return this.options.packages[name]?.() ? 'lab' : null;
  }

  override async service(action: ServiceAction, name: string): Promise<void> {
    await super.service(action, name);
    if (action === 'enable' || action === 'disable') return;
    const current = this.running.get(name);
    if ((action === 'stop' || action === 'restart') && current) {
      await this.lab.stopDaemon(current);
      this.running.delete(name);
    }
    if (action === 'start' && current && this.lab.isRunning(current)) return;
    if (action === 'start' || action === 'restart') {
      const command = this.options.services[name];
      if (!command) throw new Error(`lab node ${this.nodeName}: no command for service ${name}`);
      this.running.set(name, await this.lab.startDaemon(this.nodeName, command.argv, name, command.env));
    }
    if (action === 'reload') throw new Error(`lab node ${this.nodeName}: reload of ${name} is not supported`);
  }
  override async serviceIsActive(name: string): Promise<boolean> {
    const daemon = this.running.get(name);
    return daemon !== undefined && this.lab.isRunning(daemon);
  }
  override async serviceIsEnabled(name: string): Promise<boolean> {
    return this.enabledServices.has(name);
  }
  /** The daemon the lab runs for a service (for tests that kill it). */
  daemon(name: string): LabDaemon | undefined {
    return this.running.get(name);
  }

  override ensureGroup(name: string): Promise<boolean> {
    return this.local.ensureGroup(name, { system: true });
  }
  override ensureUser(name: string, options?: { group?: string; home?: string; shell?: string; system?: boolean }): Promise<boolean> {
    return this.local.ensureUser(name, options);
  }

  override async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const result = await this.lab.exec(this.nodeName, argv, { input: options.input, timeoutMs: options.timeoutMs });
    return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
  }
  override async check(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const result = await this.run(argv, options);
    if (result.exitCode !== 0) throw new Error(`${argv[0]} failed in lab node ${this.nodeName}: ${result.stderr}`);
    return result;
  }

  override async hostname(): Promise<string> {
    return this.nodeName;
  }
  override async fqdn(): Promise<string> {
    return `${this.nodeName}.${this.options.domain}`;
  }
}

/**
 * The `Host` a charm sees on one lab node, so charm code (a CIB apply, or whole hooks through the harness) runs
 * against the live cluster unchanged: commands run inside the node, files in the node's private directories are
 * written for real (atomically, with real owner and mode, through LocalHost), services are started and stopped by
 * the lab (it is the node's service manager), packages are the host's (nodes share its /usr) as `ClusterLab.hasPackage` tells them apart.
 *
 * It is a RecordingHost (the harness's host type) whose every operation acts on the node; what a hook did is still
 * recorded in `serviceActions`, `packageActions` and `commands` (`invocations`: just the argv lists).
 */
import type { CommandResult, FileOptions, RunOptions, ServiceAction } from '../../../reactive/host/host.js';
import { LocalHost } from '../../../reactive/host/local-host.js';
import { RecordingHost, type RecordedCommand } from '../../../reactive/testing/recording-host.js';
import type { ClusterLab } from './lab.js';

export class LabNodeHost extends RecordingHost {
  private readonly local = new LocalHost({ log: () => undefined });
  private nodeCommands: RecordedCommand[] = [];

  constructor(private readonly lab: ClusterLab, readonly node: string) {
    // The node's folder stands for `/`, so pathOnDisk() answers where a node path lives on this host.
    super({ root: lab.nodePath(node, ''), hostname: node, fqdn: lab.fqdn(node) });
  }

  override get commands(): readonly RecordedCommand[] {
    return this.nodeCommands;
  }

  /** The argv of every command run since the last clearRecords(). */
  get invocations(): string[][] {
    return this.nodeCommands.map((c) => [...c.argv]);
  }

  override clearRecords(): void {
    super.clearRecords();
    this.nodeCommands = [];
  }

  private isPrivate(path: string): boolean {
    return this.lab.privateDirs.some((d) => path === d || path.startsWith(`${d}/`));
  }

  /** Node paths outside the private directories are the host's own files: readable, never written from a test. */
  private writable(path: string): string {
    if (!this.isPrivate(path)) throw new Error(`lab node ${this.node}: ${path} is not in a node-private directory (${this.lab.privateDirs.join(', ')})`);
    return this.pathOnDisk(path);
  }

  override readFile(path: string): Promise<string | null> {
    return this.local.readFile(this.isPrivate(path) ? this.pathOnDisk(path) : path);
  }
  override writeFile(path: string, content: string | Uint8Array, options?: FileOptions): Promise<boolean> {
    return this.local.writeFile(this.writable(path), content, options);
  }
  override removeFile(path: string): Promise<boolean> {
    return this.local.removeFile(this.writable(path));
  }
  override exists(path: string): Promise<boolean> {
    return this.local.exists(this.isPrivate(path) ? this.pathOnDisk(path) : path);
  }
  override ensureDirectory(path: string, options?: FileOptions): Promise<boolean> {
    return this.local.ensureDirectory(this.writable(path), options);
  }

  override async aptInstall(packages: readonly string[]): Promise<void> {
    const missing = packages.filter((name) => !this.lab.hasPackage(this.node, name));
    if (missing.length > 0) {
      throw new Error(`lab node ${this.node}: ${missing.join(', ')} not available (lab nodes share the host's packages; pacemaker-remote only on remotes): list them in tools/prereqs/packages.ts`);
    }
    await super.aptInstall(packages);
  }
  override async aptPurge(packages: readonly string[]): Promise<void> {
    throw new Error(`lab node ${this.node}: purging ${packages.join(', ')} is not supported (lab nodes share the host's packages)`);
  }
  override async packageVersion(name: string): Promise<string | null> {
    if (!this.lab.hasPackage(this.node, name)) return null;
    // The unpacked pacemaker-remote comes from the same Debian release as the installed pacemaker.
    return this.local.packageVersion(name === 'pacemaker-remote' ? 'pacemaker' : name);
  }

  override async service(action: ServiceAction, name: string): Promise<void> {
    if (action === 'reload') throw new Error(`lab node ${this.node}: reload of ${name} is not supported`);
    await super.service(action, name);
    if (action === 'enable' || action === 'disable') this.lab.enableService(this.node, name, action === 'enable');
    if (action === 'stop' || action === 'restart') await this.lab.stopService(this.node, name);
    if (action === 'start' || action === 'restart') await this.lab.startService(this.node, name);
  }
  override async serviceIsActive(name: string): Promise<boolean> {
    return this.lab.servicePid(this.node, name) !== null;
  }
  override async serviceIsEnabled(name: string): Promise<boolean> {
    return this.lab.serviceEnabled(this.node, name);
  }

  /** Lab nodes share the host's users and groups. */
  override ensureGroup(name: string): Promise<boolean> {
    return this.local.ensureGroup(name, { system: true });
  }
  override ensureUser(name: string, options?: { group?: string; home?: string; shell?: string; system?: boolean }): Promise<boolean> {
    return this.local.ensureUser(name, options);
  }

  override async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    this.nodeCommands.push({ argv: [...argv], input: options.input, env: options.env, cwd: options.cwd });
    return this.lab.exec(this.node, argv, { input: options.input, timeoutMs: options.timeoutMs, env: options.env, cwd: options.cwd });
  }
}

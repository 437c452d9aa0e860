/**
 * A `Host` for one lab node, so charm code runs against a live cluster unchanged: commands run inside the node
 * (nsenter), files under the node's private directories land in its copy, every other path is the host's.
 * Command invocations are counted per program, which is how tests and benches see what a hook ran.
 */
import type { CommandResult, FileOptions, Host, RunOptions, ServiceAction } from '../../../reactive/host/host.js';
import { LocalHost } from '../../../reactive/host/local-host.js';
import { HostCommandError } from '../../../reactive/host/errors.js';
import { PRIVATE_DIRS, type ClusterLab } from './lab.js';

export class LabNodeHost implements Host {
  private readonly local = new LocalHost({ log: () => undefined });
  readonly invocations: string[][] = [];

  constructor(private readonly lab: ClusterLab, readonly node: string) {}

  private map(path: string): string {
    return PRIVATE_DIRS.some((d) => path === d || path.startsWith(`${d}/`)) ? this.lab.nodePath(this.node, path) : path;
  }

  readFile(path: string): Promise<string | null> { return this.local.readFile(this.map(path)); }
  writeFile(path: string, content: string | Uint8Array, options?: FileOptions): Promise<boolean> { return this.local.writeFile(this.map(path), content, options); }
  removeFile(path: string): Promise<boolean> { return this.local.removeFile(this.map(path)); }
  exists(path: string): Promise<boolean> { return this.local.exists(this.map(path)); }
  ensureDirectory(path: string, options?: FileOptions): Promise<boolean> { return this.local.ensureDirectory(this.map(path), options); }

  async aptInstall(): Promise<void> { /* the lab's packages are the host's, installed by the prereqs */ }
  async aptUpgrade(): Promise<void> { /* as above */ }
  async aptPurge(): Promise<void> { throw new Error('lab nodes share the host packages; purge is not supported'); }
  packageVersion(name: string): Promise<string | null> { return this.local.packageVersion(name); }

  async service(action: ServiceAction, name: string): Promise<void> {
    throw new Error(`lab nodes have no service manager (${action} ${name}); start daemons through ClusterLab`);
  }
  async serviceIsActive(): Promise<boolean> { return false; }
  async serviceIsEnabled(): Promise<boolean> { return false; }
  async ensureGroup(): Promise<boolean> { return false; }
  async ensureUser(): Promise<boolean> { return false; }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    this.invocations.push([...argv]);
    const r = await this.lab.exec(this.node, argv, { input: options.input, timeoutMs: options.timeoutMs });
    return r;
  }

  async check(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const r = await this.run(argv, options);
    if (r.exitCode !== 0) {
      throw new HostCommandError({ argv, secretArgs: options.secretArgs, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });
    }
    return r;
  }

  async hostname(): Promise<string> { return this.node; }
  async fqdn(): Promise<string> { return this.node; }
}

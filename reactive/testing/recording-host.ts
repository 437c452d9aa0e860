/**
 * `RecordingHost` is the test harness's machine: files are real files under a temporary root (so templates and
 * charm code can read back what they wrote), while owner/group/mode, packages, services, users and commands are
 * recorded, not performed. Commands must be scripted with `onCommand`: an unscripted command fails loudly, so a
 * test always states what the charm is expected to run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, promises as fs, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import type { CommandResult, FileOptions, Host, RunOptions, ServiceAction, ServiceState } from '../host/host.js';
import { HostCommandError, quoteForMessage, redactArgv } from '../host/errors.js';

export interface FileMeta {
  readonly owner: string;
  readonly group: string;
  readonly mode: number;
}

export interface RecordedWrite extends FileMeta {
  readonly path: string;
  readonly content: string;
}

export interface RecordedServiceAction {
  readonly action: ServiceAction;
  readonly name: string;
}

export interface RecordedPackageAction {
  readonly action: 'install' | 'upgrade' | 'purge';
  readonly packages: readonly string[];
}

export interface RecordedCommand {
  readonly argv: readonly string[];
  readonly input: string | undefined;
  readonly env: Readonly<Record<string, string>> | undefined;
  readonly cwd: string | undefined;
}

export type CommandMatcher = string | readonly string[] | RegExp | ((argv: readonly string[]) => boolean);
export type CommandResponder = (argv: readonly string[], input: string | undefined) => CommandResult | Promise<CommandResult>;

export interface RecordingHostOptions {
  /** Directory that stands for `/`; a fresh temporary directory when omitted (remove it with `cleanup()`). */
  readonly root?: string;
  readonly hostname?: string;
  readonly fqdn?: string;
  /**
   * Check that every package `aptInstall` is asked for exists in the test machine's apt sources (Debian 12, one
   * of the charms' bases), failing like apt-get does otherwise — so a misspelt package fails the unit test.
   */
  readonly checkPackagesWithAptCache?: boolean;
}

/** Names in `names` that `apt-cache policy` on this machine knows no candidate version for. */
export function packagesWithoutCandidate(names: readonly string[]): string[] {
  if (names.length === 0) return [];
  const result = spawnSync('apt-cache', ['policy', ...names], { encoding: 'utf8' });
  if (result.error) throw new Error(`checkPackagesWithAptCache needs apt-cache on the test machine: ${result.error.message}`);
  const withCandidate = new Set<string>();
  let current: string | undefined;
  for (const line of result.stdout.split('\n')) {
    const header = /^(\S+):$/.exec(line);
    if (header) current = header[1];
    else if (current && /^\s+Candidate:\s+(?!\(none\))\S/.test(line)) withCandidate.add(current);
  }
  return names.filter((name) => !withCandidate.has(name));
}

const DEFAULT_VERSION = '0-recorded';

function matches(matcher: CommandMatcher, argv: readonly string[]): boolean {
  if (typeof matcher === 'string') return argv[0] === matcher || argv[0]?.endsWith(`/${matcher}`) === true;
  if (matcher instanceof RegExp) return matcher.test(argv.join(' '));
  if (typeof matcher === 'function') return matcher(argv);
  return matcher.length <= argv.length && matcher.every((part, index) => argv[index] === part);
}

/**
 * Temporary roots not yet removed by cleanup(); the process removes them as it exits, so a test that forgets
 * cleanup() does not leave a directory in /tmp per run. The exit listener is added with the first root, not when
 * this module is imported: importing it changes nothing about the process.
 */
const rootsToRemove = new Set<string>();
let removalRegistered = false;

function removeAtExit(root: string): void {
  rootsToRemove.add(root);
  if (removalRegistered) return;
  removalRegistered = true;
  process.once('exit', () => {
    for (const leftover of rootsToRemove) rmSync(leftover, { recursive: true, force: true });
  });
}

export class RecordingHost implements Host {
  readonly root: string;
  private readonly ownsRoot: boolean;
  private readonly meta = new Map<string, FileMeta>();
  private readonly directories = new Map<string, FileMeta>();
  private readonly installed = new Map<string, string>();
  private readonly available = new Map<string, string>();
  private readonly active = new Set<string>();
  private readonly enabled = new Set<string>();
  private readonly knownUsers = new Map<string, { group: string; home?: string; shell?: string; system: boolean }>();
  private readonly knownGroups = new Set<string>(['root']);
  private readonly memberships = new Map<string, Set<string>>();
  private readonly responders: { matcher: CommandMatcher; respond: CommandResponder }[] = [];
  private shortName: string;
  private fullName: string;
  private readonly checkPackages: boolean;

  private writeLog: RecordedWrite[] = [];
  private serviceLog: RecordedServiceAction[] = [];
  private packageLog: RecordedPackageAction[] = [];
  private commandLog: RecordedCommand[] = [];
  private userLog: string[] = [];
  private groupLog: string[] = [];

  constructor(options: RecordingHostOptions = {}) {
    this.ownsRoot = options.root === undefined;
    this.root = options.root ?? mkdtempSync(join(tmpdir(), 'recording-host-'));
    if (this.ownsRoot) removeAtExit(this.root);
    this.shortName = options.hostname ?? 'juju-machine-0';
    this.fullName = options.fqdn ?? `${this.shortName}.localdomain`;
    this.checkPackages = options.checkPackagesWithAptCache ?? false;
    this.knownUsers.set('root', { group: 'root', home: '/root', shell: '/bin/bash', system: true });
  }

  /** Removes the temporary root when this host created it. */
  cleanup(): void {
    if (!this.ownsRoot) return;
    rmSync(this.root, { recursive: true, force: true });
    rootsToRemove.delete(this.root);
  }

  /** Where an absolute machine path lives on the test's disk. */
  pathOnDisk(path: string): string {
    if (!isAbsolute(path)) throw new Error(`host paths must be absolute, got '${path}'`);
    return join(this.root, normalize(path));
  }

  // ---- test set-up ----

  onCommand(matcher: CommandMatcher, respond: CommandResponder): this {
    this.responders.unshift({ matcher, respond }); // the latest script wins, so a test can override a default
    return this;
  }

  /** The installed version of a package (null: not installed), as `packageVersion` will answer. */
  setPackageVersion(name: string, version: string | null): this {
    if (version === null) this.installed.delete(name);
    else this.installed.set(name, version);
    return this;
  }

  /** The version `aptInstall` installs for `name` (default `0-recorded`). */
  setAvailableVersion(name: string, version: string): this {
    this.available.set(name, version);
    return this;
  }

  setServiceActive(name: string, active: boolean): this {
    if (active) this.active.add(name);
    else this.active.delete(name);
    return this;
  }

  setServiceEnabled(name: string, enabled: boolean): this {
    if (enabled) this.enabled.add(name);
    else this.enabled.delete(name);
    return this;
  }

  setHostname(hostname: string, fqdn = `${hostname}.localdomain`): this {
    this.shortName = hostname;
    this.fullName = fqdn;
    return this;
  }

  /** A file that exists before the hook runs (not recorded as a write). */
  async seedFile(path: string, content: string | Uint8Array, meta: Partial<FileMeta> = {}): Promise<this> {
    const onDisk = this.pathOnDisk(path);
    await fs.mkdir(dirname(onDisk), { recursive: true });
    await fs.writeFile(onDisk, content);
    this.meta.set(normalize(path), { owner: meta.owner ?? 'root', group: meta.group ?? 'root', mode: meta.mode ?? 0o644 });
    return this;
  }

  /** Forgets the records (writes, actions, commands) but keeps the state (files, packages, active services). */
  clearRecords(): void {
    this.writeLog = [];
    this.serviceLog = [];
    this.packageLog = [];
    this.commandLog = [];
    this.userLog = [];
    this.groupLog = [];
  }

  // ---- queries for tests ----

  /** Content of a file written (or seeded) at a machine path, or null. */
  file(path: string): string | null {
    try {
      return readFileSync(this.pathOnDisk(path), 'utf8');
    } catch {
      return null;
    }
  }

  fileMeta(path: string): FileMeta | null {
    return this.meta.get(normalize(path)) ?? null;
  }

  directoryMeta(path: string): FileMeta | null {
    return this.directories.get(normalize(path)) ?? null;
  }

  /** Writes that changed something, in order. */
  get writes(): readonly RecordedWrite[] { return this.writeLog; }
  get serviceActions(): readonly RecordedServiceAction[] { return this.serviceLog; }
  get packageActions(): readonly RecordedPackageAction[] { return this.packageLog; }
  get commands(): readonly RecordedCommand[] { return this.commandLog; }
  /** Users and groups created since the last `clearRecords()`. */
  get usersCreated(): readonly string[] { return this.userLog; }
  get groupsCreated(): readonly string[] { return this.groupLog; }
  get installedPackages(): ReadonlyMap<string, string> { return this.installed; }
  get activeServices(): ReadonlySet<string> { return this.active; }
  get enabledServices(): ReadonlySet<string> { return this.enabled; }
  user(name: string): { group: string; home?: string; shell?: string; system: boolean } | null {
    return this.knownUsers.get(name) ?? null;
  }
  hasGroup(name: string): boolean { return this.knownGroups.has(name); }

  // ---- Host: files ----

  async readFile(path: string): Promise<string | null> {
    try {
      return await fs.readFile(this.pathOnDisk(path), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async writeFile(path: string, content: string | Uint8Array, options: FileOptions = {}): Promise<boolean> {
    const onDisk = this.pathOnDisk(path);
    const key = normalize(path);
    const want: FileMeta = { owner: options.owner ?? 'root', group: options.group ?? 'root', mode: options.mode ?? 0o644 };
    this.checkOwnership(path, want);
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    const current = await fs.readFile(onDisk).catch(() => null);
    const had = this.meta.get(key);
    if (current && Buffer.compare(current, data) === 0 && had && sameMeta(had, want)) return false;
    await fs.mkdir(dirname(onDisk), { recursive: true });
    await fs.writeFile(onDisk, data);
    this.meta.set(key, want);
    this.writeLog.push({ path: key, content: data.toString('utf8'), ...want });
    return true;
  }

  async removeFile(path: string): Promise<boolean> {
    this.meta.delete(normalize(path));
    try {
      await fs.unlink(this.pathOnDisk(path));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  async exists(path: string): Promise<boolean> {
    return fs.stat(this.pathOnDisk(path)).then(() => true, () => false);
  }

  async listDirectory(path: string): Promise<string[]> {
    try {
      return (await fs.readdir(this.pathOnDisk(path))).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async ensureDirectory(path: string, options: FileOptions = {}): Promise<boolean> {
    const key = normalize(path);
    const want: FileMeta = { owner: options.owner ?? 'root', group: options.group ?? 'root', mode: options.mode ?? 0o755 };
    this.checkOwnership(path, want);
    const had = this.directories.get(key);
    if (had && sameMeta(had, want)) return false;
    await fs.mkdir(this.pathOnDisk(path), { recursive: true });
    this.directories.set(key, want);
    return true;
  }

  /** Same failures LocalHost gives: a mode that is not a permission mode, a user or group that does not exist. */
  private checkOwnership(path: string, want: FileMeta): void {
    if (!Number.isInteger(want.mode) || want.mode < 0 || want.mode > 0o7777) {
      throw new Error(`cannot write ${path}: mode ${String(want.mode)} is not a permission mode between 0 and 0o7777`);
    }
    if (!/^\d+$/.test(want.owner) && !this.knownUsers.has(want.owner)) {
      throw new Error(`cannot set the user of ${path}: user '${want.owner}' does not exist (create it first with ensureUser)`);
    }
    if (!/^\d+$/.test(want.group) && !this.knownGroups.has(want.group)) {
      throw new Error(`cannot set the group of ${path}: group '${want.group}' does not exist (create it first with ensureGroup)`);
    }
  }

  // ---- Host: packages ----

  async aptInstall(packages: readonly string[]): Promise<void> {
    const missing = packages.filter((name) => !this.installed.has(name));
    if (missing.length === 0) return;
    const unknown = this.checkPackages ? packagesWithoutCandidate(missing) : [];
    if (unknown.length > 0) {
      throw new HostCommandError({
        argv: ['apt-get', '-q', '-y', 'install', ...missing], exitCode: 100,
        stderr: unknown.map((name) => `E: Unable to locate package ${name}`).join('\n'),
        hint: `no apt source of the test machine has ${unknown.join(', ')}: check the package name`,
      });
    }
    this.packageLog.push({ action: 'install', packages: missing });
    for (const name of missing) this.installed.set(name, this.available.get(name) ?? DEFAULT_VERSION);
  }

  async aptUpgrade(packages?: readonly string[]): Promise<void> {
    const targets = packages ?? [...this.installed.keys()];
    this.packageLog.push({ action: 'upgrade', packages: [...targets] });
    for (const name of targets) {
      const newer = this.available.get(name);
      if (this.installed.has(name) && newer !== undefined) this.installed.set(name, newer);
    }
  }

  async aptPurge(packages: readonly string[]): Promise<void> {
    const present = packages.filter((name) => this.installed.has(name));
    if (present.length === 0) return;
    this.packageLog.push({ action: 'purge', packages: present });
    for (const name of present) this.installed.delete(name);
  }

  async packageVersion(name: string): Promise<string | null> {
    return this.installed.get(name) ?? null;
  }

  // ---- Host: services ----

  async service(action: ServiceAction, name: string): Promise<void> {
    if (action === 'reload' && !this.active.has(name)) {
      // systemctl refuses to reload a unit that is not running; charms must not rely on it.
      throw new HostCommandError({ argv: ['systemctl', 'reload', name], exitCode: 1, stderr: `Job for ${name} failed: unit is not active` });
    }
    this.serviceLog.push({ action, name });
    if (action === 'start' || action === 'restart') this.active.add(name);
    if (action === 'stop') this.active.delete(name);
    if (action === 'enable') this.enabled.add(name);
    if (action === 'disable') this.enabled.delete(name);
  }

  async serviceIsActive(name: string): Promise<boolean> {
    return this.active.has(name);
  }

  async serviceStates(names: readonly string[]): Promise<ReadonlyMap<string, ServiceState>> {
    return new Map(names.map((name) => [name, { active: this.active.has(name), enabled: this.enabled.has(name) }]));
  }

  async serviceIsEnabled(name: string): Promise<boolean> {
    return this.enabled.has(name);
  }

  // ---- Host: users and groups ----

  async ensureGroup(name: string): Promise<boolean> {
    if (this.knownGroups.has(name)) return false;
    this.knownGroups.add(name);
    this.groupLog.push(name);
    return true;
  }

  async ensureUser(name: string, options: { group?: string; home?: string; shell?: string; system?: boolean } = {}): Promise<boolean> {
    if (options.group !== undefined) await this.ensureGroup(options.group);
    if (this.knownUsers.has(name)) return false;
    const group = options.group ?? name;
    if (options.group === undefined) await this.ensureGroup(name);
    this.knownUsers.set(name, { group, home: options.home, shell: options.shell, system: options.system ?? false });
    this.userLog.push(name);
    return true;
  }

  async groupExists(name: string): Promise<boolean> {
    return this.knownGroups.has(name);
  }

  async ensureGroupMember(user: string, group: string): Promise<boolean> {
    if (!this.knownGroups.has(group)) throw new Error(`cannot add ${user} to group ${group}: the group does not exist`);
    const account = this.knownUsers.get(user);
    if (!account) throw new Error(`cannot add ${user} to group ${group}: the user does not exist`);
    const members = this.memberships.get(group) ?? new Set<string>();
    if (account.group === group || members.has(user)) return false;
    this.memberships.set(group, members.add(user));
    return true;
  }

  /** Supplementary members of a group, sorted. */
  groupMembers(group: string): string[] { return [...(this.memberships.get(group) ?? [])].sort(); }

  // ---- Host: commands ----

  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    this.commandLog.push({ argv: [...argv], input: options.input, env: options.env, cwd: options.cwd });
    const responder = this.responders.find((entry) => matches(entry.matcher, argv));
    if (!responder) {
      throw new Error(
        `RecordingHost: no script for command: ${quoteForMessage(redactArgv(argv, options.secretArgs))}; ` +
        `tell the test what it answers with host.onCommand(${JSON.stringify(argv[0] ?? '')}, (argv, input) => ({ exitCode: 0, stdout: '', stderr: '' }))`,
      );
    }
    return responder.respond(argv, options.input);
  }

  async check(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const result = await this.run(argv, options);
    if (result.exitCode !== 0) {
      throw new HostCommandError({ argv, secretArgs: options.secretArgs, exitCode: result.exitCode, stderr: result.stderr, stdout: result.stdout });
    }
    return result;
  }

  async hostname(): Promise<string> { return this.shortName; }
  async fqdn(): Promise<string> { return this.fullName; }
}

function sameMeta(a: FileMeta, b: FileMeta): boolean {
  return a.owner === b.owner && a.group === b.group && a.mode === b.mode;
}

/**
 * `LocalHost` performs host operations on the machine the hook runs on. One instance lives for one hook, which
 * is what makes "apt-get update at most once per hook" and the account and package listings kept per hook safe.
 */
import { hostname as osHostname } from 'node:os';
import { promises as fs } from 'node:fs';
import type { CommandResult, FileOptions, Host, RunOptions, ServiceAction, ServiceState } from './host.js';
import { Apt } from './apt.js';
import { ensureDirectoryOwned, removeFileDurably, writeFileAtomic, type Ownership } from './atomic-file.js';
import { runProgram } from '../process/run-program.js';
import { failureHint, HostCommandError, missingProgramHint } from './errors.js';

export interface LocalHostOptions {
  /** Extra environment for every command (tests put fake programs first on PATH this way). */
  readonly env?: Readonly<Record<string, string>>;
  /** Seconds apt-get waits for the dpkg lock; default 600. */
  readonly aptLockTimeoutSeconds?: number;
  /** Delays before apt retries; the length bounds the retries. Default 5 s, 15 s, 30 s. */
  readonly aptRetryDelaysMs?: readonly number[];
  /** Progress lines (apt attempts, user creation). Default: stdout, which Juju logs at DEBUG. */
  readonly log?: (line: string) => void;
}

const DEFAULT_FILE_MODE = 0o644;
const DEFAULT_DIRECTORY_MODE = 0o755;
/** The ActiveState values for which `systemctl is-active` succeeds. */
const ACTIVE_STATES = new Set(['active', 'reloading', 'refreshing']);
/** The UnitFileState values for which `systemctl is-enabled` succeeds. */
const ENABLED_STATES = new Set(['enabled', 'enabled-runtime', 'static', 'alias', 'indirect', 'generated', 'transient']);

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

export class LocalHost implements Host {
  private readonly env: Readonly<Record<string, string>>;
  private readonly log: (line: string) => void;
  private readonly apt: Apt;
  private cachedFqdn: string | undefined;

  constructor(options: LocalHostOptions = {}) {
    this.env = options.env ?? {};
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
    this.apt = new Apt((argv, runOptions) => this.run(argv, runOptions), {
      lockTimeoutSeconds: options.aptLockTimeoutSeconds,
      retryDelaysMs: options.aptRetryDelaysMs,
      log: this.log,
    });
  }

  // ---- files ----

  async readFile(path: string): Promise<string | null> {
    try {
      return await fs.readFile(path, 'utf8');
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async listDirectory(path: string): Promise<string[]> {
    try {
      return (await fs.readdir(path)).sort();
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }

  async writeFile(path: string, content: string | Uint8Array, options: FileOptions = {}): Promise<boolean> {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    return writeFileAtomic(path, data, await this.ownership(path, options, DEFAULT_FILE_MODE));
  }

  removeFile(path: string): Promise<boolean> {
    return removeFileDurably(path);
  }

  async exists(path: string): Promise<boolean> {
    try {
      await fs.stat(path);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async ensureDirectory(path: string, options: FileOptions = {}): Promise<boolean> {
    return ensureDirectoryOwned(path, await this.ownership(path, options, DEFAULT_DIRECTORY_MODE));
  }

  private async ownership(path: string, options: FileOptions, defaultMode: number): Promise<Ownership> {
    const mode = options.mode ?? defaultMode;
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
      throw new Error(`cannot write ${path}: mode ${String(options.mode)} is not a permission mode between 0 and 0o7777`);
    }
    const uid = options.owner === undefined ? process.getuid?.() ?? 0 : await this.lookupId('passwd', options.owner, path);
    const gid = options.group === undefined ? process.getgid?.() ?? 0 : await this.lookupId('group', options.group, path);
    return { uid, gid, mode };
  }

  private async lookupId(database: 'passwd' | 'group', name: string, path: string): Promise<number> {
    if (/^\d+$/.test(name)) return Number(name);
    const entry = await this.getent(database, name);
    const id = entry ? Number(entry[2]) : NaN;
    if (!Number.isInteger(id)) {
      const what = database === 'passwd' ? 'user' : 'group';
      throw new Error(`cannot set the ${what} of ${path}: ${what} '${name}' does not exist (create it first with ensure${database === 'passwd' ? 'User' : 'Group'})`);
    }
    return id;
  }

  /**
   * The getent fields of `name`, or null when it does not exist (getent exits 2). The first lookup in a database
   * lists it whole (one process instead of one per name; charms look up the same few users and groups in many
   * places); a name the listing lacks (a directory service that does not enumerate) is asked for on its own.
   * Creating or changing an account drops the listings.
   */
  private async getent(database: 'passwd' | 'group', name: string): Promise<string[] | null> {
    let listing = this.accounts.get(database);
    if (listing === undefined) {
      listing = await this.listAccounts(database);
      this.accounts.set(database, listing);
    }
    const listed = listing.get(name);
    if (listed) return listed;
    const result = await this.run(['getent', database, name]);
    if (result.exitCode === 2) return null;
    if (result.exitCode !== 0) {
      throw new HostCommandError({ argv: ['getent', database, name], exitCode: result.exitCode, stderr: result.stderr });
    }
    const fields = result.stdout.trim().split(':');
    listing.set(name, fields);
    return fields;
  }

  private readonly accounts = new Map<'passwd' | 'group', Map<string, string[]>>();

  private async listAccounts(database: 'passwd' | 'group'): Promise<Map<string, string[]>> {
    const entries = new Map<string, string[]>();
    const result = await this.run(['getent', database]);
    // a failed listing only means one lookup per name
    if (result.exitCode !== 0) return entries;
    for (const line of result.stdout.split('\n')) {
      const fields = line.split(':');
      // the first entry of a name wins, as in a lookup by name
      if (fields.length >= 3 && fields[0] && !entries.has(fields[0])) entries.set(fields[0], fields);
    }
    return entries;
  }

  /** After groupadd, useradd or usermod: what getent answers has changed. */
  private forgetAccounts(): void {
    this.accounts.clear();
  }

  // ---- packages ----

  aptInstall(packages: readonly string[]): Promise<void> {
    return this.apt.install(packages);
  }

  aptUpgrade(packages?: readonly string[]): Promise<void> {
    return this.apt.upgrade(packages);
  }

  aptPurge(packages: readonly string[]): Promise<void> {
    return this.apt.purge(packages);
  }

  async packageVersion(name: string): Promise<string | null> {
    return (await this.apt.installedVersions([name])).get(name) ?? null;
  }

  // ---- services ----

  async service(action: ServiceAction, name: string): Promise<void> {
    await this.check(['systemctl', action, name]);
  }

  async serviceIsActive(name: string): Promise<boolean> {
    return (await this.run(['systemctl', 'is-active', '--quiet', name])).exitCode === 0;
  }

  async serviceStates(names: readonly string[]): Promise<ReadonlyMap<string, ServiceState>> {
    const states = new Map<string, ServiceState>();
    if (names.length === 0) return states;
    // One block of properties per unit, in the order asked, blocks separated by an empty line. A unit that does not
    // exist still gets its block (inactive, no unit file state). Without a running systemd every unit reads as
    // inactive and disabled, as is-active and is-enabled would report.
    const result = await this.run(['systemctl', 'show', '--property=ActiveState,UnitFileState', '--', ...names]);
    const blocks = result.exitCode === 0 ? result.stdout.trim().split(/\n\s*\n/) : [];
    names.forEach((name, i) => {
      const properties = new Map((blocks[i] ?? '').split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).trim()] as const));
      states.set(name, {
        active: ACTIVE_STATES.has(properties.get('ActiveState') ?? ''),
        enabled: ENABLED_STATES.has(properties.get('UnitFileState') ?? ''),
      });
    });
    return states;
  }

  /** systemctl's own answer: enabled, enabled-runtime, static, alias, indirect, generated and transient count. */
  async serviceIsEnabled(name: string): Promise<boolean> {
    return (await this.run(['systemctl', 'is-enabled', '--quiet', name])).exitCode === 0;
  }

  // ---- users and groups ----

  async ensureGroup(name: string, options: { system?: boolean } = {}): Promise<boolean> {
    if (await this.getent('group', name)) return false;
    this.log(`host: creating group ${name}`);
    await this.check(['groupadd', ...(options.system ? ['--system'] : []), name]);
    this.forgetAccounts();
    return true;
  }

  async ensureUser(name: string, options: { group?: string; home?: string; shell?: string; system?: boolean } = {}): Promise<boolean> {
    if (options.group !== undefined) await this.ensureGroup(options.group, { system: options.system });
    if (await this.getent('passwd', name)) return false;
    const argv = ['useradd'];
    if (options.system) argv.push('--system');
    // Without a named group, a group of the user's name (useradd's Debian default, made explicit).
    argv.push(...(options.group !== undefined ? ['--gid', options.group] : ['--user-group']));
    if (options.home !== undefined) argv.push('--home-dir', options.home);
    // Service users get no skeleton files in their (data) home; people do.
    argv.push(options.system ? '--no-create-home' : '--create-home');
    argv.push('--shell', options.shell ?? (options.system ? '/usr/sbin/nologin' : '/bin/bash'));
    argv.push(name);
    this.log(`host: creating user ${name}`);
    await this.check(argv);
    this.forgetAccounts();
    return true;
  }

  async groupExists(name: string): Promise<boolean> {
    return (await this.getent('group', name)) !== null;
  }

  async ensureGroupMember(user: string, group: string): Promise<boolean> {
    const entry = await this.getent('group', group);
    if (!entry) throw new Error(`cannot add ${user} to group ${group}: the group does not exist`);
    const account = await this.getent('passwd', user);
    if (!account) throw new Error(`cannot add ${user} to group ${group}: the user does not exist`);
    if (account[3] === entry[2] || (entry[3] ?? '').split(',').includes(user)) return false;
    this.log(`host: adding ${user} to group ${group}`);
    await this.check(['usermod', '--append', '--groups', group, user]);
    this.forgetAccounts();
    return true;
  }

  // ---- commands ----

  /**
   * Never throws for a non-zero exit. Throws HostCommandError when the program cannot be started (not found,
   * not executable) or is killed for exceeding `timeoutMs`: there is no exit code to inspect then.
   * stdout/stderr are returned exactly as printed (final newline kept).
   */
  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const [program, ...args] = argv;
    if (!program) throw new Error('run: empty argv');
    const result = await runProgram(program, args, {
      input: options.input,
      env: { ...process.env, ...this.env, ...options.env },
      cwd: options.cwd,
      timeoutMs: options.timeoutMs,
    });
    const { stdout, stderr, failure } = result;
    if (failure !== undefined || result.exitCode === null) {
      const base = { argv, secretArgs: options.secretArgs, exitCode: null, stderr };
      if (failure?.kind === 'start' && failure.code === 'ENOENT') throw new HostCommandError({ ...base, reason: 'could not start: not found', hint: missingProgramHint(program) });
      if (failure?.kind === 'start' && failure.code === 'EACCES') throw new HostCommandError({ ...base, reason: 'could not start: permission denied', hint: `make ${program} executable (chmod +x)` });
      if (failure?.kind === 'start') throw new HostCommandError({ ...base, reason: `could not start (${failure.code})` });
      if (failure?.kind === 'timeout') throw new HostCommandError({ ...base, reason: `was killed after the ${options.timeoutMs} ms time limit` });
      if (failure?.kind === 'output-limit') throw new HostCommandError({ ...base, reason: 'was killed: it printed more than 256 MiB' });
      throw new HostCommandError({ ...base, reason: `was killed by ${result.signal ?? 'a signal'}` });
    }
    return { exitCode: result.exitCode, stdout, stderr };
  }

  async check(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const result = await this.run(argv, options);
    if (result.exitCode !== 0) {
      throw new HostCommandError({
        argv, secretArgs: options.secretArgs, exitCode: result.exitCode, stderr: result.stderr, stdout: result.stdout,
        hint: failureHint(argv, result.stderr),
      });
    }
    return result;
  }

  // ---- identity ----

  async hostname(): Promise<string> {
    return osHostname().split('.')[0] ?? osHostname();
  }

  /** `hostname -f`; the short name when resolution fails (no DNS entry, /etc/hosts without the name). */
  async fqdn(): Promise<string> {
    if (this.cachedFqdn !== undefined) return this.cachedFqdn;
    const short = await this.hostname();
    let fqdn = short;
    try {
      const result = await this.run(['hostname', '-f'], { timeoutMs: 10_000 });
      const answer = result.stdout.trim();
      if (result.exitCode === 0 && answer) fqdn = answer;
    } catch {
      // no hostname program: the short name is the best we know
    }
    this.cachedFqdn = fqdn;
    return fqdn;
  }
}

/**
 * apt-get as a hook should run it: non-interactive, keeping local config files, waiting for the dpkg lock held by
 * unattended-upgrades or another unit's hook, refreshing the package lists at most once per hook when a package
 * is unknown or a download 404s, and retrying transient failures a bounded number of times with backoff.
 */
import type { CommandResult, RunOptions } from './host.js';
import { HostCommandError } from './errors.js';

export type Runner = (argv: readonly string[], options?: RunOptions) => Promise<CommandResult>;

export interface AptOptions {
  /** Seconds apt-get waits for the dpkg lock before failing (DPkg::Lock::Timeout). */
  readonly lockTimeoutSeconds?: number;
  /** Delay before each retry; its length bounds the number of retries. */
  readonly retryDelaysMs?: readonly number[];
  readonly log?: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_RETRY_DELAYS_MS = [5_000, 15_000, 30_000];
const APT_ERROR_EXIT = 100;

/** What an apt-get failure means for the next step. Exported for unit tests. */
export type AptFailure = 'unknown-package' | 'fetch' | 'lock' | 'interrupted' | 'other';

export function classifyAptFailure(result: CommandResult): AptFailure {
  if (result.exitCode !== APT_ERROR_EXIT) return 'other';
  const text = result.stderr;
  if (/Unable to locate package|has no installation candidate|Couldn't find any package/i.test(text)) return 'unknown-package';
  if (/dpkg was interrupted/i.test(text)) return 'interrupted';
  if (/Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock|is another process using it/i.test(text)) return 'lock';
  if (/Failed to fetch|Unable to fetch|Temporary failure resolving|Could not resolve|Could not connect|Connection failed|Hash Sum mismatch|Connection timed out/i.test(text)) return 'fetch';
  return 'other';
}

function hintFor(failure: AptFailure, packages: readonly string[], lockTimeoutSeconds: number): string {
  switch (failure) {
    case 'unknown-package':
      return `a package in [${packages.join(' ')}] is in no configured apt source even after apt-get update; check the name and /etc/apt/sources.list(.d)`;
    case 'lock':
      return `another apt/dpkg process held the lock for more than ${lockTimeoutSeconds}s after retries; let it finish, then retry the hook`;
    case 'fetch':
      return 'the apt mirror could not be reached or served a stale index; check the machine\'s network and apt sources, then retry the hook';
    case 'interrupted':
      return "run 'dpkg --configure -a' on the machine, then retry the hook";
    case 'other':
      return 'read the apt-get output above; fix the package state (dpkg --audit) and retry the hook';
  }
}

export class Apt {
  private listsUpdated = false;
  private readonly lockTimeoutSeconds: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly log: (line: string) => void;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly run: Runner,
    options: AptOptions = {},
  ) {
    this.lockTimeoutSeconds = options.lockTimeoutSeconds ?? 600;
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Installed versions of `names` (absent → not installed). The first call lists every package in one dpkg-query
   * and later calls of the hook read that list (a charm asks about a few packages in several places, and each
   * process start costs a small machine 5-15 ms); any apt-get run or dpkg repair drops it.
   */
  async installedVersions(names: readonly string[]): Promise<Map<string, string>> {
    const versions = new Map<string, string>();
    if (names.length === 0) return versions;
    this.installed ??= await this.listInstalled();
    for (const name of names) {
      const version = this.installed.get(name);
      if (version !== undefined) versions.set(name, version);
    }
    return versions;
  }

  private installed: Map<string, string> | undefined;

  private async listInstalled(): Promise<Map<string, string>> {
    const installed = new Map<string, string>();
    const result = await this.run(['dpkg-query', '-W', '-f', '${Package}\t${db:Status-Status}\t${Version}\n']);
    for (const line of result.stdout.split('\n')) {
      const [name, status, version] = line.split('\t');
      if (name && status === 'installed' && version) installed.set(name, version);
    }
    return installed;
  }

  async install(packages: readonly string[]): Promise<void> {
    const installed = await this.installedVersions(packages.map(stripArch));
    // A pinned version (name=version) is left to apt-get to compare.
    const missing = packages.filter((name) => name.includes('=') || !installed.has(stripArch(name)));
    if (missing.length === 0) return;
    await this.aptGet(['install', '--no-install-recommends', ...missing], missing);
  }

  async upgrade(packages?: readonly string[]): Promise<void> {
    if (packages === undefined) {
      await this.aptGet(['upgrade'], []);
      return;
    }
    if (packages.length > 0) await this.aptGet(['install', '--only-upgrade', ...packages], packages);
  }

  async purge(packages: readonly string[]): Promise<void> {
    const installed = await this.installedVersions(packages.map(stripArch));
    // dpkg also keeps config files of removed packages ("config-files" state); purge those too.
    const present = await this.knownToDpkg(packages.map(stripArch));
    const targets = packages.filter((name) => installed.has(stripArch(name)) || present.has(stripArch(name)));
    if (targets.length === 0) return;
    await this.aptGet(['purge', ...targets], targets);
  }

  private async knownToDpkg(names: readonly string[]): Promise<Set<string>> {
    const result = await this.run(['dpkg-query', '-W', '-f', '${Package}\t${db:Status-Status}\n', ...names]);
    const known = new Set<string>();
    for (const line of result.stdout.split('\n')) {
      const [name, status] = line.split('\t');
      if (name && status && status !== 'not-installed') known.add(name);
    }
    return known;
  }

  private async update(): Promise<void> {
    this.listsUpdated = true;
    this.log('apt: refreshing package lists (apt-get update)');
    const argv = ['apt-get', '-o', `DPkg::Lock::Timeout=${this.lockTimeoutSeconds}`, '-q', 'update'];
    const result = await this.run(argv, { env: { DEBIAN_FRONTEND: 'noninteractive' } });
    // A failed update (one unreachable source) still refreshes the others; the retry below decides.
    if (result.exitCode !== 0) this.log(`apt: apt-get update exited ${result.exitCode}; continuing`);
  }

  private async aptGet(command: readonly string[], packages: readonly string[]): Promise<void> {
    const argv = [
      'apt-get', '-o', `DPkg::Lock::Timeout=${this.lockTimeoutSeconds}`,
      '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold',
      '-q', '-y', ...command,
    ];
    const label = `apt-get ${command.join(' ')}`;
    const attempts = this.retryDelaysMs.length + 1;
    // whatever happens below, what is installed may change
    this.installed = undefined;
    for (let attempt = 1; ; attempt++) {
      this.log(`apt: ${label}${attempt > 1 ? ` (attempt ${attempt}/${attempts})` : ''}`);
      const result = await this.run(argv, { env: { DEBIAN_FRONTEND: 'noninteractive' } });
      if (result.exitCode === 0) return;
      const failure = classifyAptFailure(result);
      const retryable = failure !== 'other' && attempt < attempts && (failure !== 'unknown-package' || !this.listsUpdated);
      if (!retryable) {
        throw new HostCommandError({
          argv, exitCode: result.exitCode, stderr: result.stderr, hint: hintFor(failure, packages, this.lockTimeoutSeconds),
        });
      }
      this.log(`apt: ${label} failed (${failure}); retrying`);
      if (failure === 'unknown-package' || (failure === 'fetch' && !this.listsUpdated)) {
        await this.update();
        if (failure === 'unknown-package') continue; // the lists were stale: no reason to wait
      } else if (failure === 'interrupted') {
        await this.run(['dpkg', '--configure', '-a'], { env: { DEBIAN_FRONTEND: 'noninteractive' } });
      }
      await this.sleep(this.retryDelaysMs[attempt - 1] ?? 0);
    }
  }
}

/** `name:arch` / `name=version` → `name`, as dpkg-query prints it. */
function stripArch(name: string): string {
  return name.split(/[:=]/)[0] ?? name;
}

/**
 * The seam between a charm and the machine it runs on. Every change a handler makes to the machine goes through
 * a `Host`: `LocalHost` performs it, the test harness's `RecordingHost` records it under a temporary root.
 */

export interface FileOptions {
  readonly owner?: string;
  readonly group?: string;
  /** Octal file mode, e.g. 0o640. Defaults to 0o644. */
  readonly mode?: number;
}

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Text written to the command's stdin. */
  readonly input?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Milliseconds before the command is killed. */
  readonly timeoutMs?: number;
  /** Argument positions (0 = the program) whose values are secret: redacted in errors and logs. */
  readonly secretArgs?: readonly number[];
}

export interface ServiceState {
  readonly active: boolean;
  readonly enabled: boolean;
}

export type ServiceAction = 'enable' | 'disable' | 'start' | 'stop' | 'restart' | 'reload';

export interface Host {
  /** The file's text, or null when it does not exist. */
  readFile(path: string): Promise<string | null>;
  /**
   * Writes atomically (temporary file in the same directory, fsync, rename) with owner, group and mode.
   * Returns true when content, owner, group or mode changed; false (and touches nothing) otherwise.
   */
  writeFile(path: string, content: string | Uint8Array, options?: FileOptions): Promise<boolean>;
  /** Returns true when the file existed. */
  removeFile(path: string): Promise<boolean>;
  exists(path: string): Promise<boolean>;
  /** The names in a directory, sorted; empty when it does not exist. */
  listDirectory(path: string): Promise<string[]>;
  ensureDirectory(path: string, options?: FileOptions): Promise<boolean>;

  /** apt-get install -y; waits for the dpkg lock and retries a bounded number of times. */
  aptInstall(packages: readonly string[]): Promise<void>;
  aptUpgrade(packages?: readonly string[]): Promise<void>;
  aptPurge(packages: readonly string[]): Promise<void>;
  /** Installed version of a package (dpkg-query), or null. */
  packageVersion(name: string): Promise<string | null>;

  service(action: ServiceAction, name: string): Promise<void>;
  serviceIsActive(name: string): Promise<boolean>;
  /**
   * Whether each of `names` is active and enabled, as `is-active` and `is-enabled` would say, from one systemctl
   * call: a hook that looks at several services pays for one process instead of two per service.
   */
  serviceStates(names: readonly string[]): Promise<ReadonlyMap<string, ServiceState>>;
  serviceIsEnabled(name: string): Promise<boolean>;

  ensureGroup(name: string, options?: { system?: boolean }): Promise<boolean>;
  ensureUser(name: string, options?: { group?: string; home?: string; shell?: string; system?: boolean }): Promise<boolean>;
  groupExists(name: string): Promise<boolean>;
  /** Adds an existing user to an existing group (supplementary). True when it was not a member before. */
  ensureGroupMember(user: string, group: string): Promise<boolean>;

  /** Runs a program (no shell). Never throws for a non-zero exit: callers inspect exitCode. */
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
  /** Runs a program and throws HostCommandError (command, redacted args, stderr) on a non-zero exit. */
  check(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;

  /** Short host name and fully qualified domain name of this machine. */
  hostname(): Promise<string>;
  fqdn(): Promise<string>;
}

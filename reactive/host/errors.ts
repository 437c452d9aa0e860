/**
 * Errors raised by `Host` implementations. A failed command must tell the operator what ran, how it failed and,
 * when we can tell, what to do — without ever printing a secret argument.
 */

export const REDACTED = '***';

/** Programs charms commonly run, and the Debian package that ships each (for "command not found" hints). */
const PROGRAM_PACKAGES: Readonly<Record<string, string>> = {
  'apt-get': 'apt',
  'dpkg-query': 'dpkg',
  systemctl: 'systemd',
  useradd: 'passwd',
  groupadd: 'passwd',
  usermod: 'passwd',
  getent: 'libc-bin',
  hostname: 'hostname',
  crm: 'crmsh',
  crm_mon: 'pacemaker-cli-utils',
  crm_resource: 'pacemaker-cli-utils',
  crm_attribute: 'pacemaker-cli-utils',
  crm_verify: 'pacemaker-cli-utils',
  crm_simulate: 'pacemaker-cli-utils',
  cibadmin: 'pacemaker-cli-utils',
  cibsecret: 'pacemaker-cli-utils',
  corosync: 'corosync',
  'corosync-cfgtool': 'corosync',
  'corosync-quorumtool': 'corosync',
  'corosync-keygen': 'corosync',
  pacemaker_remoted: 'pacemaker-remote',
  stonith: 'cluster-glue',
  'masakari-manage': 'masakari-api',
  'masakari-api': 'masakari-api',
  'masakari-engine': 'masakari-engine',
  'masakari-hostmonitor': 'masakari-monitors',
  'masakari-instancemonitor': 'masakari-monitors',
  'masakari-processmonitor': 'masakari-monitors',
  haproxy: 'haproxy',
  a2ensite: 'apache2',
  a2enmod: 'apache2',
  a2dissite: 'apache2',
  openssl: 'openssl',
  mysql: 'mariadb-client',
  virsh: 'libvirt-clients',
  ip: 'iproute2',
  curl: 'curl',
};

/** The Debian package that provides `program` (a name or a path), when we know it. */
export function packageForProgram(program: string): string | undefined {
  const base = program.slice(program.lastIndexOf('/') + 1);
  return PROGRAM_PACKAGES[base];
}

/** argv with the values at `secretPositions` replaced by `***`. */
export function redactArgv(argv: readonly string[], secretPositions: readonly number[] = []): string[] {
  const secret = new Set(secretPositions);
  return argv.map((arg, index) => (secret.has(index) ? REDACTED : arg));
}

/** Replaces every occurrence of a secret value (a program may echo its arguments) with `***`. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** Shell-like quoting for messages only (the command never runs through a shell). */
export function quoteForMessage(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The last `maxLines` non-empty lines of a command's stderr, for an error message. */
export function tail(text: string, maxLines = 8): string {
  const lines = text.split('\n').map((line) => line.trimEnd()).filter((line) => line.length > 0);
  return lines.slice(-maxLines).join('\n');
}

export interface HostCommandErrorDetails {
  /** The full argv as run; secrets are redacted before anything is stored on the error. */
  readonly argv: readonly string[];
  readonly secretArgs?: readonly number[];
  /** Exit code, or null when the program did not run to an exit (not found, killed, timed out). */
  readonly exitCode: number | null;
  readonly stderr?: string;
  /** Shown only when stderr is empty: some tools (crm, cibadmin) print their errors on stdout. */
  readonly stdout?: string;
  /** Why it failed when there is no exit code (e.g. "not found", "timed out after 5000 ms"). */
  readonly reason?: string;
  /** What the operator can do about it, when obvious. */
  readonly hint?: string;
}

export class HostCommandError extends Error {
  override readonly name = 'HostCommandError';
  /** The program (argv[0]); never secret. */
  readonly command: string;
  /** argv[1..] with secret positions replaced by `***`. */
  readonly args: readonly string[];
  readonly exitCode: number | null;
  /** The tail of stderr with secret values replaced by `***`. */
  readonly stderrTail: string;
  readonly hint: string | undefined;

  constructor(details: HostCommandErrorDetails) {
    const secrets = (details.secretArgs ?? []).map((index) => details.argv[index]).filter((value): value is string => !!value);
    const redacted = redactArgv(details.argv, details.secretArgs);
    const stderrTail = redactText(tail(details.stderr ?? ''), secrets);
    const stdoutTail = stderrTail ? '' : redactText(tail(details.stdout ?? ''), secrets);
    const outcome = details.exitCode === null ? (details.reason ?? 'did not run') : `exited with code ${details.exitCode}`;
    const parts = [`command failed: ${quoteForMessage(redacted)} ${outcome}`];
    if (stderrTail) parts.push(`stderr:\n${stderrTail.replace(/^/gm, '  ')}`);
    if (stdoutTail) parts.push(`stdout:\n${stdoutTail.replace(/^/gm, '  ')}`);
    if (details.hint) parts.push(`fix: ${details.hint}`);
    super(parts.join('\n'));
    this.command = redacted[0] ?? '';
    this.args = redacted.slice(1);
    this.exitCode = details.exitCode;
    this.stderrTail = stderrTail;
    this.hint = details.hint;
  }
}

/** What to do about a failed command, when its output makes it obvious. */
export function failureHint(argv: readonly string[], stderr: string): string | undefined {
  const program = (argv[0] ?? '').slice((argv[0] ?? '').lastIndexOf('/') + 1);
  if (program === 'systemctl') {
    if (/not been booted with systemd|Failed to connect to bus/i.test(stderr)) {
      return 'systemd is not running on this machine (PID 1 is not systemd): services cannot be managed here';
    }
    const unit = /Unit (\S+?)(?:\.service)? (?:not found|could not be found)/i.exec(stderr)?.[1];
    if (unit) return `there is no unit '${unit}': install the package that ships it before managing the service`;
    if (/Job for \S+ failed/.test(stderr)) return `see why with: journalctl -u ${argv.at(-1) ?? ''} -n 50`;
  }
  if (/permission denied|Operation not permitted/i.test(stderr) && process.getuid?.() !== 0) {
    return 'this needs root; hooks run as root under Juju';
  }
  return undefined;
}

/** Hint for a program that could not be found. */
export function missingProgramHint(program: string): string {
  const pkg = packageForProgram(program);
  return pkg
    ? `'${program}' is not installed; install the Debian package '${pkg}' (apt-get install ${pkg})`
    : `'${program}' is not installed or not on PATH; install the package that provides it`;
}

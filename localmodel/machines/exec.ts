/**
 * Running commands inside a booted machine: nsenter into the namespaces of the container's systemd (mount,
 * UTS, IPC, network, PID) with a clean environment. Each command gets its own session so that a timeout
 * can kill the whole tree it started, inside the container included.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import type { ExecOptions, ExecResult, SpawnOptions } from './types.js';

export const machineDefaultEnv: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  USER: 'root',
  LOGNAME: 'root',
  LANG: 'C.UTF-8',
  TERM: 'dumb',
};

/** argv of the host command that runs `argv` inside the machine whose init has host pid `initPid`. */
export function nsenterArgv(initPid: number, argv: string[], env: Record<string, string> = {}, cwd = '/'): string[] {
  if (argv.length === 0) throw new Error('exec in machine: empty command');
  const merged = { ...machineDefaultEnv, ...env };
  for (const key of Object.keys(merged)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`exec in machine: invalid environment variable name "${key}"`);
  }
  return [
    'nsenter', '-t', String(initPid), '-m', '-u', '-i', '-n', '-p', '-r', '-w', '--',
    '/usr/bin/env', '-i', '-C', cwd, ...Object.entries(merged).map(([key, value]) => `${key}=${value}`), ...argv,
  ];
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGSEGV: 11, SIGABRT: 6, SIGPIPE: 13 };
  return signal ? (numbers[signal] ?? 0) : 0;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

export function execViaNsenter(initPid: number, argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = nsenterArgv(initPid, argv, options.env, options.cwd);
  return new Promise((resolve, reject) => {
    const child = spawn(file as string, args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    let killer: NodeJS.Timeout | undefined;
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        killGroup(child.pid, 'SIGTERM');
        killer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 2_000);
      }, options.timeoutMs);
    }
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.stdin.on('error', () => undefined); // the command may exit without reading its input
    child.stdin.end(options.input ?? '');
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killer);
      if (timedOut) killGroup(child.pid, 'SIGKILL');
      resolve({
        exitCode: code ?? 128 + signalNumber(signal),
        stdout: Buffer.concat(stdout).toString(),
        stderr: Buffer.concat(stderr).toString(),
        timedOut,
      });
    });
  });
}

/**
 * Spawns a host command with the stdio/logFile/detached conventions of SpawnOptions. The command always gets
 * its own process group, so killSpawned reaches everything it started (nsenter does not forward signals to
 * the command it runs inside the container).
 */
export function spawnHost(argv: string[], options: SpawnOptions = {}, env?: NodeJS.ProcessEnv): ChildProcess {
  const [file, ...args] = argv;
  if (!file) throw new Error('spawn: empty command');
  let stdio: StdioOptions = options.stdio ?? 'pipe';
  let fd: number | undefined;
  if (options.logFile) {
    fd = openSync(options.logFile, 'a');
    stdio = ['ignore', fd, fd];
  }
  try {
    const child = spawn(file, args, { detached: true, stdio, env: env ?? process.env });
    if (options.detached) child.unref();
    return child;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Signals the whole process group of a command started by spawnInMachine or runInModelNetwork. */
export function killSpawned(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  killGroup(child.pid, signal);
}

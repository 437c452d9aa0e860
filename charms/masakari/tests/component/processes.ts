/**
 * Daemons for the component test, started by hand (no systemd here) inside the test's network namespace and
 * stopped by the process group we recorded — never by name, other work runs on this machine too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { execa } from 'execa';

export interface Daemon {
  readonly name: string;
  readonly pid: number;
  readonly log: string;
  readonly child: ChildProcess;
  exited: boolean;
}

export function startDaemon(name: string, argv: readonly string[], log: string, env: Readonly<Record<string, string>> = {}): Daemon {
  const fd = openSync(log, 'a');
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${argv[0]}`);
  const daemon: Daemon = { name, pid: child.pid, log, child, exited: false };
  child.on('exit', () => { daemon.exited = true; });
  return daemon;
}

/** SIGTERM to the daemon's process group, SIGKILL after `graceMs`. */
export async function stopDaemon(d: Daemon, graceMs = 15_000): Promise<void> {
  if (d.exited) return;
  const signal = (s: NodeJS.Signals): void => {
    try { process.kill(-d.pid, s); } catch { /* already gone */ }
  };
  signal('SIGTERM');
  const until = Date.now() + graceMs;
  while (!d.exited && Date.now() < until) await sleep(100);
  if (!d.exited) signal('SIGKILL');
  while (!d.exited) await sleep(50);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true; on time-out the error names what was awaited and the log's tail. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, daemon?: Daemon): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (daemon?.exited) throw new Error(`${what}: ${daemon.name} exited; log tail:\n${tail(daemon.log)}`);
    if (await probe().catch(() => false)) return Date.now() - start;
    await sleep(250);
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms${daemon ? `; ${daemon.name} log tail:\n${tail(daemon.log)}` : ''}`);
}

export function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function httpAnswers(url: string): Promise<boolean> {
  const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await r.arrayBuffer();
  return r.status < 500;
}

export async function run(argv: readonly string[], options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<string> {
  const r = await execa(argv[0]!, argv.slice(1), { input: options.input, env: options.env, timeout: options.timeoutMs ?? 120_000, reject: false, all: true });
  if (r.exitCode !== 0) throw new Error(`${argv.slice(0, 6).join(' ')} failed (exit ${r.exitCode}):\n${String(r.all).slice(-3000)}`);
  return String(r.stdout);
}

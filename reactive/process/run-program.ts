/**
 * Runs one program to completion and hands back what happened; callers turn that into their own errors
 * (HookToolError for hook tools, HostCommandError for host commands).
 *
 * Hooks use this rather than execa: a hook is a short-lived Node process that runs a few dozen plain commands, and
 * execa was 300 KiB of the masakari bundle and 13 more of Node's own modules, evaluated on every hook (Debian's nodejs
 * ships without a code cache for its own modules, so each one is compiled from source). Measured on a live unit, an
 * update-status took 0.677 CPU-s with execa and 0.611 without; `npm run bench -- framework` shows it too. The
 * project's tools and tests, which start daemons, stream output and run for minutes, keep execa.
 *
 * Each call forks the hook's Node process. A fork server (one small Perl process per hook that forks and execs each
 * command) was built and measured on the same units, and it is not used: counting every descendant's CPU, 40 calls
 * of a hook tool cost 10.7 ms each directly and 12.8 ms each through the helper, and a masakari config-changed took
 * 0.59 CPU-s against 0.52. Most of a call is the kernel making and tearing down a process on these PVM guests
 * (4.5 ms per fork and exec even from a bare Perl loop), which no helper removes; fewer calls per hook is the lever.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface RunProgramOptions {
  /** Written to the program's stdin; without it stdin is /dev/null. */
  readonly input?: string;
  /** The program's whole environment (PATH in it is also where the program is looked up). */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Milliseconds before SIGTERM; SIGKILL follows `killGraceMs` later if the program is still there. */
  readonly timeoutMs?: number;
  readonly killGraceMs?: number;
  /** Bytes of stdout or stderr kept before the program is killed; default 256 MiB. */
  readonly maxBuffer?: number;
}

export interface ProgramOutcome {
  /** Null when the program never started, was killed, or died of a signal. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Why it did not run to its own end: it could not start (errno code), ran out of time, or printed too much. */
  readonly failure?: { readonly kind: 'start'; readonly code: string } | { readonly kind: 'timeout' } | { readonly kind: 'output-limit' };
}

const DEFAULT_MAX_BUFFER = 256 * 1024 * 1024;
const DEFAULT_KILL_GRACE_MS = 5_000;

export function runProgram(program: string, args: readonly string[], options: RunProgramOptions = {}): Promise<ProgramOutcome> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(program, [...args], {
        env: options.env,
        cwd: options.cwd,
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      resolve({ exitCode: null, signal: null, stdout: '', stderr: '', failure: { kind: 'start', code: errnoCode(error) } });
      return;
    }

    const maxBuffer = options.maxBuffer ?? DEFAULT_MAX_BUFFER;
    const out: string[] = [];
    const err: string[] = [];
    let failure: ProgramOutcome['failure'];
    let settled = false;
    let termTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const stop = (why: NonNullable<ProgramOutcome['failure']>) => {
      if (failure !== undefined) return;
      if (child.exitCode !== null || child.signalCode !== null) {
        // The program ended on its own; only something it started still holds its stdout or stderr open.
        finishWithoutWaitingForOutput({ exitCode: child.exitCode, signal: child.signalCode });
        return;
      }
      failure = why;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    };
    const finish = (outcome: Omit<ProgramOutcome, 'stdout' | 'stderr'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(termTimer);
      clearTimeout(killTimer);
      resolve({ ...outcome, stdout: out.join(''), stderr: err.join('') });
    };
    const finishWithoutWaitingForOutput = (outcome: Omit<ProgramOutcome, 'stdout' | 'stderr'>) => {
      child.stdout!.destroy();
      child.stderr!.destroy();
      finish(outcome);
    };
    const collect = (stream: NodeJS.ReadableStream, chunks: string[]) => {
      let bytes = 0;
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        bytes += Buffer.byteLength(chunk);
        if (bytes > maxBuffer) stop({ kind: 'output-limit' });
        else chunks.push(chunk);
      });
    };
    collect(child.stdout!, out);
    collect(child.stderr!, err);
    child.on('error', (error) => {
      // Only a program that never started ends here; a kill of a running one reports through 'close'.
      if (child.pid === undefined) finish({ exitCode: null, signal: null, failure: { kind: 'start', code: errnoCode(error) } });
    });
    child.on('exit', (_code, signal) => {
      // A program we stopped may have left a child holding its stdout open: what it printed so far is enough.
      if (failure !== undefined) finishWithoutWaitingForOutput({ exitCode: null, signal, failure });
    });
    child.on('close', (code, signal) => {
      finish({ exitCode: failure === undefined ? code : null, signal, ...(failure === undefined ? {} : { failure }) });
    });

    if (options.timeoutMs !== undefined && options.timeoutMs > 0) termTimer = setTimeout(() => stop({ kind: 'timeout' }), options.timeoutMs);
    if (child.stdin) {
      // A program that exits without reading its stdin must not fail the run with EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}

function errnoCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
}

/** Running host commands with readable failures, and feeding their output lines to a progress callback. */
import { execa } from 'execa';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command, throwing a message with the command and the tail of its output when it fails. */
export async function run(argv: string[], options: { input?: string; env?: Record<string, string>; onLine?: (line: string) => void; allowFailure?: boolean } = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('run: empty command');
  const child = execa(file, args, {
    reject: false,
    input: options.input,
    env: options.env,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    lines: false,
  });
  if (options.onLine) {
    let pending = '';
    const feed = (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) options.onLine?.(line);
    };
    child.stdout?.on('data', feed);
    child.stderr?.on('data', feed);
  }
  const result = await child;
  const outcome = { exitCode: result.exitCode ?? -1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
  if (outcome.exitCode !== 0 && !options.allowFailure) {
    const tail = `${outcome.stderr}\n${outcome.stdout}`.trim().split('\n').slice(-15).join('\n');
    const how = result.signal ? `was killed by ${result.signal}` : `exited with ${outcome.exitCode}`;
    throw new Error(`command failed: ${argv.join(' ')} ${how}\n${tail}`);
  }
  return outcome;
}

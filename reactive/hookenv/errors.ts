/** The one error type of the hook-tool seam. */

const SECRET_KEY = /(pass(word)?|secret|token|key|credential|auth|apikey)/i;

/**
 * Replaces values of secret-looking `key=value` arguments with `***`, so an error or log line never carries them.
 * Positional secrets (e.g. a leader-set payload) are redacted by the caller through `secretPositions`.
 */
export function redactArgs(args: readonly string[], secretPositions: readonly number[] = []): string[] {
  return args.map((arg, index) => {
    if (secretPositions.includes(index)) return '***';
    const eq = arg.indexOf('=');
    if (eq > 0 && SECRET_KEY.test(arg.slice(0, eq))) return `${arg.slice(0, eq + 1)}***`;
    return arg;
  });
}

export class HookToolError extends Error {
  override readonly name = 'HookToolError';
  constructor(
    readonly tool: string,
    readonly args: readonly string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
    hint?: string,
  ) {
    const detail = stderr.trim().split('\n').slice(-3).join(' | ') || 'no error output';
    super(
      `${tool} ${args.join(' ')} failed` +
        (exitCode === undefined ? '' : ` (exit ${exitCode})`) +
        `: ${detail}` +
        (hint ? `; ${hint}` : ''),
    );
  }
}

/**
 * The suite drives a model through a Juju CLI: `juju-local` (the local model, default) or real `juju`
 * (--backend juju). Both print juju's JSON documents for status, actions and exec, so one parser serves both.
 */
import { execa } from 'execa';
import { join } from 'node:path';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ActionResult {
  id: string;
  status: string;
  message: string;
  results: Record<string, unknown>;
}

export interface UnitStatusDoc {
  'workload-status'?: { current?: string; message?: string };
  'juju-status'?: { current?: string; message?: string };
  leader?: boolean;
  machine?: string;
  'public-address'?: string;
  subordinates?: Record<string, UnitStatusDoc>;
}

export interface StatusDoc {
  model?: { name?: string };
  machines?: Record<string, { 'dns-name'?: string; hostname?: string; fqdn?: string; 'ip-addresses'?: string[] }>;
  applications?: Record<string, { units?: Record<string, UnitStatusDoc>; 'subordinate-to'?: string[]; charm?: string }>;
}

export type BackendName = 'juju-local' | 'juju';

/** Option values that are secrets (maas_credentials=..., *password*=...) never reach the transcript. */
export function redact(args: readonly string[]): string[] {
  return args.map((a) => a.replace(/^([A-Za-z0-9_.-]*(?:password|credentials|secret|token|key)[A-Za-z0-9_.-]*)=.*/i, '$1=<redacted>'));
}

/**
 * A `juju-local` verb run in this process: the same verb, document and exit code as the CLI, without a Node start
 * per call. A CLI process costs about 0.45 CPU-s on a 2-core machine; the suite polls status every few seconds while
 * a model deploys and makes about 150 exec and action calls while it tests, which as processes were a tenth of a
 * deploy's CPU and a fifth of the tests'. A call that outlives `timeoutMs` is answered like a killed CLI (exit 124);
 * the agent finishes the request on its own.
 */
async function runLocalVerb(args: readonly string[], timeoutMs: number): Promise<ExecResult> {
  const { main } = await import('../localmodel/cli/main.js');
  let stdout = '';
  let stderr = '';
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      stderr += `juju-local ${args[0] ?? ''}: no answer within ${Math.round(timeoutMs / 1000)} s\n`;
      resolve(124);
    }, timeoutMs);
  });
  try {
    const code = await Promise.race([main([...args], { out: (t) => (stdout += t), err: (t) => (stderr += t), cwd: process.cwd() }), timedOut]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

export class JujuCli {
  /** `program` is the CLI to spawn; with `inProcess` (juju-local only) every verb runs in this process instead. */
  constructor(
    readonly backend: BackendName,
    private readonly program: string,
    private readonly log: (line: string) => void = () => undefined,
    private readonly inProcess = false,
  ) {
    if (inProcess && backend !== 'juju-local') throw new Error('only juju-local verbs can run in this process; real juju is a separate program');
  }

  static create(backend: BackendName, repoRoot: string, log?: (line: string) => void): JujuCli {
    return backend === 'juju' ? new JujuCli(backend, 'juju', log) : new JujuCli(backend, join(repoRoot, 'bin/juju-local'), log, true);
  }

  async run(args: string[], opts: { timeoutMs?: number; quiet?: boolean } = {}): Promise<ExecResult> {
    if (!opts.quiet) this.log(`$ ${this.backend} ${redact(args).join(' ')}`);
    if (this.inProcess) return runLocalVerb(args, opts.timeoutMs ?? 600_000);
    const r = await execa(this.program, args, { reject: false, timeout: opts.timeoutMs ?? 600_000, env: { JUJU_LOCAL_CWD: process.cwd() } });
    return { code: r.exitCode ?? 1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  }

  /** The output of a call that exited 0; otherwise an error naming the call (secrets redacted) and what it printed. */
  async check(args: string[], opts: { timeoutMs?: number; quiet?: boolean } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`${this.backend} ${redact(args).join(' ')} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
    return r.stdout;
  }

  async addModel(model: string): Promise<void> {
    await this.check(['add-model', model, '--no-switch']);
    if (this.backend === 'juju') {
      // zaza's model defaults that matter here: failures must stay visible.
      await this.check(['model-config', '-m', model, 'automatically-retry-hooks=false', 'test-mode=true']);
    }
  }

  async deploy(model: string, bundle: string, overlays: string[]): Promise<void> {
    const args = ['deploy', '-m', model, bundle, ...overlays.flatMap((o) => ['--overlay', o])];
    await this.check(args, { timeoutMs: 1_800_000 });
  }

  async status(model: string): Promise<StatusDoc> {
    return JSON.parse(await this.check(['status', '-m', model, '--format', 'json'], { quiet: true })) as StatusDoc;
  }

  /** The last lines a unit logged: where a failed hook's traceback is. */
  async logTail(model: string, unit: string, lines = 60): Promise<string> {
    const r = await this.run(['debug-log', '-m', model, '--no-tail', '-n', String(lines), '--include', unit], { quiet: true });
    return (r.stdout || r.stderr).trimEnd();
  }

  async exec(model: string, unit: string, command: string, timeoutMs = 300_000): Promise<ExecResult> {
    const r = await this.run(['exec', '-m', model, '--unit', unit, '--format', 'json', '--', command], { timeoutMs, quiet: true });
    try {
      const doc = JSON.parse(r.stdout) as Record<string, { results?: Record<string, unknown> } & Record<string, unknown>>;
      const entry = doc[unit] ?? Object.values(doc)[0] ?? {};
      const results = (entry.results ?? entry) as Record<string, unknown>;
      return { code: Number(results['return-code'] ?? results['Code'] ?? r.code), stdout: String(results['stdout'] ?? ''), stderr: String(results['stderr'] ?? '') };
    } catch {
      return r;
    }
  }

  async runAction(model: string, unit: string, action: string, params: Record<string, string> = {}, timeoutMs = 600_000): Promise<ActionResult> {
    const pairs = Object.entries(params).map(([k, v]) => `${k}=${v}`);
    const r = await this.run(['run', '-m', model, unit, action, ...pairs, '--format', 'json', `--wait=${Math.round(timeoutMs / 1000)}s`], { timeoutMs: timeoutMs + 30_000 });
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(r.stdout) as Record<string, unknown>;
    } catch {
      throw new Error(`${this.backend} run ${unit} ${action}: no result document (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 1000)}`);
    }
    const entry = ('status' in doc ? doc : (doc[unit] ?? Object.values(doc)[0] ?? {})) as Record<string, unknown>;
    return {
      id: String(entry['id'] ?? ''), status: String(entry['status'] ?? 'unknown'), message: String(entry['message'] ?? ''),
      results: (entry['results'] ?? {}) as Record<string, unknown>,
    };
  }

  async config(model: string, app: string, values: Record<string, string>): Promise<void> {
    await this.check(['config', '-m', model, app, ...Object.entries(values).map(([k, v]) => `${k}=${v}`)]);
  }

  async getConfig(model: string, app: string): Promise<Record<string, { value?: unknown; default?: unknown }>> {
    const doc = JSON.parse(await this.check(['config', '-m', model, app, '--format', 'json'], { quiet: true })) as { settings?: Record<string, { value?: unknown }> };
    return doc.settings ?? {};
  }

  async removeUnit(model: string, unit: string): Promise<void> {
    await this.check(['remove-unit', '-m', model, unit, ...(this.backend === 'juju' ? ['--no-prompt'] : [])]);
  }

  async destroyModel(model: string): Promise<void> {
    const args = this.backend === 'juju'
      ? ['destroy-model', model, '--no-prompt', '--destroy-storage', '--force', '--no-wait']
      : ['destroy-model', model, '-y'];
    await this.check(args, { timeoutMs: 600_000 });
  }
}

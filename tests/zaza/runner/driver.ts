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
 * `juju-local status --format json` run in this process: the same verb and document as the CLI, without a Node
 * start per call. The suite polls status every few seconds while a model deploys, and a CLI process per poll
 * cost about 0.5 CPU-s on a 2-core machine: a tenth of the whole deploy's CPU.
 */
async function localStatusJson(model: string): Promise<string> {
  const { main } = await import('../../../localmodel/cli/main.js');
  let out = '';
  let err = '';
  const code = await main(['status', '-m', model, '--format', 'json'], { out: (t) => (out += t), err: (t) => (err += t), cwd: process.cwd() });
  if (code !== 0) throw new Error(`juju-local status -m ${model} --format json failed (exit ${code}): ${(err || out).trim().slice(0, 2000)}`);
  return out;
}

export class JujuCli {
  constructor(readonly backend: BackendName, private readonly program: string, private readonly log: (line: string) => void = () => undefined) {}

  static create(backend: BackendName, repoRoot: string, log?: (line: string) => void): JujuCli {
    return new JujuCli(backend, backend === 'juju' ? 'juju' : join(repoRoot, 'bin/juju-local'), log);
  }

  async run(args: string[], opts: { timeoutMs?: number; input?: string; quiet?: boolean } = {}): Promise<ExecResult> {
    if (!opts.quiet) this.log(`$ ${this.backend} ${redact(args).join(' ')}`);
    const r = await execa(this.program, args, { reject: false, timeout: opts.timeoutMs ?? 600_000, input: opts.input, env: { JUJU_LOCAL_CWD: process.cwd() } });
    return { code: r.exitCode ?? 1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  }

  async check(args: string[], opts: { timeoutMs?: number; quiet?: boolean } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`${this.backend} ${args.join(' ')} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
    return r.stdout;
  }

  async addModel(model: string): Promise<void> {
    await this.check(this.backend === 'juju' ? ['add-model', model, '--no-switch'] : ['add-model', model, '--no-switch']);
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
    const text = this.backend === 'juju-local' ? await localStatusJson(model) : await this.check(['status', '-m', model, '--format', 'json'], { quiet: true });
    return JSON.parse(text) as StatusDoc;
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

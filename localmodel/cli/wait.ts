/**
 * `juju-local wait`: blocks until every unit is idle with nothing left to run (machines started, no hook
 * pending by the resolver) and shows the expected workload status; fails at once on a unit in error.
 */
import { nextOp } from '../agent/resolver.js';
import { readState } from '../model/store.js';
import { compareUnits, type ModelState } from '../model/state.js';
import { shownWorkload } from './status.js';

export interface WaitOptions {
  timeoutMs: number;
  /** Per application accepted workload statuses; `*` for every application not named. */
  expected: Record<string, string[]>;
  applications?: string[];
  home?: string;
  progress?: (line: string) => void;
}

export interface Readiness {
  ready: boolean;
  errors: string[];
  waiting: string[];
  total: number;
  done: number;
}

export function readiness(state: ModelState, opts: Pick<WaitOptions, 'expected' | 'applications'>, now = Date.now()): Readiness {
  const errors: string[] = [];
  const waiting: string[] = [];
  for (const m of Object.values(state.machines)) {
    if (m.status.current === 'error') errors.push(`machine ${m.id}: ${m.status.message}`);
    else if (m.status.current === 'down') waiting.push(`machine ${m.id} down (powered off)`);
    else if (m.status.current !== 'started') waiting.push(`machine ${m.id} ${m.status.current}${m.status.message ? ` (${m.status.message})` : ''}`);
  }
  const units = Object.values(state.units)
    .filter((u) => !opts.applications || opts.applications.includes(u.application))
    .sort((a, b) => compareUnits(a.name, b.name));
  let done = 0;
  for (const u of units) {
    const w = shownWorkload(u);
    const accepted = opts.expected[u.application] ?? opts.expected['*'] ?? ['active'];
    if (u.uniter.error && !accepted.includes('error')) {
      errors.push(`${u.name}: ${w.message}`);
      continue;
    }
    const op = u.uniter.error ? null : nextOp(state, u.name, { now, updateStatusMs: Number.POSITIVE_INFINITY });
    if (op || u.agent.current !== 'idle' || u.life === 'dying') {
      waiting.push(`${u.name} (${u.agent.current}${u.agent.message ? `: ${u.agent.message}` : op ? `: ${op.kind === 'hook' ? op.hook.name : op.kind} next` : ''})`);
    } else if (!accepted.includes(w.current)) {
      waiting.push(`${u.name} (workload ${w.current}${w.message ? `: ${w.message}` : ''}; want ${accepted.join('|')})`);
    } else done++;
  }
  return { ready: errors.length === 0 && waiting.length === 0, errors, waiting, total: units.length, done };
}

export async function waitForModel(model: string, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const started = Date.now();
  let last = '';
  let lastPrint = 0;
  for (;;) {
    const state = readState(model, opts.home);
    const r = readiness(state, opts);
    if (r.errors.length > 0) throw new Error(`model "${model}" has errors:\n  ${r.errors.join('\n  ')}\n(see: juju-local debug-log --replay; fix, then juju-local resolved <unit>)`);
    if (r.ready) {
      opts.progress?.(`all ${r.total} unit(s) ready after ${((Date.now() - started) / 1000).toFixed(1)}s`);
      return;
    }
    const line = `${r.done}/${r.total} unit(s) ready; waiting for ${r.waiting.slice(0, 4).join(', ')}${r.waiting.length > 4 ? `, and ${r.waiting.length - 4} more` : ''}`;
    if (line !== last || Date.now() - lastPrint > 15_000) {
      opts.progress?.(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);
      last = line;
      lastPrint = Date.now();
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs / 1000}s: ${line}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

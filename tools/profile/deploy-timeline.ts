/**
 * Where a deploy's wall time went, per machine: read from the agent's timings.jsonl (a model whose agent ran with
 * JUJU_LOCAL_TIMINGS=1). A machine runs one hook at a time (Juju's machine lock), so a machine that is busy for
 * most of the deploy is the critical path; the longest hooks say what to make cheaper.
 *
 *   node --import ./tools/ts-register.mjs tools/profile/deploy-timeline.ts MODEL [--top N]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { modelPaths } from '../../localmodel/model/store.js';

export interface HookTiming {
  unit: string;
  machine: string;
  hook: string;
  startedAt: number;
  exitedAt: number;
  tools: number[];
}

export interface MachineLine {
  machine: string;
  hooks: number;
  busySeconds: number;
  /** busy time over the deploy's span (first hook start to last hook end) */
  busyShare: number;
  units: string[];
}

export interface Timeline {
  spanSeconds: number;
  hooks: number;
  machines: MachineLine[];
  byHook: { hook: string; count: number; seconds: number }[];
  longest: HookTiming[];
}

export function parseTimings(text: string): HookTiming[] {
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as HookTiming).filter((t) => t.unit && t.startedAt);
}

export function timeline(hooks: HookTiming[], top = 10): Timeline {
  if (hooks.length === 0) return { spanSeconds: 0, hooks: 0, machines: [], byHook: [], longest: [] };
  const start = Math.min(...hooks.map((h) => h.startedAt));
  const end = Math.max(...hooks.map((h) => h.exitedAt));
  const span = (end - start) / 1000;
  const machines = new Map<string, MachineLine>();
  const kinds = new Map<string, { count: number; seconds: number }>();
  for (const h of hooks) {
    const seconds = (h.exitedAt - h.startedAt) / 1000;
    const m = machines.get(h.machine) ?? { machine: h.machine, hooks: 0, busySeconds: 0, busyShare: 0, units: [] };
    m.hooks += 1;
    m.busySeconds += seconds;
    if (!m.units.includes(h.unit)) m.units.push(h.unit);
    machines.set(h.machine, m);
    const k = kinds.get(h.hook) ?? { count: 0, seconds: 0 };
    k.count += 1;
    k.seconds += seconds;
    kinds.set(h.hook, k);
  }
  for (const m of machines.values()) {
    m.busyShare = span > 0 ? m.busySeconds / span : 0;
    m.units.sort();
  }
  return {
    spanSeconds: span,
    hooks: hooks.length,
    machines: [...machines.values()].sort((a, b) => a.machine.localeCompare(b.machine, 'en', { numeric: true })),
    byHook: [...kinds].map(([hook, v]) => ({ hook, ...v })).sort((a, b) => b.seconds - a.seconds),
    longest: [...hooks].sort((a, b) => (b.exitedAt - b.startedAt) - (a.exitedAt - a.startedAt)).slice(0, top),
  };
}

export function renderTimeline(t: Timeline, top = 10): string {
  const lines = [`${t.hooks} hooks over ${t.spanSeconds.toFixed(0)} s`, '', '| machine | hooks | busy | share | units |', '|---|---|---|---|---|'];
  for (const m of t.machines) {
    lines.push(`| ${m.machine} | ${m.hooks} | ${m.busySeconds.toFixed(0)} s | ${(m.busyShare * 100).toFixed(0)}% | ${m.units.join(' ')} |`);
  }
  lines.push('', '| hook | count | total | mean |', '|---|---|---|---|');
  for (const k of t.byHook.slice(0, top)) lines.push(`| ${k.hook} | ${k.count} | ${k.seconds.toFixed(0)} s | ${(k.seconds / k.count).toFixed(1)} s |`);
  lines.push('', 'longest hooks:');
  for (const h of t.longest) lines.push(`  ${((h.exitedAt - h.startedAt) / 1000).toFixed(1).padStart(6)} s  ${h.unit} ${h.hook} (machine ${h.machine}, started ${new Date(h.startedAt).toISOString().slice(11, 19)})`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '10' } } });
  const model = positionals[0];
  if (!model) {
    console.error('usage: deploy-timeline.ts MODEL [--top N]  (the model\'s agent must have run with JUJU_LOCAL_TIMINGS=1)');
    process.exit(2);
  }
  const file = join(modelPaths(model).dir, 'timings.jsonl');
  if (!existsSync(file)) {
    console.error(`${file}: not found; deploy with JUJU_LOCAL_TIMINGS=1 in the environment of the command that starts the agent`);
    process.exit(1);
  }
  const top = Number(values.top);
  console.log(renderTimeline(timeline(parseTimings(readFileSync(file, 'utf8')), top), top));
}

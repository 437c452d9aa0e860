/** What every verb shares: flag parsing with -m/--model, the model to act on, errors juju-style. */
import { parseFlags, UsageError, type FlagSpec, type ParsedArgs } from '../hooktools/flags.js';
import { currentModel, readState } from '../model/store.js';
import type { ModelState } from '../model/state.js';
import { ensureAgent } from './agent-client.js';
import { parseDuration } from '../agent/duration.js';
import { formatDuration } from '../agent/waiting.js';

export { UsageError };

export const modelFlag: FlagSpec = { names: ['m', 'model'], kind: 'value' };

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** The caller's working directory (relative paths of bundles and charms). */
  cwd: string;
}

export function parse(args: readonly string[], flags: FlagSpec[]): ParsedArgs {
  return parseFlags(args, [modelFlag, ...flags]);
}

/** Repeatable flags (--overlay a --overlay b) are collected here, since parseFlags keeps the last one. */
export function collect(args: readonly string[], names: string[]): { values: string[]; rest: string[] } {
  const values: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const name = names.find((n) => a === n || a.startsWith(`${n}=`));
    if (!name) {
      rest.push(a);
      continue;
    }
    if (a === name) {
      if (i + 1 >= args.length) throw new UsageError(`flag needs an argument: ${name}`);
      values.push(args[++i]!);
    } else values.push(a.slice(name.length + 1));
  }
  return { values, rest };
}

export function modelName(parsed: ParsedArgs): string {
  const m = (parsed.flags.model as string | undefined) ?? process.env.JUJU_MODEL ?? currentModel();
  if (!m) throw new Error('no model selected: create one with "juju-local add-model <name>" or pass -m <model>');
  return m;
}

export async function liveModel(parsed: ParsedArgs): Promise<{ model: string; state: ModelState }> {
  const model = modelName(parsed);
  const state = readState(model);
  await ensureAgent(model);
  return { model, state };
}

export function keyValues(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq < 1) throw new UsageError(`expected "key=value", got "${a}"`);
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

export function parseTimeout(text: string | boolean | undefined, fallbackMs: number): number {
  if (text === undefined || text === true) return fallbackMs;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(text));
  if (!m) throw new UsageError(`invalid timeout "${String(text)}": use forms like 90s, 10m`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']!;
  return Number(m[1]) * unit;
}

/** juju's `--wait <duration>` (Go durations: 30s, 5m, 1m30s); absent or 0 means the verb's default, as in juju 3. */
export function parseWait(text: string | boolean | undefined, defaultMs: number): number {
  if (text === undefined || text === true || text === '0') return defaultMs;
  // A bare number is seconds, as this CLI's --wait took before it took juju's durations.
  if (/^\d+$/.test(String(text))) return Number(text) * 1000;
  try {
    return parseDuration(String(text));
  } catch {
    throw new UsageError(`invalid --wait "${String(text)}": a duration such as 30s, 5m or 1m30s`);
  }
}

/** A duration as juju prints one: 5m0s, 1m30s, 2s. */
export const formatWait = formatDuration;

/** `<app>/leader` names the application's leader unit, as in juju. */
export function resolveUnit(state: ModelState, name: string): string {
  const m = /^([a-z][a-z0-9-]*)\/leader$/.exec(name);
  if (!m) return name;
  const app = state.applications[m[1]!];
  if (!app) throw new Error(`application "${m[1]}" not found`);
  if (!app.leader) throw new Error(`application "${m[1]}" has no leader yet`);
  return app.leader;
}

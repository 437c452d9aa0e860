/** The shape every hook tool shares: flags, optional --format/-o, usage errors exit 2, run errors exit 1. */
import type { HookContext, ToolHost } from './context.js';
import { parseFlags, RunError, UsageError, type FlagSpec, type ParsedArgs } from './flags.js';
import { formatOutput, parseFormat, type OutputFormat } from './format.js';
import type { RelationState } from '../model/state.js';

export interface ToolCall {
  readonly ctx: HookContext;
  readonly host: ToolHost;
  readonly args: readonly string[];
  /** null when the client sent no stdin (only `--file -` makes it send). */
  readonly stdin: Buffer | null;
}

export interface ToolOutput {
  code: number;
  stdout: string;
  stderr: string;
  /** `-o <file>`: the client writes stdout there (relative to its cwd). */
  outputFile?: string;
}

export type ToolHandler = (call: ToolCall) => ToolOutput;

export const NO_OUTPUT = Symbol('no output');

export interface ToolDefinition {
  readonly flags?: readonly FlagSpec[];
  /** Formats accepted; omit for tools that print nothing. The first is the default. */
  readonly formats?: readonly OutputFormat[];
  /** Deprecated --format accepted and ignored with a warning (relation-set, juju-log). */
  readonly deprecatedFormat?: boolean;
  readonly run: (parsed: ParsedArgs, call: ToolCall, warn: (m: string) => void) => unknown;
}

export const relationFlag: FlagSpec = { names: ['r', 'relation'], kind: 'value' };

export function defineTool(def: ToolDefinition): ToolHandler {
  const outputFlags: FlagSpec[] = def.formats
    ? [{ names: ['format'], kind: 'value' }, { names: ['o', 'output'], kind: 'value' }]
    : def.deprecatedFormat
      ? [{ names: ['format'], kind: 'value' }]
      : [];
  return (call) => {
    const warnings: string[] = [];
    try {
      const parsed = parseFlags(call.args, [...(def.flags ?? []), ...outputFlags]);
      const format = def.formats ? parseFormat(parsed.flags.format, def.formats) : 'smart';
      if (def.deprecatedFormat && parsed.flags.format !== undefined) warnings.push('--format flag deprecated for command');
      const value = def.run(parsed, call, (m) => warnings.push(m));
      const stderr = warnings.map((w) => `WARNING ${w}\n`).join('');
      if (!def.formats || value === NO_OUTPUT) return { code: 0, stdout: '', stderr };
      const out: ToolOutput = { code: 0, stdout: formatOutput(value, format), stderr };
      if (typeof parsed.flags.output === 'string' && parsed.flags.output) out.outputFile = parsed.flags.output;
      return out;
    } catch (error) {
      const stderr = warnings.map((w) => `WARNING ${w}\n`).join('');
      if (error instanceof UsageError) return { code: 2, stdout: '', stderr: `${stderr}ERROR ${error.message}\n` };
      if (error instanceof RunError) return { code: 1, stdout: '', stderr: `${stderr}ERROR ${error.message}\n` };
      return { code: 1, stdout: '', stderr: `${stderr}ERROR ${(error as Error).message}\n` };
    }
  };
}

/** Relations this unit takes part in and has not seen broken. */
export function knownRelations(call: ToolCall): RelationState[] {
  const { state } = call.host;
  const unit = call.ctx.unitState(state);
  return Object.values(state.relations)
    .filter((r) => r.endpoints.some((e) => e.application === unit.application))
    .filter((r) => !unit.uniter.relations[String(r.id)]?.broken || r.id === call.ctx.relationId)
    .sort((a, b) => a.id - b.id);
}

/** `-r` value: `name:N` or `N`; must be a relation of this unit. Falls back to the hook's relation. */
export function relationFromFlag(parsed: ParsedArgs, call: ToolCall, required = true): RelationState | undefined {
  const raw = parsed.flags.relation;
  const known = knownRelations(call);
  if (raw === undefined) {
    const id = call.ctx.relationId;
    const rel = id >= 0 ? call.host.state.relations[String(id)] : undefined;
    if (!rel) {
      if (required) throw new UsageError('no relation id specified');
      return undefined;
    }
    return rel;
  }
  const text = String(raw);
  const idText = text.slice(text.lastIndexOf(':') + 1);
  const rel = /^\d+$/.test(idText) ? known.find((r) => r.id === Number(idText)) : undefined;
  if (!rel) throw new UsageError(`invalid value "${text}" for option -r: relation not found`);
  return rel;
}

export function isLeaderNow(call: ToolCall): boolean {
  if (call.ctx.leaderSeenFalse) return false;
  const unit = call.ctx.unitState(call.host.state);
  const leader = call.host.state.applications[unit.application]?.leader === unit.name;
  if (!leader) call.ctx.leaderSeenFalse = true;
  return leader;
}

export { RunError, UsageError };

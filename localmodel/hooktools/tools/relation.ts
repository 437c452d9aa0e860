/** relation-ids, relation-list, relation-get, relation-set, relation-model-get (juju-contract §2.1). */
import yaml from 'js-yaml';
import { parseKeyValues } from '../flags.js';
import { relationName } from '../context.js';
import { defineTool, isLeaderNow, knownRelations, relationFlag, relationFromFlag, NO_OUTPUT, RunError, UsageError, type ToolCall } from '../tool.js';
import type { RelationState } from '../../model/state.js';

function ownApp(call: ToolCall): string {
  return call.ctx.unitState(call.host.state).application;
}

function isUnitName(s: string): boolean {
  return /^[a-z][a-z0-9-]*\/\d+$/.test(s);
}

/** The remote application of a relation from this unit's side (its own app for peers). */
export function remoteApplication(rel: RelationState, app: string): string {
  return rel.endpoints.find((e) => e.application !== app)?.application ?? app;
}

export const relationIds = defineTool({
  formats: ['smart', 'yaml', 'json'],
  run: ({ positional }, call) => {
    if (positional.length > 1) throw new UsageError(`unrecognized args: ["${positional.slice(1).join('" "')}"]`);
    const app = ownApp(call);
    let endpoint = positional[0];
    if (endpoint === undefined) {
      const rel = call.ctx.relationId >= 0 ? call.host.state.relations[String(call.ctx.relationId)] : undefined;
      if (!rel) throw new UsageError('no endpoint name specified');
      endpoint = rel.endpoints.find((e) => e.application === app)?.name;
    }
    return knownRelations(call)
      .filter((r) => r.endpoints.some((e) => e.application === app && e.name === endpoint))
      .map((r) => relationName(r, app));
  },
});

export const relationList = defineTool({
  flags: [relationFlag, { names: ['app'], kind: 'bool' }],
  formats: ['smart', 'yaml', 'json'],
  run: (parsed, call) => {
    if (parsed.positional.length > 0) throw new UsageError(`unrecognized args: ["${parsed.positional.join('" "')}"]`);
    const rel = relationFromFlag(parsed, call)!;
    if (parsed.flags.app) return remoteApplication(rel, ownApp(call));
    return [...(call.ctx.members.get(rel.id) ?? [])];
  },
});

export const relationGet = defineTool({
  flags: [relationFlag, { names: ['app'], kind: 'bool' }],
  formats: ['smart', 'yaml', 'json'],
  run: (parsed, call) => {
    const { state } = call.host;
    const rel = relationFromFlag(parsed, call)!;
    const [key = '-', target, ...rest] = parsed.positional;
    if (rest.length > 0) throw new UsageError(`unrecognized args: ["${rest.join('" "')}"]`);
    const app = ownApp(call);
    let appMode = parsed.flags.app === true;
    let who: string;
    if (target !== undefined) {
      if (appMode) who = target.includes('/') ? target.slice(0, target.indexOf('/')) : target;
      else if (!isUnitName(target)) throw new UsageError(`expected unit name, got application name "${target}"`);
      else who = target;
    } else if (appMode) {
      who = call.ctx.hook?.remoteApp || remoteApplication(rel, app);
    } else if (call.ctx.hook?.remoteUnit && call.ctx.hook.relationId === rel.id) {
      who = call.ctx.hook.remoteUnit;
    } else if (call.ctx.hook?.remoteApp && call.ctx.hook.relationId === rel.id) {
      appMode = true;
      who = call.ctx.hook.remoteApp;
    } else {
      throw new UsageError('no unit or application specified');
    }
    const data = settingsFor(call, rel, who, appMode, app);
    if (key === '-') return data;
    return key in data ? data[key] : null;
  },
});

function settingsFor(call: ToolCall, rel: RelationState, who: string, appMode: boolean, app: string): Record<string, string> {
  const { ctx } = call;
  const name = relationName(rel, app);
  if (appMode) {
    if (!rel.endpoints.some((e) => e.application === who)) {
      throw new RunError(`cannot read settings for application "${who}" in relation "${name}": application "${who}" is not part of the relation`);
    }
    if (who === app) {
      if (ctx.appWrites.has(rel.id)) return { ...ctx.appWrites.get(rel.id)! };
      return { ...(rel.appSettings[app]?.data ?? {}) };
    }
  } else if (who === ctx.unit) {
    if (ctx.unitWrites.has(rel.id)) return { ...ctx.unitWrites.get(rel.id)! };
    return { ...(rel.unitSettings[who]?.data ?? {}) };
  }
  const cacheKey = `${rel.id}/${appMode ? 'app' : 'unit'}/${who}`;
  const cached = ctx.readCache.get(cacheKey);
  if (cached) return { ...cached };
  const bag = appMode ? rel.appSettings[who] : rel.unitSettings[who];
  if (!bag && !appMode) throw new RunError(`cannot read settings for unit "${who}" in relation "${name}": unit "${who}": settings not found`);
  const data = { ...(bag?.data ?? {}) };
  ctx.readCache.set(cacheKey, data);
  return { ...data };
}

export const relationSet = defineTool({
  flags: [relationFlag, { names: ['app'], kind: 'bool' }, { names: ['file'], kind: 'value' }],
  deprecatedFormat: true,
  run: (parsed, call) => {
    const rel = relationFromFlag(parsed, call)!;
    const settings: Record<string, string> = {};
    if (parsed.flags.file !== undefined) {
      const file = String(parsed.flags.file);
      // The client sends stdin for `--file -` and the file's content for `--file <path>`.
      if (call.stdin === null) throw new RunError(file === '-' ? 'hook tool requires stdin, none supplied' : `cannot read ${file}: the hook-tool client sent no content`);
      const text = call.stdin.toString('utf8');
      let doc: unknown;
      try {
        doc = yaml.load(text);
      } catch (error) {
        throw new RunError(`cannot parse --file: ${(error as Error).message.split('\n')[0]}`);
      }
      if (doc !== null && doc !== undefined) {
        if (typeof doc !== 'object' || Array.isArray(doc)) throw new RunError('--file must hold a YAML mapping of string keys to string values');
        for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
          settings[k] = v === null || v === undefined ? '' : typeof v === 'string' ? v : String(v);
        }
      }
    }
    Object.assign(settings, parseKeyValues(parsed.positional));
    const { ctx, host } = call;
    const unit = ctx.unitState(host.state);
    const app = parsed.flags.app === true;
    if (app && !isLeaderNow(call)) throw new RunError('cannot write relation settings');
    const writes = app ? ctx.appWrites : ctx.unitWrites;
    const current = writes.get(rel.id) ?? { ...((app ? rel.appSettings[unit.application] : rel.unitSettings[unit.name])?.data ?? {}) };
    for (const [k, v] of Object.entries(settings)) {
      if (v === '') delete current[k];
      else current[k] = v;
    }
    writes.set(rel.id, current);
    return NO_OUTPUT;
  },
});

export const relationModelGet = defineTool({
  flags: [relationFlag],
  formats: ['smart', 'yaml', 'json'],
  run: (parsed, call) => {
    relationFromFlag(parsed, call);
    return { uuid: call.host.state.uuid };
  },
});

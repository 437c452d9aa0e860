/** action-get, action-set, action-fail, action-log: only inside an action (juju-contract §2.1). */
import { defineTool, NO_OUTPUT, RunError, UsageError, type ToolCall } from '../tool.js';
import type { ActionState } from '../../model/state.js';

const KEY = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/;
const RESERVED = new Set(['stdout', 'stdout-encoding', 'stderr', 'stderr-encoding']);

function actionOf(call: ToolCall): ActionState {
  if (!call.ctx.action) throw new RunError('not running an action');
  return call.ctx.action;
}

export const actionGet = defineTool({
  formats: ['smart', 'yaml', 'json'],
  run: ({ positional }, call) => {
    const action = actionOf(call);
    if (positional.length > 1) throw new UsageError(`unrecognized args: ["${positional.slice(1).join('" "')}"]`);
    const [key] = positional;
    if (key === undefined) return action.params;
    let cur: unknown = action.params;
    for (const part of key.split('.')) {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !(part in (cur as object))) return null;
      cur = (cur as Record<string, unknown>)[part];
    }
    return cur;
  },
});

export const actionSet = defineTool({
  run: ({ positional }, call) => {
    actionOf(call);
    if (positional.length === 0) throw new UsageError('no key=value pairs specified');
    const pairs: [string[], string][] = [];
    for (const arg of positional) {
      const eq = arg.indexOf('=');
      if (eq < 1) throw new UsageError(`argument "${arg}" must be of the form key...=value`);
      const path = arg.slice(0, eq).split('.');
      for (const part of path) {
        if (!KEY.test(part)) {
          throw new UsageError(`key "${part}" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods`);
        }
      }
      if (RESERVED.has(path[0]!)) throw new UsageError(`cannot set reserved action key "${path[0]}"`);
      pairs.push([path, arg.slice(eq + 1)]);
    }
    for (const [path, value] of pairs) {
      let cur = call.ctx.actionResults as Record<string, unknown>;
      for (const part of path.slice(0, -1)) {
        if (typeof cur[part] !== 'object' || cur[part] === null) cur[part] = {};
        cur = cur[part] as Record<string, unknown>;
      }
      cur[path[path.length - 1]!] = value;
    }
    return NO_OUTPUT;
  },
});

export const actionFail = defineTool({
  run: ({ positional }, call) => {
    actionOf(call);
    if (positional.length > 1) throw new UsageError(`unrecognized args: ["${positional.slice(1).join('" "')}"]`);
    call.ctx.actionFailed = true;
    call.ctx.actionMessage = positional[0] ?? 'action failed without reason given, check action for errors';
    return NO_OUTPUT;
  },
});

export const actionLog = defineTool({
  run: ({ positional }, call) => {
    const action = actionOf(call);
    if (positional.length === 0) throw new UsageError('no message specified');
    action.log.push({ timestamp: new Date().toISOString(), message: positional.join(' ') });
    call.host.log(call.ctx.unit, 'INFO', `unit.${call.ctx.unit}.action-log`, positional.join(' '));
    call.host.changed();
    return NO_OUTPUT;
  },
});

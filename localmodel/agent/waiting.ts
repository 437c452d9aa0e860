/**
 * What a unit's queued work waits for, in words, from the model state alone (pure): the CLI says it while it waits
 * and the agent puts it in the message of work that ran out of time before it could start.
 */
import { compareUnits, type ActionState, type ModelState } from '../model/state.js';

/** Who holds a machine's one-at-a-time queue: the units on it that are running something, with what. */
export function machineActivity(state: ModelState, machineId: string): string {
  const busy = Object.values(state.units)
    .filter((u) => u.machine === machineId && u.agent.current === 'executing')
    .sort((a, b) => compareUnits(a.name, b.name))
    .map((u) => `${u.name} is ${u.agent.message || 'executing'}`);
  return busy.length > 0 ? busy.join('; ') : 'a juju-local exec command runs there, or the next operation is about to start';
}

/** Why queued work of `unitName` has not started: its machine is not up, or busy, or earlier tasks go first. */
export function queueReason(state: ModelState, unitName: string, before?: string): string {
  const unit = state.units[unitName];
  if (!unit) return `unit ${unitName} is gone`;
  const machine = state.machines[unit.machine];
  if (!machine) return `machine ${unit.machine} of ${unitName} is gone`;
  if (machine.status.current !== 'started') {
    const detail = machine.status.message ? ` (${machine.status.message})` : '';
    return `machine ${machine.id} of ${unitName} is ${machine.status.current}${detail}; it runs when the machine is up`;
  }
  const earlier = Object.values(state.actions)
    .filter((a) => a.unit === unitName && (a.status === 'pending' || a.status === 'running') && (before === undefined || Number(a.id) < Number(before)))
    .sort((a, b) => Number(a.id) - Number(b.id));
  if (earlier.length > 0) return `behind ${earlier.map((a) => `task ${a.id} (${a.name}, ${a.status})`).join(', ')} on ${unitName}`;
  return `machine ${machine.id} runs one thing at a time: ${machineActivity(state, machine.id)}`;
}

/** A duration as juju prints one: 5m0s, 1m30s, 2s. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

/** The start of the message of an action ended by its time limit. */
export function actionTimeoutMessage(action: ActionState): string {
  return `timed out after ${formatDuration(action.waitMs ?? 0)} (juju-local run --wait)`;
}

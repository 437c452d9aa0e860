/**
 * zaza.model's vocabulary for our tests: every function names its model explicitly (zaza's rule for running
 * several models at once). Pure helpers read a status document; the rest go through a JujuCli.
 */
import type { ActionResult, ExecResult, JujuCli, StatusDoc, UnitStatusDoc } from './driver.js';

export interface TargetStatus {
  'workload-status'?: string;
  'workload-status-message-prefix'?: string;
  'workload-status-message-regex'?: string;
  'num-expected-units'?: number;
}

export interface UnitView {
  name: string;
  app: string;
  workload: string;
  message: string;
  agent: string;
  leader: boolean;
  address: string;
  principal: string | null;
  machine: string | null;
}

/** Every unit, principals and subordinates, flattened. */
export function unitsOf(status: StatusDoc): UnitView[] {
  const out: UnitView[] = [];
  const visit = (name: string, u: UnitStatusDoc, principal: string | null, machine: string | null) => {
    out.push({
      name, app: name.split('/')[0]!, workload: u['workload-status']?.current ?? 'unknown', message: u['workload-status']?.message ?? '',
      agent: u['juju-status']?.current ?? 'unknown', leader: u.leader === true, address: u['public-address'] ?? '', principal, machine,
    });
    for (const [sub, doc] of Object.entries(u.subordinates ?? {})) visit(sub, doc, name, machine);
  };
  for (const app of Object.values(status.applications ?? {})) {
    for (const [name, doc] of Object.entries(app.units ?? {})) visit(name, doc, null, doc.machine ?? null);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

export function appUnits(status: StatusDoc, app: string): UnitView[] {
  return unitsOf(status).filter((u) => u.app === app);
}

export function leaderOf(status: StatusDoc, app: string): UnitView {
  const leader = appUnits(status, app).find((u) => u.leader);
  if (!leader) throw new Error(`application ${app} has no leader in the status (units: ${appUnits(status, app).map((u) => u.name).join(', ') || 'none'})`);
  return leader;
}

const READY_PREFIXES = ['ready', 'Ready', 'Unit is ready'];

/** What is still wrong with the model against the targets; empty when it is where zaza would stop waiting. */
export function pendingAgainst(status: StatusDoc, targets: Record<string, TargetStatus>): { waiting: string[]; errors: string[]; unitsInError: string[] } {
  const waiting: string[] = [];
  const errors: string[] = [];
  const unitsInError: string[] = [];
  const units = unitsOf(status);
  for (const app of Object.keys(status.applications ?? {})) {
    const target = targets[app] ?? {};
    const mine = units.filter((u) => u.app === app);
    const isSubordinate = (status.applications?.[app]?.['subordinate-to'] ?? []).length > 0;
    if (mine.length === 0 && !isSubordinate && target['num-expected-units'] !== 0) waiting.push(`${app}: no units yet`);
    if (target['num-expected-units'] !== undefined && mine.length !== target['num-expected-units']) {
      waiting.push(`${app}: ${mine.length} unit(s), ${target['num-expected-units']} expected`);
    }
    for (const u of mine) {
      if (u.workload === 'error' || u.agent === 'error') {
        errors.push(`${u.name}: ${u.message || 'error'}`);
        unitsInError.push(u.name);
        continue;
      }
      const wantStatus = target['workload-status'] ?? 'active';
      const prefix = target['workload-status-message-prefix'];
      const regex = target['workload-status-message-regex'];
      const messageOk = regex !== undefined ? new RegExp(regex).test(u.message)
        : prefix !== undefined ? u.message.startsWith(prefix)
          : wantStatus !== 'active' || READY_PREFIXES.some((p) => u.message.startsWith(p));
      if (u.agent !== 'idle' || u.workload !== wantStatus || !messageOk) {
        waiting.push(`${u.name}: ${u.agent}/${u.workload}${u.message ? ` "${u.message}"` : ''}`);
      }
    }
  }
  return { waiting, errors, unitsInError };
}

export class ModelTimeout extends Error {}
/** Units in error; `units` names them so the caller can show each one's log. */
export class UnitError extends Error {
  constructor(message: string, readonly units: readonly string[]) {
    super(message);
  }
}

/** zaza's wait_for_application_states: every unit idle and in its target state; errors fail at once. */
export async function waitForApplicationStates(
  cli: JujuCli, model: string, targets: Record<string, TargetStatus>, timeoutMs: number, progress: (line: string) => void,
): Promise<StatusDoc> {
  const started = Date.now();
  let lastReport = '';
  let lastReportAt = 0;
  for (;;) {
    const status = await cli.status(model);
    const { waiting, errors, unitsInError } = pendingAgainst(status, targets);
    if (errors.length > 0) throw new UnitError(`units in error: ${errors.join('; ')}`, unitsInError);
    if (waiting.length === 0) return status;
    const total = unitsOf(status).length;
    const report = `${total - waiting.length}/${total} units ready; waiting for ${waiting.slice(0, 4).join(', ')}${waiting.length > 4 ? ` and ${waiting.length - 4} more` : ''}`;
    if (report !== lastReport || Date.now() - lastReportAt > 30_000) {
      progress(`[${Math.round((Date.now() - started) / 1000)} s] ${report}`);
      lastReport = report;
      lastReportAt = Date.now();
    }
    if (Date.now() - started > timeoutMs) throw new ModelTimeout(`model ${model} not ready after ${Math.round(timeoutMs / 1000)} s: ${waiting.join('; ')}`);
    await new Promise((r) => setTimeout(r, 3_000));
  }
}

export async function runOnUnit(cli: JujuCli, model: string, unit: string, command: string, timeoutMs?: number): Promise<ExecResult> {
  return cli.exec(model, unit, command, timeoutMs);
}

export async function runOnLeader(cli: JujuCli, model: string, app: string, command: string): Promise<ExecResult> {
  return cli.exec(model, leaderOf(await cli.status(model), app).name, command);
}

/** Like zaza's run_action(..., raise_on_failure=True). */
export async function runAction(cli: JujuCli, model: string, unit: string, action: string, params: Record<string, string> = {}): Promise<ActionResult> {
  const result = await cli.runAction(model, unit, action, params);
  if (result.status !== 'completed') throw new Error(`action ${action} on ${unit} ${result.status}: ${result.message}`);
  return result;
}

/** Polls until `probe` returns a value (not undefined); says what it waited for on timeout. */
export async function blockUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 1_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) throw new ModelTimeout(`${what}: not reached within ${Math.round(timeoutMs / 1000)} s${lastError ? ` (last error: ${lastError})` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

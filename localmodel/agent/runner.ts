/**
 * Runs one hook, action or `exec` command of a unit inside its machine: charm deployed, context registered with
 * the hook-tool server, Juju's environment, dispatch (else hooks/<name>), output to the debug log, commit only on
 * exit 0 (juju-contract §1).
 */
import type { ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HookContext, commitContext } from '../hooktools/context.js';
import { hookEnvironment } from './env.js';
import { applyCommit, applyPreHookStatus, runningMessage, unitTag } from './transitions.js';
import { compareUnits, now, status, type ActionState, type HookSpec, type UnitState } from '../model/state.js';
import type { MachineBackend } from '../backend/backend.js';
import type { NetInfo } from '../hooktools/context.js';
import type { ModelState } from '../model/state.js';
import { actionTimeoutMessage } from './waiting.js';

export interface ProcessOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  missing: boolean;
  /** The process ran past its time limit and was killed with its whole process group. */
  timedOut: boolean;
  spawnError?: string;
  timings: { queued: number; spawned: number; started: number; exited: number };
}

/** What `exec` answers; `timedOut` says whether the time limit ran out while it ran or before it could start. */
export interface ExecOutcome {
  code: number;
  stdout: string;
  stderr: string;
  timedOut?: 'running' | 'queued';
  /** For one that never started: what it waited for. */
  waitedOn?: string;
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 0;
}

function charmPathInMachine(unit: string): string {
  return `/var/lib/juju/agents/${unitTag(unit)}/charm`;
}

/** The remote units each relation lists in a context (relation-list), fixed at hook start. */
function membersSnapshot(unit: UnitState, hook: HookSpec | null): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const [id, local] of Object.entries(unit.uniter.relations)) {
    let members = Object.keys(local.members);
    if (hook?.relationId === Number(id) && hook.remoteUnit) {
      if (hook.kind === 'relation-joined' && !members.includes(hook.remoteUnit)) members.push(hook.remoteUnit);
      if (hook.kind === 'relation-departed') members = members.filter((m) => m !== hook.remoteUnit);
    }
    out.set(Number(id), members.sort(compareUnits));
  }
  return out;
}

/** Seconds a process killed for its time limit gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 3_000;

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

/** Past `ms`, SIGTERM to the child's process group, then SIGKILL; both backends start each process as a group leader. */
function killAfter(child: ChildProcess, ms: number): { stop(): void; expired(): boolean } {
  let expired = false;
  let stopped = false;
  let hard: NodeJS.Timeout | undefined;
  const soft = setTimeout(() => {
    expired = true;
    signalGroup(child.pid, 'SIGTERM');
    hard = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
  }, Math.max(0, ms));
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(soft);
      clearTimeout(hard);
      // What the killed command left in its group goes too, before the next command runs on the machine.
      if (expired) signalGroup(child.pid, 'SIGKILL');
    },
    expired: () => expired,
  };
}

/**
 * What a runner needs of the agent that owns it: the model, the machines, the tool server and the log to work
 * with, and the notices it gives back. The agent implements it; the runner sees nothing else of the agent.
 */
export interface RunnerHost {
  readonly state: ModelState;
  readonly backend: MachineBackend;
  readonly tools: { register(ctx: HookContext): void; unregister(ctx: HookContext): void };
  readonly dlog: { write(entity: string, level: string, logger: string, message: string): void };
  readonly apiAddress: string;
  /** The state changed: persist it and wake whoever waits on it. */
  changed(): void;
  network(unit: string): NetInfo;
  trackProcess(pid: number | undefined, running: boolean): void;
  recordTimings(unit: string, hook: string, timings: ProcessOutcome['timings'], committed: number): void;
  machineDown(id: string): void;
  rebootMachine(machineId: string): Promise<void>;
}

export class Runner {
  constructor(private readonly agent: RunnerHost) {}

  /** Copies the application's current charm into the unit's charm dir when the unit has an older one. */
  async ensureCharm(unit: UnitState): Promise<string> {
    const app = this.agent.state.applications[unit.application]!;
    const inner = this.agent.backend.innerPath(unit.machine, charmPathInMachine(unit.name));
    if (unit.uniter.charmDeployed !== app.charmRevision) {
      const host = await this.agent.backend.hostPath(unit.machine, inner);
      const tmp = `${host}.new`;
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(join(host, '..'), { recursive: true });
      cpSync(app.charmDir, tmp, { recursive: true, verbatimSymlinks: true });
      // Like Juju's charm deployer, an upgrade replaces the charm's own files and keeps what the unit created in
      // its charm dir (e.g. the reactive unit state), so flags survive a refresh.
      if (existsSync(host)) {
        for (const name of readdirSync(host)) {
          if (!existsSync(join(app.charmDir, name))) cpSync(join(host, name), join(tmp, name), { recursive: true, verbatimSymlinks: true });
        }
      }
      rmSync(host, { recursive: true, force: true });
      cpSync(tmp, host, { recursive: true, verbatimSymlinks: true });
      rmSync(tmp, { recursive: true, force: true });
      unit.uniter.charmDeployed = app.charmRevision;
    }
    return inner;
  }

  /** Which executable handles `path` (`hooks/x`, `actions/y`): dispatch first, else the explicit file. */
  private async handler(unit: UnitState, charmInner: string, explicit: string): Promise<string | null> {
    const hostCharm = await this.agent.backend.hostPath(unit.machine, charmInner);
    if (!existsSync(join(hostCharm, 'metadata.yaml'))) throw new Error('charm missing from disk');
    if (existsSync(join(hostCharm, 'dispatch'))) return join(charmInner, 'dispatch');
    try {
      statSync(join(hostCharm, explicit));
      return join(charmInner, explicit);
    } catch {
      return null;
    }
  }

  /** `limitMs`: past it the process is killed with its whole process group (the machine's too: nsenter is in it). */
  private async spawnIn(unit: UnitState, ctx: HookContext, argv: string[], env: Record<string, string>, cwd: string, queued: number, logger: string, limitMs?: number): Promise<ProcessOutcome> {
    const timings = { queued, spawned: performance.now(), started: 0, exited: 0 };
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    this.agent.tools.register(ctx);
    let limit: { stop(): void; expired(): boolean } | undefined;
    try {
      const child = await this.agent.backend.spawn(unit.machine, argv, { env, cwd });
      this.agent.trackProcess(child.pid, true);
      const entity = unitTag(unit.name);
      if (limitMs !== undefined) limit = killAfter(child, limitMs);
      const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: string }>((resolve) => {
        child.once('spawn', () => (timings.started = performance.now()));
        // Whole lines go to the debug log; a partial line waits for the rest (or for the end of the process).
        const partial = { out: '', err: '' };
        const emit = (which: 'out' | 'err', level: string, text: string, flush: boolean): void => {
          const all = partial[which] + text;
          const cut = flush ? all.length : all.lastIndexOf('\n') + 1;
          if (cut > 0 && all.slice(0, cut).trim()) this.agent.dlog.write(entity, level, logger, all.slice(0, cut));
          partial[which] = all.slice(cut);
        };
        child.stdout?.on('data', (c: Buffer) => {
          out.push(c);
          emit('out', 'DEBUG', c.toString('utf8'), false);
        });
        child.stderr?.on('data', (c: Buffer) => {
          err.push(c);
          emit('err', 'WARNING', c.toString('utf8'), false);
        });
        child.once('close', () => {
          emit('out', 'DEBUG', '', true);
          emit('err', 'WARNING', '', true);
        });
        child.once('error', (e) => resolve({ code: 1, signal: null, error: e.message }));
        child.once('close', (code, signal) => resolve({ code, signal }));
        // A killed command's pipes may stay open in a process that left its group: do not wait for them then.
        child.once('exit', (code, signal) => {
          if (limit?.expired()) setTimeout(() => resolve({ code, signal }), 2_000).unref();
        });
      });
      limit?.stop();
      this.agent.trackProcess(child.pid, false);
      timings.exited = performance.now();
      return {
        code: result.code,
        signal: result.signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        missing: false,
        timedOut: limit?.expired() ?? false,
        ...(result.error ? { spawnError: result.error } : {}),
        timings,
      };
    } finally {
      limit?.stop();
      this.agent.tools.unregister(ctx);
    }
  }

  private environment(unit: UnitState, ctx: HookContext, charmInner: string, extra: { hook?: HookSpec; action?: ActionState; exec?: boolean }): Record<string, string> {
    const b = this.agent.backend;
    return hookEnvironment({
      state: this.agent.state,
      unit,
      contextId: ctx.id,
      charmDir: charmInner,
      socket: b.socketInMachine(unit.machine),
      toolsDir: b.toolsInMachine(unit.machine),
      basePath: b.basePath,
      apiAddress: this.agent.apiAddress,
      ...extra,
    });
  }

  /** Runs a hook; returns 'ok' (committed), 'failed' (unit now in error) or 'requeue' (killed). */
  async runHook(unitName: string, hook: HookSpec, queued: number): Promise<'ok' | 'failed' | 'requeue'> {
    const unit = this.agent.state.units[unitName];
    if (!unit) return 'ok';
    const entity = unitTag(unitName);
    const quiet = hook.kind === 'update-status';
    applyPreHookStatus(unit, hook);
    if (!quiet) unit.agent = status('executing', runningMessage(hook));
    this.agent.changed();
    let outcome: ProcessOutcome | null = null;
    let failure: string | null = null;
    const ctx = new HookContext(unitName, hook, null, membersSnapshot(unit, hook));
    try {
      const charmInner = await this.ensureCharm(unit);
      const exe = await this.handler(unit, charmInner, `hooks/${hook.name}`);
      if (exe === null) {
        this.agent.dlog.write(entity, 'INFO', 'juju.worker.uniter.operation', `skipped "${hook.name}" hook (missing)`);
      } else {
        const env = this.environment(unit, ctx, charmInner, { hook });
        outcome = await this.spawnIn(unit, ctx, [exe], env, charmInner, queued, `unit.${unitName}.${hook.name}`);
        if (outcome.spawnError) failure = outcome.spawnError;
        else if (outcome.code === null && (outcome.signal === 'SIGTERM' || outcome.signal === 'SIGKILL')) {
          unit.agent = status('idle', '');
          this.agent.changed();
          return 'requeue';
        } else if (outcome.code !== 0) failure = `exit status ${outcome.code ?? outcome.signal}`;
      }
    } catch (error) {
      failure = (error as Error).message;
    }
    const current = this.agent.state.units[unitName];
    if (!current) return 'ok';
    if (failure && !(await this.agent.backend.isRunning(current.machine).catch(() => true))) {
      // The machine went away under the hook (powered off): not the charm's fault; run it again when it is back.
      this.agent.machineDown(current.machine);
      return 'requeue';
    }
    if (failure) {
      const previous = current.uniter.lastFailure;
      const retries = previous && previous.hook.name === hook.name ? (previous.retries ?? 0) + 1 : 0;
      current.uniter.error = { hook, at: now(), retries };
      current.uniter.lastFailure = current.uniter.error;
      current.agent = status('idle', '');
      this.agent.dlog.write(entity, 'ERROR', 'juju.worker.uniter.operation', `hook "${hook.name}" (via ${outcome ? 'hook dispatching script: dispatch' : 'explicit, bespoke hook script'}) failed: ${failure}`);
      this.agent.changed();
      return 'failed';
    }
    commitContext(this.agent.state, ctx);
    applyCommit(this.agent.state, unitName, hook, this.agent.network(unitName));
    current.uniter.lastFailure = null;
    if (outcome) this.agent.recordTimings(unitName, hook.name, outcome.timings, performance.now());
    current.agent = status('idle', '');
    if (!quiet || outcome) this.agent.dlog.write(entity, 'INFO', 'juju.worker.uniter.operation', `ran "${hook.name}" hook`);
    if (ctx.rebootRequested !== 'none') await this.agent.rebootMachine(current.machine);
    this.agent.changed();
    return 'ok';
  }

  async runAction(actionId: string, queued: number): Promise<void> {
    const action = this.agent.state.actions[actionId]!;
    const unit = this.agent.state.units[action.unit];
    // Ended while it waited for the machine (its time limit passed): nothing to run.
    if (!unit || action.status !== 'pending') return;
    const limitMs = action.waitMs === undefined ? undefined : Date.parse(action.enqueued) + action.waitMs - Date.now();
    action.status = 'running';
    action.started = now();
    unit.agent = status('executing', `running action ${action.name}`);
    this.agent.changed();
    const ctx = new HookContext(unit.name, null, action, membersSnapshot(unit, null));
    try {
      const charmInner = await this.ensureCharm(unit);
      const exe = await this.handler(unit, charmInner, `actions/${action.name}`);
      if (exe === null) {
        action.status = 'failed';
        action.message = `action not implemented on unit "${unit.name}"`;
      } else {
        const env = this.environment(unit, ctx, charmInner, { action });
        const o = await this.spawnIn(unit, ctx, [exe], env, charmInner, queued, `unit.${unit.name}.${action.name}`, limitMs);
        const results: Record<string, unknown> = { ...ctx.actionResults, 'return-code': String(o.code ?? (o.timedOut ? 128 + signalNumber(o.signal) : 1)) };
        if (o.stdout) results.stdout = o.stdout;
        if (o.stderr) results.stderr = o.stderr;
        action.results = results;
        if (o.timedOut) {
          action.status = 'failed';
          action.message = `${actionTimeoutMessage(action)} and was killed with every process it started; `
            + 'give it a longer --wait, or run it with --background and follow it with show-task';
          this.agent.dlog.write(unitTag(unit.name), 'WARNING', 'juju.worker.uniter', `task ${action.id} (${action.name}): ${action.message}`);
        } else if (o.spawnError || o.code !== 0) {
          action.status = 'failed';
          action.message = ctx.actionFailed ? ctx.actionMessage : o.spawnError ?? `exit status ${o.code ?? o.signal}`;
        } else if (ctx.actionFailed) {
          action.status = 'failed';
          action.message = ctx.actionMessage;
          commitContext(this.agent.state, ctx);
        } else {
          action.status = 'completed';
          commitContext(this.agent.state, ctx);
        }
      }
    } catch (error) {
      action.status = 'failed';
      action.message = (error as Error).message;
    }
    action.completed = now();
    const current = this.agent.state.units[action.unit];
    if (current) current.agent = status('idle', '');
    this.agent.changed();
  }

  /** `juju exec`: a shell command with the unit's hook context (tools work), committed on exit 0; killed past `limitMs`. */
  async runExec(unitName: string, command: string, limitMs?: number): Promise<ExecOutcome> {
    const unit = this.agent.state.units[unitName];
    if (!unit) throw new Error(`unit "${unitName}" not found`);
    const ctx = new HookContext(unitName, null, null, membersSnapshot(unit, null));
    const charmInner = await this.ensureCharm(unit);
    const env = this.environment(unit, ctx, charmInner, { exec: true });
    const o = await this.spawnIn(unit, ctx, ['/bin/sh', '-c', command], env, charmInner, performance.now(), `unit.${unitName}.juju-exec`, limitMs);
    if (o.code === 0 && !o.timedOut) commitContext(this.agent.state, ctx);
    if (o.timedOut) this.agent.dlog.write(unitTag(unitName), 'WARNING', 'juju.worker.uniter', `juju-exec command ran past its time limit (${Math.round((limitMs ?? 0) / 1000)} s) and was killed`);
    this.agent.changed();
    const code = o.timedOut ? o.code ?? 128 + signalNumber(o.signal) : o.code ?? 1;
    return { code, stdout: o.stdout, stderr: o.stderr + (o.spawnError ? `${o.spawnError}\n` : ''), ...(o.timedOut ? { timedOut: 'running' as const } : {}) };
  }
}

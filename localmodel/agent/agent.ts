/**
 * The model agent: one background process per model. It owns the model state, provisions machines, runs one
 * uniter loop per unit (one operation at a time per unit, one hook at a time per machine), answers hook tools
 * over the model's unix socket and the CLI over a control socket.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HookToolServer } from '../hooktools/server.js';
import { installTools } from '../hooktools/client/install.js';
import type { NetInfo, ToolHost } from '../hooktools/context.js';
import { jujuLocalHome, modelPaths, readState, writeFileAtomic, writeState, type ModelPaths } from '../model/store.js';
import { now, status, type ModelState } from '../model/state.js';
import type { MachineBackend } from '../backend/backend.js';
import { createBackend } from '../backend/factory.js';
import { DebugLog, entityOfUnit } from './logger.js';
import { nextOp } from './resolver.js';
import { applyCommit, leaveScope, reconcile, removeUnit } from './transitions.js';
import { Runner, type ExecOutcome, type ProcessOutcome, type RunnerHost } from './runner.js';
import { parseDuration } from './duration.js';
import { processRecord } from '../model/processes.js';
import { charmsOnMachine } from './machine-charms.js';
import { retrying } from './retry.js';
import { actionTimeoutMessage, queueReason } from './waiting.js';

/** Like Juju's provisioner: a machine start that fails is tried again (10 s apart) before the machine is left in error. */
const PROVISIONING_ATTEMPTS = 3;
const PROVISIONING_RETRY_DELAY_MS = 10_000;

class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const prev = this.tail;
    this.tail = prev.then(() => next);
    await prev;
    return release;
  }
}

export class Agent implements ToolHost, RunnerHost {
  state: ModelState;
  readonly paths: ModelPaths;
  readonly backend: MachineBackend;
  readonly tools: HookToolServer;
  readonly dlog: DebugLog;
  readonly runner: Runner;
  apiAddress = '';
  stopping = false;
  private readonly uniters = new Set<string>();
  private readonly provisioning = new Set<string>();
  private readonly machineLocks = new Map<string, Mutex>();
  private waiters: (() => void)[] = [];
  private persistTimer: NodeJS.Timeout | undefined;
  private readonly children = new Set<number>();
  private prepared: Promise<void> | undefined;
  /** Tool call durations (ms) since the last recorded hook, with JUJU_LOCAL_TIMINGS. */
  private toolCalls: number[] = [];

  constructor(
    readonly model: string,
    readonly home = jujuLocalHome(),
  ) {
    this.paths = modelPaths(model, home);
    this.state = readState(model, home);
    this.backend = createBackend(this.state.backend, model, home);
    this.tools = new HookToolServer(this);
    this.dlog = new DebugLog(this.paths.debugLog);
    this.runner = new Runner(this);
    if (process.env.JUJU_LOCAL_TIMINGS) this.tools.onCall = (_tool, ms) => this.toolCalls.push(Math.round(ms * 1000) / 1000);
  }

  async start(): Promise<void> {
    mkdirSync(this.paths.run, { recursive: true });
    installTools(this.paths.tools, join(this.home, 'cache'));
    await this.tools.listen(this.paths.hookSocket);
    this.dlog.write('model', 'INFO', 'juju.agent', `agent started (pid ${process.pid}, backend ${this.state.backend})`);
    // Hooks that were running when a previous agent died count as failed (juju-contract §1.5).
    for (const u of Object.values(this.state.units)) {
      if (u.agent.current === 'executing' && !u.uniter.error) u.agent = status('idle', '');
    }
    for (const a of Object.values(this.state.actions)) if (a.status === 'pending') this.armActionDeadline(a.id);
    this.changed();
    this.loop();
  }

  // ToolHost
  network(unit: string): NetInfo {
    const u = this.state.units[unit];
    const m = u ? this.state.machines[u.machine] : undefined;
    return {
      address: m?.address ?? '',
      cidr: m?.cidr ?? '',
      hostname: m?.hostname ?? '',
      fqdn: m?.fqdn ?? '',
      interfaceName: this.backend.kind === 'host' ? 'lo' : 'eth0',
    };
  }

  log(unit: string, level: string, logger: string, message: string): void {
    this.dlog.write(entityOfUnit(unit), level, logger, message);
  }

  changed(): void {
    reconcile(this.state);
    this.schedulePersist();
    const w = this.waiters;
    this.waiters = [];
    for (const wake of w) wake();
    this.ensureWorkers();
  }

  private schedulePersist(): void {
    if (this.persistTimer) return;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = undefined;
      this.persist();
    }, 20);
  }

  persist(): void {
    writeState(this.state, this.home);
  }

  /** Waits until something changes or `ms` passes. */
  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, Math.max(10, Math.min(ms, 2_147_000_000)));
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  trackProcess(pid: number | undefined, running: boolean): void {
    if (!pid) return;
    if (running) this.children.add(pid);
    else this.children.delete(pid);
    writeFileAtomic(join(this.paths.dir, 'hook.pids'), [...this.children].map(processRecord).join('\n'));
  }

  /** With JUJU_LOCAL_TIMINGS set, one line per hook: where the agent's time goes (ms). */
  recordTimings(unit: string, hook: string, t: ProcessOutcome['timings'], committed: number): void {
    if (!process.env.JUJU_LOCAL_TIMINGS) return;
    const line = JSON.stringify({
      unit,
      machine: this.state.units[unit]?.machine,
      hook,
      // wall-clock start and end, so that the lines make a per-machine timeline of a deploy
      startedAt: Math.round(performance.timeOrigin + t.started),
      exitedAt: Math.round(performance.timeOrigin + t.exited),
      queueToSpawn: t.spawned - t.queued,
      spawnToStart: t.started - t.spawned,
      run: t.exited - t.started,
      commit: committed - t.exited,
      tools: this.toolCalls.splice(0),
    });
    void appendFile(join(this.paths.dir, 'timings.jsonl'), `${line}\n`);
  }

  lockMachine(id: string): Promise<() => void> {
    let m = this.machineLocks.get(id);
    if (!m) this.machineLocks.set(id, (m = new Mutex()));
    return m.lock();
  }

  updateStatusMs(): number {
    return parseDuration(this.state.settings['update-status-hook-interval']);
  }

  private loop(): void {
    this.ensureWorkers();
    void this.watchMachines();
  }

  private prepareBackend(): Promise<void> {
    this.prepared ??= this.backend.prepare((m) => this.dlog.write('model', 'INFO', 'juju.provisioner', m));
    return this.prepared;
  }

  /** Starts provisioning for new machines and a uniter for each unit without one. */
  private ensureWorkers(): void {
    if (this.stopping) return;
    for (const m of Object.values(this.state.machines)) {
      if (m.status.current === 'pending' && !this.provisioning.has(m.id)) {
        this.provisioning.add(m.id);
        void this.provision(m.id).finally(() => this.provisioning.delete(m.id));
      }
    }
    for (const name of Object.keys(this.state.units)) {
      if (!this.uniters.has(name)) {
        this.uniters.add(name);
        void this.uniter(name).finally(() => this.uniters.delete(name));
      }
    }
  }

  private async provision(id: string): Promise<void> {
    const entity = `machine-${id.replace(/\//g, '-')}`;
    try {
      const machine = this.state.machines[id]!;
      machine.status = status('pending', 'preparing');
      this.changed();
      await this.prepareBackend();
      // A container's host must be up first.
      while (machine.parent && this.state.machines[machine.parent]?.status.current !== 'started') {
        if (this.stopping || !this.state.machines[machine.parent]) return;
        await this.wait(1000);
      }
      const progress = (msg: string): void => {
        machine.status = status('pending', msg);
        this.dlog.write(entity, 'INFO', 'juju.provisioner', msg);
        this.schedulePersist();
      };
      const started = await retrying(() => this.backend.start({ id, hostname: machine.hostname, charms: charmsOnMachine(this.state, id) }, progress), {
        attempts: PROVISIONING_ATTEMPTS,
        delayMs: PROVISIONING_RETRY_DELAY_MS,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        shouldContinue: () => !this.stopping && this.state.machines[id] !== undefined,
        onRetry: (attempt, error) => {
          const first = error.message.split('\n')[0]!;
          machine.status = status('pending', `attempt ${attempt}/${PROVISIONING_ATTEMPTS} in ${PROVISIONING_RETRY_DELAY_MS / 1000} s: ${first}`);
          this.dlog.write(entity, 'WARNING', 'juju.provisioner', `cannot start machine ${id} (attempt ${attempt - 1}/${PROVISIONING_ATTEMPTS}), retrying: ${error.message}`);
          this.changed();
        },
      });
      const m = this.state.machines[id];
      if (!m) return;
      Object.assign(m, { address: started.address, cidr: started.cidr, fqdn: started.fqdn, hostname: started.hostname, backendId: started.backendId });
      m.status = status('started', '');
      this.dlog.write(entity, 'INFO', 'juju.provisioner', `started machine ${id} (${started.fqdn}, ${started.address})`);
      for (const u of Object.values(this.state.units)) {
        if (u.machine === id && u.workload.current === 'waiting' && !u.charmSetStatus) u.workload = status('waiting', 'agent initialising');
        if (u.machine === id && u.agent.current === 'allocating') u.agent = status('idle', '');
      }
      this.changed();
    } catch (error) {
      const m = this.state.machines[id];
      if (m) m.status = status('error', (error as Error).message.split('\n')[0]!);
      this.dlog.write(entity, 'ERROR', 'juju.provisioner', `cannot start machine ${id}: ${(error as Error).message}`);
      this.changed();
    }
  }

  private async uniter(name: string): Promise<void> {
    while (!this.stopping) {
      const unit = this.state.units[name];
      if (!unit) return;
      const machine = this.state.machines[unit.machine];
      if (!machine || machine.status.current !== 'started') {
        // A dying unit whose machine never came up has nothing to run: it goes at once.
        if (unit.life === 'dying' && (!machine || machine.status.current === 'error' || (!unit.uniter.installed && unit.uniter.charmDeployed === 0))) {
          removeUnit(this.state, name);
          this.changed();
          return;
        }
        await this.wait(60_000);
        continue;
      }
      if (unit.uniter.error && this.state.settings['automatically-retry-hooks']) {
        // Juju's retry strategy: 5 s, doubling, at most 5 min.
        const delay = Math.min(5_000 * 2 ** (unit.uniter.error.retries ?? 0), 300_000);
        const due = Date.parse(unit.uniter.error.at) + delay;
        if (Date.now() >= due) {
          this.dlog.write(entityOfUnit(name), 'INFO', 'juju.worker.uniter', `retrying hook "${unit.uniter.error.hook.name}" (automatically-retry-hooks)`);
          unit.uniter.error = null;
          this.changed();
          continue;
        }
        await this.wait(due - Date.now());
        continue;
      }
      const interval = this.updateStatusMs();
      const op = nextOp(this.state, name, { now: Date.now(), updateStatusMs: interval });
      if (!op) {
        const due = unit.uniter.started && !unit.uniter.error ? unit.uniter.lastUpdateStatus + interval - Date.now() : 60_000;
        await this.wait(due);
        continue;
      }
      if (op.kind === 'deposed') {
        unit.uniter.leader = false;
        this.changed();
        continue;
      }
      if (op.kind === 'leave-scope') {
        const rel = this.state.relations[String(op.relationId)];
        if (rel) leaveScope(rel, unit);
        this.changed();
        continue;
      }
      if (op.kind === 'remove-unit') {
        removeUnit(this.state, name);
        this.dlog.write(entityOfUnit(name), 'INFO', 'juju.worker.uniter', 'unit removed');
        this.changed();
        return;
      }
      const release = await this.lockMachine(unit.machine);
      // The agent's own time for a hook starts once it holds the machine lock (waiting for it is queueing).
      const queued = performance.now();
      try {
        if (this.stopping || !this.state.units[name]) return;
        if (op.kind === 'action') await this.runner.runAction(op.actionId, queued);
        else {
          // leader-elected is skipped when leadership went away while queued (runhook.go Prepare).
          if (op.hook.kind === 'leader-elected' && this.state.applications[unit.application]?.leader !== name) continue;
          await this.runner.runHook(name, op.hook, queued);
          if (op.hook.kind === 'remove' && this.state.units[name] && !this.state.units[name]!.uniter.error) {
            removeUnit(this.state, name);
            this.dlog.write(entityOfUnit(name), 'INFO', 'juju.worker.uniter', 'unit removed');
            this.changed();
            return;
          }
        }
      } finally {
        release();
      }
    }
  }

  /** A powered-off machine: its units show agent lost until it runs again (polled every few seconds). */
  machineDown(id: string): void {
    const m = this.state.machines[id];
    if (!m || m.status.current === 'down') return;
    m.status = status('down', 'machine is powered off');
    for (const u of Object.values(this.state.units)) if (u.machine === id) u.agent = status('lost', 'agent is not communicating with the server');
    this.dlog.write(`machine-${id.replace(/\//g, '-')}`, 'WARNING', 'juju.provisioner', `machine ${id} is not running; its hooks wait until it is back`);
    this.changed();
  }

  /** Notices machines powered off or back on outside the agent (the MAAS emulator, an operator). */
  private async watchMachines(): Promise<void> {
    while (!this.stopping) {
      await new Promise((r) => setTimeout(r, 3_000).unref());
      for (const m of Object.values(this.state.machines)) {
        if (m.status.current !== 'started' && m.status.current !== 'down') continue;
        let running: boolean;
        try {
          running = await this.backend.isRunning(m.id);
        } catch {
          continue;
        }
        if (!running && m.status.current === 'started') this.machineDown(m.id);
        else if (running && m.status.current === 'down') {
          m.status = status('started', '');
          for (const u of Object.values(this.state.units)) {
            if (u.machine !== m.id) continue;
            if (u.agent.current === 'lost') u.agent = status('idle', '');
            // Juju (2.8+) runs the start hook again on every unit of a machine that booted again.
            if (u.uniter.started && !u.uniter.stopped) u.uniter.startPending = true;
          }
          this.dlog.write(`machine-${m.id.replace(/\//g, '-')}`, 'INFO', 'juju.provisioner', `machine ${m.id} is running again`);
          this.changed();
        }
      }
    }
  }

  /** `resolved`: retry re-runs the failed hook; --no-retry commits it as if it had succeeded. */
  resolve(unitName: string, retry: boolean): void {
    const unit = this.state.units[unitName];
    if (!unit?.uniter.error) throw new Error(`unit "${unitName}" is not in an error state`);
    const failed = unit.uniter.error.hook;
    unit.uniter.error = null;
    if (!retry) applyCommit(this.state, unitName, failed, this.network(unitName));
    this.changed();
  }

  /** An action queued with a time limit that has not started when the limit passes fails, saying what it waited for. */
  armActionDeadline(id: string): void {
    const a = this.state.actions[id];
    if (a?.waitMs === undefined) return;
    setTimeout(() => this.expireQueuedAction(id), Math.max(0, Date.parse(a.enqueued) + a.waitMs - Date.now())).unref();
  }

  private expireQueuedAction(id: string): void {
    const a = this.state.actions[id];
    if (!a || a.status !== 'pending' || this.stopping) return;
    a.status = 'failed';
    a.message = `${actionTimeoutMessage(a)} before it started: ${queueReason(this.state, a.unit, a.id)}`;
    a.completed = now();
    this.dlog.write(entityOfUnit(a.unit), 'WARNING', 'juju.worker.uniter', `task ${a.id} (${a.name}): ${a.message}`);
    this.changed();
  }

  async rebootMachine(machineId: string): Promise<void> {
    this.dlog.write(`machine-${machineId}`, 'WARNING', 'juju.reboot', 'juju-reboot requested: the local model does not reboot machines from hooks; ignored');
  }

  /**
   * `juju exec`: waits its turn on the machine, then runs. `limitMs` counts from the request, as juju's --wait does:
   * a command still queued when it runs out does not start; one running then is killed.
   */
  async runExec(unit: string, command: string, limitMs?: number): Promise<ExecOutcome> {
    const u = this.state.units[unit];
    if (!u) throw new Error(`unit "${unit}" not found`);
    if (this.state.machines[u.machine]?.status.current !== 'started') throw new Error(`machine ${u.machine} of unit ${unit} is not started`);
    const deadline = limitMs === undefined ? undefined : Date.now() + limitMs;
    const locked = this.lockMachine(u.machine);
    const release = deadline === undefined ? await locked : await Promise.race([locked, new Promise<null>((r) => setTimeout(() => r(null), limitMs).unref())]);
    if (release === null) {
      // Still queued: give the turn back as soon as it comes, so the machine's queue moves on.
      void locked.then((later) => later());
      return { code: 1, stdout: '', stderr: '', timedOut: 'queued', waitedOn: queueReason(this.state, unit) };
    }
    try {
      return await this.runner.runExec(unit, command, deadline === undefined ? undefined : deadline - Date.now());
    } finally {
      release();
    }
  }

  /** Stops hook processes by their recorded PIDs and the servers; machines stay unless destroying. */
  async stop(destroy: boolean): Promise<void> {
    this.stopping = true;
    for (const w of this.waiters) w();
    for (const pid of this.children) {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // already gone, or not a group leader
        }
      }
    }
    await this.tools.close();
    if (this.persistTimer) clearTimeout(this.persistTimer);
    if (!destroy) this.persist();
    if (destroy) {
      this.dlog.write('model', 'INFO', 'juju.agent', 'destroying the model: machines and network');
      await this.backend.destroyAll();
    }
  }

  recordPid(): void {
    writeFileSync(this.paths.pid, `${process.pid}\n`);
  }

  static exists(model: string, home = jujuLocalHome()): boolean {
    return existsSync(modelPaths(model, home).state);
  }
}

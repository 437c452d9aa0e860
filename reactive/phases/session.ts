/**
 * The state a hook accumulates while its handlers run, each piece an object with one job: the action's results
 * and failure, the leader data as this hook leaves it, and whether a handler set a status itself.
 */
import type { ActionContext, LeaderData } from '../context.js';
import type { HookTools, RelationData, StatusRecord, WorkloadStatus } from '../hookenv/tools.js';

/** An action's context for the handler; results and failure are reported once, when the hook ends. */
export class ActionSession {
  private resultsSoFar: Record<string, unknown> = {};
  private failure: string | undefined;
  readonly context: ActionContext;

  constructor(name: string, params: Readonly<Record<string, unknown>>, tools: Pick<HookTools, 'actionLog'>) {
    this.context = {
      name,
      params,
      set: (results) => {
        this.resultsSoFar = { ...this.resultsSoFar, ...results };
      },
      fail: (message) => {
        this.failure = message;
      },
      log: (message) => tools.actionLog(message),
    };
  }

  get results(): Readonly<Record<string, unknown>> {
    return this.resultsSoFar;
  }

  get failed(): string | undefined {
    return this.failure;
  }

  /** Fails the action before any handler runs (unknown action, invalid parameters). */
  refuse(message: string): void {
    this.failure = message;
  }
}

/** Leader data as of the start of the hook plus this hook's own writes (leader-set is immediate, as in Juju). */
export class LeaderView implements LeaderData {
  private current: RelationData;

  constructor(
    initial: RelationData,
    private readonly isLeader: boolean,
    private readonly tools: Pick<HookTools, 'leaderSet'>,
  ) {
    this.current = initial;
  }

  get data(): RelationData {
    return this.current;
  }

  async set(values: Readonly<Record<string, string | null>>): Promise<void> {
    if (!this.isLeader) throw new Error('leader-set: this unit is not the leader');
    await this.tools.leaderSet(values);
    const next: Record<string, string> = { ...this.current };
    for (const [k, v] of Object.entries(values)) {
      if (v === null || v === '') delete next[k];
      else next[k] = v;
    }
    this.current = Object.freeze(next);
  }
}

/**
 * The hook tools as handlers get them: the same calls, noting whether a handler set a status itself ("Installing
 * packages"). Then the assessed status is sent at the end even when it equals the one last sent, or the progress
 * message would stay.
 */
export class StatusWatchingTools implements HookTools {
  statusSetByHandler = false;

  constructor(private readonly tools: HookTools) {}

  statusSet(status: WorkloadStatus, message: string, options?: { application?: boolean }): Promise<void> {
    this.statusSetByHandler = true;
    return this.tools.statusSet(status, message, options);
  }

  configGet() { return this.tools.configGet(); }
  relationIds(endpoint: string) { return this.tools.relationIds(endpoint); }
  relationList(relationId: string) { return this.tools.relationList(relationId); }
  relationRemoteApp(relationId: string) { return this.tools.relationRemoteApp(relationId); }
  relationGet(relationId: string, target: string, options?: { app?: boolean }) { return this.tools.relationGet(relationId, target, options); }
  relationSet(relationId: string, data: Readonly<Record<string, string | null>>, options?: { app?: boolean }) { return this.tools.relationSet(relationId, data, options); }
  statusGet(options?: { application?: boolean }): Promise<StatusRecord> { return this.tools.statusGet(options); }
  jujuLog(message: string, level?: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR') { return this.tools.jujuLog(message, level); }
  leaderGet() { return this.tools.leaderGet(); }
  leaderSet(data: Readonly<Record<string, string | null>>) { return this.tools.leaderSet(data); }
  isLeader() { return this.tools.isLeader(); }
  openPort(port: number | string, protocol?: 'tcp' | 'udp') { return this.tools.openPort(port, protocol); }
  closePort(port: number | string, protocol?: 'tcp' | 'udp') { return this.tools.closePort(port, protocol); }
  openedPorts() { return this.tools.openedPorts(); }
  unitGet(key: 'private-address' | 'public-address') { return this.tools.unitGet(key); }
  networkGet(binding: string, options?: { relationId?: string }) { return this.tools.networkGet(binding, options); }
  actionGet() { return this.tools.actionGet(); }
  actionSet(results: Readonly<Record<string, unknown>>) { return this.tools.actionSet(results); }
  actionFail(message: string) { return this.tools.actionFail(message); }
  actionLog(message: string) { return this.tools.actionLog(message); }
  applicationVersionSet(version: string) { return this.tools.applicationVersionSet(version); }
}

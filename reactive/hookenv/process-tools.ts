/**
 * HookTools over the real Juju hook-tool executables on PATH.
 *
 * Tools run through runProgram (reactive/process), as host commands do: no execa in a hook (see there why).
 */
import { runProgram } from '../process/run-program.js';
import { build, parse, parseStringMap, type ToolCall } from './args.js';
import { HookToolError, redactArgs } from './errors.js';
import type { ConfigValue, HookTools, NetworkInfo, RelationData, StatusRecord, WorkloadStatus } from './tools.js';

export interface ToolRunner {
  (call: ToolCall): Promise<string>;
}

/** Runs one tool call; every failure becomes a HookToolError with secrets redacted. */
export const processRunner: ToolRunner = async (call) => {
  const result = await runProgram(call.tool, call.args, { input: call.input });
  if (result.exitCode === 0) return result.stdout;
  const shownArgs = call.secret ? call.args.map((a) => (a.includes('=') ? `${a.slice(0, a.indexOf('=') + 1)}***` : a)) : redactArgs(call.args);
  const failure = result.failure;
  const missing = failure?.kind === 'start' && failure.code === 'ENOENT';
  const why = failure?.kind === 'start' ? `could not start (${failure.code})` : result.signal ? `killed by ${result.signal}` : '';
  throw new HookToolError(
    call.tool,
    shownArgs,
    result.exitCode ?? undefined,
    result.stderr || why,
    missing ? `"${call.tool}" is not on PATH: hook tools exist only inside a Juju hook or action` : undefined,
  );
};

export class ProcessHookTools implements HookTools {
  constructor(private readonly run: ToolRunner = processRunner) {}

  async configGet(): Promise<Readonly<Record<string, ConfigValue | null>>> {
    return parse.configGet(await this.run(build.configGet()));
  }
  async relationIds(endpoint: string): Promise<readonly string[]> {
    return parse.relationIds(await this.run(build.relationIds(endpoint)));
  }
  async relationList(relationId: string): Promise<readonly string[]> {
    return parse.relationList(await this.run(build.relationList(relationId)));
  }
  async relationRemoteApp(relationId: string): Promise<string> {
    return parse.relationRemoteApp(await this.run(build.relationRemoteApp(relationId)));
  }
  async relationGet(relationId: string, target: string, options: { app?: boolean } = {}): Promise<RelationData> {
    return parseStringMap(await this.run(build.relationGet(relationId, target, options.app)), `relation-get ${relationId} ${target}`);
  }
  async relationSet(relationId: string, data: Readonly<Record<string, string | null>>, options: { app?: boolean } = {}): Promise<void> {
    await this.run(build.relationSet(relationId, data, options.app));
  }
  async statusSet(status: WorkloadStatus, message: string, options: { application?: boolean } = {}): Promise<void> {
    await this.run(build.statusSet(status, message, options.application));
  }
  async statusGet(options: { application?: boolean } = {}): Promise<StatusRecord> {
    return parse.statusGet(await this.run(build.statusGet(options.application)));
  }
  async jujuLog(message: string, level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' = 'INFO'): Promise<void> {
    await this.run(build.jujuLog(message, level));
  }
  async leaderGet(): Promise<RelationData> {
    return parseStringMap(await this.run(build.leaderGet()), 'leader-get');
  }
  async leaderSet(data: Readonly<Record<string, string | null>>): Promise<void> {
    await this.run(build.leaderSet(data));
  }
  async isLeader(): Promise<boolean> {
    return parse.isLeader(await this.run(build.isLeader()));
  }
  async openPort(port: number | string, protocol: 'tcp' | 'udp' = 'tcp'): Promise<void> {
    await this.run(build.openPort(port, protocol));
  }
  async closePort(port: number | string, protocol: 'tcp' | 'udp' = 'tcp'): Promise<void> {
    await this.run(build.closePort(port, protocol));
  }
  async openedPorts(): Promise<readonly string[]> {
    return parse.openedPorts(await this.run(build.openedPorts()));
  }
  async unitGet(key: 'private-address' | 'public-address'): Promise<string> {
    return parse.unitGet(await this.run(build.unitGet(key)));
  }
  async networkGet(binding: string, options: { relationId?: string } = {}): Promise<NetworkInfo> {
    return parse.networkGet(await this.run(build.networkGet(binding, options.relationId)));
  }
  async actionGet(): Promise<Readonly<Record<string, unknown>>> {
    return parse.actionGet(await this.run(build.actionGet()));
  }
  async actionSet(results: Readonly<Record<string, unknown>>): Promise<void> {
    const call = build.actionSet(results);
    if (call.args.length > 0) await this.run(call);
  }
  async actionFail(message: string): Promise<void> {
    await this.run(build.actionFail(message));
  }
  async actionLog(message: string): Promise<void> {
    await this.run(build.actionLog(message));
  }
  async applicationVersionSet(version: string): Promise<void> {
    await this.run(build.applicationVersionSet(version));
  }
}

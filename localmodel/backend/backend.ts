/**
 * What the agent needs from machines. Two implementations: `nspawn` (real systemd-nspawn containers from
 * localmodel/machines) and `host` (a machine is a directory on this host, hooks are plain processes; seconds-fast
 * tests of agent semantics).
 */
import type { ChildProcess } from 'node:child_process';
import type { NetInfo } from '../hooktools/context.js';

export interface MachineStartSpec {
  /** Juju machine id: `0`, `0/lxd/1`. */
  id: string;
  hostname: string;
  /** Charms that will run there (principals and subordinates); a backend may preinstall their packages. */
  charms?: readonly string[];
}

export interface StartedMachine extends NetInfo {
  backendId: string;
}

export interface RunOptions {
  env: Record<string, string>;
  /** Working directory as seen inside the machine. */
  cwd: string;
}

export interface ExecOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type Progress = (message: string) => void;

export interface MachineBackend {
  readonly kind: 'host' | 'nspawn';
  /** Where the hook-tool socket and the tools directory appear inside machines. */
  readonly socketInMachine: (machineId: string) => string;
  readonly toolsInMachine: (machineId: string) => string;
  /** PATH of the machine's agent (what hooks get after the tools dir). */
  readonly basePath: string;
  /** One-off preparation (image, archive, network). */
  prepare(progress: Progress): Promise<void>;
  start(spec: MachineStartSpec, progress: Progress): Promise<StartedMachine>;
  /** A path inside the machine as seen inside it (identity for nspawn, under the machine dir for host). */
  innerPath(machineId: string, canonical: string): string;
  /** The host path of a path inside the machine, to write charms and read files. */
  hostPath(machineId: string, inner: string): Promise<string>;
  spawn(machineId: string, argv: string[], options: RunOptions): Promise<ChildProcess>;
  /** argv for an interactive shell in the machine (ssh). */
  shell(machineId: string): Promise<{ command: string; args: string[]; cwd?: string }>;
  /** False while a machine is powered off (the MAAS emulator does that); hooks wait for it. */
  isRunning(machineId: string): Promise<boolean>;
  destroy(machineId: string): Promise<void>;
  /** Everything the model owns in this backend; must work after crashes. */
  destroyAll(): Promise<void>;
}

export function backendMachineId(id: string): string {
  return id.replace(/\//g, '-');
}

/** The public types of the machine layer (see README.md for the contract). */
import type { ChildProcess, StdioOptions } from 'node:child_process';

export interface ProgressEvent {
  step: string;
  done?: number;
  total?: number;
  detail?: string;
}
export type Progress = (event: ProgressEvent) => void;

export interface BindMount {
  host: string;
  machine: string;
  readOnly?: boolean;
}

export interface MachineRef {
  model: string;
  id: string;
}

export interface MachineSpec extends MachineRef {
  hostname: string;
  domain?: string;
  binds?: BindMount[];
  /**
   * Packages the machine should boot with already installed (a cached package layer over the image). Used only
   * when the machine is created; an existing machine keeps the layers it was made with.
   */
  packages?: readonly string[];
}

export interface Machine extends MachineRef {
  hostname: string;
  domain: string;
  fqdn: string;
  address: string;
  cidr: string;
  prefixLength: number;
  gateway: string;
  hostPid: number;
  initPid: number;
  rootDir: string;
  running: boolean;
}

export interface ExecOptions {
  env?: Record<string, string>;
  cwd?: string;
  input?: string | Buffer;
  timeoutMs?: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** As node's spawn: one value for all three, or one per stream (['ignore', 'pipe', 'pipe']: no stdin). */
  stdio?: StdioOptions;
  /** Append stdout and stderr to this host file (overrides stdio for those two). */
  logFile?: string;
  /** Survive the calling process (own session, not waited for). */
  detached?: boolean;
}

export interface ModelProcess {
  pid: number;
  child: ChildProcess;
}

export const noProgress: Progress = () => {};

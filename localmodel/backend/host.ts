/**
 * The lightweight backend: each machine is a directory under the model folder and hooks are processes on this
 * host with that directory as the machine's root for charm files. No isolation; it exists so the agent's
 * semantics (ordering, transactions, errors, leadership) can be tested in seconds.
 */
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { backendMachineId, type MachineBackend, type MachineStartSpec, type RunOptions, type StartedMachine } from './backend.js';
import type { ModelPaths } from '../model/store.js';

export class HostBackend implements MachineBackend {
  readonly kind = 'host' as const;
  readonly basePath = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';

  constructor(private readonly paths: ModelPaths) {}

  socketInMachine = (): string => this.paths.hookSocket;
  toolsInMachine = (): string => this.paths.tools;

  async prepare(): Promise<void> {
    mkdirSync(this.paths.hostMachines, { recursive: true });
  }

  private root(machineId: string): string {
    return join(this.paths.hostMachines, backendMachineId(machineId));
  }

  async start(spec: MachineStartSpec): Promise<StartedMachine> {
    mkdirSync(this.root(spec.id), { recursive: true });
    // Every host "machine" is this host: loopback addresses keep network-get honest about where it listens.
    const n = Number(spec.id.split('/')[0]) || 0;
    return {
      backendId: backendMachineId(spec.id),
      address: `127.0.${Math.floor(n / 250) + 1}.${(n % 250) + 1}`,
      cidr: '127.0.0.0/8',
      hostname: spec.hostname,
      fqdn: `${spec.hostname}.localmodel`,
      interfaceName: 'lo',
    };
  }

  innerPath(machineId: string, canonical: string): string {
    return join(this.root(machineId), canonical);
  }

  async hostPath(_machineId: string, inner: string): Promise<string> {
    return inner;
  }

  async spawn(_machineId: string, argv: string[], options: RunOptions): Promise<ChildProcess> {
    // Its own process group, so that stopping the model can stop everything the hook started.
    return spawnProcess(argv[0]!, argv.slice(1), { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  }

  async shell(machineId: string): Promise<{ command: string; args: string[]; cwd?: string }> {
    return { command: process.env.SHELL || '/bin/sh', args: ['-l'], cwd: this.root(machineId) };
  }

  async isRunning(): Promise<boolean> {
    return true;
  }

  async destroy(machineId: string): Promise<void> {
    rmSync(this.root(machineId), { recursive: true, force: true });
  }

  async destroyAll(): Promise<void> {
    rmSync(this.paths.hostMachines, { recursive: true, force: true });
  }
}

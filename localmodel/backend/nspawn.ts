/**
 * The real backend: machines are systemd-nspawn containers of localmodel/machines. The model's hook-tool socket
 * directory and the tools directory are bind-mounted into every machine at fixed paths.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as machines from '../machines/index.js';
import { backendMachineId, type MachineBackend, type MachineStartSpec, type Progress, type RunOptions, type StartedMachine } from './backend.js';
import type { ModelPaths } from '../model/store.js';

const RUN_IN_MACHINE = '/var/lib/juju-local/run';
const TOOLS_IN_MACHINE = '/var/lib/juju-local/tools';

function relay(progress: Progress): machines.Progress {
  return (e) => {
    const count = e.total ? ` (${e.done ?? 0}/${e.total})` : '';
    progress(`${e.step}${count}${e.detail ? `: ${e.detail}` : ''}`);
  };
}

/**
 * Machines boot from a cached package layer holding their charms' packages unless LOCALMODEL_PACKAGE_LAYERS=0,
 * which makes every install hook unpack its packages itself, as on a fresh cloud machine.
 */
export function packageLayersEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !['0', 'false', 'no', 'off'].includes((env.LOCALMODEL_PACKAGE_LAYERS ?? '').toLowerCase());
}

export class NspawnBackend implements MachineBackend {
  readonly kind = 'nspawn' as const;
  readonly basePath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

  constructor(
    private readonly model: string,
    private readonly paths: ModelPaths,
  ) {}

  socketInMachine = (): string => join(RUN_IN_MACHINE, 'hooktools.sock');
  toolsInMachine = (): string => TOOLS_IN_MACHINE;

  private ref(machineId: string): machines.MachineRef {
    return { model: this.model, id: backendMachineId(machineId) };
  }

  async prepare(progress: Progress): Promise<void> {
    await machines.checkHostPrerequisites();
    progress('preparing the machine image');
    await machines.prepareImage(relay(progress));
    progress('preparing the local apt archive');
    await machines.prepareArchive(relay(progress));
    progress('creating the model network');
    await machines.createModelNetwork(this.model);
  }

  async start(spec: MachineStartSpec, progress: Progress): Promise<StartedMachine> {
    mkdirSync(this.paths.run, { recursive: true });
    mkdirSync(this.paths.tools, { recursive: true });
    const m = await machines.startMachine(
      {
        model: this.model,
        id: backendMachineId(spec.id),
        hostname: spec.hostname,
        packages: packageLayersEnabled() ? machines.packagesForCharms(spec.charms ?? []) : [],
        binds: [
          { host: this.paths.run, machine: RUN_IN_MACHINE },
          { host: this.paths.tools, machine: TOOLS_IN_MACHINE, readOnly: true },
        ],
      },
      relay(progress),
    );
    this.roots.set(spec.id, m.rootDir);
    return { backendId: m.id, address: m.address, cidr: m.cidr, hostname: m.hostname, fqdn: m.fqdn, interfaceName: 'eth0' };
  }

  innerPath(_machineId: string, canonical: string): string {
    return canonical;
  }

  /** Machine roots are stable while a machine runs; a hook needs one per run, so keep them. */
  private readonly roots = new Map<string, string>();

  async hostPath(machineId: string, inner: string): Promise<string> {
    let root = this.roots.get(machineId);
    if (!root) {
      const m = await machines.getMachine(this.ref(machineId));
      if (!m || !m.running) throw new Error(`machine ${machineId} is not running`);
      this.roots.set(machineId, (root = m.rootDir));
    }
    return join(root, inner);
  }

  async spawn(machineId: string, argv: string[], options: RunOptions): Promise<ChildProcess> {
    // No stdin (/dev/null), as Juju runs hooks and commands: one that reads it (a REPL) ends at once instead of waiting.
    return machines.spawnInMachine(this.ref(machineId), argv, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  async shell(machineId: string): Promise<{ command: string; args: string[]; cwd?: string }> {
    const m = await machines.getMachine(this.ref(machineId));
    if (!m || !m.running) throw new Error(`machine ${machineId} is not running`);
    return {
      command: 'nsenter',
      args: ['-t', String(m.initPid), '-m', '-u', '-i', '-n', '-p', '-r', '-w', '--', '/bin/bash', '-l'],
    };
  }

  async isRunning(machineId: string): Promise<boolean> {
    return machines.isRunning(this.ref(machineId));
  }

  async destroy(machineId: string): Promise<void> {
    this.roots.delete(machineId);
    await machines.destroyMachine(this.ref(machineId));
  }

  async destroyAll(): Promise<void> {
    await machines.destroyModel(this.model);
  }
}

/**
 * Restart maps: which services read which files. After a hook writes its files, only the services whose files
 * actually changed are restarted, each once, in the order the map names them — so a hook that changes nothing
 * restarts nothing, and a hook that changes three files of one service restarts it once.
 */
import type { FileOptions, Host, ServiceAction } from './host/host.js';

/** File path → the services that must be restarted when it changes. Insertion order is the restart order. */
export type RestartMap = ReadonlyMap<string, readonly string[]> | Readonly<Record<string, readonly string[]>>;

export interface FileWriteOutcome {
  readonly path: string;
  readonly changed: boolean;
}

export interface DesiredFile {
  readonly path: string;
  readonly content: string | Uint8Array;
  readonly options?: FileOptions;
}

function entries(map: RestartMap): (readonly [string, readonly string[]])[] {
  return map instanceof Map ? [...map.entries()] : Object.entries(map as Readonly<Record<string, readonly string[]>>);
}

/**
 * The services to restart, each once: a service is due when any of its files changed; the order is that of
 * the service's first appearance in the map, so it is stable across hooks whatever order the files were written in.
 */
export function planRestarts(writes: readonly FileWriteOutcome[], map: RestartMap): string[] {
  const changed = new Set(writes.filter((write) => write.changed).map((write) => write.path));
  const due = new Set<string>();
  const order: string[] = [];
  for (const [path, services] of entries(map)) {
    for (const service of services) {
      if (!order.includes(service)) order.push(service);
      if (changed.has(path)) due.add(service);
    }
  }
  return order.filter((service) => due.has(service));
}

/** Runs `action` (default restart) for each planned service, in order; returns the services acted on. */
export async function applyRestarts(host: Host, services: readonly string[], action: ServiceAction = 'restart'): Promise<string[]> {
  for (const service of services) await host.service(action, service);
  return [...services];
}

export interface WriteAndRestartResult {
  readonly writes: readonly FileWriteOutcome[];
  readonly restarted: readonly string[];
}

/**
 * Writes every file (atomically, through Host), then restarts the services whose files changed.
 * Every file is written before any restart, so a service never starts with half of its new configuration.
 */
export async function writeFilesAndRestart(
  host: Host,
  files: readonly DesiredFile[],
  map: RestartMap,
  action: ServiceAction = 'restart',
): Promise<WriteAndRestartResult> {
  const writes: FileWriteOutcome[] = [];
  for (const file of files) {
    writes.push({ path: file.path, changed: await host.writeFile(file.path, file.content, file.options) });
  }
  const restarted = await applyRestarts(host, planRestarts(writes, map), action);
  return { writes, restarted };
}

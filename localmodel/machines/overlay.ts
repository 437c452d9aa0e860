/** The per-machine copy-on-write root: an overlay of the shared image with the machine's own upper layer. */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './run.js';

/** Mount points from /proc/mounts (octal escapes such as \040 decoded). */
export function parseMountPoints(procMounts: string): string[] {
  return procMounts
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((field): field is string => field !== undefined)
    .map((field) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
}

export async function isMounted(path: string): Promise<boolean> {
  return parseMountPoints(await readFile('/proc/mounts', 'utf8')).includes(path);
}

export interface OverlayDirs {
  /** Read-only layers, topmost first: package layers, then the image. */
  lowers: string[];
  upper: string;
  work: string;
  root: string;
}

export function overlayDirs(machineDir: string, image: string, layers: readonly string[] = []): OverlayDirs {
  return { lowers: [...layers, image], upper: join(machineDir, 'upper'), work: join(machineDir, 'work'), root: join(machineDir, 'root') };
}

export async function mountOverlay(dirs: OverlayDirs): Promise<void> {
  if (await isMounted(dirs.root)) return;
  for (const dir of [dirs.upper, dirs.work, dirs.root]) await mkdir(dir, { recursive: true });
  for (const part of [...dirs.lowers, dirs.upper, dirs.work]) {
    if (/[,:]/.test(part)) throw new Error(`overlay path "${part}" contains "," or ":", which overlayfs options cannot hold; move the cache or state root`);
  }
  try {
    await run(['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${dirs.lowers.join(':')},upperdir=${dirs.upper},workdir=${dirs.work}`, dirs.root]);
  } catch (error) {
    throw new Error(
      `cannot mount the machine's overlay at ${dirs.root} (${(error as Error).message.split('\n').slice(-1)[0]}); ` +
        'the upper layer must be on a file system that supports overlayfs upper dirs (ext4, xfs, tmpfs; not overlayfs itself): ' +
        'point LOCALMODEL_MACHINES_HOME elsewhere',
    );
  }
}

export async function unmountOverlay(root: string): Promise<void> {
  if (!(await isMounted(root))) return;
  const result = await run(['umount', root], { allowFailure: true });
  // something on the host still uses the tree (a shell's cwd): detach it now, the kernel frees it later
  if (result.exitCode !== 0) await run(['umount', '--lazy', root]);
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export function mountsUnder(mountPoints: readonly string[], dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return mountPoints.filter((point) => point === dir || point.startsWith(prefix)).sort((a, b) => b.length - a.length);
}

/**
 * Removes a tree that may still have file systems mounted in it (debootstrap's /proc and /sys after an
 * interrupted build, a machine's overlay): unmount them first, and never cross into another file system.
 */
export async function removeTree(dir: string): Promise<void> {
  for (const point of mountsUnder(parseMountPoints(await readFile('/proc/mounts', 'utf8')), dir)) {
    const result = await run(['umount', point], { allowFailure: true });
    if (result.exitCode !== 0) await run(['umount', '--lazy', point]);
  }
  await run(['rm', '-rf', '--one-file-system', '--', dir]);
}

/**
 * Atomic file and directory writes with numeric ownership. A reader sees either the old file or the new one,
 * never a partial one, and a hook killed half-way leaves at most a stray temporary file that the next write of
 * the same path does not depend on. Unchanged content + owner + group + mode → nothing is touched (mtime kept),
 * so "did this file change" is a reliable trigger for restarts.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface Ownership {
  readonly uid: number;
  readonly gid: number;
  /** Permission bits (incl. setuid/setgid/sticky), e.g. 0o640. */
  readonly mode: number;
}

const PERMISSION_BITS = 0o7777;

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** Follows a symlink at `path` so that we replace the file it points to, not the link. */
async function resolveTarget(path: string): Promise<string> {
  try {
    return await fs.realpath(path);
  } catch (error) {
    if (isNotFound(error)) return path;
    throw error;
  }
}

async function sameFile(path: string, data: Uint8Array, want: Ownership): Promise<boolean> {
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
  if (!stat.isFile()) throw new Error(`cannot write ${path}: it exists and is not a regular file`);
  if (stat.uid !== want.uid || stat.gid !== want.gid || (stat.mode & PERMISSION_BITS) !== want.mode) return false;
  if (stat.size !== data.byteLength) return false;
  const current = await fs.readFile(path);
  return Buffer.compare(current, data) === 0;
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to `path` atomically with the given ownership. Missing parent directories are created (0755,
 * owned by the caller). Returns false, touching nothing, when content and ownership already match.
 */
export async function writeFileAtomic(path: string, data: Uint8Array, want: Ownership): Promise<boolean> {
  const target = await resolveTarget(path);
  if (await sameFile(target, data, want)) return false;
  const dir = dirname(target);
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  const temporary = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // 0600 until ownership and mode are final: a secret never exists, even briefly, with a wider mode.
  const handle = await fs.open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    try {
      await handle.writeFile(data);
      await handle.chown(want.uid, want.gid);
      await handle.chmod(want.mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
  await fsyncDirectory(dir);
  return true;
}

/** mkdir -p, then ownership and mode of the last component. Returns true when anything was created or changed. */
export async function ensureDirectoryOwned(path: string, want: Ownership): Promise<boolean> {
  let created = false;
  try {
    const stat = await fs.stat(path);
    if (!stat.isDirectory()) throw new Error(`cannot create directory ${path}: it exists and is not a directory`);
    if (stat.uid === want.uid && stat.gid === want.gid && (stat.mode & PERMISSION_BITS) === want.mode) return false;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await fs.mkdir(path, { recursive: true, mode: 0o755 });
    created = true;
  }
  await fs.chown(path, want.uid, want.gid);
  await fs.chmod(path, want.mode);
  if (created) await fsyncDirectory(dirname(path));
  return true;
}

/** Removes a file (not a directory). Returns true when it existed. */
export async function removeFileDurably(path: string): Promise<boolean> {
  try {
    await fs.unlink(path);
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
  await fsyncDirectory(dirname(path));
  return true;
}

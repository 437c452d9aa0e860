/**
 * Deterministic .charm zip: the same tree gives the same bytes. Entries are sorted, every timestamp is one fixed
 * date (DOS time only: no extended timestamp that would vary by time zone), modes are normalised to 0755/0644 and
 * kept in the entries so Juju unpacks hooks and dispatch executable. Symlinks are followed (stored as files).
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import yazl from 'yazl';

// Built in local time on purpose: yazl converts to the DOS date with local-time getters, so this always encodes
// 2020-01-01 00:00:00 whatever the time zone.
const FIXED_DATE = () => new Date(2020, 0, 1, 0, 0, 0);

export interface ZipEntry {
  /** Path inside the zip, `/`-separated; directories end with `/`. */
  readonly name: string;
  readonly mode: number;
  readonly data?: Buffer;
}

/** Walks `root` (following symlinks) into sorted zip entries. */
export async function collectEntries(root: string): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  async function walk(dir: string, prefix: string): Promise<void> {
    const names = (await fs.readdir(dir)).sort();
    for (const name of names) {
      const path = join(dir, name);
      const stat = await fs.stat(path); // follows symlinks: hooks/* become copies of dispatch
      if (stat.isDirectory()) {
        entries.push({ name: `${prefix}${name}/`, mode: 0o40755 });
        await walk(path, `${prefix}${name}/`);
      } else if (stat.isFile()) {
        entries.push({ name: `${prefix}${name}`, mode: stat.mode & 0o111 ? 0o100755 : 0o100644, data: await fs.readFile(path) });
      } else {
        throw new Error(`cannot pack ${path}: not a regular file or directory`);
      }
    }
  }
  await walk(root, '');
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function zipEntries(entries: readonly ZipEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const common = { mtime: FIXED_DATE(), forceDosTimestamp: true };
  for (const entry of entries) {
    if (entry.data === undefined) zip.addEmptyDirectory(entry.name, { ...common, mode: entry.mode });
    else zip.addBuffer(entry.data, entry.name, { ...common, mode: entry.mode, compress: true });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** Model-local copies of charms: a directory is copied, a .charm (zip) is unpacked with Debian's unzip. */
import { cpSync, mkdirSync, rmSync, statSync, renameSync, realpathSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export function storeCharm(given: string, charmsDir: string, app: string, revision: number): string {
  // A symlinked charm path must be copied as the tree it points to, never as the link.
  const source = realpathSync(given);
  const dest = join(charmsDir, `${app}-r${revision}`);
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(charmsDir, { recursive: true });
  if (statSync(source).isDirectory()) {
    cpSync(source, tmp, { recursive: true, verbatimSymlinks: true });
  } else {
    mkdirSync(tmp, { recursive: true });
    try {
      execFileSync('unzip', ['-q', '-o', source, '-d', tmp], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      rmSync(tmp, { recursive: true, force: true });
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
      throw new Error(`cannot unpack ${source}: ${stderr || (error as Error).message} (is unzip installed? apt-get install unzip)`);
    }
  }
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  return dest;
}

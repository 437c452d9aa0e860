/**
 * Debian's pacemaker-remote conflicts with pacemaker, but the lab needs both on one host: its daemon is unpacked
 * beside pacemaker (it links only against libraries pacemaker already pulls in), as real-components.md §0 shows.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { REMOTED } from './cluster.js';

export const REMOTE_ROOT = '/opt/pacemaker-remote';

/** Unpacks the pacemaker-remote package into /opt/pacemaker-remote unless it is there; needs root and apt sources. */
export async function ensureRemotedUnpacked(log: (line: string) => void = () => undefined): Promise<boolean> {
  if (existsSync(REMOTED)) return true;
  if (process.getuid?.() !== 0) return false;
  const work = mkdtempSync(join(tmpdir(), 'pmr-deb-'));
  try {
    log(`downloading pacemaker-remote to unpack it into ${REMOTE_ROOT}`);
    // _apt cannot write into a root-only temporary directory; the download then runs as root, which is fine here.
    const download = await execa('apt-get', ['download', '-q', 'pacemaker-remote'], { cwd: work, reject: false });
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) {
      log(`apt-get download pacemaker-remote failed: ${download.stderr.trim()}`);
      return false;
    }
    await execa('dpkg-deb', ['-x', join(work, deb), REMOTE_ROOT]);
    return existsSync(REMOTED);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

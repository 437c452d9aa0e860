/**
 * Prerequisite of the cluster lab: Debian's pacemaker-remote conflicts with pacemaker, but the lab needs both on
 * one host, so the remote daemon is unpacked from its .deb into /opt/pacemaker-remote (it only links against
 * libraries pacemaker already installed). Run as a step: `node --import ./tools/ts-register.mjs tests/lab/cluster/prereqs.ts`.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REMOTE_ROOT = '/opt/pacemaker-remote';
export const REMOTED = `${REMOTE_ROOT}/usr/sbin/pacemaker-remoted`;

/** Unpacks pacemaker-remoted when it is not there yet; returns its path. Needs root and apt sources. */
export async function ensurePacemakerRemoted(log: (line: string) => void = console.log): Promise<string> {
  if (existsSync(REMOTED)) return REMOTED;
  const work = mkdtempSync(join(tmpdir(), 'hacl-remote-deb-'));
  try {
    log(`lab prereq: downloading pacemaker-remote to unpack it into ${REMOTE_ROOT}`);
    await execa('flock', ['/tmp/apt.lock', 'apt-get', '-o', 'DPkg::Lock::Timeout=600', 'download', 'pacemaker-remote'], { cwd: work });
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download pacemaker-remote produced no .deb; check the apt sources (apt-get update)');
    await execa('dpkg-deb', ['-x', join(work, deb), REMOTE_ROOT]);
    await execa(REMOTED, ['--version']);
    log(`lab prereq: ${REMOTED} ready`);
    return REMOTED;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensurePacemakerRemoted().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

/**
 * What the cluster lab needs on the host, checked before anything is built so that a missing piece fails with
 * its name and the fix. Debian's pacemaker-remote conflicts with pacemaker, but the lab needs both on one host,
 * so the remote daemon is unpacked from its .deb into /opt/pacemaker-remote (it only links against libraries
 * pacemaker already installed). Run as a step: `node --import ./tools/ts-register.mjs tests/lab/cluster/prereqs.ts`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export const REMOTE_ROOT = '/opt/pacemaker-remote';
export const REMOTED = `${REMOTE_ROOT}/usr/sbin/pacemaker-remoted`;

/** Debian packages every lab runs on (tools/prereqs/packages.ts lists them for CI). */
export const LAB_PACKAGES = ['corosync', 'pacemaker', 'pacemaker-cli-utils', 'resource-agents', 'iproute2', 'util-linux'] as const;

/** Whether a Debian package is installed on this host (lab nodes share the host's /usr). */
export function debInstalled(name: string): boolean {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Status}', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('install ok installed');
  } catch {
    return false;
  }
}

/** Unpacks pacemaker-remoted when it is not there yet; returns its path. Needs root and apt sources. */
export async function ensurePacemakerRemoted(log: (line: string) => void = console.log): Promise<string> {
  if (existsSync(REMOTED)) return REMOTED;
  const work = mkdtempSync(join(tmpdir(), 'lab-remote-deb-'));
  try {
    log(`lab prereq: downloading pacemaker-remote to unpack it into ${REMOTE_ROOT}`);
    // _apt cannot write into a root-only temporary directory; apt then downloads as root, which is fine here.
    const download = await execa('flock', ['/tmp/apt.lock', 'apt-get', '-q', '-o', 'DPkg::Lock::Timeout=600', 'download', 'pacemaker-remote'], { cwd: work, reject: false });
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download pacemaker-remote produced no .deb (${download.stderr.trim()}); check the apt sources (apt-get update)`);
    await execa('dpkg-deb', ['-x', join(work, deb), REMOTE_ROOT]);
    await execa(REMOTED, ['--version']);
    log(`lab prereq: ${REMOTED} ready`);
    return REMOTED;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Root, the lab's packages plus `extraPackages` installed, pacemaker-remoted unpacked (done here when missing).
 * Throws naming everything that is missing and how to install it.
 */
export async function ensureLabPrereqs(extraPackages: readonly string[] = [], log: (line: string) => void = console.log): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the cluster lab needs root (network, mount and PID namespaces)');
  const missing = [...LAB_PACKAGES, ...extraPackages].filter((name) => !debInstalled(name));
  if (missing.length > 0) {
    throw new Error(`the cluster lab needs the Debian packages ${missing.join(', ')}: list them in tools/prereqs/packages.ts and run `
      + '`node --import ./tools/ts-register.mjs tools/prereqs/install.ts`');
  }
  await ensurePacemakerRemoted(log);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureLabPrereqs().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

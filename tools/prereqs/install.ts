/**
 * Installs the Debian packages listed in packages.ts that are not installed yet. Idempotent and quick when
 * everything is present (one dpkg-query). Needs root for the install step; says what to run otherwise.
 */
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { hostPackages, type PackageSet } from './packages.js';

async function missingPackages(wanted: readonly string[]): Promise<string[]> {
  const result = await execa('dpkg-query', ['-W', '-f', '${Package} ${db:Status-Status}\n', ...wanted], { reject: false });
  const installed = new Set(
    result.stdout.split('\n').filter((line) => line.endsWith(' installed')).map((line) => line.split(' ')[0]),
  );
  return wanted.filter((name) => !installed.has(name));
}

/** Installs the missing packages of `sets` (every set by default); `log` says what it found or does. */
export async function installHostPackages(sets: readonly PackageSet[] = hostPackages, log: (line: string) => void = console.log): Promise<void> {
  const wanted = [...new Set(sets.flatMap((set) => set.packages))].sort();
  const missing = await missingPackages(wanted);
  if (missing.length === 0) {
    log(`prereqs: all ${wanted.length} host packages present`);
    return;
  }
  if (process.getuid?.() !== 0) {
    throw new Error(`prereqs: missing Debian packages: ${missing.join(' ')}; run: sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`);
  }
  log(`prereqs: installing ${missing.length} Debian packages: ${missing.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  // The tests start mariadb, rabbitmq, corosync, pacemaker, ... themselves, in their own namespaces; packages must
  // not start copies on the host. Where the machine has no policy, one that refuses every start is in place for
  // the install only.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\n# written by tools/prereqs/install.ts for the duration of an install\nexit 101\n', { mode: 0o755 });
  try {
    await execa('apt-get', [...lock, 'update', '-q'], { env, stdout: 'inherit', stderr: 'inherit' });
    await execa('apt-get', [...lock, 'install', '-y', '-q', '--no-install-recommends', ...missing], { env, stdout: 'inherit', stderr: 'inherit' });
  } finally {
    if (ownPolicy) unlinkSync(policy);
  }
  const still = await missingPackages(wanted);
  if (still.length > 0) throw new Error(`prereqs: apt-get finished but these are still missing: ${still.join(' ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  installHostPackages().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

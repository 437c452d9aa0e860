/**
 * Debian 12's own Node.js 18 (the `nodejs` a unit gets from apt), runnable on a host that has another Node:
 * the .debs are fetched with `apt-get download` and unpacked with `dpkg-deb -x` into a cache folder. Debian
 * builds node with some built-ins "externalized" to absolute paths under /usr/share/nodejs (acorn, undici,
 * cjs-module-lexer), so the wrapper runs node in a private mount namespace with the unpacked /usr/share layered
 * over the host's (read-only overlay): nothing on the host changes. Needs root (unshare -m, mount).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './tiny-charm.js';

export interface DebianNode {
  /** A folder holding a `node` wrapper: put it first on PATH. */
  readonly binDir: string;
  readonly node: string;
  readonly version: string;
}

const PINNED = ['nodejs', 'libnode108'];

function sh(program: string, args: readonly string[], cwd?: string): string {
  return execFileSync(program, args, { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

function debianNode18Version(): string | undefined {
  const lines = sh('apt-cache', ['madison', 'nodejs']).split('\n');
  return lines.map((line) => line.split('|')[1]?.trim()).find((version) => version?.startsWith('18.'));
}

function installedOnHost(name: string): boolean {
  try {
    return sh('dpkg-query', ['-W', '-f', '${db:Status-Status}', name]) === 'installed';
  } catch {
    return false;
  }
}

/** nodejs and libnode108 at the pinned version, plus every dependency the host lacks. */
function packagesToFetch(version: string): string[] {
  const wanted = new Set<string>();
  const queue = [...PINNED];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (wanted.has(name)) continue;
    wanted.add(name);
    const spec = PINNED.includes(name) ? `${name}=${version}` : name;
    const out = sh('apt-cache', ['depends', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', spec]);
    for (const line of out.split('\n')) {
      const match = /^\s*\|?Depends:\s+([^<\s][^\s:]*)/.exec(line);
      const dep = match?.[1];
      if (dep && !wanted.has(dep) && !PINNED.includes(dep) && !installedOnHost(dep)) queue.push(dep);
    }
  }
  return [...wanted].map((name) => (PINNED.includes(name) ? `${name}=${version}` : name)).sort();
}

function wrapper(root: string, libDir: string): string {
  const inner = `mount -t overlay debian-node18 -o lowerdir=${root}/usr/share:/usr/share /usr/share && ` +
    `LD_LIBRARY_PATH=${libDir}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} exec ${root}/usr/bin/node "$@"`;
  return `#!/bin/sh\n# Debian 12's node 18, unpacked (see tools/build/tests/support/debian-node18.ts)\nexec unshare --mount sh -c '${inner}' node "$@"\n`;
}

/** Fetches (once, cached under .cache/) and returns Debian's Node 18. */
export function debianNode18(log: (line: string) => void = () => {}): DebianNode {
  if (process.getuid?.() !== 0) throw new Error('Debian node 18 needs root here (unshare --mount and an overlay mount)');
  const cache = join(PROJECT_ROOT, '.cache', 'debian-node18');
  const binDir = join(cache, 'bin');
  const node = join(binDir, 'node');
  if (!existsSync(node)) {
    let version = debianNode18Version();
    if (!version) {
      log('debian-node18: no nodejs 18.x in the apt lists; running apt-get update');
      sh('flock', ['/tmp/apt.lock', 'apt-get', '-o', 'DPkg::Lock::Timeout=600', '-q', 'update']);
      version = debianNode18Version();
    }
    if (!version) throw new Error('apt knows no nodejs 18.x: this host needs Debian 12 (bookworm) sources in /etc/apt/sources.list(.d)');
    const staging = `${cache}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(join(staging, 'debs'), { recursive: true });
    const packages = packagesToFetch(version);
    log(`debian-node18: downloading ${packages.join(' ')}`);
    sh('apt-get', ['-q', 'download', ...packages], join(staging, 'debs'));
    for (const deb of readdirSync(join(staging, 'debs')).sort()) sh('dpkg-deb', ['-x', join(staging, 'debs', deb), join(staging, 'root')]);
    rmSync(join(staging, 'debs'), { recursive: true });
    const libDir = readdirSync(join(staging, 'root/usr/lib'))
      .map((dir) => join('usr/lib', dir))
      .find((dir) => existsSync(join(staging, 'root', dir, 'libnode.so.108')));
    if (!libDir) throw new Error(`debian-node18: libnode.so.108 not found in the unpacked libnode108 package`);
    mkdirSync(join(staging, 'bin'));
    writeFileSync(join(staging, 'bin/node'), wrapper(join(cache, 'root'), join(cache, 'root', libDir)));
    chmodSync(join(staging, 'bin/node'), 0o755);
    rmSync(cache, { recursive: true, force: true });
    renameSync(staging, cache);
  }
  const version = sh(node, ['--version']).trim();
  if (!version.startsWith('v18.')) throw new Error(`debian-node18: ${node} reports ${version}, expected v18.x`);
  return { binDir, node, version };
}

/**
 * Builds the hook-tool client (a static C program, so it runs in any machine without a runtime) once per source
 * version into a cache, and lays out a tools directory with one symlink per tool name.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, rmSync, copyFileSync, chmodSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../../repo.js';
import { TOOLS } from '../registry.js';

const SOURCE = join(REPO, 'localmodel/hooktools/client/hooktool.c');
export const CLIENT_NAME = 'jlt-hooktool';

/** Compiles the client if this source version was never built; returns the cached binary. */
export function buildClient(cacheDir: string): string {
  const source = readFileSync(SOURCE);
  const key = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const binary = join(cacheDir, `${CLIENT_NAME}-${key}`);
  if (existsSync(binary)) return binary;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${binary}.tmp-${process.pid}`;
  try {
    execFileSync('cc', ['-O2', '-static', '-o', tmp, SOURCE], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    throw new Error(
      `cannot build the hook-tool client (${SOURCE}): ${stderr.trim().split('\n')[0] || (error as Error).message}. ` +
        'Install a C compiler: apt-get install gcc libc6-dev',
    );
  }
  renameSync(tmp, binary);
  return binary;
}

/** Fills `toolsDir` with the client and a symlink per tool name. */
export function installTools(toolsDir: string, cacheDir: string): void {
  const binary = buildClient(cacheDir);
  mkdirSync(toolsDir, { recursive: true });
  for (const f of readdirSync(toolsDir)) rmSync(join(toolsDir, f), { force: true });
  copyFileSync(binary, join(toolsDir, CLIENT_NAME));
  chmodSync(join(toolsDir, CLIENT_NAME), 0o755);
  for (const name of Object.keys(TOOLS)) symlinkSync(CLIENT_NAME, join(toolsDir, name));
}

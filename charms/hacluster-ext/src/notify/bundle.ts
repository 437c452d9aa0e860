/**
 * Bundles hacluster-notify into one executable CommonJS file, as the charm build does (build.json); tests install
 * it with this to drive the real agent.
 */
import { build } from 'esbuild';
import { chmod, mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');

/** Writes the bundle to `outFile` atomically (temporary file + rename), mode 0755. */
export async function bundleNotifyAgent(outFile: string): Promise<string> {
  await mkdir(dirname(outFile), { recursive: true });
  const tmp = `${outFile}.tmp-${process.pid}`;
  await build({
    entryPoints: [ENTRY], bundle: true, platform: 'node', format: 'cjs', target: 'node18', outfile: tmp,
    banner: { js: '#!/usr/bin/env node' }, logLevel: 'warning', legalComments: 'none',
  });
  await chmod(tmp, 0o755);
  await rename(tmp, outFile);
  return outFile;
}

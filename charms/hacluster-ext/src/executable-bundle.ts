/**
 * One executable CommonJS file from a TypeScript entry point (an extensionless file is loaded as CommonJS), Node 18
 * target, `#!/usr/bin/env node` banner: how the charm ships its STONITH plugin and its alert agent. The charm build
 * and the tests that install the real programs both use it.
 */
import { build } from 'esbuild';
import { chmod, mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes the bundle of `entry` to `outFile` atomically (temporary file + rename), mode 0755. */
export async function bundleExecutable(entry: string, outFile: string): Promise<string> {
  await mkdir(dirname(outFile), { recursive: true });
  const tmp = `${outFile}.tmp-${process.pid}`;
  await build({
    entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node18', outfile: tmp,
    banner: { js: '#!/usr/bin/env node' }, logLevel: 'warning', legalComments: 'none',
  });
  await chmod(tmp, 0o755);
  await rename(tmp, outFile);
  return outFile;
}

/**
 * Bundles the plugin into one executable CommonJS file (an extensionless file is loaded as CommonJS) with esbuild (Node 18 target, `#!/usr/bin/env node` banner).
 * The charm build uses the same function; tests call it to install the plugin they drive.
 */
import { build } from 'esbuild';
import { chmod, mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { PLUGIN_PATH } from './paths.js';
const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');

/** Writes the bundle to `outFile` atomically (temporary file + rename), mode 0755. */
export async function bundlePlugin(outFile: string): Promise<string> {
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

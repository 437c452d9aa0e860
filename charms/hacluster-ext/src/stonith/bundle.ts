/** The external/maas plugin as one executable file; the charm build uses this, and tests install the plugin they drive with it. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleExecutable } from '../executable-bundle.js';

export { PLUGIN_PATH } from './paths.js';
const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');

export function bundlePlugin(outFile: string): Promise<string> {
  return bundleExecutable(ENTRY, outFile);
}

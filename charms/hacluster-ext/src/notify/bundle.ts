/** hacluster-notify as one executable file, as the charm build makes it (build.json); tests install the real agent with it. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleExecutable } from '../executable-bundle.js';

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');

export function bundleNotifyAgent(outFile: string): Promise<string> {
  return bundleExecutable(ENTRY, outFile);
}

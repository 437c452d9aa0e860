/** Installs the bundled external/maas plugin where cluster-glue looks for it, and removes it if it was not there. */
import { existsSync, rmSync } from 'node:fs';
import { bundlePlugin, PLUGIN_PATH } from '../../src/stonith/bundle.js';

export async function installPlugin(): Promise<() => void> {
  const existed = existsSync(PLUGIN_PATH);
  await bundlePlugin(PLUGIN_PATH);
  return () => {
    if (!existed) rmSync(PLUGIN_PATH, { force: true });
  };
}

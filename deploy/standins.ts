/**
 * Builds the stand-in charms (tests/zaza/charms/*) with the project's charm build into build/standins/, where
 * bundles/local/openstack-base.yaml expects them. `npm run build` builds the four product charms; the suite
 * runner and `npm start` call this as well.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from '../tools/build/main.js';

export const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

export async function buildStandins(log: (line: string) => void = console.log): Promise<void> {
  const result = await buildAll({ projectRoot: repoRoot, charmsDir: join(repoRoot, 'tests/zaza/charms'), outDir: join(repoRoot, 'build/standins'), log });
  if (result.failed.size > 0) {
    throw new Error(`stand-in build failed: ${[...result.failed].map(([n, e]) => `${n}: ${e}`).join('; ')}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildStandins().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}

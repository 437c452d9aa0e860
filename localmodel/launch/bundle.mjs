// Starts a TypeScript entry point of the local model fast: its sources are bundled once with esbuild into
// node_modules/.cache/juju-local/ and reused until one of them changes (size and mtime of every input the last
// bundle recorded). If bundling is not possible, the sources run through ts-node instead.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
process.env.JUJU_LOCAL_REPO ??= repo;
const cacheDir = join(repo, 'node_modules/.cache/juju-local');

function fresh(bundle, manifest) {
  if (!existsSync(bundle) || !existsSync(manifest)) return false;
  try {
    const inputs = JSON.parse(readFileSync(manifest, 'utf8'));
    return Object.entries(inputs).every(([file, sig]) => {
      const st = statSync(join(repo, file));
      return `${st.size}:${st.mtimeMs}` === sig;
    });
  } catch {
    return false;
  }
}

async function rebuild(entry, bundle, manifest) {
  const { build } = await import('esbuild');
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${bundle}.${process.pid}.tmp`;
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: repo,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    packages: 'external',
    outfile: tmp,
    metafile: true,
    logLevel: 'silent',
    define: { 'process.env.JUJU_LOCAL_BUNDLED': '"1"' },
  });
  const inputs = {};
  for (const file of Object.keys(result.metafile.inputs)) {
    const st = statSync(join(repo, file));
    inputs[file] = `${st.size}:${st.mtimeMs}`;
  }
  writeFileSync(`${manifest}.${process.pid}.tmp`, JSON.stringify(inputs));
  renameSync(`${manifest}.${process.pid}.tmp`, manifest);
  renameSync(tmp, bundle);
}

/** Imports `entry` (relative to the repository) from its cached bundle `name`.mjs, or through ts-node. */
export async function runEntry(entryRel, name) {
  const entry = join(repo, entryRel);
  const bundle = join(cacheDir, `${name}.mjs`);
  const manifest = join(cacheDir, `${name}.inputs.json`);
  let bundled = true;
  try {
    if (!fresh(bundle, manifest)) await rebuild(entry, bundle, manifest);
  } catch {
    bundled = false;
  }
  if (bundled) {
    await import(pathToFileURL(bundle).href);
    return;
  }
  const { register } = await import('node:module');
  register('ts-node/esm', pathToFileURL(`${repo}/`));
  await import(pathToFileURL(entry).href);
}

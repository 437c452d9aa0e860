// Starts the juju-local CLI fast: the TypeScript sources are bundled once with esbuild into a cache and reused
// until one of them changes (checked by size and mtime of every input the last bundle recorded). If bundling is
// not possible, the sources run through the repository's ts-node loader instead.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
process.env.JUJU_LOCAL_REPO ??= repo;
const entry = join(repo, 'localmodel/cli/main.ts');
const cacheDir = join(repo, 'node_modules/.cache/juju-local');
const bundle = join(cacheDir, 'cli.mjs');
const manifest = join(cacheDir, 'cli.inputs.json');

function fresh() {
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

async function rebuild() {
  const { build } = await import('esbuild');
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${bundle}.${process.pid}.tmp`;
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    packages: 'external',
    outfile: tmp,
    metafile: true,
    logLevel: 'silent',
    // main.ts runs its CLI only when it is the program; in the bundle it always is.
    define: { 'process.env.JUJU_LOCAL_BUNDLED': '"1"' },
  });
  const inputs = {};
  for (const file of Object.keys(result.metafile.inputs)) {
    const abs = resolve(process.cwd(), file);
    const rel = abs.startsWith(repo) ? abs.slice(repo.length + 1) : file;
    const st = statSync(join(repo, rel));
    inputs[rel] = `${st.size}:${st.mtimeMs}`;
  }
  writeFileSync(`${manifest}.${process.pid}.tmp`, JSON.stringify(inputs));
  renameSync(`${manifest}.${process.pid}.tmp`, manifest);
  renameSync(tmp, bundle);
}

let target = bundle;
try {
  if (!fresh()) await rebuild();
} catch {
  target = null;
}
if (target) {
  await import(pathToFileURL(target).href);
} else {
  const { register } = await import('node:module');
  register('ts-node/esm', pathToFileURL(`${repo}/`));
  await import(pathToFileURL(entry).href);
}

/**
 * Builds one charm: build/<name>/ (the tree Juju runs) and build/<name>.charm (the zip `juju deploy` takes).
 * The tree is assembled in a staging folder and renamed into place, so an interrupted build never leaves a
 * half-built charm where a deploy would pick it up.
 */
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import yaml from 'js-yaml';
import { bundle, bundleMain, NeedsEsmError } from './bundle.js';
import { codeCacheLoader } from './code-cache-loader.js';
import { dispatchScript } from './dispatch-script.js';
import { BUNDLE_DIR, type CharmSource } from './charm-source.js';
import { collectEntries, zipEntries } from './zip.js';
import { withoutSeries } from './metadata.js';
import { BUILT_META_FILE } from '../../reactive/charm-meta.js';
import { PRECOMPILED_TEMPLATES_FILE, precompiledTemplatesModule } from '../../reactive/templating.js';

export interface BuildOptions {
  readonly outDir: string;
  readonly projectRoot: string;
  readonly log?: (line: string) => void;
}

export interface BuiltCharm {
  readonly name: string;
  readonly dir: string;
  readonly charmFile: string;
  readonly version: string;
  /** What dispatch runs, relative to the charm: dist/start.cjs (CommonJS with code cache) or dist/charm.mjs. */
  readonly start: string;
  readonly entries: number;
  readonly bytes: number;
}

/** Bases the charm runs on: both ship Node 18 as `nodejs`. */
export const BASES = [
  { name: 'ubuntu', channel: '24.04' },
  { name: 'debian', channel: '12' },
] as const;
export const ARCHITECTURES = ['amd64', 'arm64', 'ppc64el', 's390x'] as const;

export function manifestYaml(): string {
  const manifest = {
    bases: BASES.map((base) => ({ name: base.name, channel: base.channel, architectures: [...ARCHITECTURES] })),
    analysis: { attributes: [{ name: 'language', result: 'javascript' }, { name: 'framework', result: 'reactive' }] },
  };
  return `# Written by tools/build.\n${yaml.dump(manifest, { lineWidth: -1 })}`;
}

async function copyTree(from: string, to: string): Promise<void> {
  const stat = await fs.stat(from);
  if (stat.isDirectory()) {
    await fs.mkdir(to, { mode: 0o755 });
    await fs.chmod(to, 0o755);
    for (const name of (await fs.readdir(from)).sort()) await copyTree(join(from, name), join(to, name));
  } else {
    await writeOut(to, await fs.readFile(from), stat.mode & 0o111 ? 0o755 : 0o644);
  }
}

async function writeOut(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  await fs.mkdir(join(path, '..'), { recursive: true, mode: 0o755 });
  await fs.writeFile(path, data);
  await fs.chmod(path, mode); // explicit: the umask of whoever builds must not change the zip
}

function projectVersion(projectRoot: string): string {
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

export async function buildCharm(source: CharmSource, options: BuildOptions): Promise<BuiltCharm> {
  const log = options.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const { name } = source;
  const finalDir = join(options.outDir, name);
  const staging = join(options.outDir, `.${name}.partial-${process.pid}`);
  await fs.rm(staging, { recursive: true, force: true });
  await fs.mkdir(staging, { recursive: true, mode: 0o755 });
  await fs.chmod(staging, 0o755);
  let version: string;
  let start: string;
  try {
    for (const item of source.copy) await copyTree(join(source.dir, item), join(staging, item));
    const metadata = withoutSeries(await fs.readFile(join(source.dir, 'metadata.yaml'), 'utf8'));
    if (metadata.removed) {
      await writeOut(join(staging, 'metadata.yaml'), metadata.text, 0o644);
      log(`build: ${name}: dropped 'series' from the built metadata.yaml (the bases in manifest.yaml apply only without it)`);
    }

    // Hooks read the checked documents as JSON instead of parsing three YAML files every time (see
    // reactive/charm-meta.ts); the metadata as built, without series.
    const { series: _series, ...builtMetadata } = source.docs.metadata;
    const builtMeta = { ...source.docs, metadata: builtMetadata };
    await writeOut(join(staging, BUILT_META_FILE), `${JSON.stringify(builtMeta)}\n`, 0o644);

    if (source.copy.includes('templates')) {
      await writeOut(join(staging, PRECOMPILED_TEMPLATES_FILE), await precompiledTemplatesModule(join(source.dir, 'templates')), 0o644);
    }

    const main = await bundleMain({ entry: join(source.dir, source.mainEntry), projectRoot: options.projectRoot });
    if (main.format === 'cjs') {
      await writeOut(join(staging, BUNDLE_DIR, 'charm.cjs'), main.code, 0o644);
      await writeOut(join(staging, BUNDLE_DIR, 'start.cjs'), codeCacheLoader('charm.cjs'), 0o644);
      start = `${BUNDLE_DIR}/start.cjs`;
    } else {
      await writeOut(join(staging, BUNDLE_DIR, 'charm.mjs'), main.code, 0o644);
      start = `${BUNDLE_DIR}/charm.mjs`;
    }
    const why = main.format === 'cjs' ? 'CommonJS, V8 code cache at run time' : 'ESM: top-level await or import.meta, no code cache';
    log(`build: ${name}: bundled ${source.mainEntry} (${why}; ${main.inputs} modules, ${kib(main.code.byteLength)})`);
    for (const extra of source.extraEntries) {
      const format = extra.output.endsWith('.mjs') ? 'esm' : 'cjs';
      const out = await bundle({ entry: join(source.dir, extra.source), projectRoot: options.projectRoot, executable: extra.executable, format })
        .catch((error: unknown) => {
          if (!(error instanceof NeedsEsmError)) throw error;
          throw new Error(`${error.message}\n${extra.output} is CommonJS (what Node 18 runs for a file not named *.mjs): drop top-level await and import.meta there, or name the output *.mjs`);
        });
      await writeOut(join(staging, extra.output), out.code, extra.executable ? 0o755 : 0o644);
      log(`build: ${name}: bundled ${extra.source} → ${extra.output} (${format}, ${out.inputs} modules, ${kib(out.code.byteLength)})`);
    }

    await writeOut(join(staging, 'dispatch'), dispatchScript(start), 0o755);
    for (const [folder, names] of [['hooks', source.hooks], ['actions', source.actions]] as const) {
      if (names.length === 0) continue;
      await fs.mkdir(join(staging, folder), { mode: 0o755 });
      await fs.chmod(join(staging, folder), 0o755);
      for (const hook of names) await fs.symlink('../dispatch', join(staging, folder, hook));
    }
    await writeOut(join(staging, 'manifest.yaml'), manifestYaml(), 0o644);

    // The version names the exact content, so two builds of the same sources report the same version.
    const hash = createHash('sha256');
    for (const entry of await collectEntries(staging)) {
      hash.update(`${entry.name}\0${entry.mode}\0`);
      if (entry.data) hash.update(entry.data);
    }
    version = `${projectVersion(options.projectRoot)}+${hash.digest('hex').slice(0, 12)}`;
    await writeOut(join(staging, 'version'), `${version}\n`, 0o644);

    await fs.rm(finalDir, { recursive: true, force: true });
    await fs.rename(staging, finalDir);
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true });
    throw error;
  }

  const entries = await collectEntries(finalDir);
  const zip = await zipEntries(entries);
  const charmFile = join(options.outDir, `${name}.charm`);
  const temporary = `${charmFile}.partial-${process.pid}`;
  await fs.writeFile(temporary, zip);
  await fs.rename(temporary, charmFile);
  const shown = relative(process.cwd(), charmFile) || charmFile;
  log(`build: ${name}: ${shown} (${entries.length} entries, ${kib(zip.byteLength)}, ${source.hooks.length} hooks, ${source.actions.length} actions) in ${Date.now() - started} ms`);
  return { name, dir: finalDir, charmFile, version, start, entries: entries.length, bytes: zip.byteLength };
}

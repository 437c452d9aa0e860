/**
 * esbuild turns a charm's TypeScript (with the framework, its interfaces and npm dependencies) into one file for
 * Node 18, so a unit needs no node_modules and no TypeScript at run time.
 */
import { build, transform, type Message } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

export type BundleFormat = 'esm' | 'cjs';

export interface BundleResult {
  readonly code: Uint8Array;
  readonly inputs: number;
  readonly format: BundleFormat;
}

/** The source needs ESM: top-level await or import.meta (empty in CommonJS). */
export class NeedsEsmError extends Error {}

// Bundled CommonJS dependencies call require() for Node built-ins; ESM has no require, so give them one.
const REQUIRE_SHIM = "import { createRequire as __charmCreateRequire } from 'node:module';\nconst require = __charmCreateRequire(import.meta.url);";

function describe(messages: readonly Message[]): string {
  return messages.slice(0, 10).map((m) => {
    const at = m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : '';
    return `  ${at}${m.text}`;
  }).join('\n');
}

const ESM_ONLY = /Top-level await is currently not supported with the "cjs" output format|"import\.meta" is not available with the "cjs" output format/;

/**
 * Bundles `entry` as ESM or CommonJS. CommonJS is what Node 18 runs for an extension-less executable (a STONITH
 * plugin must be named `external/<name>`) and what a V8 code cache can be kept for; it cannot hold top-level
 * await or import.meta, which raise NeedsEsmError.
 */
export async function bundle(options: { entry: string; projectRoot: string; format: BundleFormat; executable?: boolean }): Promise<BundleResult> {
  const { format } = options;
  const shim = format === 'esm' ? REQUIRE_SHIM : '';
  const banner = options.executable ? `#!/usr/bin/env node\n${shim}` : shim;
  const where = relative(options.projectRoot, options.entry);
  let result;
  try {
    result = await build({
      entryPoints: [options.entry],
      bundle: true,
      platform: 'node',
      target: 'node18',
      format,
      // CommonJS: turn import() into require(), because code compiled through vm.Script (the code-cache start
      // file) cannot use import() without an experimental Node flag.
      ...(format === 'cjs' ? { supported: { 'dynamic-import': false } } : {}),
      banner: { js: banner },
      outfile: format === 'esm' ? 'out.mjs' : 'out.cjs',
      write: false,
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: options.projectRoot,
      // A charm folder outside the project (tests build one in a temporary directory) still finds our packages.
      nodePaths: [join(options.projectRoot, 'node_modules')],
      legalComments: 'eof',
      charset: 'utf8',
      // Paths in the bundle stay relative to the project even when node_modules is a link (same bytes either way).
      preserveSymlinks: true,
    });
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors ?? [];
    if (format === 'cjs' && errors.some((e) => ESM_ONLY.test(e.text))) throw new NeedsEsmError(`${where} needs ESM:\n${describe(errors)}`);
    throw new Error(`bundling ${where} failed:\n${describe(errors) || String(error)}`);
  }
  const esmOnly = result.warnings.filter((w) => ESM_ONLY.test(w.text));
  if (format === 'cjs' && esmOnly.length > 0) throw new NeedsEsmError(`${where} needs ESM:\n${describe(esmOnly)}`);
  const output = result.outputFiles.find((file) => /\.[mc]js$/.test(file.path));
  if (!output) throw new Error(`bundling ${where} produced no output`);
  return { code: output.contents, inputs: Object.keys(result.metafile.inputs).length, format };
}

/** True when the entry file itself cannot be CommonJS: a quick single-file check that saves a failed bundle. */
async function entryNeedsEsm(entry: string): Promise<boolean> {
  try {
    const result = await transform(await readFile(entry, 'utf8'), { loader: 'ts', format: 'cjs', target: 'node18', logLevel: 'silent', sourcefile: entry });
    return result.warnings.some((w) => ESM_ONLY.test(w.text));
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors ?? [];
    if (errors.some((e) => ESM_ONLY.test(e.text))) return true;
    throw new Error(`${entry}: ${describe(errors) || String(error)}`);
  }
}

/** The main bundle: CommonJS (with a code cache at run time) when the sources allow it, else ESM. */
export async function bundleMain(options: { entry: string; projectRoot: string }): Promise<BundleResult> {
  if (await entryNeedsEsm(options.entry)) return bundle({ ...options, format: 'esm' });
  try {
    return await bundle({ ...options, format: 'cjs' });
  } catch (error) {
    if (error instanceof NeedsEsmError) return bundle({ ...options, format: 'esm' });
    throw error;
  }
}

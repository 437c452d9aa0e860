/**
 * esbuild turns a charm's TypeScript (with the framework, its interfaces and npm dependencies) into one ESM file
 * for Node 18, so a unit needs no node_modules and no TypeScript at run time.
 */
import { build } from 'esbuild';
import { join, relative } from 'node:path';

export interface BundleResult {
  readonly code: Uint8Array;
  readonly inputs: number;
}

// Bundled CommonJS dependencies call require() for Node built-ins; ESM has no require, so give them one.
const REQUIRE_SHIM = "import { createRequire as __charmCreateRequire } from 'node:module';\nconst require = __charmCreateRequire(import.meta.url);";

/**
 * `format: 'esm'` for `.mjs` outputs (the main bundle). Anything else is CommonJS: Node 18 runs an
 * extension-less file (a STONITH plugin must be named `external/<name>`) or a `.js` file outside a
 * `"type": "module"` package as CommonJS only — so such entries must not use top-level await.
 */
export async function bundle(options: { entry: string; projectRoot: string; executable?: boolean; format?: 'esm' | 'cjs' }): Promise<BundleResult> {
  const format = options.format ?? 'esm';
  const shim = format === 'esm' ? REQUIRE_SHIM : '';
  const banner = options.executable ? `#!/usr/bin/env node\n${shim}` : shim;
  let result;
  try {
    result = await build({
      entryPoints: [options.entry],
      bundle: true,
      platform: 'node',
      target: 'node18',
      format,
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
    const failure = error as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] };
    const lines = (failure.errors ?? []).slice(0, 10).map((e) => {
      const at = e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : '';
      return `  ${at}${e.text}`;
    });
    throw new Error(`bundling ${relative(options.projectRoot, options.entry)} failed:\n${lines.join('\n') || String(error)}`);
  }
  const output = result.outputFiles.find((file) => /\.[mc]js$/.test(file.path));
  if (!output) throw new Error(`bundling ${options.entry} produced no output`);
  return { code: output.contents, inputs: Object.keys(result.metafile.inputs).length };
}

/**
 * `npm run build [-- <charm>...] [--out <dir>]`: builds every charm under charms/ that has a metadata.yaml
 * (or only the named ones) into build/<name>/ and build/<name>.charm.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCharm, type BuiltCharm } from './assemble.js';
import { readCharmSource } from './charm-source.js';

export interface BuildAllOptions {
  readonly projectRoot: string;
  readonly charmsDir?: string;
  readonly outDir?: string;
  /** Only these charm names; all when empty. */
  readonly only?: readonly string[];
  readonly log?: (line: string) => void;
}

export interface BuildAllResult {
  readonly built: readonly BuiltCharm[];
  /** Charm name → what went wrong. */
  readonly failed: ReadonlyMap<string, string>;
}

/** Charm folders (those with a metadata.yaml), sorted. */
export function charmFolders(charmsDir: string): string[] {
  if (!existsSync(charmsDir)) return [];
  return readdirSync(charmsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(charmsDir, entry.name, 'metadata.yaml')))
    .map((entry) => entry.name)
    .sort();
}

export async function buildAll(options: BuildAllOptions): Promise<BuildAllResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const charmsDir = options.charmsDir ?? join(options.projectRoot, 'charms');
  const outDir = options.outDir ?? join(options.projectRoot, 'build');
  const available = charmFolders(charmsDir);
  const only = options.only ?? [];
  const unknown = only.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    throw new Error(`no charm named ${unknown.join(', ')} under ${charmsDir}; charms there: ${available.join(', ') || '(none)'}`);
  }
  const names = only.length > 0 ? [...only] : available;
  log(`build: ${names.length} charm(s) from ${charmsDir} into ${outDir}: ${names.join(', ') || '(none)'}`);
  const failed = new Map<string, string>();
  // esbuild works in parallel internally; building charms concurrently keeps the whole build to about one bundle.
  const results = await Promise.all(names.map(async (name) => {
    try {
      return await buildCharm(readCharmSource(join(charmsDir, name)), { outDir, projectRoot: options.projectRoot, log });
    } catch (error) {
      failed.set(name, (error as Error).message);
      log(`build: ${name}: FAILED: ${(error as Error).message}`);
      return null;
    }
  }));
  return { built: results.filter((result): result is BuiltCharm => result !== null), failed };
}

function parseArgs(argv: readonly string[]): { only: string[]; outDir?: string } {
  const only: string[] = [];
  let outDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--out') {
      outDir = argv[++i];
      if (!outDir) throw new Error('--out needs a directory');
    } else if (arg.startsWith('-')) {
      throw new Error(`unknown option ${arg}; usage: npm run build [-- <charm>...] [--out <dir>]`);
    } else {
      only.push(arg);
    }
  }
  return { only, outDir };
}

async function main(): Promise<void> {
  const projectRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
  const started = Date.now();
  const args = parseArgs(process.argv.slice(2));
  const result = await buildAll({ projectRoot, only: args.only, outDir: args.outDir ? resolve(args.outDir) : undefined });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.failed.size > 0) {
    console.error(`build: ${result.failed.size} charm(s) failed (${[...result.failed.keys()].join(', ')}); ${result.built.length} built in ${seconds} s. Fix the errors above and run npm run build again.`);
    process.exit(1);
  }
  console.log(`build: ${result.built.length} charm(s) built in ${seconds} s`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(`build: ${(error as Error).message}`);
    process.exit(1);
  });
}

/**
 * Reads one charm's source folder (charms/<name>/) into a validated description of what to build.
 * An optional `build.json` declares extra bundled programs and extra folders to ship:
 *
 *   { "entries": [{ "source": "src/stonith/main.ts", "output": "bin/external-maas", "executable": true }],
 *     "include": ["files"] }
 *
 * An extra entry is bundled as ESM when its output ends in `.mjs`, else as CommonJS (what Node 18 runs for an
 * extension-less executable): such entries must not use top-level await.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, normalize } from 'node:path';
import type { CharmDocs } from '../../reactive/charm-meta.js';
import { readCharmDir } from '../../reactive/charm-meta-check.js';

export interface ExtraEntry {
  /** Source file relative to the charm folder. */
  readonly source: string;
  /** Output file relative to the built charm. */
  readonly output: string;
  /** Gets a `#!/usr/bin/env node` line and mode 0755. */
  readonly executable: boolean;
}

export interface CharmSource {
  readonly name: string;
  readonly dir: string;
  /** metadata.yaml, config.yaml and actions.yaml, checked (see reactive/charm-meta-check.ts). */
  readonly docs: CharmDocs;
  readonly hooks: readonly string[];
  readonly actions: readonly string[];
  /** Files and folders copied as they are (relative to the charm folder), in a stable order. */
  readonly copy: readonly string[];
  readonly mainEntry: string;
  readonly extraEntries: readonly ExtraEntry[];
}

/** The entry point every charm has. */
export const MAIN_ENTRY = 'src/main.ts';
/** The folder of the built charm that holds the main bundle (dist/charm.cjs + dist/start.cjs, or dist/charm.mjs). */
export const BUNDLE_DIR = 'dist';

const OPTIONAL_FILES = ['config.yaml', 'actions.yaml', 'README.md', 'templates', 'icon.svg', 'LICENSE', 'copyright'];
const GENERATED = new Set(['dispatch', 'hooks', 'actions', 'dist', 'manifest.yaml', 'version']);

function isPlainRelative(path: string): boolean {
  const normal = normalize(path);
  return path.length > 0 && !path.startsWith('/') && normal === path && !normal.startsWith('..');
}

function readBuildJson(dir: string): { entries: ExtraEntry[]; include: string[] } {
  const file = join(dir, 'build.json');
  if (!existsSync(file)) return { entries: [], include: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  const where = (what: string) => `${file}: ${what}`;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(where('must be an object with "entries" and/or "include"'));
  const { entries = [], include = [], ...unknown } = parsed as { entries?: unknown; include?: unknown };
  const extraKeys = Object.keys(unknown);
  if (extraKeys.length > 0) throw new Error(where(`unknown key(s) ${extraKeys.join(', ')}; accepted: entries, include`));
  if (!Array.isArray(entries)) throw new Error(where('"entries" must be a list of { source, output, executable? }'));
  if (!Array.isArray(include) || !include.every((item) => typeof item === 'string' && isPlainRelative(item))) {
    throw new Error(where('"include" must be a list of relative paths inside the charm folder'));
  }
  const checked = entries.map((entry: unknown, index): ExtraEntry => {
    const e = entry as { source?: unknown; output?: unknown; executable?: unknown };
    if (typeof e?.source !== 'string' || !isPlainRelative(e.source) || !existsSync(join(dir, e.source))) {
      throw new Error(where(`entries[${index}].source must name an existing file relative to the charm folder`));
    }
    if (typeof e.output !== 'string' || !isPlainRelative(e.output) || GENERATED.has(e.output.split('/')[0] ?? '')) {
      throw new Error(where(`entries[${index}].output must be a relative path in the built charm, outside ${[...GENERATED].join(', ')}`));
    }
    if (e.executable !== undefined && typeof e.executable !== 'boolean') throw new Error(where(`entries[${index}].executable must be true or false`));
    return { source: e.source, output: e.output, executable: e.executable ?? false };
  });
  return { entries: checked, include: include as string[] };
}

export function readCharmSource(dir: string): CharmSource {
  const charm = readCharmDir(dir);
  const { name } = charm.meta;
  if (name !== basename(dir)) {
    throw new Error(`${join(dir, 'metadata.yaml')}: 'name' must be the charm folder's name '${basename(dir)}', found ${JSON.stringify(name)}`);
  }
  if (!existsSync(join(dir, MAIN_ENTRY))) throw new Error(`${dir}: ${MAIN_ENTRY} is missing; every charm's hooks start there`);
  const build = readBuildJson(dir);
  for (const item of build.include) {
    if (!existsSync(join(dir, item))) throw new Error(`${join(dir, 'build.json')}: include '${item}' does not exist`);
    if (GENERATED.has(item.split('/')[0] ?? '')) throw new Error(`${join(dir, 'build.json')}: include '${item}' would overwrite a generated file`);
  }
  const copy = ['metadata.yaml', ...OPTIONAL_FILES.filter((file) => existsSync(join(dir, file))), ...build.include];
  if (copy.includes('templates') && !statSync(join(dir, 'templates')).isDirectory()) throw new Error(`${dir}/templates must be a folder`);
  return {
    name, dir, docs: charm.docs, hooks: charm.hookNames, actions: charm.actionNames,
    copy: [...new Set(copy)], mainEntry: MAIN_ENTRY, extraEntries: build.entries,
  };
}

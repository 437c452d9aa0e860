/**
 * metadata.yaml, config.yaml and actions.yaml of a charm, typed, as hooks read them: from the JSON the build
 * wrote after checking them with charm-meta-check.ts (the one validator; this file trusts its output and stays
 * small, as it is in every charm bundle).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigValue } from './hookenv/tools.js';

export interface RelationMeta {
  readonly interface: string;
  readonly scope?: 'global' | 'container';
  readonly limit?: number;
  readonly optional?: boolean;
}

export interface ConfigOptionMeta {
  readonly type: 'string' | 'int' | 'float' | 'boolean' | 'secret';
  readonly default?: ConfigValue | null;
  readonly description?: string;
}

export interface ActionMeta {
  readonly description?: string;
  readonly params?: Readonly<Record<string, Record<string, unknown>>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
}

/** The three documents as YAML parses them; dist/charm-meta.json holds them as charm-meta-check.ts returns them. */
export interface CharmDocs {
  readonly metadata: Record<string, unknown>;
  readonly config: Record<string, unknown>;
  readonly actions: Record<string, unknown>;
}

export interface CharmMeta {
  readonly name: string;
  readonly subordinate: boolean;
  readonly provides: Readonly<Record<string, RelationMeta>>;
  readonly requires: Readonly<Record<string, RelationMeta>>;
  readonly peers: Readonly<Record<string, RelationMeta>>;
  readonly extraBindings: readonly string[];
  readonly options: Readonly<Record<string, ConfigOptionMeta>>;
  readonly actions: Readonly<Record<string, ActionMeta>>;
}

export function parseCharmMeta(metadata: Record<string, unknown>, config: Record<string, unknown>, actions: Record<string, unknown>): CharmMeta {
  if (typeof metadata.name !== 'string' || metadata.name === '') throw new Error('metadata.yaml: `name` is required');
  const relations = (key: string): Record<string, RelationMeta> => (metadata[key] ?? {}) as Record<string, RelationMeta>;
  const extra = metadata['extra-bindings'];
  return Object.freeze({
    name: metadata.name,
    subordinate: metadata.subordinate === true,
    provides: relations('provides'),
    requires: relations('requires'),
    peers: relations('peers'),
    extraBindings: extra && typeof extra === 'object' ? Object.keys(extra) : [],
    options: (config.options ?? {}) as Record<string, ConfigOptionMeta>,
    actions: actions as Record<string, ActionMeta>,
  });
}

/** Where the charm build leaves metadata, config and actions as one JSON document (no YAML parsing per hook). */
export const BUILT_META_FILE = 'dist/charm-meta.json';

/**
 * The charm's metadata at hook time: the JSON the build wrote when present (fast), else the YAML files, unchecked
 * (a charm directory that was not built by tools/build).
 */
export async function loadCharmMeta(charmDir: string): Promise<CharmMeta> {
  let built: string | undefined;
  try {
    built = readFileSync(join(charmDir, BUILT_META_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (built !== undefined) {
    const doc = JSON.parse(built) as CharmDocs;
    return parseCharmMeta(doc.metadata, doc.config, doc.actions);
  }
  const { loadCharmMetaFromYaml } = await import('./charm-meta-yaml.js');
  return loadCharmMetaFromYaml(charmDir);
}

/** Every endpoint name the charm declares, sorted, with its role. */
export function endpointsOf(meta: CharmMeta): { name: string; role: 'provides' | 'requires' | 'peers'; meta: RelationMeta }[] {
  const out: { name: string; role: 'provides' | 'requires' | 'peers'; meta: RelationMeta }[] = [];
  for (const role of ['provides', 'requires', 'peers'] as const) {
    for (const [name, rel] of Object.entries(meta[role])) out.push({ name, role, meta: rel });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

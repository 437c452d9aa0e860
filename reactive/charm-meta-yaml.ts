/**
 * The hook-time fallback for a charm folder tools/build did not build (no dist/charm-meta.json): the YAML files,
 * read as they are. Everything else reads charms with charm-meta-check.ts, which also checks them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { parseCharmMeta, type CharmMeta } from './charm-meta.js';

export function readYamlMapping(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  let doc: unknown;
  try {
    doc = yaml.load(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${path}: expected a YAML mapping at the top level`);
  return doc as Record<string, unknown>;
}

export function readCharmYaml(charmDir: string): { metadata: Record<string, unknown>; config: Record<string, unknown>; actions: Record<string, unknown> } {
  return {
    metadata: readYamlMapping(join(charmDir, 'metadata.yaml')),
    config: readYamlMapping(join(charmDir, 'config.yaml')),
    actions: readYamlMapping(join(charmDir, 'actions.yaml')),
  };
}

export function loadCharmMetaFromYaml(charmDir: string): CharmMeta {
  const { metadata, config, actions } = readCharmYaml(charmDir);
  return parseCharmMeta(metadata, config, actions);
}

/**
 * The one reader and validator of a charm's metadata.yaml, config.yaml and actions.yaml, and the hooks they
 * imply. The build checks every charm with it and writes the checked documents to dist/charm-meta.json; the local
 * model reads the charms it deploys with it; the test harness reads charm folders with it. The hook-time runtime
 * (charm-meta.ts) does not import this file: it reads the JSON the build wrote, already checked, so no charm
 * bundle carries this code and no hook parses YAML.
 *
 * Every message names the file, the place in it and what is accepted. Juju's own leniencies are kept: an
 * endpoint may be just its interface name (`db: mysql`), an option without `type` is a string and an action may
 * declare nothing (`pause:`); the checked documents spell these out, so code reading them needs no second
 * interpretation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { parseCharmMeta, type CharmDocs, type CharmMeta, type ConfigOptionMeta } from './charm-meta.js';

export class CharmMetaError extends Error {}

export interface CheckedCharm {
  /** The three documents with Juju's shorthands spelled out: what dist/charm-meta.json holds. */
  readonly docs: CharmDocs;
  readonly meta: CharmMeta;
  /** Every hook the charm can receive, sorted. */
  readonly hookNames: readonly string[];
  /** Every action in actions.yaml, sorted. */
  readonly actionNames: readonly string[];
}

/** Hooks every charm may receive (charm-tools' list plus `remove`). */
export const STANDARD_HOOKS = [
  'install',
  'config-changed',
  'start',
  'stop',
  'remove',
  'update-status',
  'upgrade-charm',
  'leader-elected',
  'leader-settings-changed',
  'pre-series-upgrade',
  'post-series-upgrade',
] as const;

export const RELATION_HOOK_SUFFIXES = ['relation-created', 'relation-joined', 'relation-changed', 'relation-departed', 'relation-broken'] as const;
export const STORAGE_HOOK_SUFFIXES = ['storage-attached', 'storage-detaching'] as const;

const RELATION_SECTIONS = ['provides', 'requires', 'peers'] as const;
const CONFIG_TYPES: readonly ConfigOptionMeta['type'][] = ['string', 'int', 'float', 'boolean', 'secret'];
/** Endpoint, storage and action names: what Juju accepts and what can be a hook file name. */
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function found(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The names of a checked section (absent: none). */
function namesOf(value: unknown): string[] {
  return isMapping(value) ? Object.keys(value) : [];
}

/** A section that may be absent (nothing) or must be a mapping. */
function section(value: unknown, file: string, what: string, accepted: string): Mapping {
  if (value === undefined || value === null) return {};
  if (!isMapping(value)) throw new CharmMetaError(`${file}: ${what} must be ${accepted}`);
  return value;
}

function checkNames(names: readonly string[], file: string, what: string): void {
  for (const name of names) {
    if (!NAME.test(name)) throw new CharmMetaError(`${file}: ${what} '${name}' must be lowercase letters, digits and single hyphens`);
  }
}

/** One endpoint: its interface name alone, or a mapping; returns the mapping form. */
function endpoint(raw: unknown, file: string, where: string): Mapping {
  if (typeof raw === 'string' && raw !== '') return { interface: raw };
  if (!isMapping(raw)) {
    throw new CharmMetaError(`${file}: ${where} must be an interface name or a mapping with interface (and scope, limit, optional); found ${found(raw)}`);
  }
  if (typeof raw.interface !== 'string' || raw.interface === '') {
    throw new CharmMetaError(`${file}: ${where}.interface is required: the interface name, a string; found ${found(raw.interface)}`);
  }
  if (raw.scope !== undefined && raw.scope !== 'global' && raw.scope !== 'container') {
    throw new CharmMetaError(`${file}: ${where}.scope must be global or container; found ${found(raw.scope)}`);
  }
  if (raw.limit !== undefined && !(Number.isInteger(raw.limit) && (raw.limit as number) >= 0)) {
    throw new CharmMetaError(`${file}: ${where}.limit must be a whole number, 0 or more; found ${found(raw.limit)}`);
  }
  if (raw.optional !== undefined && typeof raw.optional !== 'boolean') {
    throw new CharmMetaError(`${file}: ${where}.optional must be true or false; found ${found(raw.optional)}`);
  }
  return raw;
}

function checkMetadata(metadata: Mapping, file: string): Mapping {
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    throw new CharmMetaError(`${file}: 'name' is required: the charm's name, a non-empty string; found ${found(metadata.name)}`);
  }
  if (metadata.subordinate !== undefined && typeof metadata.subordinate !== 'boolean') {
    throw new CharmMetaError(`${file}: 'subordinate' must be true or false; found ${found(metadata.subordinate)}`);
  }
  const out: Mapping = { ...metadata };
  const declaredIn = new Map<string, string>();
  for (const role of RELATION_SECTIONS) {
    if (metadata[role] === undefined || metadata[role] === null) continue;
    const endpoints = section(metadata[role], file, `'${role}'`, 'a mapping of names to definitions');
    checkNames(Object.keys(endpoints), file, `${role} name`);
    const spelled: Mapping = {};
    for (const [name, raw] of Object.entries(endpoints)) {
      const other = declaredIn.get(name);
      if (other) throw new CharmMetaError(`${file}: endpoint '${name}' is declared in both ${other} and ${role}; endpoint names must be unique`);
      declaredIn.set(name, role);
      spelled[name] = endpoint(raw, file, `${role}.${name}`);
    }
    out[role] = spelled;
  }
  checkNames(Object.keys(section(metadata.storage, file, `'storage'`, 'a mapping of names to definitions')), file, 'storage name');
  section(metadata['extra-bindings'], file, `'extra-bindings'`, 'a mapping of binding names (with no values)');
  return out;
}

function checkConfig(config: Mapping, file: string): Mapping {
  if (config.options === undefined || config.options === null) return config;
  const options = section(config.options, file, `'options'`, 'a mapping of option names to definitions');
  const spelled: Mapping = {};
  for (const [name, raw] of Object.entries(options)) {
    if (!isMapping(raw)) throw new CharmMetaError(`${file}: options.${name} must be a mapping with type, default and description; found ${found(raw)}`);
    if (raw.type === undefined) {
      spelled[name] = { ...raw, type: 'string' }; // Juju's default
    } else if (CONFIG_TYPES.includes(raw.type as ConfigOptionMeta['type'])) {
      spelled[name] = raw;
    } else {
      throw new CharmMetaError(`${file}: options.${name}.type must be ${CONFIG_TYPES.slice(0, -1).join(', ')} or ${CONFIG_TYPES.at(-1)}; found ${found(raw.type)}`);
    }
  }
  return { ...config, options: spelled };
}

function checkActions(actions: Mapping, file: string): Mapping {
  checkNames(Object.keys(actions), file, 'action name');
  const spelled: Mapping = {};
  for (const [name, raw] of Object.entries(actions)) {
    if (raw === null) {
      spelled[name] = {}; // an action that declares nothing
      continue;
    }
    if (!isMapping(raw)) {
      throw new CharmMetaError(`${file}: ${name} must be a mapping with description, params, required and additionalProperties; found ${found(raw)}`);
    }
    section(raw.params, file, `${name}.params`, 'a mapping of parameter names to JSON schemas');
    if (raw.required !== undefined && !(Array.isArray(raw.required) && raw.required.every((p) => typeof p === 'string'))) {
      throw new CharmMetaError(`${file}: ${name}.required must be a list of parameter names; found ${found(raw.required)}`);
    }
    if (raw.additionalProperties !== undefined && typeof raw.additionalProperties !== 'boolean') {
      throw new CharmMetaError(`${file}: ${name}.additionalProperties must be true or false; found ${found(raw.additionalProperties)}`);
    }
    spelled[name] = raw;
  }
  return spelled;
}

/** Standard hooks, five per endpoint (peers included), two per storage. */
function hookNamesOf(metadata: Mapping): string[] {
  const hooks = new Set<string>(STANDARD_HOOKS);
  for (const name of RELATION_SECTIONS.flatMap((role) => namesOf(metadata[role]))) {
    for (const suffix of RELATION_HOOK_SUFFIXES) hooks.add(`${name}-${suffix}`);
  }
  for (const name of namesOf(metadata.storage)) {
    for (const suffix of STORAGE_HOOK_SUFFIXES) hooks.add(`${name}-${suffix}`);
  }
  return [...hooks].sort();
}

/**
 * Checks the three documents as YAML parsed them (absent file: undefined); `where` is the charm's folder or
 * file, and names `<where>/metadata.yaml` etc. in messages.
 */
export function checkCharmDocs(raw: { metadata: unknown; config?: unknown; actions?: unknown }, where: string): CheckedCharm {
  const file = (name: string): string => `${where}/${name}`;
  const top = (doc: unknown, name: string, accepted: string): Mapping => section(doc, file(name), 'the top level', accepted);
  const metadata = checkMetadata(top(raw.metadata, 'metadata.yaml', 'a mapping (name, summary, provides, ...)'), file('metadata.yaml'));
  const config = checkConfig(top(raw.config, 'config.yaml', 'a mapping with options'), file('config.yaml'));
  const actions = checkActions(top(raw.actions, 'actions.yaml', 'a mapping of action names to definitions'), file('actions.yaml'));
  const docs: CharmDocs = { metadata, config, actions };
  return {
    docs,
    meta: parseCharmMeta(metadata, config, actions),
    hookNames: hookNamesOf(metadata),
    actionNames: Object.keys(actions).sort(),
  };
}

function parseYaml(text: string | undefined, file: string): unknown {
  if (text === undefined) return undefined;
  try {
    return yaml.load(text);
  } catch (error) {
    throw new CharmMetaError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** Reads a charm through `read` (a folder, a zip, ...): metadata.yaml must exist, config.yaml and actions.yaml may not. */
export function readCharm(where: string, read: (file: string) => string | undefined): CheckedCharm {
  const metadata = read('metadata.yaml');
  if (metadata === undefined) throw new CharmMetaError(`${where} is not a charm: it has no metadata.yaml`);
  return checkCharmDocs({
    metadata: parseYaml(metadata, `${where}/metadata.yaml`),
    config: parseYaml(read('config.yaml'), `${where}/config.yaml`),
    actions: parseYaml(read('actions.yaml'), `${where}/actions.yaml`),
  }, where);
}

/** Reads a charm folder (a source tree or an unpacked charm). */
export function readCharmDir(dir: string): CheckedCharm {
  return readCharm(dir, (file) => {
    const path = join(dir, file);
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  });
}

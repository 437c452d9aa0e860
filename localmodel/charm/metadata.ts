/**
 * What the local model needs to know about a charm: its endpoints (metadata.yaml, plus the implicit juju-info),
 * its config options (config.yaml) and its actions (actions.yaml), from a charm directory or a .charm zip.
 * Reading and checking the files is the framework's (reactive/charm-meta-check.ts), so a charm the build accepts
 * is one the model accepts, with the same messages; this file keeps the model's view, which model state stores.
 */
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { CharmMetaError, readCharm } from '../../reactive/charm-meta-check.js';
import type { CharmMeta as FrameworkCharmMeta, ConfigOptionMeta as FrameworkOptionMeta } from '../../reactive/charm-meta.js';

export type RelationRole = 'provider' | 'requirer' | 'peer';
export type RelationScope = 'global' | 'container';

export interface EndpointMeta {
  readonly name: string;
  readonly role: RelationRole;
  readonly interface: string;
  readonly scope: RelationScope;
  readonly limit?: number;
  /** True for the juju-info endpoint every charm provides without declaring it. */
  readonly implicit?: boolean;
}

export type ConfigType = FrameworkOptionMeta['type'];
export type ConfigOptionMeta = FrameworkOptionMeta;

export interface ActionMeta {
  readonly description?: string;
  readonly params: Record<string, unknown>;
  readonly required: string[];
  readonly additionalProperties: boolean;
}

export interface CharmMeta {
  readonly name: string;
  readonly subordinate: boolean;
  readonly endpoints: Record<string, EndpointMeta>;
  readonly config: Record<string, ConfigOptionMeta>;
  readonly actions: Record<string, ActionMeta>;
  readonly extraBindings: string[];
  readonly version?: string;
}

/** A charm that cannot be read or is not valid (the framework's error, so one `instanceof` covers both). */
export const CharmError = CharmMetaError;

/** Reads one file of a charm, from a directory or from inside a .charm zip (via Debian's unzip). */
export function readCharmFile(charmPath: string, file: string): string | undefined {
  if (statSync(charmPath).isDirectory()) {
    const p = join(charmPath, file);
    return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
  }
  try {
    return execFileSync('unzip', ['-p', charmPath, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 11) return undefined; // unzip: no matching file
    throw new CharmError(`cannot read ${file} from ${charmPath}: ${(error as Error).message.split('\n')[0]}`);
  }
}

const ROLES = { provides: 'provider', requires: 'requirer', peers: 'peer' } as const;

/** The model's view of a checked charm: Juju's endpoint roles, the implicit juju-info, actions with defaults. */
function modelCharmMeta(meta: FrameworkCharmMeta, version: string | undefined): CharmMeta {
  const endpoints: Record<string, EndpointMeta> = {};
  for (const section of ['provides', 'requires', 'peers'] as const) {
    for (const [name, rel] of Object.entries(meta[section])) {
      const ep: EndpointMeta = { name, role: ROLES[section], interface: rel.interface, scope: rel.scope ?? 'global' };
      endpoints[name] = rel.limit === undefined ? ep : { ...ep, limit: rel.limit };
    }
  }
  endpoints['juju-info'] ??= { name: 'juju-info', role: 'provider', interface: 'juju-info', scope: 'global', implicit: true };
  const config = Object.fromEntries(Object.entries(meta.options).map(([name, opt]): [string, ConfigOptionMeta] => [
    name,
    { type: opt.type, default: opt.default, description: opt.description },
  ]));
  const actions = Object.fromEntries(Object.entries(meta.actions).map(([name, a]): [string, ActionMeta] => [
    name,
    { description: a.description, params: a.params ?? {}, required: [...(a.required ?? [])], additionalProperties: a.additionalProperties !== false },
  ]));
  return {
    name: meta.name,
    subordinate: meta.subordinate,
    endpoints,
    config,
    actions,
    extraBindings: [...meta.extraBindings],
    ...(version ? { version: version.trim() } : {}),
  };
}

/** The model's view of a charm given as the texts of its files; `where` names the charm in error messages. */
export function charmMetaFromTexts(files: { metadata: string; config?: string; actions?: string; version?: string }, where: string): CharmMeta {
  const texts: Record<string, string | undefined> = { 'metadata.yaml': files.metadata, 'config.yaml': files.config, 'actions.yaml': files.actions };
  return modelCharmMeta(readCharm(where, (file) => texts[file]).meta, files.version);
}

/** Loads a charm's metadata from a directory or a .charm file. */
export function loadCharmMeta(charmPath: string): CharmMeta {
  if (!existsSync(charmPath)) throw new CharmError(`${charmPath} does not exist`);
  return modelCharmMeta(readCharm(charmPath, (file) => readCharmFile(charmPath, file)).meta, readCharmFile(charmPath, 'version'));
}

/** The relation scope is container when either side is container-scoped (Juju's rule). */
export function relationScope(a: EndpointMeta, b: EndpointMeta): RelationScope {
  return a.scope === 'container' || b.scope === 'container' ? 'container' : 'global';
}

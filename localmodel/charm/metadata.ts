/**
 * What the local model needs to know about a charm: its endpoints (metadata.yaml, plus the implicit juju-info),
 * its config options (config.yaml) and its actions (actions.yaml). Parsed from a charm directory or a .charm zip.
 */
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import yaml from 'js-yaml';

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

export type ConfigType = 'string' | 'int' | 'float' | 'boolean' | 'secret';
export interface ConfigOptionMeta {
  readonly type: ConfigType;
  readonly default?: string | number | boolean | null;
  readonly description?: string;
}

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

export class CharmError extends Error {}

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

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new CharmError(`${what}: expected a mapping`);
  return value as Record<string, unknown>;
}

function parseEndpoints(section: unknown, role: RelationRole, file: string): EndpointMeta[] {
  return Object.entries(asRecord(section, `${file}: ${role}`)).map(([name, raw]) => {
    const spec = typeof raw === 'string' ? { interface: raw } : asRecord(raw, `${file}: endpoint ${name}`);
    if (typeof spec.interface !== 'string') throw new CharmError(`${file}: endpoint "${name}" has no interface`);
    const scope = spec.scope === undefined ? 'global' : spec.scope;
    if (scope !== 'global' && scope !== 'container') {
      throw new CharmError(`${file}: endpoint "${name}" scope must be global or container, got ${JSON.stringify(scope)}`);
    }
    const ep: EndpointMeta = { name, role, interface: spec.interface, scope };
    return typeof spec.limit === 'number' ? { ...ep, limit: spec.limit } : ep;
  });
}

/** Parses the three YAML files of a charm; `where` names the charm in error messages. */
export function parseCharmMeta(files: { metadata: string; config?: string; actions?: string; version?: string }, where: string): CharmMeta {
  let metadata: Record<string, unknown>;
  try {
    metadata = asRecord(yaml.load(files.metadata), `${where}/metadata.yaml`);
  } catch (error) {
    throw new CharmError(`${where}/metadata.yaml: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof metadata.name !== 'string' || !metadata.name) throw new CharmError(`${where}/metadata.yaml: "name" is missing`);
  const endpoints: Record<string, EndpointMeta> = {};
  const file = `${where}/metadata.yaml`;
  for (const ep of [
    ...parseEndpoints(metadata.provides, 'provider', file),
    ...parseEndpoints(metadata.requires, 'requirer', file),
    ...parseEndpoints(metadata.peers, 'peer', file),
  ]) {
    if (endpoints[ep.name]) throw new CharmError(`${file}: endpoint "${ep.name}" is declared twice`);
    endpoints[ep.name] = ep;
  }
  if (!endpoints['juju-info']) {
    endpoints['juju-info'] = { name: 'juju-info', role: 'provider', interface: 'juju-info', scope: 'global', implicit: true };
  }
  const config: Record<string, ConfigOptionMeta> = {};
  if (files.config) {
    const doc = asRecord(yaml.load(files.config), `${where}/config.yaml`);
    for (const [name, raw] of Object.entries(asRecord(doc.options, `${where}/config.yaml: options`))) {
      const opt = asRecord(raw, `${where}/config.yaml: options.${name}`);
      const type = (opt.type ?? 'string') as ConfigType;
      if (!['string', 'int', 'float', 'boolean', 'secret'].includes(type)) {
        throw new CharmError(`${where}/config.yaml: options.${name}.type must be string, int, float, boolean or secret`);
      }
      config[name] = { type, default: opt.default as ConfigOptionMeta['default'], description: opt.description as string | undefined };
    }
  }
  const actions: Record<string, ActionMeta> = {};
  if (files.actions) {
    for (const [name, raw] of Object.entries(asRecord(yaml.load(files.actions), `${where}/actions.yaml`))) {
      const a = asRecord(raw, `${where}/actions.yaml: ${name}`);
      actions[name] = {
        description: a.description as string | undefined,
        params: asRecord(a.params, `${where}/actions.yaml: ${name}.params`),
        required: Array.isArray(a.required) ? (a.required as string[]) : [],
        additionalProperties: a.additionalProperties !== false,
      };
    }
  }
  const extraBindings = Object.keys(asRecord(metadata['extra-bindings'], `${file}: extra-bindings`));
  return {
    name: metadata.name,
    subordinate: metadata.subordinate === true,
    endpoints,
    config,
    actions,
    extraBindings,
    ...(files.version ? { version: files.version.trim() } : {}),
  };
}

/** Loads a charm's metadata from a directory or a .charm file. */
export function loadCharmMeta(charmPath: string): CharmMeta {
  if (!existsSync(charmPath)) throw new CharmError(`${charmPath} does not exist`);
  const metadata = readCharmFile(charmPath, 'metadata.yaml');
  if (metadata === undefined) throw new CharmError(`${charmPath} is not a charm: it has no metadata.yaml`);
  return parseCharmMeta(
    {
      metadata,
      config: readCharmFile(charmPath, 'config.yaml'),
      actions: readCharmFile(charmPath, 'actions.yaml'),
      version: readCharmFile(charmPath, 'version'),
    },
    charmPath,
  );
}

/** The relation scope is container when either side is container-scoped (Juju's rule). */
export function relationScope(a: EndpointMeta, b: EndpointMeta): RelationScope {
  return a.scope === 'container' || b.scope === 'container' ? 'container' : 'global';
}

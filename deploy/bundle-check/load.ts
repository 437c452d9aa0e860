/**
 * Reads a bundle and its overlays and merges them as `juju deploy --overlay` does (juju/charm overlay.go):
 * overlay applications are added or merged key by key, an application set to null is removed with its relations,
 * relations are appended, machines overwritten; relative charm paths resolve against the file declaring them.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import yaml from 'js-yaml';

export interface BundleApp {
  charm: string;
  /** absolute path when the charm is local, else the store reference (`ch:keystone`) */
  charmRef: string;
  local: boolean;
  num_units?: number;
  to?: string[];
  options?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Bundle {
  applications: Record<string, BundleApp>;
  machines: Record<string, unknown>;
  relations: [string, string][];
  files: string[];
}

export class BundleError extends Error {}

const APP_KEYS = new Set([
  'charm', 'channel', 'revision', 'series', 'base', 'num_units', 'scale', 'to', 'expose', 'exposed-endpoints', 'options',
  'annotations', 'constraints', 'storage', 'devices', 'bindings', 'resources', 'offers', 'plan', 'trust',
]);
const TOP_KEYS = new Set(['applications', 'services', 'machines', 'relations', 'series', 'default-base', 'saas', 'description', 'tags', 'variables', 'local_overlay_enabled', 'bundle']);

function parseFile(file: string, text?: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = yaml.load(text ?? readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BundleError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new BundleError(`${file}: a bundle must be a YAML mapping`);
  const obj = doc as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!TOP_KEYS.has(key)) throw new BundleError(`${file}: unknown top-level key '${key}'; accepted: ${[...TOP_KEYS].join(', ')}`);
  }
  return obj;
}

function resolveCharm(file: string, app: string, charm: unknown): { charm: string; charmRef: string; local: boolean } {
  if (typeof charm !== 'string' || charm === '') throw new BundleError(`${file}: application '${app}' needs a 'charm' (a Charmhub name or a local path)`);
  const local = charm.startsWith('.') || charm.startsWith('/');
  return { charm, charmRef: local ? resolve(dirname(file), charm) : charm, local };
}

function readApps(file: string, raw: unknown, isOverlay: boolean): Record<string, Record<string, unknown> | null> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BundleError(`${file}: 'applications' must be a mapping`);
  const out: Record<string, Record<string, unknown> | null> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$/.test(name)) throw new BundleError(`${file}: invalid application name '${name}'`);
    if (value === null || value === undefined) {
      if (!isOverlay) throw new BundleError(`${file}: application '${name}' is empty`);
      out[name] = null;
      continue;
    }
    if (typeof value !== 'object' || Array.isArray(value)) throw new BundleError(`${file}: application '${name}' must be a mapping`);
    for (const key of Object.keys(value)) {
      if (!APP_KEYS.has(key)) throw new BundleError(`${file}: application '${name}': unknown key '${key}'`);
    }
    out[name] = value as Record<string, unknown>;
  }
  return out;
}

function readRelations(file: string, raw: unknown): [string, string][] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new BundleError(`${file}: 'relations' must be a list of [app:endpoint, app:endpoint] pairs`);
  return raw.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((e) => typeof e === 'string')) {
      throw new BundleError(`${file}: relation #${i + 1} must be a pair of 'app[:endpoint]' strings`);
    }
    return [pair[0], pair[1]] as [string, string];
  });
}

function appName(endpoint: string): string {
  return endpoint.split(':')[0]!;
}

/** Merges overlays into the base; returns the bundle Juju would deploy. */
export function loadBundle(base: string, overlays: string[] = [], texts: Record<string, string> = {}): Bundle {
  const files = [base, ...overlays].map((f) => resolve(f));
  const bundle: Bundle = { applications: {}, machines: {}, relations: [], files };
  files.forEach((file, index) => {
    const doc = parseFile(file, texts[file]);
    const isOverlay = index > 0;
    const apps = readApps(file, doc['applications'] ?? doc['services'], isOverlay);
    for (const [name, spec] of Object.entries(apps)) {
      if (spec === null) {
        delete bundle.applications[name];
        bundle.relations = bundle.relations.filter(([a, b]) => appName(a) !== name && appName(b) !== name);
        continue;
      }
      const existing = bundle.applications[name];
      if (!existing && spec['charm'] === undefined) {
        throw new BundleError(`${file}: application '${name}' is not in the bundle${isOverlay ? ' it overlays' : ''} and has no 'charm'`);
      }
      const merged: Record<string, unknown> = { ...(existing ?? {}) };
      for (const [key, value] of Object.entries(spec)) {
        if (key === 'options' && typeof value === 'object' && value !== null && Object.keys(value).length > 0) {
          const options = { ...((merged['options'] as Record<string, unknown>) ?? {}) };
          for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            if (v === null) delete options[k];
            else options[k] = resolveInclude(file, name, k, v);
          }
          merged['options'] = options;
        } else {
          merged[key] = value;
        }
      }
      if (spec['charm'] !== undefined) Object.assign(merged, resolveCharm(file, name, spec['charm']));
      if (merged['scale'] !== undefined && merged['num_units'] === undefined) merged['num_units'] = merged['scale'];
      if (merged['to'] !== undefined && !Array.isArray(merged['to'])) merged['to'] = [String(merged['to'])];
      bundle.applications[name] = merged as BundleApp;
    }
    if (doc['machines'] !== undefined) {
      if (typeof doc['machines'] !== 'object' || doc['machines'] === null) throw new BundleError(`${file}: 'machines' must be a mapping`);
      Object.assign(bundle.machines, doc['machines']);
    }
    bundle.relations.push(...readRelations(file, doc['relations']));
  });
  return bundle;
}

/** `include-file://` values stay references here; the path is resolved and recorded so checks can report it. */
function resolveInclude(file: string, app: string, option: string, value: unknown): unknown {
  if (typeof value === 'string' && (value.startsWith('include-file://') || value.startsWith('include-base64://'))) {
    const scheme = value.startsWith('include-file://') ? 'include-file://' : 'include-base64://';
    const path = value.slice(scheme.length);
    if (!path) throw new BundleError(`${file}: ${app} option '${option}': ${scheme} needs a file path`);
    return `${scheme}${resolve(dirname(file), path)}`;
  }
  return value;
}

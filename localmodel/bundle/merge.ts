/**
 * Reads a bundle and its overlays and merges them as Juju does (juju-contract §5.5): extra YAML documents of the
 * bundle file and `--overlay` files apply in order; an application set to null goes away with its relations;
 * relative charm paths and include-file:// values resolve against the file that names them.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve, relative } from 'node:path';
import yaml from 'js-yaml';
import { BundleError, type BundleProblem } from './errors.js';
import { locateProblems } from './schema.js';

/** One application after merging, with the file that last set each field (for error messages). */
export interface MergedApplication {
  fields: Record<string, unknown>;
  origin: Record<string, string>;
  /** Fields left out because their value has the wrong shape (already reported): checks that need them skip. */
  invalid: Set<string>;
  /** Absolute charm path when the charm is local; the raw text otherwise. */
  charmPath?: string;
  charmRaw?: string;
}

export interface MergedRelation {
  readonly pair: readonly [string, string];
  readonly file: string;
  readonly index: number;
}

/** Names a bundle defines with the wrong shape (reported already): references to them are not reported again. */
export interface Unusable {
  readonly applications: Set<string>;
  readonly machines: Set<string>;
  /** A whole `applications`/`machines` section had the wrong shape: any name may have been defined there. */
  anyApplication: boolean;
  anyMachine: boolean;
}

export interface MergedBundle {
  readonly files: string[];
  readonly applications: Map<string, MergedApplication>;
  readonly machines: Map<string, { value: Record<string, unknown>; file: string }>;
  readonly relations: MergedRelation[];
  /** The shape problems and the merge's own, to be reported together with what the loader finds. */
  readonly problems: BundleProblem[];
  readonly unusable: Unusable;
}

/** A document with every value of the wrong shape left out, and which fields of which applications those were. */
interface PrunedDocument {
  readonly doc: Record<string, unknown> | null;
  readonly invalidFields: Map<string, Set<string>>;
}

const APPLICATION_KEYS = new Set(['applications', 'services']);

/**
 * Leaves out what the schema refused, so that the rest of the bundle can still be checked and every problem
 * reported at once (as Juju's own bundle checks do): a field, an application or machine entry, a relation, or a
 * whole section. What was left out is recorded, so that checks depending on it do not report it a second time.
 */
function pruneInvalid(doc: unknown, ats: readonly (readonly (string | number)[])[], unusable: Unusable): PrunedDocument {
  const invalidFields = new Map<string, Set<string>>();
  if (ats.some((at) => at.length === 0)) return { doc: null, invalidFields };
  const copy = structuredClone(doc) as Record<string, any>;
  for (const [section, name, field] of ats as (string | number)[][]) {
    const key = String(section);
    if (name === undefined || copy[key] === null || typeof copy[key] !== 'object') {
      delete copy[key];
      if (APPLICATION_KEYS.has(key)) unusable.anyApplication = true;
      if (key === 'machines') unusable.anyMachine = true;
    } else if (key === 'relations') {
      copy[key][name] = null;
    } else if (!APPLICATION_KEYS.has(key) && key !== 'machines') {
      delete copy[key];
    } else if (field === undefined || copy[key][name] === null || typeof copy[key][name] !== 'object') {
      delete copy[key][name];
      (key === 'machines' ? unusable.machines : unusable.applications).add(String(name));
    } else {
      delete copy[key][name][field];
      if (key !== 'machines') invalidFields.set(String(name), (invalidFields.get(String(name)) ?? new Set()).add(String(field)));
    }
  }
  return { doc: copy, invalidFields };
}

const MAP_FIELDS = new Set(['options', 'annotations', 'storage', 'devices', 'bindings', 'resources', 'offers', 'exposed-endpoints', 'requires']);

/** How a file is named in messages: relative to the working directory when that is shorter. */
export function displayName(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

export function isLocalCharmRef(charm: string): boolean {
  return charm.startsWith('.') || charm.startsWith('/') || (charm.includes('/') && !/^(ch|cs|local):/.test(charm));
}

/** Reads every YAML document of a file; a YAML error becomes a problem naming the line. */
export function readDocuments(file: string, shown: string): unknown[] {
  if (!existsSync(file)) throw new BundleError([{ file: shown, path: '(file)', message: 'no such file' }]);
  try {
    return (yaml.loadAll(readFileSync(file, 'utf8')) as unknown[]).filter((d) => d !== null && d !== undefined);
  } catch (error) {
    const e = error as { reason?: string; mark?: { line: number; column: number }; message: string };
    const where = e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : '';
    throw new BundleError([{ file: shown, path: '(file)', message: `invalid YAML${where}: ${e.reason ?? e.message.split('\n')[0]}` }]);
  }
}

function resolveIncludes(value: unknown, baseDir: string, shown: string, path: string, problems: BundleProblem[]): unknown {
  if (typeof value !== 'string') return value;
  const m = /^include-(file|base64):\/\/(.+)$/.exec(value);
  if (!m) return value;
  const target = resolve(baseDir, m[2]!);
  if (!existsSync(target)) {
    problems.push({ file: shown, path, message: `${value}: file ${target} does not exist` });
    return value;
  }
  const content = readFileSync(target);
  return m[1] === 'file' ? content.toString('utf8') : content.toString('base64');
}

function mergeApplication(
  existing: MergedApplication | undefined,
  incoming: Record<string, unknown>,
  file: string,
  shown: string,
  appPath: string,
  problems: BundleProblem[],
): MergedApplication {
  const app: MergedApplication = existing ?? { fields: {}, origin: {}, invalid: new Set() };
  const baseDir = dirname(file);
  for (const [key, raw] of Object.entries(incoming)) {
    app.invalid.delete(key);
    let value = raw;
    if (key === 'options' && value && typeof value === 'object') {
      value = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, resolveIncludes(v, baseDir, shown, `${appPath}.options.${k}`, problems)]),
      );
    }
    if (MAP_FIELDS.has(key)) {
      const map = value as Record<string, unknown> | null;
      if (map === null || Object.keys(map).length === 0) {
        delete app.fields[key];
      } else {
        const merged = { ...((app.fields[key] as Record<string, unknown>) ?? {}) };
        for (const [k, v] of Object.entries(map)) {
          if (v === null && key !== 'options') delete merged[k];
          else if (v === null) delete merged[k];
          else merged[k] = v;
        }
        app.fields[key] = merged;
      }
    } else {
      app.fields[key] = value;
    }
    app.origin[key] = shown;
    if (key === 'charm' && typeof value === 'string') {
      app.charmRaw = value;
      app.charmPath = isLocalCharmRef(value) ? resolve(baseDir, value) : undefined;
    }
  }
  return app;
}

/**
 * Merges the base bundle (its first document) with the other documents and the overlays, in order. A file that
 * cannot be read is thrown at once; shape problems come back in `problems`, their values left out of the merge.
 */
export function mergeBundleFiles(bundleFile: string, overlayFiles: readonly string[], cwd = process.cwd()): MergedBundle {
  const problems: BundleProblem[] = [];
  const unusable: Unusable = { applications: new Set(), machines: new Set(), anyApplication: false, anyMachine: false };
  const sources: { file: string; shown: string; doc: Record<string, unknown>; overlay: boolean; invalidFields: Map<string, Set<string>> }[] = [];
  const shapeProblems: BundleProblem[] = [];
  const files = [resolve(cwd, bundleFile), ...overlayFiles.map((f) => resolve(cwd, f))];
  files.forEach((file, fileIndex) => {
    const shown = displayName(file, cwd);
    let docs: unknown[];
    try {
      docs = readDocuments(file, shown);
    } catch (error) {
      if (error instanceof BundleError) {
        problems.push(...error.problems);
        return;
      }
      throw error;
    }
    if (docs.length === 0) problems.push({ file: shown, path: '(file)', message: 'the file holds no YAML document' });
    docs.forEach((doc, docIndex) => {
      const overlay = fileIndex > 0 || docIndex > 0;
      const label = docs.length > 1 ? `${shown} (document ${docIndex + 1})` : shown;
      const located = locateProblems(doc, label, overlay);
      shapeProblems.push(...located.map((p) => p.problem));
      const pruned = pruneInvalid(doc, located.map((p) => p.at), unusable);
      if (pruned.doc) sources.push({ file, shown: label, doc: pruned.doc, overlay, invalidFields: pruned.invalidFields });
    });
  });
  // Without a file's content nothing about the bundle can be told for sure.
  if (problems.length > 0) throw new BundleError(problems);
  problems.push(...shapeProblems);

  const applications = new Map<string, MergedApplication>();
  const machines = new Map<string, { value: Record<string, unknown>; file: string }>();
  let relations: MergedRelation[] = [];
  for (const { file, shown, doc, overlay, invalidFields } of sources) {
    const d = doc;
    const key = d.applications !== undefined ? 'applications' : 'services';
    const apps = (d[key] ?? {}) as Record<string, Record<string, unknown> | null>;
    for (const [name, app] of Object.entries(apps)) {
      if (app === null) {
        if (!overlay) {
          problems.push({ file: shown, path: `${key}.${name}`, message: 'an application needs a definition (null removes an application only in an overlay)' });
          continue;
        }
        applications.delete(name);
        relations = relations.filter((r) => !r.pair.some((ep) => ep.split(':')[0] === name));
        continue;
      }
      const merged = mergeApplication(applications.get(name), app, file, shown, `${key}.${name}`, problems);
      for (const field of invalidFields.get(name) ?? []) {
        merged.invalid.add(field);
        delete merged.fields[field];
        merged.origin[field] = shown;
      }
      applications.set(name, merged);
    }
    for (const [id, m] of Object.entries((d.machines ?? {}) as Record<string, Record<string, unknown> | null>)) {
      machines.set(id, { value: m ?? {}, file: shown });
    }
    ((d.relations ?? []) as ([string, string] | null)[]).forEach((pair, index) => {
      if (pair) relations.push({ pair: [pair[0], pair[1]], file: shown, index });
    });
  }
  return { files, applications, machines, relations, problems, unusable };
}

/**
 * Turns a merged bundle into a verified deployment plan: charms found and read, options type-checked against the
 * charm, placements parsed and resolved, relations inferred. Every problem is collected and thrown together, the
 * shape problems of the merge included, so a bad bundle fails before anything is created and one try shows all.
 */
import { CharmError, loadCharmMeta, type CharmMeta } from '../charm/metadata.js';
import { checkOptionValue, type ConfigValue } from '../charm/config.js';
import { inferRelation, parseEndpointSpec, type ResolvedEndpoint } from '../charm/endpoints.js';
import { BundleError, type BundleProblem } from './errors.js';
import { mergeBundleFiles, type MergedApplication } from './merge.js';
import { parsePlacement, type Placement } from './placement.js';

export interface PlannedApplication {
  readonly name: string;
  readonly charmPath: string;
  readonly meta: CharmMeta;
  readonly numUnits: number;
  /** One directive per unit; machine directives name bundle machine ids. */
  readonly placements: readonly Placement[];
  readonly options: Readonly<Record<string, ConfigValue>>;
  readonly expose: boolean;
  readonly bindings: Readonly<Record<string, string>>;
  readonly constraints?: string;
}

export interface PlannedRelation {
  readonly endpoints: readonly [ResolvedEndpoint, ResolvedEndpoint];
}

export interface BundlePlan {
  readonly files: readonly string[];
  readonly applications: readonly PlannedApplication[];
  readonly machines: readonly { id: string; constraints?: string; base?: string }[];
  readonly relations: readonly PlannedRelation[];
}

export const APPLICATION_NAME = /^[a-z][a-z0-9]*(?:-(?:[a-z0-9]*[a-z][a-z0-9]*))*$/;

export function checkApplicationName(name: string): string | undefined {
  return APPLICATION_NAME.test(name)
    ? undefined
    : `invalid application name "${name}": lowercase letters, digits and single hyphens, starting with a letter, no all-digit part after a hyphen`;
}

export interface LoadOptions {
  readonly cwd?: string;
  /** Reads a charm's metadata; tests may substitute a cache. */
  readonly loadMeta?: (path: string) => CharmMeta;
}

export function loadBundle(bundleFile: string, overlays: readonly string[] = [], options: LoadOptions = {}): BundlePlan {
  const merged = mergeBundleFiles(bundleFile, overlays, options.cwd);
  const machineIds = new Set(merged.machines.keys());
  const loadMeta = options.loadMeta ?? loadCharmMeta;
  const problems: BundleProblem[] = [...merged.problems];
  const metas = new Map<string, CharmMeta>();
  const where = (app: MergedApplication, field: string): string => app.origin[field] ?? app.origin.charm ?? merged.files[0]!;
  const { unusable } = merged;
  // Names defined with the wrong shape were reported by the merge: a reference to one is not a second problem.
  const unknownApplication = (name: string): boolean => !merged.applications.has(name) && !unusable.anyApplication && !unusable.applications.has(name);
  const unknownMachine = (id: string): boolean => !machineIds.has(id) && !unusable.anyMachine && !unusable.machines.has(id);
  const unitCountKnown = (app: MergedApplication): boolean => !app.invalid.has('num_units') && !app.invalid.has('scale');

  for (const [name, app] of merged.applications) {
    const badName = checkApplicationName(name);
    if (badName) problems.push({ file: where(app, 'charm'), path: `applications.${name}`, message: badName });
    if (app.invalid.has('charm')) continue;
    if (!app.charmRaw) {
      problems.push({ file: Object.values(app.origin)[0] ?? merged.files[0]!, path: `applications.${name}.charm`, message: 'no charm given' });
      continue;
    }
    if (!app.charmPath) {
      problems.push({
        file: where(app, 'charm'),
        path: `applications.${name}.charm`,
        message: `"${app.charmRaw}" is a Charmhub charm; the local model deploys local charms only (a path such as ./build/${app.charmRaw.replace(/^(ch|cs):/, '')} or ../x.charm, relative to this file)`,
      });
      continue;
    }
    try {
      metas.set(name, loadMeta(app.charmPath));
    } catch (error) {
      const msg = error instanceof CharmError ? error.message : (error as Error).message;
      problems.push({ file: where(app, 'charm'), path: `applications.${name}.charm`, message: msg });
    }
  }

  const usedMachines = new Set<string>();
  const planned: PlannedApplication[] = [];
  for (const [name, app] of merged.applications) {
    const meta = metas.get(name);
    if (!meta) continue;
    const f = app.fields;
    const declaredUnits = (f.num_units ?? f.scale) as number | undefined;
    if (meta.subordinate) {
      if (declaredUnits !== undefined && declaredUnits > 0) {
        problems.push({ file: where(app, f.num_units !== undefined ? 'num_units' : 'scale'), path: `applications.${name}.num_units`, message: `"${meta.name}" is a subordinate charm: it takes no num_units (it gets one unit per related principal unit)` });
      }
      if (f.to !== undefined) {
        problems.push({ file: where(app, 'to'), path: `applications.${name}.to`, message: `"${meta.name}" is a subordinate charm: it takes no placement (its units live with their principals)` });
      }
    }
    const numUnits = meta.subordinate ? 0 : declaredUnits ?? 0;
    const placements: Placement[] = [];
    const to = ((f.to as (string | number)[] | undefined) ?? []).map(String);
    if (!meta.subordinate && unitCountKnown(app) && to.length > numUnits) {
      problems.push({ file: where(app, 'to'), path: `applications.${name}.to`, message: `${to.length} placement directives for ${numUnits} unit(s): give at most one per unit` });
    }
    to.forEach((text, i) => {
      const path = `applications.${name}.to[${i}]`;
      let p: Placement;
      try {
        p = parsePlacement(text);
      } catch (error) {
        problems.push({ file: where(app, 'to'), path, message: (error as Error).message });
        return;
      }
      if (p.kind === 'machine') {
        if (unknownMachine(p.machine)) {
          problems.push({ file: where(app, 'to'), path, message: `machine "${p.machine}" is not defined in "machines" (defined: ${[...machineIds].join(', ') || 'none'})` });
        }
        usedMachines.add(p.machine);
      } else if (p.kind === 'unit') {
        const target = merged.applications.get(p.application);
        const targetMeta = metas.get(p.application);
        if (!target) {
          if (unknownApplication(p.application)) problems.push({ file: where(app, 'to'), path, message: `placement refers to application "${p.application}", which the bundle does not define` });
        } else if (p.application === name) {
          problems.push({ file: where(app, 'to'), path, message: 'an application cannot be placed on its own units' });
        } else if (targetMeta?.subordinate) {
          problems.push({ file: where(app, 'to'), path, message: `placement refers to subordinate application "${p.application}", which has no machines of its own` });
        } else if (p.unit !== undefined && unitCountKnown(target)) {
          const n = (target.fields.num_units ?? target.fields.scale ?? 0) as number;
          if (p.unit >= n) problems.push({ file: where(app, 'to'), path, message: `placement refers to unit ${p.application}/${p.unit}, but "${p.application}" has ${n} unit(s)` });
        }
      }
      placements.push(p);
    });
    while (placements.length < numUnits) {
      const last = placements[placements.length - 1];
      // An application placement ("wordpress") means unit i goes beside wordpress/i, Juju's reading.
      placements.push(last ?? { kind: 'new' });
    }
    const expanded = placements.slice(0, numUnits).map((p, i) => (p.kind === 'unit' && p.unit === undefined ? { ...p, unit: i } : p));
    const opts: Record<string, ConfigValue> = {};
    for (const [k, v] of Object.entries((f.options ?? {}) as Record<string, unknown>)) {
      try {
        opts[k] = checkOptionValue(meta, k, v);
      } catch (error) {
        problems.push({ file: where(app, 'options'), path: `applications.${name}.options.${k}`, message: (error as Error).message });
      }
    }
    const bindings = (f.bindings ?? {}) as Record<string, string>;
    for (const b of Object.keys(bindings)) {
      if (b !== '' && !meta.endpoints[b] && !meta.extraBindings.includes(b)) {
        problems.push({ file: where(app, 'bindings'), path: `applications.${name}.bindings.${b}`, message: `charm "${meta.name}" has no endpoint or extra binding "${b}"` });
      }
    }
    planned.push({
      name,
      charmPath: app.charmPath!,
      meta,
      numUnits,
      placements: expanded,
      options: opts,
      expose: f.expose === true,
      bindings,
      ...(typeof f.constraints === 'string' ? { constraints: f.constraints } : {}),
    });
  }

  for (const [id, m] of merged.machines) {
    if (!usedMachines.has(id)) problems.push({ file: m.file, path: `machines.${id}`, message: `machine "${id}" is not used by any application placement` });
  }

  const relations: PlannedRelation[] = [];
  const seen = new Map<string, string>();
  for (const rel of merged.relations) {
    const specs = rel.pair.map(parseEndpointSpec);
    let bad = false;
    specs.forEach((s, j) => {
      if (!merged.applications.has(s.application)) {
        if (unknownApplication(s.application)) problems.push({ file: rel.file, path: `relations[${rel.index}][${j}]`, message: `application "${s.application}" is not defined in the bundle` });
        bad = true;
      } else if (!metas.has(s.application)) bad = true;
    });
    if (bad) continue;
    try {
      const endpoints = inferRelation(specs[0]!, specs[1]!, (a) => metas.get(a)!);
      const key = endpoints.map((e) => `${e.application}:${e.endpoint.name}`).sort().join(' ');
      const previous = seen.get(key);
      if (previous === rel.file) {
        problems.push({ file: rel.file, path: `relations[${rel.index}]`, message: `relation ${key} is listed more than once` });
      } else if (previous === undefined) {
        seen.set(key, rel.file);
        relations.push({ endpoints });
      }
    } catch (error) {
      problems.push({ file: rel.file, path: `relations[${rel.index}]`, message: (error as Error).message });
    }
  }
  if (problems.length > 0) throw new BundleError(problems);
  return {
    files: merged.files,
    applications: planned,
    machines: [...merged.machines].map(([id, m]) => ({
      id,
      ...(typeof m.value.constraints === 'string' ? { constraints: m.value.constraints } : {}),
      ...(typeof m.value.base === 'string' ? { base: m.value.base } : {}),
    })),
    relations,
  };
}

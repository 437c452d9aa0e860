/**
 * Checks a merged bundle the way `juju deploy` would reject it, and more strictly where our own charms are
 * concerned: every relation names existing applications and endpoints whose interfaces and roles match,
 * subordinates have no units and are attached through a container-scoped relation, placements name known
 * machines, and options exist in the charm's config.yaml with the right type.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { readCharmDir } from '../../reactive/charm-meta-check.js';
import type { Bundle, BundleApp } from './load.js';
import { type CharmSpec, type EndpointSpec, stockCharms } from './stock-endpoints.js';

export interface CheckResult {
  problems: string[];
  /** applications whose charm metadata could not be found (a local charm not written yet) */
  unchecked: string[];
  /** deployable but probably not meant: a subordinate nothing attaches (Juju deploys it with no units) */
  warnings: string[];
}

interface LocalCharm extends CharmSpec {
  options: Record<string, { type: string }> | null;
}

/** build/<name>.charm → charms/<name>; build/standins/<name>.charm → tests/zaza/charms/<name>. */
export function localCharmSource(repo: string, charmPath: string): string {
  const rel = relative(join(repo, 'build'), charmPath);
  const name = basename(charmPath).replace(/\.charm$/, '');
  if (dirname(rel) === 'standins') return join(repo, 'tests/zaza/charms', name);
  return join(repo, 'charms', name);
}

/** Our own charm's endpoints and options, through the one charm-metadata checker (a bad metadata.yaml throws). */
function loadLocal(dir: string): LocalCharm | null {
  if (!existsSync(join(dir, 'metadata.yaml'))) return null;
  const { meta } = readCharmDir(dir);
  const endpoints: Record<string, EndpointSpec> = {};
  for (const role of ['requires', 'provides', 'peers'] as const) {
    for (const [name, spec] of Object.entries(meta[role])) {
      endpoints[name] = { interface: spec.interface, role, ...(spec.scope ? { scope: spec.scope } : {}) };
    }
  }
  // Juju gives every charm an implicit juju-info provider.
  endpoints['juju-info'] ??= { interface: 'juju-info', role: 'provides' };
  const options = existsSync(join(dir, 'config.yaml')) ? meta.options : null;
  return { subordinate: meta.subordinate, endpoints, options };
}

function specFor(repo: string, app: BundleApp): LocalCharm | null {
  if (app.local) return loadLocal(localCharmSource(repo, app.charmRef));
  const name = app.charmRef.replace(/^ch:/, '').replace(/^cs:/, '').replace(/-\d+$/, '');
  const stock = stockCharms[name];
  return stock ? { ...stock, options: null } : null;
}

function typeMatches(type: string, value: unknown): boolean {
  if (typeof value === 'string' && value.startsWith('include-')) return type === 'string';
  switch (type) {
    case 'boolean': return typeof value === 'boolean';
    case 'int': return typeof value === 'number' && Number.isInteger(value);
    case 'float': return typeof value === 'number';
    default: return typeof value === 'string';
  }
}

export function checkBundle(bundle: Bundle, repo: string): CheckResult {
  const problems: string[] = [];
  const unchecked: string[] = [];
  const warnings: string[] = [];
  const specs = new Map<string, LocalCharm>();
  for (const [name, app] of Object.entries(bundle.applications)) {
    const spec = specFor(repo, app);
    if (spec) specs.set(name, spec);
    else unchecked.push(name);
    if (spec?.subordinate && (app.num_units !== undefined || app.to !== undefined)) {
      problems.push(`${name}: a subordinate takes no num_units or to (it runs on the units of its principal)`);
    }
    if (spec && !spec.subordinate && (typeof app.num_units !== 'number' || app.num_units < 0)) {
      problems.push(`${name}: a principal needs num_units (0 or more)`);
    }
    for (const target of app.to ?? []) {
      const machine = /^(?:[a-z]+:)?(\d+)$/.exec(String(target));
      if (machine && !(machine[1]! in bundle.machines)) problems.push(`${name}: placement '${target}' names machine ${machine[1]} which is not in 'machines'`);
      const unit = /^(?:[a-z]+:)?([a-z][a-z0-9-]*)(?:\/\d+)?$/.exec(String(target));
      if (!machine && unit && String(target) !== 'new' && !(unit[1]! in bundle.applications)) problems.push(`${name}: placement '${target}' names an unknown application`);
    }
    if (spec?.options && app.options) {
      for (const [key, value] of Object.entries(app.options)) {
        const option = spec.options[key];
        if (!option) problems.push(`${name}: option '${key}' is not in the charm's config.yaml (accepted: ${Object.keys(spec.options).sort().join(', ')})`);
        else if (!typeMatches(option.type, value)) problems.push(`${name}: option '${key}' must be of type ${option.type}, got ${JSON.stringify(value)}`);
      }
    }
  }
  for (const id of Object.keys(bundle.machines)) {
    const used = Object.values(bundle.applications).some((a) => (a.to ?? []).some((t) => String(t).replace(/^[a-z]+:/, '') === id));
    if (!used) problems.push(`machine ${id} is declared but no application is placed on it`);
  }
  const seen = new Set<string>();
  const attached = new Set<string>();
  for (const [a, b] of bundle.relations) {
    const key = [a, b].sort().join(' ');
    if (seen.has(key)) problems.push(`relation ${a} <-> ${b} is listed twice`);
    seen.add(key);
    const [appA, epA] = a.split(':') as [string, string | undefined];
    const [appB, epB] = b.split(':') as [string, string | undefined];
    for (const app of [appA, appB]) if (!bundle.applications[app]) problems.push(`relation ${a} <-> ${b}: no application '${app}'`);
    if (appA === appB) problems.push(`relation ${a} <-> ${b}: an application cannot relate to itself`);
    const sa = specs.get(appA);
    const sb = specs.get(appB);
    if (!sa || !sb) {
      attached.add(appA).add(appB);  // cannot tell; do not guess
      continue;
    }
    if (!epA || !epB) {
      problems.push(`relation ${a} <-> ${b}: name both endpoints explicitly`);
      continue;
    }
    const ea = sa.endpoints[epA];
    const eb = sb.endpoints[epB];
    if (!ea) problems.push(`relation ${a} <-> ${b}: ${appA} has no endpoint '${epA}' (has: ${Object.keys(sa.endpoints).sort().join(', ')})`);
    if (!eb) problems.push(`relation ${a} <-> ${b}: ${appB} has no endpoint '${epB}' (has: ${Object.keys(sb.endpoints).sort().join(', ')})`);
    if (!ea || !eb) continue;
    if (ea.interface !== eb.interface) problems.push(`relation ${a} <-> ${b}: interfaces differ (${ea.interface} vs ${eb.interface})`);
    const roles = [ea.role, eb.role].sort().join('/');
    if (roles !== 'provides/requires') problems.push(`relation ${a} <-> ${b}: roles ${ea.role} and ${eb.role} cannot relate (one provides, one requires)`);
    if (ea.scope === 'container' || eb.scope === 'container') {
      if (sa.subordinate && !sb.subordinate) attached.add(appA);
      if (sb.subordinate && !sa.subordinate) attached.add(appB);
    }
  }
  for (const [name, spec] of specs) {
    if (spec.subordinate && !attached.has(name)) warnings.push(`${name}: subordinate with no container-scoped relation to a principal: it gets no units`);
  }
  return { problems, unchecked, warnings };
}

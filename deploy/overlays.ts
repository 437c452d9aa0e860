/**
 * zaza's overlay templates: `bundles/overlays/local-charm-overlay.yaml.j2` (always, when present) and
 * `bundles/overlays/<bundle>.yaml.j2`, rendered with variables from the environment (prefixes OS_, TEST_, MOJO_,
 * JUJU_, CHARM_, MODEL_) and from before_deploy steps. Templates use only `{{ NAME }}` substitution, which
 * Handlebars renders as Jinja2 would; a missing variable is an error naming it (zaza's StrictUndefined).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';

const PREFIXES = ['OS_', 'TEST_', 'MOJO_', 'JUJU_', 'CHARM_', 'MODEL_'];

export function environmentVars(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && PREFIXES.some((p) => k.startsWith(p))) out[k] = v;
  return out;
}

export function renderTemplate(name: string, text: string, vars: Record<string, string>): string {
  const missing = [...text.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]!).filter((v) => !(v in vars));
  if (missing.length > 0) {
    throw new Error(`overlay template ${name} needs ${[...new Set(missing)].join(', ')}: set them in the environment (e.g. TEST_VIP00=10.0.0.100) or let a before_deploy step provide them`);
  }
  return Handlebars.compile(text, { noEscape: true, strict: true })(vars);
}

/** Renders the overlays that apply to `bundleName` into `outDir`; returns their paths in zaza's order. */
export function renderOverlays(testDir: string, bundleName: string, vars: Record<string, string>, outDir: string): string[] {
  const out: string[] = [];
  mkdirSync(outDir, { recursive: true });
  for (const name of ['local-charm-overlay', bundleName]) {
    const template = join(testDir, 'bundles', 'overlays', `${name}.yaml.j2`);
    if (!existsSync(template)) continue;
    const target = join(outDir, `${name}.yaml`);
    writeFileSync(target, renderTemplate(template, readFileSync(template, 'utf8'), vars), { mode: 0o600 });
    out.push(target);
  }
  return out;
}

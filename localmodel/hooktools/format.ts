/**
 * Output of hook tools exactly as juju/cmd prints it: `smart` (default), `yaml` and `json`, plus `-o <file>`.
 * Go marshals maps with sorted keys; struct-shaped answers keep their field order (see `Ordered`).
 */
import yaml from 'js-yaml';
import { UsageError } from './flags.js';

export type OutputFormat = 'smart' | 'yaml' | 'json';

/** A value whose key order is fixed (a Go struct); plain objects are sorted like Go maps. */
export class Ordered {
  constructor(readonly entries: [string, unknown][]) {}
}

export function parseFormat(value: string | boolean | undefined, allowed: readonly OutputFormat[] = ['smart', 'yaml', 'json']): OutputFormat {
  if (value === undefined) return allowed[0]!;
  const v = String(value);
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`invalid value "${v}" for flag --format: unknown format "${v}"`);
  return v as OutputFormat;
}

function normalise(value: unknown): unknown {
  if (value instanceof Ordered) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value.entries) out[k] = normalise(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = normalise((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** Go's json.Marshal escapes <, > and & for HTML safety; copy it so byte-for-byte comparisons hold. */
export function goJson(value: unknown): string {
  return JSON.stringify(normalise(value) ?? null)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

export function goYaml(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = yaml.dump(normalise(value), { lineWidth: -1, noRefs: true });
  return text.replace(/\n+$/, '') + '\n';
}

export function formatOutput(value: unknown, format: OutputFormat): string {
  switch (format) {
    case 'json':
      return goJson(value) + '\n';
    case 'yaml':
      return goYaml(value);
    default:
      if (value === null || value === undefined) return '';
      if (typeof value === 'string') return value === '' ? '' : `${value}\n`;
      if (typeof value === 'boolean') return value ? 'True\n' : 'False\n';
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.length ? `${value.join('\n')}\n` : '';
      return goYaml(value);
  }
}

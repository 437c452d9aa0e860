/**
 * The built charm's metadata.yaml. Juju reads the bases a charm runs on from manifest.yaml, but only when
 * metadata.yaml has no `series`: with series present Juju 3 treats the charm as the old format and uses the
 * series instead (and Juju 4 rejects series outright; charmcraft's linter fails on it). Our bases are Ubuntu
 * 24.04 and Debian 12 — both ship Node 18 — so the built metadata.yaml drops `series`, keeping everything else
 * byte for byte (comments included).
 */
import { isDeepStrictEqual } from 'node:util';
import yaml from 'js-yaml';

/** Removes the top-level `series` key (flow or block list) from metadata.yaml text. */
export function withoutSeries(text: string): { text: string; removed: boolean } {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => /^series\s*:/.test(line));
  if (start < 0) return { text, removed: false };
  let end = start + 1;
  // A block list continues with indented lines, "- item" lines at column 0, blank lines and comments.
  while (end < lines.length && /^(\s+\S|-\s|\s*$|\s*#)/.test(lines[end] ?? '')) end++;
  // Leave trailing blank lines and comments to whatever follows.
  while (end > start + 1 && /^\s*(#.*)?$/.test(lines[end - 1] ?? '')) end--;
  const result = [...lines.slice(0, start), ...lines.slice(end)].join('\n');
  const before = yaml.load(text) as Record<string, unknown>;
  const after = yaml.load(result) as Record<string, unknown>;
  const { series: _series, ...expected } = before;
  if (!isDeepStrictEqual(after, expected)) {
    // The text edit was not exact (an unusual layout): fall back to re-serialising, losing comments only.
    return { text: yaml.dump(expected, { lineWidth: -1 }), removed: true };
  }
  return { text: result, removed: true };
}

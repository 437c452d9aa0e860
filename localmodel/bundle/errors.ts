/** Bundle problems name the file, the path inside it and what is wrong; all of them are reported at once. */
export interface BundleProblem {
  readonly file: string;
  /** Dotted path inside the document, e.g. `applications.mysql.num_units`, or `(top level)`. */
  readonly path: string;
  readonly message: string;
}

export class BundleError extends Error {
  constructor(readonly problems: readonly BundleProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'BundleError';
  }
}

export function formatProblem(p: BundleProblem): string {
  return `${p.file}: ${p.path}: ${p.message}`;
}

/** `a.b[0]` from path segments; keys that are not plain words are quoted. */
export function joinPath(segments: readonly (string | number)[]): string {
  if (segments.length === 0) return '(top level)';
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

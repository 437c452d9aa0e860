/**
 * Argument parsing with the rules of Juju's gnuflag: flags and positional arguments may be interleaved,
 * `--name=value`, `--name value`, `-n value`, `-n=value`, bool flags take no value, `--` ends the flags.
 * Errors are usage errors: the tool exits 2 with `ERROR <message>`.
 */
export class UsageError extends Error {}
export class RunError extends Error {}

export interface FlagSpec {
  /** Every spelling without dashes, e.g. ['r', 'relation']. The first long one is the canonical key. */
  readonly names: readonly string[];
  readonly kind: 'bool' | 'value';
}

export interface ParsedArgs {
  readonly flags: Record<string, string | boolean>;
  readonly positional: string[];
}

function canonical(spec: FlagSpec): string {
  return spec.names.find((n) => n.length > 1) ?? spec.names[0]!;
}

export function parseFlags(args: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) for (const n of s.names) byName.set(n, s);
  const flags: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (arg.length < 2 || !arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    const dashes = arg.startsWith('--') ? 2 : 1;
    const body = arg.slice(dashes);
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = byName.get(name);
    if (!spec || (dashes === 1 && name.length > 1 && !spec.names.includes(name)) || (dashes === 2 && name.length === 1)) {
      throw new UsageError(`flag provided but not defined: ${arg.slice(0, dashes)}${name}`);
    }
    const key = canonical(spec);
    if (spec.kind === 'bool') {
      if (eq >= 0) {
        const v = body.slice(eq + 1);
        if (!/^(true|false|1|0|t|f|TRUE|FALSE|True|False)$/.test(v)) throw new UsageError(`invalid value "${v}" for flag ${arg.slice(0, dashes)}${name}: parse error`);
        flags[key] = /^(true|1|t|TRUE|True)$/.test(v);
      } else flags[key] = true;
      continue;
    }
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else {
      if (i + 1 >= args.length) throw new UsageError(`flag needs an argument: ${arg}`);
      value = args[++i]!;
    }
    flags[key] = value;
  }
  return { flags, positional };
}

/** juju/utils keyvalues: split on the first '=', empty key rejected, duplicates rejected, empty value allowed. */
export function parseKeyValues(args: readonly string[], allowEmptyValues = true): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 1) throw new UsageError(`expected "key=value", got "${arg}"`);
    const key = arg.slice(0, eq);
    const value = arg.slice(eq + 1);
    if (!allowEmptyValues && value === '') throw new UsageError(`expected "key=value", got "${arg}"`);
    if (key in out) throw new UsageError(`key "${key}" specified more than once`);
    out[key] = value;
  }
  return out;
}

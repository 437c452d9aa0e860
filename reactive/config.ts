/**
 * Charm configuration: a JSON schema derived from config.yaml (types) plus charm rules (ranges, patterns, enums,
 * cross-option checks), validated with ajv. Every error is collected with the option it concerns, so the blocked
 * status names all of them at once. Also computes the automatic config.* flags.
 */
import type { ErrorObject } from 'ajv';
import type { CharmMeta } from './charm-meta.js';
import type { ConfigValue } from './hookenv/tools.js';
import { boundedStatus, STATUS_MAX } from './decode/fields.js';

export type ConfigValues = Readonly<Record<string, ConfigValue | null>>;

/** Extra JSON-schema keywords per option (minimum, maximum, enum, pattern, format-like checks). */
export type ConfigRules = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** Rules that need several options or code: return messages like "vip: 10.0.0.300 is not an IPv4 address". */
export type ConfigCheck = (config: ConfigValues) => readonly string[];

const JUJU_TO_JSON: Record<string, string> = { string: 'string', secret: 'string', int: 'integer', float: 'number', boolean: 'boolean' };

export function configSchema(meta: CharmMeta, rules: ConfigRules = {}): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(meta.options)) {
    const type = JUJU_TO_JSON[option.type];
    if (!type) throw new Error(`config.yaml: option ${name} has unknown type "${option.type}"`);
    properties[name] = { anyOf: [{ type: 'null' }, { type, ...(rules[name] ?? {}) }] };
  }
  for (const name of Object.keys(rules)) {
    if (!(name in meta.options)) throw new Error(`config rule for "${name}": no such option in config.yaml`);
  }
  return { type: 'object', properties, additionalProperties: true };
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern':
      return `must match ${boundedStatus(String(params.pattern), 200)}`;
    case 'type':
      return `must be of type ${String(params.type)}`;
    default:
      return error.message ?? 'is invalid';
  }
}

/** ajv reports anyOf failures per branch; keep the one from the typed branch, which says what is accepted. */
function optionErrors(errors: readonly ErrorObject[]): Map<string, string> {
  const byOption = new Map<string, string>();
  for (const error of errors) {
    const option = error.instancePath.split('/')[1];
    if (!option || error.keyword === 'anyOf') continue;
    if (error.schemaPath.includes('/anyOf/0/')) continue;
    if (!byOption.has(option)) byOption.set(option, describe(error));
  }
  return byOption;
}

export async function validateConfig(meta: CharmMeta, values: ConfigValues, rules: ConfigRules = {}, check?: ConfigCheck): Promise<string[]> {
  const { Ajv } = await import('ajv');
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(configSchema(meta, rules));
  const messages: string[] = [];
  if (!validate(values)) {
    // The option and the rule only: a value may be a secret whatever the option's name, and may be 100 KB long.
    for (const [option, message] of optionErrors(validate.errors ?? [])) messages.push(`${option}: ${message}`);
  }
  if (check && messages.length === 0) messages.push(...check(values));
  return messages.sort();
}

/**
 * The blocked status for invalid config: every option named with its rule, bounded (Juju refuses a status-set
 * argument past the kernel's limit, and a person reads a status in one line). Checks' messages are cut too, so a
 * charm's check that repeats too much cannot make the status unbounded.
 */
export function invalidConfigStatus(errors: readonly string[]): string {
  return boundedStatus(`invalid config: ${errors.map((e) => boundedStatus(e, 200)).join('; ')}`, STATUS_MAX);
}

/** The value each option has when the operator has not set it. */
export function defaultsOf(meta: CharmMeta): ConfigValues {
  return Object.fromEntries(Object.entries(meta.options).map(([name, o]) => [name, o.default ?? null]));
}

/** config.changed, config.changed.<opt>, config.set.<opt>, config.default.<opt> (charms.reactive layer-basic). */
export function configFlags(meta: CharmMeta, current: ConfigValues, previous: ConfigValues | undefined): string[] {
  const flags: string[] = [];
  let anyChanged = false;
  for (const [name, option] of Object.entries(meta.options)) {
    const value = current[name] ?? null;
    if (previous === undefined || (previous[name] ?? null) !== value) {
      flags.push(`config.changed.${name}`);
      anyChanged = true;
    }
    if (value !== null && value !== '' && value !== false && value !== 0) flags.push(`config.set.${name}`);
    if (value === (option.default ?? null)) flags.push(`config.default.${name}`);
  }
  if (anyChanged) flags.push('config.changed');
  return flags.sort();
}

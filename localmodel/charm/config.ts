/** Charm config values: type checks for bundle options and `config k=v`, effective values for config-get. */
import type { CharmMeta, ConfigOptionMeta } from './metadata.js';

export type ConfigValue = string | number | boolean;

/** Checks a typed value (from YAML) against an option; returns the value or throws naming the accepted type. */
export function checkOptionValue(charm: CharmMeta, name: string, value: unknown): ConfigValue {
  const opt = optionOf(charm, name);
  const bad = (): never => {
    throw new Error(`option "${name}" expects ${typeWord(opt)}, got ${JSON.stringify(value)}`);
  };
  switch (opt.type) {
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) ? value : bad();
    case 'float':
      return typeof value === 'number' ? value : bad();
    case 'boolean':
      return typeof value === 'boolean' ? value : bad();
    default:
      return typeof value === 'string' ? value : bad();
  }
}

/** Parses the text of `juju-local config app k=v` into the option's type. */
export function parseOptionText(charm: CharmMeta, name: string, text: string): ConfigValue {
  const opt = optionOf(charm, name);
  const bad = (): never => {
    throw new Error(`option "${name}" expects ${typeWord(opt)}, got ${JSON.stringify(text)}`);
  };
  switch (opt.type) {
    case 'int':
      return /^-?\d+$/.test(text.trim()) ? Number(text) : bad();
    case 'float':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : bad();
    case 'boolean':
      if (/^(true|yes|on)$/i.test(text)) return true;
      if (/^(false|no|off)$/i.test(text)) return false;
      return bad();
    default:
      return text;
  }
}

function optionOf(charm: CharmMeta, name: string): ConfigOptionMeta {
  const opt = charm.config[name];
  if (!opt) {
    const names = Object.keys(charm.config).sort();
    throw new Error(`charm "${charm.name}" has no option "${name}" (options: ${names.length ? names.join(', ') : 'none'})`);
  }
  return opt;
}

function typeWord(opt: ConfigOptionMeta): string {
  return { int: 'an integer', float: 'a number', boolean: 'true or false', string: 'a string', secret: 'a secret id' }[opt.type];
}

/** Defaults overlaid with the values set by the user; options without a value are absent (null default). */
export function effectiveConfig(charm: CharmMeta, set: Readonly<Record<string, ConfigValue>>): Record<string, ConfigValue | null> {
  const out: Record<string, ConfigValue | null> = {};
  for (const [name, opt] of Object.entries(charm.config)) {
    out[name] = name in set ? set[name]! : opt.default ?? null;
  }
  return out;
}

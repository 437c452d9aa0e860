/**
 * oslo.config INI files as data. A value from a machine source (keystone, the network) is written with `literal`,
 * so that oslo.config reads it back as it is (reactive/oslo-ini.ts: `$` escaped, quotes kept); the operator's
 * config-flags are written verbatim. No value may carry a line break: it would add a key or a section.
 */
import { isOneLine, osloValue } from '../../../reactive/oslo-ini.js';

export type IniValue = string | number | boolean;

export interface IniSection {
  readonly name: string;
  readonly entries: readonly (readonly [string, IniValue])[];
}

export type IniDocument = readonly IniSection[];

/** A value that oslo.config reads back unchanged. */
export function literal(value: string): string {
  return osloValue(value, 'a value');
}

export class IniRenderError extends Error {}

function format(value: IniValue): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/**
 * Serialises the document. Refuses line breaks in keys and values (they would start a new key or continue the
 * previous one); the error names the key, never the value.
 */
export function renderIni(document: IniDocument, header = ''): string {
  const lines: string[] = header ? header.split('\n').map((line) => (line ? `# ${line}` : '#')) : [];
  for (const section of document) {
    if (lines.length > 0) lines.push('');
    lines.push(`[${section.name}]`);
    for (const [key, value] of section.entries) {
      const text = format(value);
      if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) || !isOneLine(text)) {
        throw new IniRenderError(`[${section.name}] ${key.slice(0, 64)}: a key must be a name and a value one line`);
      }
      lines.push(`${key} = ${text}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

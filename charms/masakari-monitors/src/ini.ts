/**
 * oslo.config INI files as data. Values are written verbatim except that a value from a machine source (keystone,
 * the network) has `$` doubled, because oslo.config would otherwise treat `$name` as a reference to another option.
 */

export type IniValue = string | number | boolean;

export interface IniSection {
  readonly name: string;
  readonly entries: readonly (readonly [string, IniValue])[];
}

export type IniDocument = readonly IniSection[];

/** A value that oslo.config reads back unchanged. */
export function literal(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

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
      if (/[\r\n]/.test(key) || /[\r\n]/.test(text)) {
        throw new Error(`[${section.name}] ${key}: a line break cannot be written to an INI value`);
      }
      lines.push(`${key} = ${text}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

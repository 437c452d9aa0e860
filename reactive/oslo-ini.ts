/**
 * Values in files that oslo.config reads (masakari.conf, masakarimonitors.conf). Its ini reader ends a value at a
 * line break, strips white space around it and one pair of matching quotes; its substitution turns `$name` and
 * `${name}` into another option's value, and `$$` or `\$` into `$`. A value written by `osloValue` reads back exactly
 * as given: every `$` is written `\$` (`$$` would not survive a backslash in front of it: oslo first turns `\$` into
 * `$$`), and a value with anything but printable ASCII at either end, or wrapped in matching quotes, gets one more
 * pair of quotes. Line breaks cannot be written at all.
 */
import { LONE_SURROGATE } from './decode/values.js';

/** Characters that end a line for Python's reader (universal newlines) or for anything else reading the file. */
const LINE_BREAK = /[\r\n\u0000\u000b\u000c\u001c-\u001e\u0085\u2028\u2029]/;

export class OsloValueError extends Error {}

/** True when `value` can be written as one oslo.config value: one line, and text UTF-8 can carry (no lone surrogate). */
export function isOneLine(value: string): boolean {
  return !LINE_BREAK.test(value) && !LONE_SURROGATE.test(value);
}

/** The text to write after `key = ` so that oslo.config reads `value` back; throws OsloValueError on a line break. */
export function osloValue(value: string, what: string): string {
  if (!isOneLine(value)) throw new OsloValueError(`${what} contains a line break or a lone surrogate and cannot be written to an oslo.config file`);
  const escaped = value.replace(/\$/g, '\\$');
  // Python strips more characters as white space than JavaScript does: anything but printable ASCII at either end.
  const needsQuotes = /^[^\x21-\x7e]|[^\x21-\x7e]$/.test(escaped) || (/^["']/.test(escaped) && escaped[0] === escaped[escaped.length - 1]);
  return needsQuotes ? `"${escaped}"` : escaped;
}

/** An operator's value written as given (oslo.config's `$name` substitution applies), refusing only line breaks. */
export function osloVerbatim(value: string, what: string): string {
  if (!isOneLine(value)) throw new OsloValueError(`${what} contains a line break or a lone surrogate and cannot be written to an oslo.config file`);
  return value;
}

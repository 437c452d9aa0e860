/**
 * Values a broken or hostile peer, or a careless operator, may send: for campaigns (a fixed list per key) and
 * property tests (an arbitrary that mixes them with anything fast-check makes). Every entry carries a marker that
 * appears nowhere in the charms' own messages, so a status that contains one has echoed the input.
 */
import fc from 'fast-check';

export const MARKER = 'QZX';

/** Text that must never reach a status: the value itself or its marked part. */
export const HOSTILE_VALUES: readonly { readonly name: string; readonly value: string }[] = [
  { name: 'empty', value: '' },
  { name: 'spaces', value: '   ' },
  { name: 'wrong type (word)', value: `${MARKER}notanumber` },
  { name: 'wrong type (json)', value: `{"${MARKER}": [1, 2]}` },
  { name: 'out of range', value: '9007199254740994' },
  { name: 'negative', value: '-1' },
  { name: 'float', value: '1e3' },
  { name: 'line break, ini section', value: `x${MARKER}\n[database]\nconnection = sqlite:///${MARKER}` },
  { name: 'line break, ini key', value: `10.0.0.1\rpassword = ${MARKER}` },
  { name: 'line break, haproxy listen', value: `10.0.0.1\nlisten ${MARKER}\n    bind *:1` },
  { name: 'unicode separator', value: `x${MARKER}\u2028[evil]` },
  { name: 'unicode', value: `ÿ€😀${MARKER}ü` },
  { name: 'shell metacharacters', value: `$(touch /tmp/${MARKER});\`id\`|&>x` },
  { name: 'oslo substitution', value: `${MARKER}$database.connection\${transport_url}%(x)s` },
  { name: 'quotes and backslashes', value: `"${MARKER}'\\$x"` },
  { name: 'braces', value: `}\ntotem { ${MARKER} }` },
  { name: '100 KB', value: `${MARKER}${'a'.repeat(100 * 1024)}` },
];

/** Whether `message` repeats `value` (only meaningful for values long and distinctive enough to tell). */
export function echoes(message: string, value: string): boolean {
  if (message.includes(MARKER)) return true;
  const trimmed = value.trim();
  return trimmed.length >= 12 && message.includes(trimmed.slice(0, 64));
}

/** Any string fast-check makes, weighted towards the ones that break formats, mixed with the given valid ones. */
export function hostileString(valid: readonly string[] = []): fc.Arbitrary<string> {
  const breakers = fc.constantFrom('\n', '\r', '\r\n', '\u2028', '\u0085', '\u000b', '[', ']', '=', ':', '#', ';', '$', '$$', '\\$', '%', '"', "'", ' ', '\t', '{', '}', '\u0000', '\ufeff', '\ud800');
  const pieces = fc.array(fc.oneof(breakers, fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ maxLength: 12 })), { maxLength: 8 }).map((p) => p.join(''));
  const arbitraries: fc.Arbitrary<string>[] = [pieces, fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom(...HOSTILE_VALUES.map((h) => h.value))];
  if (valid.length > 0) {
    const v = fc.constantFrom(...valid);
    arbitraries.push(v, v, fc.tuple(v, breakers, pieces).map(([a, b, c]) => `${a}${b}${c}`));
  }
  return fc.oneof(...arbitraries);
}

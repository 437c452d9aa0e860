/**
 * Untrusted text for property and campaign tests: what a broken or compromised unit could send. Each generator
 * mixes plausible values (so some cases go all the way through) with the characters each of our formats gives
 * meaning to (corosync.conf, XML, crm syntax, systemd units, shells) and sizes no value should have.
 */
import fc from 'fast-check';

/** One character from the sets that mean something in a file we render or a command line. */
const SPECIAL = [...'{}:#\n\r\t "\'<>&;$`|\\=,/[]()*?!%@\u0000\u0007\u2028\u00e9\u4e2d\ud83d\ude00'];

const special = fc.constantFrom(...SPECIAL);
const plain = fc.constantFrom(...'abcxyz019.-_'.split(''));

/** Text that injections are made of: the special characters among plain ones. */
export const formatText = fc.string({ unit: fc.oneof({ weight: 3, arbitrary: plain }, { weight: 2, arbitrary: special }), maxLength: 24 });

const VALID_NAMES = ['cmp9.lab', 'api7', 'compute-1.maas', 'node-a'];
const VALID_ADDRESSES = ['10.0.0.9', '10.0.1.77', 'fe80::1', '2001:db8::5'];

/** Values that try to add a corosync section, an XML element, a fence host, a shell command. */
export const INJECTIONS = [
  '10.0.0.9\n}\ntotem {\n  crypto_cipher: none\n}\nnodelist {',
  'api9 }\ntotem { crypto_cipher: none',
  'cmp9.lab other-host.maas',
  'cmp9.lab\tother',
  'cmp9.lab,other',
  '"/><primitive id="evil" class="stonith" type="null"/><x a="',
  'x&quot; evil=&quot;1',
  '$(touch /tmp/pwned)',
  '`id`',
  'a;reboot',
  '../../etc/shadow',
  '10.0.0.9:5405',
  'null',
  'true',
  '',
  ' ',
  '{}',
  'é.example',
  '中文.lab',
  '\u0000',
  'a\u2028b',
];

/** 100 KB: more than any status, relation value or file line should carry. */
export const HUGE = 'x'.repeat(100_000);

/** Anything a field may receive: plausible, injected, random, huge. */
export function hostileValue(valid: readonly string[] = [...VALID_NAMES, ...VALID_ADDRESSES]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...valid) },
    { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
    { weight: 3, arbitrary: formatText },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...valid), special, formatText).map(([a, b, c]) => `${a}${b}${c}`) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
    { weight: 1, arbitrary: fc.constant(HUGE) },
  );
}

export const hostileName = hostileValue(VALID_NAMES);
export const hostileAddress = hostileValue(VALID_ADDRESSES);

/** The value JSON-encoded (as charms.reactive publishes) or plain, as older remotes send. */
export function maybeJson(value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(value, fc.boolean()).map(([v, json]) => (json ? JSON.stringify(v) : v));
}

/** Mostly one of `valid` (so cases reach the renderer together), sometimes `hostile`. */
export function mostlyValid(hostile: fc.Arbitrary<string>, valid: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: hostile });
}

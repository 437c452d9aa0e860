import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFields, describeProblems, field, STATUS_MAX, boundedStatus } from '../fields.js';
import { base64Bytes, bracketHost, hostname, hostOrAddress, integer, ipAddress, jsonString, line, list, port, secret, url } from '../values.js';

/** What may reach a rendered file from a decoded one-line value: nothing that starts a line, a section or a block. */
const FORMAT_BREAKERS = /[\r\n\u2028\u2029\u0000]/;

describe('value decoders', () => {
  it('accept host names and addresses, refuse everything that could add a host or a line', () => {
    expect(hostname('compute-1.maas')).toEqual({ ok: true, value: 'compute-1.maas' });
    expect(hostname('node.').ok).toBe(true);
    for (const bad of ['a b', 'a\nb', 'a{b', '-a', 'a..b', 'x'.repeat(254), '10.0.0.1', '']) expect(hostname(bad).ok).toBe(false);
    expect(ipAddress('10.0.0.1')).toEqual({ ok: true, value: '10.0.0.1' });
    expect(ipAddress('[FE80::1]')).toEqual({ ok: true, value: 'fe80::1' });
    expect(ipAddress('10.0.0.300').ok).toBe(false);
    expect(hostOrAddress('db.example').ok).toBe(true);
    expect(hostOrAddress('10.0.0.1\n[database]').ok).toBe(false);
  });

  it('hold numbers to their bounds without float surprises', () => {
    expect(port('3306')).toEqual({ ok: true, value: 3306 });
    for (const bad of ['0', '65536', '1e3', '0x10', ' ', '9007199254740994', '12abc']) expect(port(bad).ok).toBe(false);
    expect(integer(-5, 5)('-5')).toEqual({ ok: true, value: -5 });
  });

  it('refuse URLs that carry credentials unless allowed', () => {
    const maas = url({ schemes: ['http', 'https'] });
    expect(maas('http://10.0.0.1:5240/MAAS').ok).toBe(true);
    const refused = maas('http://user:pw@10.0.0.1/MAAS');
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.rule).not.toContain('pw');
    expect(maas('ftp://x/').ok).toBe(false);
    expect(url({ schemes: ['amqp'], credentials: true })('amqp://u:p@h:5672/v').ok).toBe(true);
  });

  it('bound key lengths on decode', () => {
    const key = base64Bytes(128, 4096);
    expect(key(Buffer.alloc(128, 1).toString('base64')).ok).toBe(true);
    expect(key(Buffer.alloc(1, 1).toString('base64')).ok).toBe(false);
    expect(key(Buffer.alloc(4097, 1).toString('base64')).ok).toBe(false);
    expect(key('not base64!').ok).toBe(false);
  });

  it('read JSON-encoded and plain values alike', () => {
    expect(jsonString(hostname)('"compute-1"')).toEqual({ ok: true, value: 'compute-1' });
    expect(jsonString(hostname)('compute-1')).toEqual({ ok: true, value: 'compute-1' });
    expect(jsonString(hostname)('42').ok).toBe(false);
  });

  it('split lists and name the item that failed', () => {
    expect(list(hostname)('a b  c')).toEqual({ ok: true, value: ['a', 'b', 'c'] });
    expect(list(hostname)('a b{ c')).toEqual({ ok: false, rule: expect.stringMatching(/^item 2: /) });
  });

  it('bracket IPv6 literals only', () => {
    expect(bracketHost('fe80::1')).toBe('[fe80::1]');
    expect(bracketHost('10.0.0.1')).toBe('10.0.0.1');
    expect(bracketHost('db.maas')).toBe('db.maas');
  });

  it('never pass a line break, and never echo the input in a rule (property)', () => {
    const decoders = [line(), hostname, ipAddress, hostOrAddress, port, secret(), url({ schemes: ['http', 'https'] }), base64Bytes(1, 64), list(hostOrAddress)];
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom(...decoders.keys()), (raw, i) => {
        const decoded = decoders[i]!(raw);
        if (decoded.ok) {
          const text = decoded.value instanceof URL ? decoded.value.href : Buffer.isBuffer(decoded.value) ? '' : String(decoded.value);
          expect(text).not.toMatch(FORMAT_BREAKERS);
        } else if (raw.trim().length >= 8) {
          expect(decoded.rule).not.toContain(raw.trim());
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('decodeFields', () => {
  const specs = { host: field('db_host', hostOrAddress), port: field('db_port', port, 3306), password: field('password', secret()) };

  it('decodes a complete bag with fallbacks', () => {
    expect(decodeFields({ db_host: '10.0.0.5', password: 's3cret' }, specs)).toEqual({ ok: true, value: { host: '10.0.0.5', port: 3306, password: 's3cret' } });
  });

  it('collects every missing and invalid key at once', () => {
    const r = decodeFields({ db_host: 'a\nb', db_port: '99999' }, specs);
    expect(r).toEqual({ ok: false, missing: ['password'], invalid: [
      { key: 'db_host', rule: 'must be an IP address or a host name' },
      { key: 'db_port', rule: 'must be a whole number from 1 to 65535' },
    ] });
  });

  it('keeps status messages under the bound', () => {
    const problems = Array.from({ length: 60 }, (_, i) => ({ key: `key_${i}`, rule: 'must be an IP address or a host name' }));
    const message = describeProblems('relation shared-db (mysql/0)', problems);
    expect(message.length).toBeLessThanOrEqual(STATUS_MAX);
    expect(message).toMatch(/and \d+ more$/);
    expect(boundedStatus('x '.repeat(1000)).length).toBeLessThanOrEqual(STATUS_MAX);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyMatchesCertificate, pemCertificates, pemPrivateKey } from '../pem.js';
import { decodeUnits, describeUnitProblems, withoutPlaceholders } from '../remote.js';
import { accountName, line, unitName, yesNo } from '../values.js';
import { STATUS_MAX } from '../fields.js';
import { b64, TEST_CA_PEM, TEST_CERT_PEM, TEST_KEY_PEM, TEST_OTHER_RSA_KEY_PEM } from './tls-fixtures.js';

describe('PEM material, parsed by Node crypto', () => {
  it('accepts certificates and keys as base64 or PEM text and re-exports them', () => {
    expect(pemCertificates()(b64(TEST_CERT_PEM + TEST_CA_PEM))).toEqual({ ok: true, value: TEST_CERT_PEM + TEST_CA_PEM });
    expect(pemCertificates()(TEST_CA_PEM)).toEqual({ ok: true, value: TEST_CA_PEM });
    const key = pemPrivateKey()(b64(TEST_KEY_PEM));
    expect(key.ok && key.value.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
    expect(pemPrivateKey()(b64(TEST_OTHER_RSA_KEY_PEM)).ok).toBe(true); // PKCS#1 RSA
    expect(keyMatchesCertificate(TEST_CERT_PEM, TEST_KEY_PEM)).toBe(true);
    expect(keyMatchesCertificate(TEST_CERT_PEM, TEST_OTHER_RSA_KEY_PEM)).toBe(false);
  });

  it('refuses base64 between markers, text around blocks, a key where a certificate goes, and the reverse', () => {
    const fake = '-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n';
    for (const bad of [fake, `${TEST_CA_PEM}\n[database]\nconnection = x\n`, TEST_KEY_PEM, 'bm90IGEgY2VydA==', '', '%%%']) {
      expect(pemCertificates()(b64(bad)).ok).toBe(false);
    }
    expect(pemPrivateKey()(b64(TEST_CERT_PEM)).ok).toBe(false);
    expect(pemPrivateKey()(b64(TEST_KEY_PEM + TEST_KEY_PEM)).ok).toBe(false);
    expect(pemPrivateKey()(b64('-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n')).ok).toBe(false);
  });

  it('never accepts arbitrary text, never throws (property)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.boolean(), (text, encode) => {
      const raw = encode ? b64(text) : text;
      expect(pemCertificates()(raw).ok).toBe(false);
      expect(pemPrivateKey()(raw).ok).toBe(false);
    }), { numRuns: 500 });
  });
});

describe('small decoders', () => {
  it('unit names, yes/no words, account names, lone surrogates', () => {
    expect(unitName('mysql-router/12')).toEqual({ ok: true, value: 'mysql-router/12' });
    for (const bad of ['mysql', 'a/b', 'A/1', 'a/1 b/2', 'a/1\nb/2']) expect(unitName(bad).ok).toBe(false);
    expect(yesNo('True')).toEqual({ ok: true, value: true });
    expect(yesNo('no')).toEqual({ ok: true, value: false });
    expect(yesNo('maybe').ok).toBe(false);
    expect(accountName()('service_domain')).toEqual({ ok: true, value: 'service_domain' });
    expect(accountName()('a"b').ok).toBe(false);
    expect(line()('a\ud800b').ok).toBe(false);
    expect(line()('a😀b').ok).toBe(true);
  });
});

describe('relation data from several units', () => {
  const units = [
    { name: 'db/0', relation: { id: 'shared-db:3' }, bag: { host: '10.0.0.1' } },
    { name: 'db/1', relation: { id: 'shared-db:3' }, bag: { host: 'x\ny' } },
    { name: 'db/2', relation: { id: 'shared-db:3' }, bag: {} },
  ];
  it('tells complete, invalid and not yet answered apart, and describes the invalid by relation, unit and key', () => {
    const decoded = decodeUnits(units, (u) => (u.bag.host === undefined ? { ok: false, missing: ['host'], invalid: [] }
      : /\n/.test(u.bag.host) ? { ok: false, missing: [], invalid: [{ key: 'host', rule: 'must be one line' }] } : { ok: true, value: u.bag.host }));
    expect(decoded.complete).toEqual([{ unit: 'db/0', relation: 'shared-db:3', value: '10.0.0.1' }]);
    expect(describeUnitProblems(decoded.invalid)).toBe('relation shared-db:3 (db/1): host must be one line');
    const many = Array.from({ length: 40 }, (_, i) => ({ relation: `r:${i}`, unit: `u/${i}`, invalid: [{ key: 'k'.repeat(30), rule: 'must be something long enough to fill' }] }));
    expect(describeUnitProblems(many).length).toBeLessThanOrEqual(STATUS_MAX);
  });
  it('takes the classic placeholders out', () => {
    expect(withoutPlaceholders({ a: '__null__', b: 'None', c: 'x' })).toEqual({ c: 'x' });
  });
});

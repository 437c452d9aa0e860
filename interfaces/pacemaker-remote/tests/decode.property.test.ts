/**
 * The boundary of both sides, over arbitrary text in every key: a remote's announcement decodes to values that
 * can only be one host name, one address and a boolean, or is refused with each key and its rule, never the value;
 * a key is accepted on the remote side exactly when the cluster side would accept it as an option.
 */
import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { STATUS_MAX } from '../../../reactive/decode/fields.js';
import { Relation, type EndpointContext } from '../../../reactive/endpoint.js';
import { decodeAuthKey, decodePacemakerKey, decodeRemoteNodeInfo, KEY_MAX_BYTES, KEY_MIN_BYTES } from '../protocol.js';
import { PacemakerRemoteRequires } from '../requires.js';

/** A value a message could only contain by repeating it (words a rule itself uses are not evidence). */
const identifiable = (v: string): boolean => v.trim().length > 3 && !/^[A-Za-z .,;:()-]*$/.test(v.trim());

const HOSTNAME = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$/;

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...'ab1.-: {}\n"\'<>&;$`|,\t'.split('')), maxLength: 30 }),
  fc.constantFrom('cmp1.lab', '10.0.0.5', 'fe80::1', 'null', 'true', 'False', '"cmp1.lab"', '"10.0.0.5"', 'cmp1.lab other.maas', 'x'.repeat(100_000)),
);

describe('pacemaker-remote announcement decoding', () => {
  it('accepts only one host name, one address, a host name or null, and a boolean; refusals name keys, not values', () => {
    fc.assert(fc.property(fc.record({ 'remote-hostname': text, 'remote-ip': text, 'stonith-hostname': text, 'enable-resources': text }, { requiredKeys: [] }), (bag) => {
      const result = decodeRemoteNodeInfo(bag);
      if (result.ok) {
        expect(result.value.remoteHostname).toMatch(HOSTNAME);
        expect(result.value.remoteHostname.length).toBeLessThanOrEqual(253);
        expect(isIP(result.value.remoteIp)).not.toBe(0);
        if (result.value.stonithHostname !== null) expect(result.value.stonithHostname).toMatch(HOSTNAME);
        expect(typeof result.value.enableResources).toBe('boolean');
        return;
      }
      for (const p of result.invalid) {
        expect(Object.keys(bag)).toContain(p.key);
        const value = bag[p.key as keyof typeof bag] ?? '';
        if (identifiable(value)) expect(p.rule).not.toContain(value.trim());
        expect(p.rule.length).toBeLessThan(200);
      }
    }), { numRuns: 2000, seed: 21 });
  });

  it('the cluster side lists a broken remote with its relation, unit and keys, within the status bound', () => {
    fc.assert(fc.property(text, text, (hostname, ip) => {
      const relation = new Relation({ id: 'pacemaker-remote:9', remoteApp: 'pacemaker-remote', app: {}, units: { 'pacemaker-remote/3': { 'remote-hostname': hostname, 'remote-ip': ip } } }, { unit: {}, app: {} }, false);
      const { remotes, problems } = new PacemakerRemoteRequires('pacemaker-remote', [relation], {} as EndpointContext).remotes();
      expect(remotes.length + problems.length).toBe(1);
      for (const p of problems) {
        expect(p.reason).toMatch(/^relation pacemaker-remote:9 \(pacemaker-remote\/3\): /);
        expect(p.reason.length).toBeLessThanOrEqual(STATUS_MAX);
        for (const v of [hostname, ip]) if (identifiable(v)) expect(p.reason).not.toContain(v.trim());
      }
    }), { numRuns: 1000, seed: 21 });
  });
});

describe('pacemaker-key limits', () => {
  it('the remote accepts a key exactly when hacluster would accept it as an option: base64 of 128 to 4096 bytes', () => {
    const keyText = fc.oneof(
      fc.integer({ min: 0, max: 5000 }).map((n) => Buffer.alloc(n, 7).toString('base64')),
      fc.uint8Array({ minLength: 100, maxLength: 200 }).map((b) => Buffer.from(b).toString('base64').replace(/(.{20})/g, '$1\n')),
      text,
    );
    fc.assert(fc.property(keyText, (value) => {
      const remote = decodePacemakerKey(value);
      const cluster = decodeAuthKey(value);
      expect(remote.ok).toBe(cluster.ok);
      if (remote.ok) {
        expect(remote.value.length).toBeGreaterThanOrEqual(KEY_MIN_BYTES);
        expect(remote.value.length).toBeLessThanOrEqual(KEY_MAX_BYTES);
      } else if (identifiable(value)) expect(remote.reason).not.toContain(value.trim());
    }), { numRuns: 1000, seed: 21 });
  });
});

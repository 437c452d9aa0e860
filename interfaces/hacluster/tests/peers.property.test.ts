/** hanode peer data over arbitrary text: only an address or a host name passes; a broken peer is named, never echoed. */
import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { STATUS_MAX } from '../../../reactive/decode/fields.js';
import { Relation, type EndpointContext } from '../../../reactive/endpoint.js';
import { HanodePeers } from '../peers.js';

/** A value a message could only contain by repeating it (words a rule itself uses are not evidence). */
const identifiable = (v: string): boolean => v.trim().length > 3 && !/^[A-Za-z .,;:()-]*$/.test(v.trim());

const HOSTNAME = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$/;
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...'ab1.-: {}\n#"\'<>&;$`|\t'.split('')), maxLength: 30 }),
  fc.constantFrom('api2', '10.0.0.2', 'fe80::2', '10.0.0.2\n}\ntotem {\n crypto_cipher: none\n}', 'api2 }', 'x'.repeat(100_000)),
);

describe('hanode peer decoding', () => {
  it('passes only addresses and host names into the ring; refusals carry relation, unit and key', () => {
    let refused = 0;
    fc.assert(fc.property(text, text, text, (address, hostname, trigger) => {
      const units = { 'hacluster-ext/4': { 'private-address': address, hostname, ready: 'True', 'trigger-corosync-update': trigger } };
      const peers = new HanodePeers('hanode', [new Relation({ id: 'hanode:2', remoteApp: 'hacluster-ext', units, app: {} }, { unit: {}, app: {} }, false)], {} as EndpointContext);
      for (const peer of peers.peers()) {
        expect(isIP(peer.address) !== 0 || HOSTNAME.test(peer.address)).toBe(true);
        expect(peer.hostname).toMatch(HOSTNAME);
        if (peer.trigger !== null) expect(peer.trigger).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
      }
      for (const problem of peers.problems()) {
        refused++;
        expect(problem.message).toMatch(/^relation hanode:2 \(hacluster-ext\/4\): /);
        expect(problem.message.length).toBeLessThanOrEqual(STATUS_MAX);
        for (const v of [address, hostname, trigger]) if (identifiable(v)) expect(problem.message).not.toContain(v.trim());
      }
      expect(peers.peers().length + peers.problems().length).toBeLessThanOrEqual(1);
    }), { numRuns: 2000, seed: 21 });
    expect(refused).toBeGreaterThan(1000);
  });
});

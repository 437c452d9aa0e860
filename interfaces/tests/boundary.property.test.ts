/**
 * Property over every decoder of remote data in the control-plane interfaces: for arbitrary strings in any key of
 * a stock bag, the decoder never throws; what it accepts is typed and carries nothing that starts a line, a
 * section or a word (hosts are addresses or host names, ports numbers, protocols http/https); what it refuses is
 * named by key with a rule that does not repeat the value. And the stock charms' own bags are accepted.
 */
import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { BagResult } from '../../reactive/decode/fields.js';
import { hostname } from '../../reactive/decode/values.js';
import { hostileString } from '../../reactive/testing/hostile-values.js';
import { checkConnectionInfo, decodeRequests } from '../mysql-shared/protocol.js';
import { checkBrokerUnit, decodeRequest as decodeAccessRequest } from '../rabbitmq/protocol.js';
import { checkCredentials as checkKeystone } from '../keystone/protocol.js';
import { checkCredentials as checkKeystoneCredentials, decodeRequest as decodeCredentialsRequest } from '../keystone-credentials/protocol.js';
import { checkPeer } from '../openstack-ha/protocol.js';

/** Stock bags as the upstream charms send them (upstream-charms.md §2), IPv6 and host names included. */
const STOCK = {
  'shared-db': { db_host: 'fd00:5::10', db_port: '3306', password: 'Xk3mDq9vLw2p', allowed_units: 'masakari/0 masakari/1', 'private-address': '10.5.0.5', wait_timeout: '3600', 'cluster-series-upgrading': 'False' },
  'shared-db prefixed': { db_host: 'db.maas', masakari_password: 'pw', masakari_allowed_units: 'masakari/0' },
  amqp: { hostname: 'rabbit-1.maas', 'private-address': '10.5.0.9', password: 'Rb7tQ2nW8zLp', ssl_port: '5671', clustered: 'true', vip: '10.5.100.9 fd00::9', 'ha-vip-only': 'True' },
  'identity-service': {
    admin_domain_id: '8d5b5c1b9a2f4f0e', admin_project_id: '1f2e3d4c', admin_role: 'Admin', admin_user_id: 'a1b2', api_version: '3',
    auth_host: 'keystone.maas', auth_port: '35357', auth_protocol: 'https', ca_cert: '__null__', created_roles: '', https_keystone: 'True',
    internal_host: 'fd00::40', internal_port: '5000', internal_protocol: 'http', service_domain: 'service_domain', service_domain_id: '0e9d',
    service_host: '10.5.0.40', service_password: 'Ks8v$Pz3"mQw7n', service_port: '5000', service_protocol: 'http', service_tenant: 'services',
    service_tenant_id: '5c4b', service_type: 'instance-ha', service_user_id: '9f8e', service_username: 'masakari', region: 'RegionOne RegionTwo',
    ssl_cert: '__null__', ssl_key: '__null__',
  },
  'identity-credentials': {
    auth_host: '10.5.0.10', auth_port: '35357', auth_protocol: 'http', credentials_host: 'fd00::10', credentials_port: '5000',
    credentials_protocol: 'http', credentials_username: 'masakari-monitors', credentials_password: 'Zx9$secretPW', credentials_project: 'services',
    credentials_project_id: '6b3e', api_version: '3', region: 'RegionOne', domain: 'service_domain', credentials_user_domain_name: 'service_domain',
    credentials_user_domain_id: '9a1c', credentials_project_domain_name: 'service_domain', credentials_project_domain_id: '9a1c',
  },
  cluster: { 'private-address': '10.5.0.12', 'ingress-address': '10.5.0.12', 'public-address': '203.0.113.12', 'internal-address': 'fd00::12', 'admin-address': '10.6.0.12' },
} as const;

type Check = (bag: Record<string, string>) => BagResult<unknown>;
const CHECKS: Record<keyof typeof STOCK, Check> = {
  'shared-db': (b) => checkConnectionInfo(b, 'masakari/0'),
  'shared-db prefixed': (b) => checkConnectionInfo(b, 'masakari/0', 'masakari'),
  amqp: (b) => checkBrokerUnit('rabbitmq-server/0', b),
  'identity-service': checkKeystone,
  'identity-credentials': checkKeystoneCredentials,
  cluster: (b) => checkPeer('masakari/1', b),
};

const BREAKS = /[\r\n\u0000\u000b\u000c\u001c-\u001e\u0085\u2028\u2029]/;
const HOST_KEY = /(host|address|vip)$/;

/** Every string in a decoded value; hosts checked to be addresses or host names. */
function checkValue(value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (/(ssl_?ca|caCert|sslCa)$/i.test(path)) return; // PEM text, parsed by crypto, written to a file of its own
    expect(value, path).not.toMatch(BREAKS);
    if (HOST_KEY.test(path.toLowerCase()) || /Host$/.test(path)) expect(isIP(value) !== 0 || hostname(value).ok, path).toBe(true);
  } else if (Array.isArray(value)) value.forEach((v, i) => checkValue(v, `${path}[${i}]`));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) checkValue(v, k);
}

describe('control-plane interface decoders (property)', () => {
  it('accept what the stock charms send', () => {
    for (const [name, bag] of Object.entries(STOCK)) expect(CHECKS[name as keyof typeof STOCK]({ ...bag }), name).toMatchObject({ ok: true });
  });

  it('decode or refuse any string in any key, never throw, never echo', () => {
    const counts = { accepted: 0, refused: 0 };
    const cases = fc.constantFrom(...(Object.keys(STOCK) as (keyof typeof STOCK)[])).chain((name) => {
      const stock: Record<string, string> = { ...STOCK[name] };
      const keys = Object.keys(stock);
      return fc.tuple(fc.constant(name), fc.subarray(keys, { minLength: 1, maxLength: 3 }).chain((chosen) =>
        fc.tuple(...chosen.map((k) => hostileString([stock[k]!]))).map((values) => {
          const bag = { ...stock };
          chosen.forEach((k, i) => { bag[k] = values[i]!; });
          return { bag, chosen: chosen.map((k, i) => [k, values[i]!] as const) };
        })));
    });
    fc.assert(fc.property(cases, ([name, { bag, chosen }]) => {
      const result = CHECKS[name](bag);
      if (result.ok) {
        counts.accepted++;
        checkValue(result.value, '');
      } else {
        counts.refused++;
        for (const p of result.invalid) {
          expect(Object.keys(bag)).toContain(p.key === 'private-address' && !('private-address' in bag) ? 'ingress-address' : p.key);
          for (const [, v] of chosen) if (v.trim().length >= 8) expect(p.rule).not.toContain(v.trim());
        }
      }
    }), { numRuns: 1200 });
    console.log(`interface decoders property: ${counts.accepted} accepted, ${counts.refused} refused of ${counts.accepted + counts.refused}`);
    expect(counts.accepted).toBeGreaterThan(100);
    expect(counts.refused).toBeGreaterThan(300);
  });

  it('requests read by the stand-in providers hold plain names only (they reach SQL grants and rabbitmqctl)', () => {
    fc.assert(fc.property(hostileString(['masakari']), hostileString(['10.5.0.11']), (name, address) => {
      for (const r of decodeRequests({ database: name, username: name, hostname: address })) {
        expect(r.database).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/);
        expect(isIP(r.hostname) !== 0 || hostname(r.hostname).ok).toBe(true);
      }
      const access = decodeAccessRequest({ username: name, vhost: name, 'private-address': address });
      if (access) expect(access.vhost).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/);
      const creds = decodeCredentialsRequest({ username: name });
      if (creds) expect(creds.username).not.toMatch(BREAKS);
    }), { numRuns: 500 });
  });
});

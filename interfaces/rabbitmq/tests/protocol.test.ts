import { describe, expect, it } from 'vitest';
import { b64, TEST_CA_PEM } from '../../../reactive/decode/tests/tls-fixtures.js';
import { brokerAccess, decodeBrokerUnit, decodeRequest, encodeRequest, transportUrl, type BrokerUnit } from '../protocol.js';

// What three rabbitmq-server units send (plain strings).
const rabbit = (n: number, extra: Record<string, string> = {}) => ({ hostname: `10.5.0.${n}`, 'private-address': `10.5.0.${n}`, password: 'r4bbit', ...extra });

function units(...bags: [string, Record<string, string>][]): BrokerUnit[] {
  return bags.map(([u, b]) => decodeBrokerUnit(u, b)).filter((b): b is BrokerUnit => b !== null);
}

describe('rabbitmq protocol', () => {
  it('requests username and vhost as plain strings', () => {
    expect(encodeRequest({ username: 'masakari', vhost: 'masakari', privateAddress: '10.5.0.30' })).toEqual({
      username: 'masakari', vhost: 'masakari', 'private-address': '10.5.0.30', admin: null, ttlname: null, ttlreg: null, ttl: null,
    });
    expect(decodeRequest({ username: 'masakari', vhost: 'masakari', 'private-address': '10.5.0.30' })).toEqual({ username: 'masakari', vhost: 'masakari', privateAddress: '10.5.0.30' });
    expect(decodeRequest({ username: 'masakari' })).toBeNull();
  });

  it('lists every answering rabbit unit in transport_url, sorted numerically', () => {
    const access = brokerAccess({ username: 'masakari', vhost: 'masakari' }, units(['rabbitmq-server/2', rabbit(12)], ['rabbitmq-server/0', rabbit(9)], ['rabbitmq-server/1', rabbit(10)]));
    expect(access?.hosts).toEqual(['10.5.0.9', '10.5.0.10', '10.5.0.12']);
    expect(transportUrl(access!)).toBe('rabbit://masakari:r4bbit@10.5.0.9:5672,masakari:r4bbit@10.5.0.10:5672,masakari:r4bbit@10.5.0.12:5672/masakari');
  });

  it('ignores units that have not answered with a password yet', () => {
    const access = brokerAccess({ username: 'masakari', vhost: 'masakari' }, units(['rabbitmq-server/0', rabbit(9)], ['rabbitmq-server/1', { 'private-address': '10.5.0.10' }]));
    expect(access?.hosts).toEqual(['10.5.0.9']);
    expect(brokerAccess({ username: 'masakari', vhost: 'masakari' }, [])).toBeNull();
  });

  it('uses ssl_port when rabbit offers TLS', () => {
    const access = brokerAccess({ username: 'masakari', vhost: 'masakari' }, units(['rabbitmq-server/0', rabbit(9, { ssl_port: '5671', ssl_ca: b64(TEST_CA_PEM) })]));
    expect(access).toMatchObject({ port: 5671, ssl: true, sslCa: TEST_CA_PEM });
    expect(transportUrl(access!)).toBe('rabbit://masakari:r4bbit@10.5.0.9:5671/masakari');
  });

  it('uses the VIP alone when rabbit is clustered with ha-vip-only', () => {
    const access = brokerAccess({ username: 'masakari', vhost: 'masakari' }, units(['rabbitmq-server/0', rabbit(9, { clustered: 'true', vip: '10.5.100.9', 'ha-vip-only': 'true' })], ['rabbitmq-server/1', rabbit(10)]));
    expect(access?.hosts).toEqual(['10.5.100.9']);
  });

  it('escapes credentials in the URL', () => {
    const access = brokerAccess({ username: 'masakari', vhost: 'masakari' }, units(['rabbitmq-server/0', rabbit(9, { password: 'a/b@c$d' })]));
    expect(transportUrl(access!)).toBe('rabbit://masakari:a%2Fb%40c%24d@10.5.0.9:5672/masakari');
  });
});

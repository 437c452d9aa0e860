/**
 * The certificates relation on a masakari unit, with vault's answer as recorded data: requests, https through
 * haproxy on both hops, keystone endpoints, renewal by reload, bad answers refused with the last good TLS kept,
 * and ssl_* options overriding the relation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../../reactive/testing/recording-host.js';
import { pythonJson } from '../../../interfaces/tls-certificates/protocol.js';
import { EXPIRED_CERT, EXPIRED_KEY, INT_CERT, OTHER_CERT, RENEWED_CERT, RENEWED_KEY, ROOT_CERT, SERVER_CERT, SERVER_KEY, STRANGER_CERT, STRANGER_KEY } from '../../../interfaces/tls-certificates/tests/fixtures.js';
import { b64, TEST_CA_PEM, TEST_CERT_PEM, TEST_KEY_PEM } from '../../../reactive/decode/tests/tls-fixtures.js';
import { masakariHarness, relateAll } from './fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function vaultAnswer(cert: string, key: string, ca = ROOT_CERT, chain = INT_CERT): Record<string, string> {
  return {
    ca, chain, 'client.cert': SERVER_CERT, 'client.key': SERVER_KEY, 'private-address': '10.5.0.50',
    'masakari_0.processed_requests': pythonJson({ 'juju-machine-1': { cert, key } }),
  };
}

async function unitWithVault() {
  const host = new RecordingHost({ hostname: 'juju-machine-1' });
  const made = await masakariHarness({ host, address: '10.5.0.30' });
  cleanups.push(() => made.harness.cleanup());
  await made.harness.beginWithInitialHooks();
  const rels = await relateAll(made.harness);
  const certs = await made.harness.addRelation('certificates', 'vault', { units: { 'vault/0': { 'private-address': '10.5.0.50' } } });
  return { ...made, ...rels, certs };
}

const UNIT_PEM = '/etc/haproxy/masakari-tls/unit.pem';
const PEER_CA = '/etc/haproxy/masakari-tls/ca.pem';

describe('masakari with a certificates relation', () => {
  it('asks for its host name with its address, and waits for the answer serving plain http', async () => {
    const { harness, host, certs, keystone } = await unitWithVault();
    expect(harness.relationData(certs)).toEqual({ unit_name: 'masakari_0', cert_requests: '{"juju-machine-1": {"sans": ["10.5.0.30"]}}' });
    expect(harness.status).toEqual({ status: 'waiting', message: "'certificates' incomplete: waiting for this unit's certificates" });
    expect(host.file(UNIT_PEM)).toBeNull();
    expect(harness.relationData(keystone).public_url).toBe('http://10.5.0.30:15868/v1/%(tenant_id)s');
  });

  it('serves the certificate with its chain on both hops and registers https endpoints', async () => {
    const { harness, host, certs, keystone } = await unitWithVault();
    host.clearRecords();
    await harness.updateRelationData(certs, 'vault/0', vaultAnswer(SERVER_CERT, SERVER_KEY));
    const served = host.file(UNIT_PEM)!;
    expect(served.startsWith(`${SERVER_CERT}${INT_CERT}-----BEGIN PRIVATE KEY-----\n`)).toBe(true);
    expect(host.fileMeta(UNIT_PEM)).toEqual({ owner: 'root', group: 'haproxy', mode: 0o640 });
    expect(host.file(PEER_CA)).toBe(`${ROOT_CERT}${INT_CERT}`);
    const cfg = host.file('/etc/haproxy/haproxy.cfg')!;
    expect(cfg).toContain('bind *:15868 ssl crt /etc/haproxy/masakari-tls/unit.pem');
    expect(cfg).toContain('server masakari-0 10.5.0.30:15858 check inter 2000 rise 2 fall 3 ssl verify required ca-file /etc/haproxy/masakari-tls/ca.pem');
    expect(cfg).toContain('bind 10.5.0.30:15858 ssl crt /etc/haproxy/masakari-tls/unit.pem');
    expect(host.file('/etc/masakari/masakari-api-uwsgi.ini')).toContain('http-socket = 127.0.0.1:15858');
    expect(harness.relationData(keystone)).toMatchObject({
      public_url: 'https://10.5.0.30:15868/v1/%(tenant_id)s', internal_url: 'https://10.5.0.30:15868/v1/%(tenant_id)s', admin_url: 'https://10.5.0.30:15868/v1/%(tenant_id)s',
    });
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready (TLS from certificates (vault/0))' });
    expect(JSON.stringify(harness.lastHook)).not.toContain('PRIVATE KEY');
  });

  it('takes a renewed certificate with a reload of haproxy alone', async () => {
    const { harness, host, certs } = await unitWithVault();
    await harness.updateRelationData(certs, 'vault/0', vaultAnswer(SERVER_CERT, SERVER_KEY));
    host.clearRecords();
    await harness.updateRelationData(certs, 'vault/0', vaultAnswer(RENEWED_CERT, RENEWED_KEY));
    expect(host.file(UNIT_PEM)!.startsWith(RENEWED_CERT)).toBe(true);
    expect(host.serviceActions.map((a) => `${a.action} ${a.name}`)).toEqual(['reload haproxy']);
  });

  it('rotates to a new CA: trusts old and new for the hop between units, and trusts the new one before serving its certificate', async () => {
    const { harness, host, certs } = await unitWithVault();
    await harness.updateRelationData(certs, 'vault/0', vaultAnswer(SERVER_CERT, SERVER_KEY));
    host.clearRecords();
    await harness.updateRelationData(certs, 'vault/0', vaultAnswer(STRANGER_CERT, STRANGER_KEY, OTHER_CERT, ''));
    expect(host.file(UNIT_PEM)!.startsWith(STRANGER_CERT)).toBe(true);
    expect(host.file(PEER_CA)).toBe(`${OTHER_CERT}# previous CA, trusted until the next rotation\n${ROOT_CERT}${INT_CERT}`);
    // one reload with the new CA trusted and the old certificate served, one with the new certificate
    expect(host.serviceActions.map((a) => `${a.action} ${a.name}`)).toEqual(['reload haproxy', 'reload haproxy']);
    expect(harness.model.logs.some((l) => l.message === 'new CA: haproxy trusts it before serving the certificate it signed')).toBe(true);
    host.clearRecords();
    await harness.runHook('config-changed');
    expect(host.serviceActions).toEqual([]);
    expect(host.file(PEER_CA)).toBe(`${OTHER_CERT}# previous CA, trusted until the next rotation\n${ROOT_CERT}${INT_CERT}`);
  });

  const bad: [string, string, string, RegExp][] = [
    ['an expired certificate', EXPIRED_CERT, EXPIRED_KEY, /certificate has expired/],
    ['a key that does not match', SERVER_CERT, RENEWED_KEY, /key does not match the certificate/],
    ['a certificate the CA did not sign', STRANGER_CERT, STRANGER_KEY, /not signed by the relation's CA/],
    ['a malformed certificate', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', SERVER_KEY, /must be base64 of PEM certificates that parse/],
  ];
  for (const [what, cert, key, rule] of bad) {
    it(`blocks on ${what}, naming relation, unit and key, and keeps serving the previous certificate`, async () => {
      const { harness, host, certs, keystone } = await unitWithVault();
      await harness.updateRelationData(certs, 'vault/0', vaultAnswer(SERVER_CERT, SERVER_KEY));
      const before = host.file(UNIT_PEM);
      await harness.updateRelationData(certs, 'vault/0', vaultAnswer(cert, key));
      expect(harness.status.status).toBe('blocked');
      expect(harness.status.message).toMatch(/^relation certificates:\d+ \(vault\/0\): masakari_0\.processed_requests\[juju-machine-1\]\.cert /);
      expect(harness.status.message).toMatch(rule);
      expect(harness.status.message).not.toMatch(/MII|BEGIN/);
      expect(host.file(UNIT_PEM)).toBe(before);
      expect(host.file('/etc/haproxy/haproxy.cfg')).toContain('ssl crt /etc/haproxy/masakari-tls/unit.pem');
      expect(harness.relationData(keystone).public_url).toMatch(/^https:/);
    });
  }

  it('lets ssl_cert/ssl_key override the relation, and the status say so', async () => {
    const { harness, host, certs } = await unitWithVault();
    await harness.updateRelationData(certs, 'vault/0', vaultAnswer(EXPIRED_CERT, EXPIRED_KEY));
    await harness.updateConfig({ ssl_cert: b64(TEST_CERT_PEM), ssl_key: b64(TEST_KEY_PEM), ssl_ca: b64(TEST_CA_PEM) });
    expect(host.file(UNIT_PEM)!.startsWith(TEST_CERT_PEM)).toBe(true);
    expect(host.file(PEER_CA)).toBe(TEST_CA_PEM);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready (TLS from ssl_cert/ssl_key)' });
  });

  it('goes back to plain http when the relation is removed', async () => {
    const { harness, host, certs, keystone } = await unitWithVault();
    await harness.updateRelationData(certs, 'vault/0', vaultAnswer(SERVER_CERT, SERVER_KEY));
    await harness.removeRelation(certs);
    expect(host.file(UNIT_PEM)).toBeNull();
    expect(host.file('/etc/haproxy/haproxy.cfg')).not.toContain('ssl');
    expect(harness.relationData(keystone).public_url).toBe('http://10.5.0.30:15868/v1/%(tenant_id)s');
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
  });
});

import { X509Certificate } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../../../../reactive/testing/recording-host.js';
import { Harness } from '../../../../../reactive/testing/harness.js';
import { checkAnswer, encodeRequests } from '../../../../../interfaces/tls-certificates/protocol.js';
import { charm } from '../src/charm.js';
import { realOpenssl } from './real-openssl.js';

const CHARM_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const OWN = { commonName: 'juju-machine-1', sans: ['10.5.0.30', '10.5.100.1'] };
const PUBLIC = { commonName: 'masakari.example.com', sans: ['10.5.100.1'] };

describe('local-ca stand-in (real openssl)', () => {
  let host: RecordingHost;
  let harness: Harness<string, typeof charm.endpointClasses>;

  beforeEach(() => {
    host = realOpenssl(new RecordingHost({ hostname: 'machine-9' }));
    harness = new Harness(charm, { charmDir: CHARM_DIR, unit: 'local-ca/0', host });
  });
  afterEach(() => harness.cleanup());

  it('makes a root CA once and keeps its key 0600', async () => {
    await harness.beginWithInitialHooks();
    const ca = new X509Certificate((await host.readFile('/var/lib/local-ca/ca.pem'))!);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('CN=Local CA (functional suite)');
    expect(host.fileMeta('/var/lib/local-ca/ca.key')).toMatchObject({ mode: 0o600 });
    const genkeys = host.commands.filter((c) => c.argv.includes('-newkey')).length;
    await harness.runHook('update-status');
    expect(host.commands.filter((c) => c.argv.includes('-newkey')).length).toBe(genkeys);
  });

  it('answers a charm-helpers batch exactly where the requirer looks, and our requirer accepts it', async () => {
    await harness.beginWithInitialHooks();
    const rel = await harness.addRelation('certificates', 'masakari', { units: { 'masakari/0': encodeRequests('masakari/0', [OWN, PUBLIC]) as Record<string, string> } });
    const data = harness.relationData(rel);
    expect(Object.keys(data).sort()).toEqual(['ca', 'chain', 'client.cert', 'client.key', 'masakari_0.processed_requests']);
    expect(data['chain']).toBe(data['ca']);
    expect(data['masakari_0.processed_requests']).toMatch(/^\{"juju-machine-1": \{"cert": "-----BEGIN CERTIFICATE-----\\n/);
    const checked = checkAnswer('local-ca/0', data, 'masakari/0', [OWN, PUBLIC], new Date());
    expect(checked.ok).toBe(true);
    const leaf = new X509Certificate(JSON.parse(data['masakari_0.processed_requests']!)['juju-machine-1'].cert);
    expect(leaf.subjectAltName).toBe('DNS:juju-machine-1, IP Address:10.5.0.30, IP Address:10.5.100.1');
    expect(leaf.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
    expect(leaf.ca).toBe(false);
    expect(harness.status).toEqual({ status: 'active', message: 'CA ready, 2 certificate(s) issued' });
    // the private keys are not in the hook's logs
    expect(JSON.stringify(harness.lastHook)).not.toContain('PRIVATE KEY');
  });

  it('answers the reactive layer\'s legacy single request in <unit>.server.cert/.key', async () => {
    await harness.beginWithInitialHooks();
    const rel = await harness.addRelation('certificates', 'etcd', { units: { 'etcd/0': { common_name: '10.5.0.8', sans: '["10.5.0.8"]', certificate_name: 'c0ffee', unit_name: 'etcd_0' } } });
    const data = harness.relationData(rel);
    expect(new X509Certificate(data['etcd_0.server.cert']!).checkIP('10.5.0.8')).toBe('10.5.0.8');
    expect(data['etcd_0.server.key']).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('signs again when the names change (a VIP added), not otherwise', async () => {
    await harness.beginWithInitialHooks();
    const rel = await harness.addRelation('certificates', 'masakari', { units: { 'masakari/0': encodeRequests('masakari/0', [{ commonName: 'juju-machine-1', sans: ['10.5.0.30'] }]) as Record<string, string> } });
    const first = harness.relationData(rel)['masakari_0.processed_requests'];
    await harness.updateRelationData(rel, 'masakari/0', { 'private-address': '10.5.0.30' });
    expect(harness.relationData(rel)['masakari_0.processed_requests']).toBe(first);
    await harness.updateRelationData(rel, 'masakari/0', encodeRequests('masakari/0', [OWN]));
    const second = harness.relationData(rel);
    expect(second['masakari_0.processed_requests']).not.toBe(first);
    expect(checkAnswer('local-ca/0', second, 'masakari/0', [OWN], new Date()).ok).toBe(true);
  });

  it('rotate-ca makes a new root and reissues every certificate under it', async () => {
    await harness.beginWithInitialHooks();
    const rel = await harness.addRelation('certificates', 'masakari', { units: { 'masakari/0': encodeRequests('masakari/0', [OWN]) as Record<string, string> } });
    const before = harness.relationData(rel);
    const out = await harness.runAction('rotate-ca');
    expect(out).toMatchObject({ failed: false, results: { reissued: 1 } });
    const after = harness.relationData(rel);
    expect(after['ca']).not.toBe(before['ca']);
    expect(after['client.cert']).not.toBe(before['client.cert']);
    expect(checkAnswer('local-ca/0', after, 'masakari/0', [OWN], new Date()).ok).toBe(true);
    // the old certificate does not chain to the new CA
    const stale = { ...after, 'masakari_0.processed_requests': before['masakari_0.processed_requests']! };
    expect(checkAnswer('local-ca/0', stale, 'masakari/0', [OWN], new Date())).toMatchObject({ ok: false, invalid: [{ rule: "certificate is not signed by the relation's CA" }] });
  });

  it('blocks on a request that breaks a rule, naming relation, unit and key', async () => {
    await harness.beginWithInitialHooks();
    await harness.addRelation('certificates', 'masakari', { units: { 'masakari/0': { unit_name: 'masakari_0', cert_requests: '{"bad name/x": {"sans": []}}' } } });
    expect(harness.status.status).toBe('blocked');
    expect(harness.status.message).toMatch(/^Refused certificate request: relation certificates:\d+ \(masakari\/0\): cert_requests must use host names/);
  });
});

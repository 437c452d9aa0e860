import { describe, expect, it } from 'vitest';
import { answerKey, checkAnswer, checkAuthorityAnswer, checkRequests, encodeRequests, pythonJson, withAnswer, type CertRequest } from '../protocol.js';
import { certificateRequests } from '../requests.js';
import { EXPIRED_CERT, EXPIRED_KEY, INT_CERT, OTHER_CERT, PUBLIC_CERT, PUBLIC_KEY, ROOT_CERT, SERVER_CERT, SERVER_KEY, STRANGER_CERT, STRANGER_KEY } from './fixtures.js';

const NOW = new Date('2027-01-01T00:00:00Z');
const OWN: CertRequest = { commonName: 'juju-machine-1', sans: ['10.5.0.30', '10.5.100.1'] };
const PUBLIC: CertRequest = { commonName: 'masakari.example.com', sans: ['10.5.100.1'] };

// What vault puts on the relation for masakari/0 (reactive to_publish: json.dumps(..., sort_keys=True)).
function vaultAnswer(certs: Record<string, { cert: string; key: string }>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ca: ROOT_CERT, chain: INT_CERT, 'client.cert': SERVER_CERT, 'client.key': SERVER_KEY,
    'masakari_0.processed_requests': pythonJson(certs),
    'egress-subnets': '10.5.0.50/32', 'ingress-address': '10.5.0.50', 'private-address': '10.5.0.50',
    ...extra,
  };
}

describe('tls-certificates protocol, requirer side', () => {
  it('requests in the bytes charm-helpers writes: cert_requests sorted, sans sorted and unique, unit_name', () => {
    const bag = encodeRequests('masakari/0', [PUBLIC, { commonName: 'juju-machine-1', sans: ['10.5.100.1', '10.5.0.30', '10.5.0.30'] }]);
    expect(bag).toEqual({
      unit_name: 'masakari_0',
      cert_requests: '{"juju-machine-1": {"sans": ["10.5.0.30", "10.5.100.1"]}, "masakari.example.com": {"sans": ["10.5.100.1"]}}',
    });
    expect(encodeRequests('masakari/0', []).cert_requests).toBeNull();
  });

  it('asks for the host name with every address and VIP, and one certificate per binding host name', () => {
    const requests = certificateRequests({
      hostname: 'juju-machine-1', address: '10.5.0.30',
      bindings: { public: { address: '10.5.0.30', vip: '10.5.100.1', hostname: 'masakari.example.com' }, internal: { address: '10.6.0.30', vip: '10.6.100.1' }, admin: { address: '10.5.0.30', vip: '10.5.100.1' } },
    });
    expect(requests).toEqual([
      { commonName: 'juju-machine-1', sans: ['10.5.0.30', '10.5.100.1', '10.6.0.30', '10.6.100.1'] },
      { commonName: 'masakari.example.com', sans: ['10.5.0.30', '10.5.100.1'] },
    ]);
  });

  it('takes a vault answer whose certificates chain to the CA through the intermediate', () => {
    const answer = vaultAnswer({ 'juju-machine-1': { cert: SERVER_CERT, key: SERVER_KEY }, 'masakari.example.com': { cert: PUBLIC_CERT, key: PUBLIC_KEY } });
    const checked = checkAnswer('vault/0', answer, 'masakari/0', [OWN, PUBLIC], NOW);
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.value.ca).toBe(ROOT_CERT);
    expect(checked.value.chain).toBe(INT_CERT);
    expect([...checked.value.certs.keys()]).toEqual(['juju-machine-1', 'masakari.example.com']);
    expect(checked.value.certs.get('juju-machine-1')?.notAfter.getUTCFullYear()).toBe(2126);
  });

  it('drops the root from the chain when vault sends its own root as the chain', () => {
    const answer = vaultAnswer({ 'juju-machine-1': { cert: SERVER_CERT, key: SERVER_KEY } }, { chain: `${INT_CERT}${ROOT_CERT}` });
    const checked = checkAnswer('vault/0', answer, 'masakari/0', [OWN], NOW);
    expect(checked.ok && checked.value.chain).toBe(INT_CERT);
  });

  it('waits while the CA or a requested certificate is not there yet', () => {
    const partial = checkAnswer('vault/0', vaultAnswer({ 'juju-machine-1': { cert: SERVER_CERT, key: SERVER_KEY } }), 'masakari/0', [OWN, PUBLIC], NOW);
    expect(partial).toEqual({ ok: false, missing: ['masakari_0.processed_requests[masakari.example.com]'], invalid: [] });
    expect(checkAnswer('vault/0', { 'private-address': '10.5.0.50' }, 'masakari/0', [OWN], NOW)).toMatchObject({ ok: false, missing: ['ca', 'masakari_0.processed_requests'], invalid: [] });
    // another unit's answer is not ours
    const forOther = { ...vaultAnswer({}), 'masakari_1.processed_requests': pythonJson({ 'juju-machine-1': { cert: SERVER_CERT, key: SERVER_KEY } }) };
    delete (forOther as Record<string, string>)['masakari_0.processed_requests'];
    expect(checkAnswer('vault/0', forOther, 'masakari/0', [OWN], NOW)).toMatchObject({ ok: false, missing: ['masakari_0.processed_requests'] });
  });

  const bad: [string, Record<string, string>, { key: string; rule: RegExp }][] = [
    ['a malformed certificate', vaultAnswer({ 'juju-machine-1': { cert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', key: SERVER_KEY } }), { key: 'masakari_0.processed_requests[juju-machine-1].cert', rule: /must be base64 of PEM certificates that parse/ }],
    ['a key that does not match', vaultAnswer({ 'juju-machine-1': { cert: SERVER_CERT, key: PUBLIC_KEY } }), { key: 'masakari_0.processed_requests[juju-machine-1].cert', rule: /key does not match/ }],
    ['an expired certificate', vaultAnswer({ 'juju-machine-1': { cert: EXPIRED_CERT, key: EXPIRED_KEY } }), { key: 'masakari_0.processed_requests[juju-machine-1].cert', rule: /has expired/ }],
    ['a certificate the CA did not sign', vaultAnswer({ 'juju-machine-1': { cert: STRANGER_CERT, key: STRANGER_KEY } }), { key: 'masakari_0.processed_requests[juju-machine-1].cert', rule: /not signed by the relation's CA/ }],
    ['a certificate without the names asked for', vaultAnswer({ 'juju-machine-1': { cert: PUBLIC_CERT, key: PUBLIC_KEY } }), { key: 'masakari_0.processed_requests[juju-machine-1].cert', rule: /does not name juju-machine-1/ }],
    ['a CA that is not a CA', vaultAnswer({ 'juju-machine-1': { cert: SERVER_CERT, key: SERVER_KEY } }, { ca: SERVER_CERT }), { key: 'ca', rule: /must be a CA certificate/ }],
    ['a batch that is not JSON', vaultAnswer({}, { 'masakari_0.processed_requests': '{"juju-machine-1": ' }), { key: 'masakari_0.processed_requests', rule: /JSON object/ }],
  ];
  for (const [what, answer, problem] of bad) {
    it(`refuses ${what}, naming the key and never the value`, () => {
      const checked = checkAnswer('vault/0', answer, 'masakari/0', [OWN], NOW);
      expect(checked.ok).toBe(false);
      if (checked.ok) return;
      expect(checked.invalid).toHaveLength(1);
      expect(checked.invalid[0]!.key).toBe(problem.key);
      expect(checked.invalid[0]!.rule).toMatch(problem.rule);
      expect(checked.invalid[0]!.rule).not.toMatch(/BEGIN|MII/);
    });
  }

  it('refuses a chain from an unrelated CA even when the leaf matches it', () => {
    const answer = vaultAnswer({ 'juju-machine-1': { cert: STRANGER_CERT, key: STRANGER_KEY } }, { chain: OTHER_CERT });
    expect(checkAnswer('vault/0', answer, 'masakari/0', [OWN], NOW)).toMatchObject({ ok: false, invalid: [{ rule: "certificate is not signed by the relation's CA" }] });
  });

  it('refuses a certificate once it has expired, one that was good before', () => {
    const answer = vaultAnswer({ 'juju-machine-1': { cert: SERVER_CERT, key: SERVER_KEY } });
    expect(checkAnswer('vault/0', answer, 'masakari/0', [OWN], new Date('2127-01-01T00:00:00Z'))).toMatchObject({ ok: false, invalid: [{ key: 'ca' }] });
  });
});

describe('tls-certificates protocol, provider side', () => {
  it('reads the charm-helpers batch with unit_name', () => {
    const checked = checkRequests('keystone/2', { unit_name: 'keystone_2', cert_requests: '{"juju-machine-7": {"sans": ["10.5.0.7", "10.5.100.2"]}}', 'private-address': '10.5.0.7' });
    expect(checked).toEqual({ ok: true, value: [{ kind: 'server', unitKey: 'keystone_2', legacy: false, commonName: 'juju-machine-7', sans: ['10.5.0.7', '10.5.100.2'] }] });
  });

  it('reads the reactive layer\'s first request in the legacy keys, and client requests', () => {
    const checked = checkRequests('etcd/0', {
      common_name: '10.5.0.8', sans: '["10.5.0.8", "juju-machine-8"]', certificate_name: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
      client_cert_requests: '{"etcd-client": {"sans": []}}',
    });
    expect(checked).toEqual({ ok: true, value: [
      { kind: 'server', unitKey: 'etcd_0', legacy: true, commonName: '10.5.0.8', sans: ['10.5.0.8', 'juju-machine-8'] },
      { kind: 'client', unitKey: 'etcd_0', legacy: false, commonName: 'etcd-client', sans: [] },
    ] });
  });

  it('refuses names that are not host names or addresses, by key', () => {
    const checked = checkRequests('masakari/0', { unit_name: 'masakari_0', cert_requests: '{"juju-machine-1": {"sans": ["10.5.0.30\\nX-Injected: 1"]}}' });
    expect(checked).toMatchObject({ ok: false, invalid: [{ key: 'cert_requests' }] });
    expect(checkRequests('masakari/0', { unit_name: '../etc', cert_requests: '{}' })).toMatchObject({ ok: false, invalid: [{ key: 'unit_name' }] });
  });

  it('answers into the batch in Python\'s bytes, keeping earlier answers', () => {
    const first = withAnswer(undefined, 'juju-machine-1', { cert: 'C1\n', key: 'K1\n' });
    expect(first).toBe('{"juju-machine-1": {"cert": "C1\\n", "key": "K1\\n"}}');
    expect(JSON.parse(withAnswer(first, 'a.example', { cert: 'C2', key: 'K2' }))).toEqual({ 'a.example': { cert: 'C2', key: 'K2' }, 'juju-machine-1': { cert: 'C1\n', key: 'K1\n' } });
    expect(answerKey({ kind: 'client', unitKey: 'etcd_0' })).toBe('etcd_0.processed_client_requests');
  });

  it('round-trips: what our requirer sends, our provider reads', () => {
    const bag = encodeRequests('masakari/0', [OWN, PUBLIC]) as Record<string, string>;
    const checked = checkRequests('masakari/0', bag);
    expect(checked.ok && checked.value.map((r) => [r.commonName, r.sans])).toEqual([[OWN.commonName, OWN.sans], [PUBLIC.commonName, PUBLIC.sans]]);
  });
});

describe('tls-certificates protocol, a requirer that only trusts the CA', () => {
  it('takes ca and the chain\'s intermediates, and refuses a ca that is not a CA, by key', () => {
    expect(checkAuthorityAnswer('vault/0', { ca: ROOT_CERT, chain: `${INT_CERT}${ROOT_CERT}` }, NOW)).toEqual({ ok: true, value: { provider: 'vault/0', bundle: `${ROOT_CERT}${INT_CERT}` } });
    expect(checkAuthorityAnswer('vault/0', { 'private-address': '10.5.0.50' }, NOW)).toMatchObject({ ok: false, missing: ['ca'] });
    expect(checkAuthorityAnswer('vault/0', { ca: SERVER_CERT }, NOW)).toMatchObject({ ok: false, invalid: [{ key: 'ca', rule: 'must be a CA certificate (basicConstraints CA:true)' }] });
    expect(checkAuthorityAnswer('vault/0', { ca: 'not pem' }, NOW)).toMatchObject({ ok: false, invalid: [{ key: 'ca' }] });
  });
});

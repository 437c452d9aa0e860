/**
 * The monitors trust the masakari API's CA: from ssl_ca, or from a certificates relation (vault's `ca` and
 * `chain`), and verify the API's certificate unless api-tls-insecure says otherwise.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../../reactive/testing/recording-host.js';
import { Harness } from '../../../reactive/testing/harness.js';
import { INT_CERT, ROOT_CERT, SERVER_CERT } from '../../../interfaces/tls-certificates/tests/fixtures.js';
import { b64, TEST_CA_PEM } from '../../../reactive/decode/tests/tls-fixtures.js';
import { charm } from '../src/charm.js';
import { API_CA_PATH, CONF_PATH } from '../src/conf.js';
import { HOST_MONITOR } from '../src/platform.js';

const CHARM_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const KEYSTONE_ANSWER = {
  auth_host: '10.5.0.10', auth_port: '35357', auth_protocol: 'http', credentials_host: '10.5.0.10', credentials_port: '5000',
  credentials_protocol: 'http', credentials_username: 'masakari-monitors', credentials_password: 'Zx9secretPW', credentials_project: 'services',
  credentials_project_id: '6b3e5d0c1f2a4e3b', api_version: '3', region: 'RegionOne', domain: 'service_domain',
};

describe('masakari-monitors TLS trust', () => {
  let host: RecordingHost;
  let harness: Harness<string, typeof charm.endpointClasses>;

  beforeEach(async () => {
    host = new RecordingHost({ hostname: 'compute-1', fqdn: 'compute-1.maas' });
    await host.ensureUser('masakari', { group: 'masakari', system: true });
    await host.seedFile(`/lib/systemd/system/${HOST_MONITOR}.service`, '[Service]\nUser=masakari\nGroup=masakari\n');
    harness = new Harness(charm, { charmDir: CHARM_DIR, unit: 'masakari-monitors/0', host, principalUnit: 'nova-compute/0' });
    harness.setNetwork('container', '10.5.0.31', '10.5.0.0/24', 'ens4');
    await harness.addRelation('container', 'nova-compute', { units: { 'nova-compute/0': {} } });
    await harness.beginWithInitialHooks();
    await harness.addRelation('identity-credentials', 'keystone', { units: { 'keystone/0': KEYSTONE_ANSWER } });
  });
  afterEach(() => harness.cleanup());

  const apiSection = () => host.file(CONF_PATH)!.split('[api]')[1]!.split('\n[')[0]!;

  it('verifies against the system bundle when no CA is given (never insecure by default)', () => {
    expect(apiSection()).not.toMatch(/cafile|insecure/);
    expect(host.file(API_CA_PATH)).toBeNull();
  });

  it('trusts the certificates relation\'s CA and chain, and restarts the monitors when it changes', async () => {
    const rel = await harness.addRelation('certificates', 'vault', { units: { 'vault/0': { ca: ROOT_CERT, chain: INT_CERT } } });
    expect(host.file(API_CA_PATH)).toBe(`${ROOT_CERT}${INT_CERT}`);
    expect(apiSection()).toContain(`cafile = ${API_CA_PATH}`);
    host.clearRecords();
    await harness.updateRelationData(rel, 'vault/0', { ca: INT_CERT, chain: '' });
    expect(host.file(API_CA_PATH)).toBe(INT_CERT);
    expect(host.serviceActions.map((a) => `${a.action} ${a.name}`)).toContain(`restart ${HOST_MONITOR}`);
  });

  it('blocks on a ca that is not a CA, naming relation, unit and key, and trusts nothing from it', async () => {
    await harness.addRelation('certificates', 'vault', { units: { 'vault/0': { ca: SERVER_CERT } } });
    expect(harness.status.status).toBe('blocked');
    expect(harness.status.message).toMatch(/^relation certificates:\d+ \(vault\/0\): ca must be a CA certificate/);
    expect(apiSection()).not.toContain('cafile');
  });

  it('lets ssl_ca override the relation, and api-tls-insecure switch verification off', async () => {
    await harness.addRelation('certificates', 'vault', { units: { 'vault/0': { ca: SERVER_CERT } } });
    await harness.updateConfig({ ssl_ca: b64(TEST_CA_PEM) });
    expect(host.file(API_CA_PATH)).toBe(TEST_CA_PEM);
    expect(harness.status.status).not.toBe('blocked');
    await harness.updateConfig({ 'api-tls-insecure': true });
    expect(apiSection()).toContain('insecure = True');
    await harness.updateConfig({ ssl_ca: 'bm90IGEgY2VydA==' });
    expect(harness.status).toMatchObject({ status: 'blocked' });
    expect(harness.status.message).toContain('ssl_ca: must be base64 of PEM certificates that parse');
  });
});

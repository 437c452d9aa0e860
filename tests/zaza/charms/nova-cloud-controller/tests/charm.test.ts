import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../../../../reactive/testing/recording-host.js';
import { Harness } from '../../../../../reactive/testing/harness.js';
import { charm, seams } from '../src/charm.js';
import { UNIT_FILE } from '../src/unit.js';

const CHARM_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('nova-cloud-controller stand-in', () => {
  let host: RecordingHost;
  let harness: Harness<string, typeof charm.endpointClasses>;

  beforeEach(() => {
    seams.program = async () => Buffer.from('#!/usr/bin/env node\n');
    seams.answers = async () => true;
    host = new RecordingHost({ hostname: 'machine-0' });
    host.onCommand('systemctl', () => ({ exitCode: 0, stdout: '', stderr: '' }));
    harness = new Harness(charm, { charmDir: CHARM_DIR, unit: 'nova-cloud-controller/0', host, address: '10.247.0.1' });
  });
  afterEach(() => harness.cleanup());

  it('registers nova in keystone, runs the emulator against keystone and points computes at it', async () => {
    await harness.beginWithInitialHooks();
    const ks = await harness.addRelation('identity-service', 'keystone', { units: { 'keystone/0': {} } });
    expect(harness.relationData(ks)).toMatchObject({ service: 'nova', region: 'RegionOne', public_url: 'http://10.247.0.1:8774/v2.1', internal_url: 'http://10.247.0.1:8774/v2.1' });
    expect(harness.status.status).toBe('waiting');
    await harness.updateRelationData(ks, 'keystone/0', {
      service_host: '10.247.0.1', service_port: '5000', service_protocol: 'http', auth_host: '10.247.0.1', auth_port: '35357', auth_protocol: 'http',
      service_tenant: 'services', service_username: 'nova', service_password: 'pw', service_tenant_id: 'p1',
    });
    expect(host.file(UNIT_FILE)).toContain('--keystone-url http://10.247.0.1:5000/v3');
    expect(host.file(UNIT_FILE)).toContain('--service-down-time 60');
    host.setServiceActive('nova-emulator', true);
    const cc = await harness.addRelation('cloud-compute', 'nova-compute', { units: { 'nova-compute/0': { hostname: 'machine-3.x' } } });
    expect(harness.relationData(cc)).toEqual(expect.objectContaining({ region: 'RegionOne', 'nova-api-url': 'http://10.247.0.1:8774' }));
    await harness.updateConfig({ 'service-down-time': 15 });
    expect(host.file(UNIT_FILE)).toContain('--service-down-time 15');
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
  });
});

/** The pure parts on their own: addresses and VIPs, options, status order, probe parsing, ini escaping, API helpers. */
import { describe, expect, it, onTestFinished } from 'vitest';
import { endpointUrls, haResources, type Bindings } from '../src/addresses.js';
import { findEndpoint } from '../src/api/keystone-token.js';
import { faultMessage } from '../src/api/masakari-client.js';
import { knownAffected, parseProbe } from '../src/debian-workarounds.js';
import { coordinationUrl, iniValue } from '../src/masakari-conf.js';
import { ActionParamError, lastMessage, validateParams } from '../src/operator-actions.js';
import { configCheck, parseCidr } from '../src/options.js';
import { b64, TEST_CA_PEM, TEST_CERT_PEM, TEST_KEY_PEM, TEST_OTHER_RSA_KEY_PEM } from '../../../reactive/decode/tests/tls-fixtures.js';
import { apiWorkers, detectOs } from '../src/platform.js';
import { settledRuntimeFacts } from '../src/facts.js';
import { RecordingHost } from '../../../reactive/testing/recording-host.js';
import type { ServiceState } from '../../../reactive/host/host.js';
import { fenceGateProblem } from '../src/fence-gate.js';
import { assessStatus, listeningPorts, type StatusFacts } from '../src/status.js';

const split: Bindings = {
  public: [{ address: '203.0.113.11', cidr: '203.0.113.0/24', iface: 'ens5' }],
  internal: [{ address: '10.5.0.11', cidr: '10.5.0.0/16', iface: 'ens4' }],
  admin: [{ address: '10.6.0.11', cidr: '10.6.0.0/16', iface: 'ens6' }],
  cluster: [{ address: '10.5.0.11', cidr: '10.5.0.0/16', iface: 'ens4' }],
};

describe('addresses', () => {
  it('registers each endpoint type on its own network, with the VIP of that network', () => {
    expect(endpointUrls({ vip: '10.5.100.1 203.0.113.100 10.6.100.1' }, split)).toEqual({
      public: 'http://203.0.113.100:15868/v1/%(tenant_id)s',
      internal: 'http://10.5.100.1:15868/v1/%(tenant_id)s',
      admin: 'http://10.6.100.1:15868/v1/%(tenant_id)s',
    });
  });

  it('picks addresses by os-*-network, brackets IPv6 and uses https with TLS', () => {
    const cert = b64(TEST_CERT_PEM);
    const key = b64(TEST_KEY_PEM);
    const v6: Bindings = { ...split, admin: [{ address: 'fd00::11', cidr: 'fd00::/64', iface: 'ens6' }] };
    const urls = endpointUrls({ 'os-public-network': '10.5.0.0/16', ssl_cert: cert, ssl_key: key }, v6);
    expect(urls.public).toBe('https://10.5.0.11:15868/v1/%(tenant_id)s');
    expect(urls.admin).toBe('https://[fd00::11]:15868/v1/%(tenant_id)s');
    expect(() => endpointUrls({ 'os-internal-network': '192.168.0.0/24' }, split)).toThrow('os-internal-network: this unit has no address in that network');
  });

  it('builds VIP resources: local VIPs hashed, foreign ones on vip_iface, removed ones deleted', () => {
    const crm = haResources({ vip: '10.5.100.1 192.168.7.7', vip_iface: 'bond0', vip_cidr: 22 }, split, ['res_masakari_abc1234_vip', 'res_masakari_haproxy']);
    expect(Object.keys(crm.resources).sort()).toEqual(['res_masakari_242d562_vip', 'res_masakari_bond0_vip', 'res_masakari_haproxy']);
    expect(crm.groups).toEqual({ grp_masakari_vips: 'res_masakari_242d562_vip res_masakari_bond0_vip' });
    expect(crm.delete_resources).toEqual(['res_masakari_abc1234_vip', 'res_masakari_ens4_vip']);
    expect(crm.resource_params.res_masakari_bond0_vip).toContain('nic="bond0" cidr_netmask="22"');
  });
});

describe('options', () => {
  it('checks what JSON schema cannot', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('fd00::/129')).toBeNull();
    expect(configCheck({ vip: '10.0.0.1 10.0.0.1', vip_cidr: 64 })).toEqual(['vip: an address is listed twice', 'vip_cidr: must be 1-32 when a VIP is an IPv4 address']);
    expect(configCheck({ ssl_cert: b64(TEST_CERT_PEM) })).toEqual(['ssl_cert/ssl_key: set both or neither']);
    // Base64 between PEM markers is not a certificate: Node's crypto parses every block.
    const fake = b64('-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n');
    expect(configCheck({ ssl_cert: fake, ssl_key: b64(TEST_KEY_PEM) })).toEqual(['ssl_cert: must be base64 of PEM certificates that parse']);
    expect(configCheck({ ssl_cert: b64(TEST_CERT_PEM), ssl_key: b64(TEST_OTHER_RSA_KEY_PEM) })).toEqual(['ssl_key: must be the private key of the first certificate in ssl_cert']);
    expect(configCheck({ ssl_cert: b64(TEST_CERT_PEM), ssl_key: b64(TEST_KEY_PEM), ssl_ca: b64(TEST_CA_PEM) })).toEqual([]);
  });

  it('sizes the API workers like the upstream charm', () => {
    expect(apiWorkers({}, 16)).toBe(4);
    expect(apiWorkers({}, 1)).toBe(2);
    expect(apiWorkers({ 'worker-multiplier': 0.25 }, 16)).toBe(4);
    expect(apiWorkers({ 'worker-multiplier': 0.1 }, 2)).toBe(1);
    expect(detectOs('ID=ubuntu\n')).toBe('ubuntu');
    expect(detectOs('ID="debian"\n')).toBe('debian');
    expect(detectOs('ID=linuxmint\nID_LIKE="ubuntu debian"\n')).toBe('ubuntu');
  });
});

describe('status order', () => {
  const ready: StatusFacts = {
    installed: true, paused: false, vipSet: false, haJoined: false, haClustered: false, dbSynced: true, isLeader: true,
    relations: { 'shared-db': { connected: true, available: true }, amqp: { connected: true, available: true }, 'identity-service': { connected: true, available: true } },
    servicesDown: [], portsClosed: [], fenceGate: null,
  };
  it('follows the upstream precedence and wording', () => {
    expect(assessStatus(ready)).toEqual({ status: 'active', message: 'Unit is ready' });
    expect(assessStatus({ ...ready, paused: true, servicesDown: ['haproxy'] }).status).toBe('maintenance');
    expect(assessStatus({ ...ready, relations: { ...ready.relations, amqp: { connected: true, available: false }, 'shared-db': { connected: false, available: false } } }))
      .toEqual({ status: 'blocked', message: "'shared-db' missing, 'amqp' incomplete" });
    expect(assessStatus({ ...ready, relations: { ...ready.relations, amqp: { connected: true, available: false } } })).toEqual({ status: 'waiting', message: "'amqp' incomplete" });
    expect(assessStatus({ ...ready, servicesDown: ['masakari-api', 'haproxy'], portsClosed: [15868] }).message).toBe('Services not running that should be: masakari-api, haproxy');
    expect(assessStatus({ ...ready, vipSet: true, haJoined: true }).status).toBe('waiting');
    expect(assessStatus({ ...ready, dbSynced: false, isLeader: false }).message).toBe('Waiting for the leader to synchronise the database schema');
  });

  it('says what the fence gate lacks: the ha relation (blocked), then pacemaker on the unit (waiting)', () => {
    const noHa = fenceGateProblem({ required: true, haJoined: false, clusterGroup: false });
    expect(noHa).toEqual({ status: 'blocked', message: "require-fencing needs the 'ha' relation to hacluster-ext (or set require-fencing=false)" });
    expect(assessStatus({ ...ready, fenceGate: noHa })).toEqual(noHa);
    // A missing relation still comes first: it is the first thing to fix.
    expect(assessStatus({ ...ready, fenceGate: noHa, relations: { ...ready.relations, amqp: { connected: false, available: false } } }).message).toBe("'amqp' missing");
    const noPacemaker = fenceGateProblem({ required: true, haJoined: true, clusterGroup: false });
    expect(assessStatus({ ...ready, haJoined: true, fenceGate: noPacemaker })).toEqual({ status: 'waiting', message: 'Waiting for pacemaker on this unit (fence gate)' });
    expect(assessStatus({ ...ready, haJoined: true, servicesDown: ['haproxy'], fenceGate: noPacemaker }).status).toBe('blocked');
    expect(fenceGateProblem({ required: true, haJoined: true, clusterGroup: true })).toBeNull();
    expect(fenceGateProblem({ required: false, haJoined: false, clusterGroup: false })).toBeNull();
  });

  it('reads listening ports from /proc/net/tcp{,6}', () => {
    const v4 = '  sl  local_address rem_address   st\n   0: 00000000:3DFC 00000000:0000 0A x\n   1: 0100007F:22B8 0100007F:C350 01 x\n';
    const v6 = '  sl  local_address\n   0: 00000000000000000000000000000000:3DF2 00000000000000000000000000000000:0000 0A x\n';
    expect([...listeningPorts(v4, v6)].sort()).toEqual([15858, 15868]);
  });
});

describe('Debian workaround probe and known versions', () => {
  it('parses both answers and refuses partial output', () => {
    expect(parseProbe('read_deleted affected\ntaskflow_alembic unaffected\n')).toEqual({ readDeleted: true, taskflowAlembic: false });
    expect(parseProbe('read_deleted affected\n')).toBeNull();
    expect(knownAffected({ 'python3-masakari': '14.0.2-2', 'python3-oslo.messaging': '14.0.3-0+deb12u1', 'python3-taskflow': '5.0.0-3' })).toEqual({ readDeleted: true, taskflowAlembic: true });
    expect(knownAffected({ 'python3-masakari': '14.0.2-3', 'python3-oslo.messaging': '14.0.3-0+deb12u1', 'python3-taskflow': '5.0.0-4' })).toEqual({ readDeleted: false, taskflowAlembic: false });
  });
});

describe('ini values and coordination', () => {
  it('escapes $ and refuses line breaks', () => {
    expect(iniValue('a$b', 'x')).toBe('a\\$b');
    expect(iniValue('"quoted"', 'x')).toBe('""quoted""');
    expect(iniValue(' padded', 'x')).toBe('" padded"');
    expect(() => iniValue('a\nb', 'service_password')).toThrow('service_password contains a line break');
  });
  it('uses tooz on MySQL only when the password needs no URL escaping', () => {
    expect(coordinationUrl({ host: 'fd00::5', port: 3306, password: 'Abc-123_x', allowedUnits: [] })).toBe('mysql://masakari:Abc-123_x@[fd00::5]:3306/masakari');
    expect(coordinationUrl({ host: 'h', port: 3306, password: 'a@b', allowedUnits: [] })).toBeNull();
  });
});

describe('API helpers and parameter checks', () => {
  it('finds catalog endpoints by type, interface and region; reads masakari faults', () => {
    const catalog = [{ type: 'instance-ha', endpoints: [{ interface: 'public', region: 'R2', url: 'u2' }, { interface: 'public', region: 'RegionOne', url: 'u1' }] }];
    expect(findEndpoint(catalog, 'instance-ha', 'public', 'RegionOne')).toBe('u1');
    expect(findEndpoint(catalog, 'instance-ha', 'internal', 'RegionOne')).toBeNull();
    expect(faultMessage('{"badRequest": {"code": 400, "message": "Compute service with name x could not be found."}}')).toBe('Compute service with name x could not be found.');
    expect(faultMessage('<html>oops</html>')).toBe('<html>oops</html>');
  });
  it('validates parameters the same way outside the framework', () => {
    expect(validateParams('add-host', { segment: 's', host: 'cmp-1.maas', reserved: 'true' })).toEqual({ segment: 's', host: 'cmp-1.maas', reserved: true, type: 'COMPUTE', controlAttributes: 'SSH' });
    expect(() => validateParams('set-maintenance', { host: 'h' })).toThrow(ActionParamError);
    expect(() => validateParams('list-notifications', { limit: '10x' })).toThrow('limit must be an integer from 1 to 1000, got "10x"');
  });
  it("takes a notification's outcome from the newest message of its recovery flow, across tasks", () => {
    const n = (steps: unknown) => ({ notification_uuid: 'u', type: 'COMPUTE_HOST', status: 'finished', source_host_uuid: 'h', generated_time: 't', recovery_workflow_details: steps as never });
    expect(lastMessage(n([
      { name: 'FencedHostDisableTask', progress_details: [{ timestamp: '2026-12-07 16:20:01.100000', message: 'Waiting' }, { timestamp: '2026-12-07 16:20:03.200000', message: 'Fence confirmed' }] },
      { name: 'EvacuateInstancesTask', progress_details: [{ timestamp: '2026-12-07 16:20:09.000000', message: 'Successfully evacuate instances' }] },
      { name: 'PrepareHAEnabledInstancesTask', progress_details: [{ timestamp: '2026-12-07 16:20:04', message: 'Preparing' }, { timestamp: '2026-12-07 16:20:05', message: '' }] },
    ]))).toBe('Successfully evacuate instances');
    expect(lastMessage(n([]))).toBeNull();
    expect(lastMessage(n(undefined))).toBeNull();
  });
});

describe('settledRuntimeFacts', () => {
  it('looks again while a service is down, so a restart in progress is not reported', async () => {
    const host = new RecordingHost().setServiceActive('haproxy', false).setServiceActive('masakari-api', true);
    onTestFinished(() => host.cleanup());
    setTimeout(() => host.setServiceActive('haproxy', true), 30);
    expect(await settledRuntimeFacts(host, ['haproxy', 'masakari-api'], [], { attempts: 3, pauseMs: 100 })).toEqual({ servicesDown: [], portsClosed: [] });
  });

  it('reports what is still down after the last look', async () => {
    class Counting extends RecordingHost {
      looks = 0;
      override async serviceStates(names: readonly string[]): Promise<ReadonlyMap<string, ServiceState>> {
        this.looks++;
        return super.serviceStates(names);
      }
    }
    const host = new Counting().setServiceActive('haproxy', false);
    onTestFinished(() => host.cleanup());
    expect(await settledRuntimeFacts(host, ['haproxy'], [], { attempts: 2, pauseMs: 10 })).toEqual({ servicesDown: ['haproxy'], portsClosed: [] });
    expect(host.looks).toBe(2);
  });
});

/**
 * The rendered files checked key by key against relation data shaped as the stock charms send it (a three-unit
 * deployment behind a VIP), bad config values, and idempotence.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { b64, TEST_CA_PEM, TEST_CERT_PEM, TEST_KEY_PEM } from '../../../reactive/decode/tests/tls-fixtures.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HACLUSTER_CLUSTERED, KEYSTONE_DATA, masakariHarness, relateAll, routerData } from './fixtures.js';
import { parseIni } from './ini.js';

const cleanups: (() => void)[] = [];
afterEach(() => { while (cleanups.length) cleanups.pop()!(); });

async function threeUnitLeader() {
  const made = await masakariHarness();
  cleanups.push(() => made.harness.cleanup());
  const { harness } = made;
  await harness.beginWithInitialHooks();
  await harness.updateConfig({ vip: '10.5.100.1', 'evacuation-delay': 120, 'evacuate-all-instances': false, 'notification-expiration': 7200, 'check-expired-interval': 300, debug: true });
  await relateAll(harness);
  const peers = [...harness.model.relations.values()].find((r) => r.endpoint === 'cluster')!.id;
  await harness.addRelationUnit(peers, 'masakari/1', { 'private-address': '10.5.0.12' });
  await harness.addRelationUnit(peers, 'masakari/2', { 'private-address': '10.5.0.13' });
  await harness.addRelation('ha', 'hacluster', { units: { 'hacluster/0': HACLUSTER_CLUSTERED } });
  return made;
}

describe('masakari.conf for a three-unit deployment', () => {
  it('has every key the engine and API need, from the relations', async () => {
    const { harness, host } = await threeUnitLeader();
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    const text = host.file('/etc/masakari/masakari.conf')!;
    const dir = join(tmpdir(), 'masakari-rendered');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'masakari.conf'), text);
    writeFileSync(join(dir, 'haproxy.cfg'), host.file('/etc/haproxy/haproxy.cfg')!);
    const conf = parseIni(text);
    const db = 'mysql+pymysql://masakari:Xk3mDq9vLw2p@127.0.0.1:3306/masakari';
    expect(conf).toEqual({
      DEFAULT: {
        debug: 'True',
        use_syslog: 'False',
        enabled_apis: 'masakari_api',
        auth_strategy: 'keystone',
        os_region_name: 'RegionOne',
        transport_url: 'rabbit://masakari:Rb7tQ2nW8zLp@10.5.0.9:5672,masakari:Rb7tQ2nW8zLp@10.5.0.10:5672,masakari:Rb7tQ2nW8zLp@10.5.0.11:5672/masakari',
        os_user_domain_name: KEYSTONE_DATA.service_domain,
        os_project_domain_name: KEYSTONE_DATA.service_domain,
        nova_catalog_admin_info: 'compute:nova:publicURL',
        os_privileged_user_name: KEYSTONE_DATA.service_username,
        os_privileged_user_password: KEYSTONE_DATA.service_password,
        os_privileged_user_tenant: KEYSTONE_DATA.service_tenant,
        os_privileged_user_auth_url: 'http://10.5.0.40:5000/v3',
        wait_period_after_service_update: '120',
        notifications_expired_interval: '7200',
        check_expired_notifications_interval: '300',
      },
      wsgi: { api_paste_config: '/etc/masakari/api-paste.ini' },
      database: { connection: db },
      taskflow: { connection: db },
      coordination: { backend_url: 'mysql://masakari:Xk3mDq9vLw2p@127.0.0.1:3306/masakari' },
      keystone_authtoken: {
        www_authenticate_uri: 'http://10.5.0.40:5000',
        auth_url: 'http://10.5.0.40:35357',
        auth_type: 'password',
        interface: 'public',
        region_name: 'RegionOne',
        project_domain_name: 'service_domain',
        user_domain_name: 'service_domain',
        project_name: 'services',
        username: 'masakari',
        password: KEYSTONE_DATA.service_password,
        service_token_roles_required: 'True',
        memcached_servers: '127.0.0.1:11211',
      },
      oslo_messaging_rabbit: {},
      oslo_concurrency: { lock_path: '/var/lib/masakari/lock' },
      host_failure: { evacuate_all_instances: 'False' },
    });
    expect(host.fileMeta('/etc/masakari/masakari.conf')).toEqual({ owner: 'root', group: 'masakari', mode: 0o640 });
    expect(host.fileMeta('/etc/haproxy/haproxy.cfg')).toEqual({ owner: 'root', group: 'haproxy', mode: 0o640 });
    const haproxy = host.file('/etc/haproxy/haproxy.cfg')!;
    expect(haproxy).toContain('bind *:15868');
    expect(haproxy).not.toMatch(/^\s*maxconn/m);
    expect(haproxy.match(/^\s+server .*$/gm)).toEqual([
      '    server masakari-0 10.5.0.11:15858 check inter 2000 rise 2 fall 3',
      '    server masakari-1 10.5.0.12:15858 check inter 2000 rise 2 fall 3',
      '    server masakari-2 10.5.0.13:15858 check inter 2000 rise 2 fall 3',
    ]);
    expect(haproxy).toMatch(/timeout queue 9000ms\n\s+timeout connect 9000ms\n\s+timeout client 90000ms\n\s+timeout server 90000ms/);
    const uwsgi = parseIni(host.file('/etc/masakari/masakari-api-uwsgi.ini')!).uwsgi!;
    expect(uwsgi).toMatchObject({ 'http-socket': '0.0.0.0:15858', 'wsgi-file': '/usr/local/lib/masakari-charm/masakari-wsgi', uid: 'masakari' });
    expect(host.file('/etc/default/masakari-api')).toContain('DAEMON_ARGS="--ini /etc/masakari/masakari-api-uwsgi.ini"');
    const ks = [...harness.model.relations.values()].find((r) => r.endpoint === 'identity-service')!.id;
    expect(harness.relationData(ks).admin_url).toBe('http://10.5.100.1:15868/v1/%(tenant_id)s');
  });

  it('follows use-internal-endpoints, TLS from rabbit and keystone CA', async () => {
    const { harness, host } = await masakariHarness();
    cleanups.push(() => harness.cleanup());
    await harness.beginWithInitialHooks();
    await harness.updateConfig({ 'use-internal-endpoints': true });
    const ca = b64(TEST_CA_PEM);
    await harness.addRelation('shared-db', 'mysql-router', { units: { 'mysql-router/0': { ...routerData(), ssl_ca: ca } } });
    await harness.addRelation('amqp', 'rabbitmq-server', { units: { 'rabbitmq-server/0': { hostname: '10.5.0.9', 'private-address': '10.5.0.9', password: 'Rb7tQ2nW8zLp', ssl_port: '5671', ssl_ca: ca } } });
    await harness.addRelation('identity-service', 'keystone', { units: { 'keystone/0': { ...KEYSTONE_DATA, internal_host: '10.6.0.40', ca_cert: ca, https_keystone: 'True' } } });
    const conf = parseIni(host.file('/etc/masakari/masakari.conf')!);
    expect(conf.DEFAULT!.transport_url).toBe('rabbit://masakari:Rb7tQ2nW8zLp@10.5.0.9:5671/masakari');
    expect(conf.oslo_messaging_rabbit).toEqual({ ssl: 'True', ssl_ca_file: '/etc/masakari/rabbitmq-ca.pem' });
    expect(conf.DEFAULT!.nova_catalog_admin_info).toBe('compute:nova:internalURL');
    expect(conf.DEFAULT!.os_privileged_user_auth_url).toBe('http://10.6.0.40:5000/v3');
    expect(conf.DEFAULT!.nova_ca_certificates_file).toBe('/etc/masakari/keystone-ca.pem');
    expect(conf.keystone_authtoken).toMatchObject({ auth_url: 'http://10.6.0.40:5000', interface: 'internal', cafile: '/etc/masakari/keystone-ca.pem' });
    expect(conf.database!.connection).toBe('mysql+pymysql://masakari:Xk3mDq9vLw2p@127.0.0.1:3306/masakari?ssl_ca=%2Fetc%2Fmasakari%2Fdb-ca.pem');
    expect(host.file('/etc/masakari/rabbitmq-ca.pem')).toContain('BEGIN CERTIFICATE');
  });

  it('terminates TLS in haproxy with ssl_cert/ssl_key/ssl_ca and registers https endpoints', async () => {
    const { harness, host } = await masakariHarness();
    cleanups.push(() => harness.cleanup());
    await harness.beginWithInitialHooks();
    await harness.updateConfig({ ssl_cert: b64(TEST_CERT_PEM), ssl_key: b64(TEST_KEY_PEM), ssl_ca: b64(TEST_CA_PEM) });
    await relateAll(harness);
    // Certificate, CA, then the key re-exported as PKCS#8 by Node's crypto.
    const served = host.file('/etc/haproxy/masakari-tls/unit.pem')!;
    expect(served.startsWith(`${TEST_CERT_PEM}${TEST_CA_PEM}-----BEGIN PRIVATE KEY-----\n`)).toBe(true);
    expect(served.match(/-----BEGIN /g)).toHaveLength(3);
    expect(host.fileMeta('/etc/haproxy/masakari-tls/unit.pem')).toEqual({ owner: 'root', group: 'haproxy', mode: 0o640 });
    expect(host.file('/etc/haproxy/masakari-tls/ca.pem')).toBe(TEST_CA_PEM);
    const cfg = host.file('/etc/haproxy/haproxy.cfg')!;
    expect(cfg).toContain('bind *:15868 ssl crt /etc/haproxy/masakari-tls/unit.pem');
    // the hop to every unit's API is TLS too, verified against the CA; the API itself answers on loopback only
    expect(cfg).toContain('server masakari-0 10.5.0.11:15858 check inter 2000 rise 2 fall 3 ssl verify required ca-file /etc/haproxy/masakari-tls/ca.pem');
    expect(cfg).toContain('bind 10.5.0.11:15858 ssl crt /etc/haproxy/masakari-tls/unit.pem');
    expect(cfg).toContain('server local 127.0.0.1:15858 check');
    expect(host.file('/etc/masakari/masakari-api-uwsgi.ini')).toContain('http-socket = 127.0.0.1:15858');
    const ks = [...harness.model.relations.values()].find((r) => r.endpoint === 'identity-service')!.id;
    expect(harness.relationData(ks).public_url).toBe('https://10.5.0.11:15868/v1/%(tenant_id)s');
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready (TLS from ssl_cert/ssl_key)' });
    await harness.updateConfig({}, ['ssl_cert', 'ssl_key', 'ssl_ca']);
    expect(host.file('/etc/haproxy/masakari-tls/unit.pem')).toBeNull();
    expect(host.file('/etc/haproxy/masakari-tls/ca.pem')).toBeNull();
    expect(host.file('/etc/haproxy/haproxy.cfg')).not.toContain('ssl');
    expect(host.file('/etc/masakari/masakari-api-uwsgi.ini')).toContain('http-socket = 0.0.0.0:15858');
    expect(harness.relationData(ks).public_url).toBe('http://10.5.0.11:15868/v1/%(tenant_id)s');
  });

  it('escapes $ for oslo.config and runs without coordination when tooz cannot read the password', async () => {
    const { harness, host } = await masakariHarness();
    cleanups.push(() => harness.cleanup());
    await harness.beginWithInitialHooks();
    await harness.addRelation('shared-db', 'mysql-router', { units: { 'mysql-router/0': { ...routerData(), password: 'a$b/c' } } });
    await relateAll(harness).catch(() => undefined);
    const conf = parseIni(host.file('/etc/masakari/masakari.conf')!);
    expect(conf.database!.connection).toBe('mysql+pymysql://masakari:a%24b%2Fc@127.0.0.1:3306/masakari');
    expect(conf.coordination).toEqual({});
  });
});

describe('bad config values block, name the option and write nothing', () => {
  const cases: [Record<string, string | number | boolean>, RegExp][] = [
    [{ 'evacuation-delay': -5 }, /^invalid config: evacuation-delay: must be >= 0$/],
    [{ 'evacuation-delay': 99999 }, /evacuation-delay: must be <= 3600/],
    [{ 'notification-expiration': 5 }, /notification-expiration: must be >= 60/],
    [{ 'check-expired-interval': 0 }, /check-expired-interval: must be >= 10/],
    [{ region: 'Region One' }, /region: must match/],
    [{ vip: '10.5.100.300' }, /vip: must be space-separated IPv4 or IPv6 addresses/],
    [{ vip_cidr: 0 }, /vip_cidr: must be >= 1/],
    [{ vip_iface: 'eth0; rm -rf /' }, /vip_iface: must match/],
    [{ 'worker-multiplier': 0 }, /worker-multiplier: must be > 0/],
    [{ 'haproxy-server-timeout': 0 }, /haproxy-server-timeout: must be >= 1/],
    [{ 'os-public-network': '10.5.0.0/33' }, /os-public-network: must be a network in CIDR notation/],
    [{ 'os-admin-hostname': 'bad_host!' }, /os-admin-hostname: must match/],
    [{ 'dns-ha': true }, /dns-ha: DNS HA is not supported by this charm/],
    [{ 'openstack-origin': 'cloud:jammy-zed' }, /openstack-origin: must be one of "distro"/],
    [{ ssl_cert: 'bm90IGEgY2VydA==', ssl_key: b64(TEST_KEY_PEM) }, /ssl_cert: must be base64 of PEM certificates that parse/],
  ];
  for (const [values, message] of cases) {
    it(`${Object.keys(values)[0]} = ${JSON.stringify(Object.values(values)[0])}`, async () => {
      const { harness, host } = await masakariHarness();
      cleanups.push(() => harness.cleanup());
      await harness.beginWithInitialHooks();
      await relateAll(harness);
      const before = host.file('/etc/masakari/masakari.conf');
      host.clearRecords();
      await harness.updateConfig(values);
      expect(harness.status.status).toBe('blocked');
      expect(harness.status.message).toMatch(message);
      expect(host.writes).toEqual([]);
      expect(host.serviceActions).toEqual([]);
      expect(host.file('/etc/masakari/masakari.conf')).toBe(before);
    });
  }

  it('never echoes secret option values', async () => {
    const { harness } = await masakariHarness();
    cleanups.push(() => harness.cleanup());
    await harness.beginWithInitialHooks();
    await harness.updateConfig({ ssl_key: 'c2VjcmV0LWtleS1tYXRlcmlhbA==' });
    expect(harness.status.message).toContain('ssl_key: must be base64 of one unencrypted PEM private key that parses');
    expect(harness.status.message).not.toContain('c2VjcmV0');
  });
});

describe('idempotence', () => {
  it('a second config-changed (and update-status) writes nothing, restarts nothing, publishes nothing', async () => {
    const { harness, host } = await threeUnitLeader();
    host.clearRecords();
    await harness.runHook('config-changed');
    await harness.runHook('update-status');
    await harness.runHook('config-changed');
    expect(host.writes).toEqual([]);
    expect(host.serviceActions).toEqual([]);
    expect(host.packageActions).toEqual([]);
    expect(host.commands.filter((c) => c.argv[0] !== '/usr/bin/python3')).toEqual([]);
    for (const record of harness.history.slice(-3)) {
      expect(record.toolCalls.filter((c) => ['relation-set', 'leader-set', 'status-set', 'open-port'].includes(c.tool))).toEqual([]);
    }
  });
});

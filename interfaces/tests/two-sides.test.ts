/**
 * Each interface's two sides talking to each other: what one side publishes is what the other decodes, turn by
 * turn as the hooks run (tests/wire.ts), and a bad answer leaves the requirer waiting with the key named.
 */
import { describe, expect, it } from 'vitest';
import { MysqlSharedProvides } from '../mysql-shared/provides.js';
import { MysqlSharedRequires } from '../mysql-shared/requires.js';
import { RabbitMQProvides } from '../rabbitmq/provides.js';
import { RabbitMQRequires } from '../rabbitmq/requires.js';
import { transportUrl } from '../rabbitmq/protocol.js';
import { KeystoneProvides } from '../keystone/provides.js';
import { KeystoneRequires } from '../keystone/requires.js';
import { decodeCredentials, serviceAuthUrl } from '../keystone/protocol.js';
import { KeystoneCredentialsProvides } from '../keystone-credentials/provides.js';
import { KeystoneCredentialsRequires } from '../keystone-credentials/requires.js';
import { credentialsUrl } from '../keystone-credentials/protocol.js';
import { endpointFlags, side } from './wire.js';

describe('rabbitmq, requirer and broker', () => {
  it('asks for a vhost, is answered by two brokers, and builds a transport URL with both', () => {
    const ask = side(RabbitMQRequires, 'amqp', 'masakari/0', { 'rabbitmq-server/0': {}, 'rabbitmq-server/1': {} });
    ask.endpoint.requestAccess({ username: 'masakari', vhost: 'openstack', privateAddress: '10.0.0.10' });
    expect(endpointFlags(ask)).toEqual(['endpoint.amqp.connected']);
    expect(ask.endpoint.access()).toBeNull();

    const answers: Record<string, Record<string, string>> = {};
    for (const [unit, address] of [['rabbitmq-server/0', '10.0.0.20'], ['rabbitmq-server/1', 'fd00::21']] as const) {
      const broker = side(RabbitMQProvides, 'amqp', unit, { 'masakari/0': ask.published() });
      expect(endpointFlags(broker)).toEqual(['endpoint.amqp.access-requested']);
      const [pending] = broker.endpoint.requests();
      expect(pending).toMatchObject({ unit: 'masakari/0', request: { username: 'masakari', vhost: 'openstack', privateAddress: '10.0.0.10' } });
      broker.endpoint.answer(pending!.relation, { password: 'pw', address });
      answers[unit] = broker.published();
    }

    const answered = side(RabbitMQRequires, 'amqp', 'masakari/0', answers, ask.published());
    expect(endpointFlags(answered)).toEqual(['endpoint.amqp.available', 'endpoint.amqp.connected']);
    const access = answered.endpoint.access()!;
    expect(access).toMatchObject({ username: 'masakari', vhost: 'openstack', password: 'pw', port: 5672, ssl: false });
    expect(transportUrl(access)).toBe('rabbit://masakari:pw@10.0.0.20:5672,masakari:pw@[fd00::21]:5672/openstack');
  });

  it('stays unavailable while a broker sends a bad address, naming the unit and key', () => {
    const ask = side(RabbitMQRequires, 'amqp', 'masakari/0', {});
    ask.endpoint.requestAccess({ username: 'masakari', vhost: 'openstack' });
    const answered = side(RabbitMQRequires, 'amqp', 'masakari/0', { 'rabbitmq-server/0': { password: 'pw', hostname: 'not a host!', 'private-address': 'not a host!' } }, ask.published());
    expect(answered.endpoint.access()).toBeNull();
    expect(endpointFlags(answered)).toEqual(['endpoint.amqp.connected']);
    expect(JSON.stringify(answered.endpoint.invalidData())).toContain('rabbitmq-server/0');
    expect(JSON.stringify(answered.endpoint.invalidData())).not.toContain('not a host!');
  });

  it('ignores a requirer that has not named both user and vhost, and refuses names that are not plain', () => {
    const broker = side(RabbitMQProvides, 'amqp', 'rabbitmq-server/0', { 'masakari/0': { username: 'masakari' }, 'nova/0': { username: 'x; rm -rf /', vhost: 'v' } });
    expect(broker.endpoint.requests()).toEqual([]);
    expect(endpointFlags(broker)).toEqual([]);
  });
});

describe('mysql-shared, requirer and database', () => {
  it('asks for a database, is answered for its unit, and reads the connection', () => {
    const ask = side(MysqlSharedRequires, 'shared-db', 'masakari/0', { 'mysql/0': {} });
    ask.endpoint.requestDatabase({ database: 'masakari', username: 'masakari', hostname: '10.0.0.10' });
    expect(endpointFlags(ask)).toEqual(['endpoint.shared-db.connected']);

    const db = side(MysqlSharedProvides, 'shared-db', 'mysql/0', { 'masakari/0': ask.published() });
    expect(endpointFlags(db)).toEqual(['endpoint.shared-db.database-requested']);
    const [pending] = db.endpoint.requests();
    expect(pending).toMatchObject({ unit: 'masakari/0', request: { database: 'masakari', username: 'masakari', hostname: '10.0.0.10' } });
    expect(db.endpoint.refused()).toEqual([]);
    db.endpoint.setConnectionInfo(pending!.relation, { host: '10.0.0.30', port: 3306, password: 'dbpw', allowedUnits: ['masakari/0'] });

    const answered = side(MysqlSharedRequires, 'shared-db', 'masakari/0', { 'mysql/0': db.published() }, ask.published());
    expect(endpointFlags(answered)).toEqual(['endpoint.shared-db.available', 'endpoint.shared-db.connected']);
    expect(answered.endpoint.connection()).toMatchObject({ host: '10.0.0.30', port: 3306, password: 'dbpw', allowedUnits: ['masakari/0'] });
  });

  it('waits while the answer does not list this unit in allowed_units', () => {
    const db = side(MysqlSharedProvides, 'shared-db', 'mysql/0', { 'masakari/1': {} });
    db.endpoint.setConnectionInfo(db.endpoint.relations[0]!, { host: '10.0.0.30', port: 3306, password: 'dbpw', allowedUnits: ['masakari/0'] });
    const other = side(MysqlSharedRequires, 'shared-db', 'masakari/1', { 'mysql/0': db.published() });
    expect(other.endpoint.connection()).toBeNull();
    expect(endpointFlags(other)).toEqual(['endpoint.shared-db.connected']);
  });

  it('refuses a request whose names break a rule, naming the keys and not the values', () => {
    const db = side(MysqlSharedProvides, 'shared-db', 'mysql/0', { 'masakari/0': { database: 'masakari`; DROP', username: 'masakari', hostname: '10.0.0.10' } });
    expect(db.endpoint.requests()).toEqual([]);
    const refused = db.endpoint.refused();
    expect(refused.map((r) => r.unit)).toEqual(['masakari/0']);
    expect(JSON.stringify(refused[0]!.problems)).toContain('database');
    expect(JSON.stringify(refused[0]!.problems)).not.toContain('DROP');
  });
});

describe('keystone (identity-service), service and keystone', () => {
  it('registers endpoints once per relation and reads the service credentials keystone answers with', () => {
    const svc = side(KeystoneRequires, 'identity-service', 'masakari/0', { 'keystone/0': {} });
    svc.endpoint.registerEndpoints({ service: 'masakari', region: 'RegionOne', publicUrl: 'http://10.0.0.100:15868/v1/%(tenant_id)s', internalUrl: 'i', adminUrl: 'a' });
    expect(endpointFlags(svc)).toEqual(['endpoint.identity-service.connected']);
    const keystone = side(KeystoneProvides, 'identity-service', 'keystone/0', { 'masakari/0': svc.published(), 'masakari/1': svc.published() });
    expect(endpointFlags(keystone)).toEqual(['endpoint.identity-service.registration-requested']);
    const requests = keystone.endpoint.requests();
    expect(requests.map((r) => [r.unit, r.request.service, r.request.region])).toEqual([['masakari/0', 'masakari', 'RegionOne']]);
    const credentials = decodeCredentials({
      auth_host: 'fd00::40', auth_port: '35357', auth_protocol: 'http', service_host: 'fd00::40', service_port: '5000', service_protocol: 'http',
      service_username: 'masakari', service_password: 'kpw', service_tenant: 'services', service_tenant_id: 'b2', service_domain: 'service_domain', api_version: '3',
    })!;
    keystone.endpoint.answer(requests[0]!.relation, credentials);
    const answered = side(KeystoneRequires, 'identity-service', 'masakari/0', { 'keystone/0': keystone.published() }, svc.published());
    expect(endpointFlags(answered)).toEqual(['endpoint.identity-service.available', 'endpoint.identity-service.connected']);
    expect(answered.endpoint.credentials()).toEqual(credentials);
    expect(serviceAuthUrl(answered.endpoint.credentials()!)).toBe('http://[fd00::40]:5000/v3');
  });
});

describe('keystone-credentials, client and keystone', () => {
  it('asks for a user, and is available (where) and available.auth (who) once keystone answered', () => {
    const client = side(KeystoneCredentialsRequires, 'identity-credentials', 'masakari-monitors/0', { 'keystone/0': {} });
    client.endpoint.requestCredentials({ username: 'masakari-monitors', project: 'services' });
    expect(endpointFlags(client)).toEqual(['endpoint.identity-credentials.connected']);
    const keystone = side(KeystoneCredentialsProvides, 'identity-credentials', 'keystone/0', { 'masakari-monitors/0': client.published() });
    expect(endpointFlags(keystone)).toEqual(['endpoint.identity-credentials.requested']);
    const [request] = keystone.endpoint.requests();
    expect(request).toMatchObject({ relationId: 'identity-credentials:1', remoteApp: 'masakari-monitors', request: { username: 'masakari-monitors', project: 'services' } });
    keystone.endpoint.publishCredentials(request!.relationId, {
      authHost: '10.0.0.40', authPort: '35357', authProtocol: 'http', credentialsHost: '10.0.0.40', credentialsPort: '5000', credentialsProtocol: 'http',
      apiVersion: '3', username: 'masakari-monitors', password: 'mpw', project: 'services', projectId: 'p1', domain: 'service_domain',
    });
    expect(() => keystone.endpoint.publishCredentials('identity-credentials:9', {} as never)).toThrow(/not a relation of endpoint identity-credentials/);
    const answered = side(KeystoneCredentialsRequires, 'identity-credentials', 'masakari-monitors/0', { 'keystone/0': keystone.published() }, client.published());
    expect(endpointFlags(answered)).toEqual(['endpoint.identity-credentials.available', 'endpoint.identity-credentials.available.auth', 'endpoint.identity-credentials.connected']);
    expect(answered.endpoint.credentials()).toMatchObject({ username: 'masakari-monitors', password: 'mpw', projectId: 'p1' });
    expect(credentialsUrl(answered.endpoint.credentials()!)).toBe('http://10.0.0.40:5000');
  });
});

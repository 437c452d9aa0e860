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

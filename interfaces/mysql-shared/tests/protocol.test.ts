import { describe, expect, it } from 'vitest';
import { databaseUri, decodeConnectionInfo, decodeRequests, encodeConnectionInfo, encodeRequest } from '../protocol.js';

// What mysql-router sends to a masakari unit (plain strings, as relation-get prints them).
const routerAnswer = {
  db_host: '127.0.0.1',
  db_port: '3306',
  password: 'p@ss$word/1',
  allowed_units: 'masakari/0 masakari/1 masakari/2',
  'private-address': '10.5.0.20',
};

describe('mysql-shared protocol', () => {
  it('requests with unprefixed plain keys, or prefixed ones', () => {
    expect(encodeRequest({ database: 'masakari', username: 'masakari', hostname: '10.5.0.11' })).toEqual({
      database: 'masakari', username: 'masakari', hostname: '10.5.0.11',
    });
    expect(encodeRequest({ database: 'nova', username: 'nova', hostname: 'h', prefix: 'novaapi' })).toEqual({
      novaapi_database: 'nova', novaapi_username: 'nova', novaapi_hostname: 'h',
    });
  });

  it('decodes every request a requirer unit made', () => {
    expect(decodeRequests({ database: 'masakari', username: 'masakari', hostname: '10.0.0.1', nova_database: 'nova', nova_username: 'n', nova_hostname: 'x' })).toEqual([
      { database: 'masakari', username: 'masakari', hostname: '10.0.0.1' },
      { database: 'nova', username: 'n', hostname: 'x', prefix: 'nova' },
    ]);
    expect(decodeRequests({ database: 'masakari' })).toEqual([]);
  });

  it('is ready only when this unit is in allowed_units', () => {
    expect(decodeConnectionInfo(routerAnswer, 'masakari/1')).toEqual({
      host: '127.0.0.1', port: 3306, password: 'p@ss$word/1', allowedUnits: ['masakari/0', 'masakari/1', 'masakari/2'],
    });
    expect(decodeConnectionInfo(routerAnswer, 'masakari/3')).toBeNull();
    expect(decodeConnectionInfo({ ...routerAnswer, allowed_units: '' }, 'masakari/0')).toBeNull();
    expect(decodeConnectionInfo({ ...routerAnswer, password: '' }, 'masakari/0')).toBeNull();
    expect(decodeConnectionInfo({ ...routerAnswer, 'cluster-series-upgrading': 'True' }, 'masakari/0')).toBeNull();
    const { db_port: _port, ...noPort } = routerAnswer;
    expect(decodeConnectionInfo(noPort, 'masakari/0')?.port).toBe(3306);
  });

  it('keeps a numeric-looking password a string', () => {
    expect(decodeConnectionInfo({ ...routerAnswer, password: '123' }, 'masakari/0')?.password).toBe('123');
  });

  it('round-trips the provider answer', () => {
    const encoded = encodeConnectionInfo({ host: '10.0.0.5', port: 3306, password: 'x', allowedUnits: ['masakari/0'] });
    expect(encoded).toEqual({ db_host: '10.0.0.5', db_port: '3306', password: 'x', allowed_units: 'masakari/0', ssl_ca: null, wait_timeout: null });
  });

  it('builds a pymysql URI with escaped credentials', () => {
    expect(databaseUri({ host: '127.0.0.1', port: 3306, username: 'masakari', password: 'p@ss$word/1', database: 'masakari' }))
      .toBe('mysql+pymysql://masakari:p%40ss%24word%2F1@127.0.0.1:3306/masakari');
    expect(databaseUri({ host: 'fd00::5', port: 3306, username: 'm', password: 'x', database: 'masakari', sslCaPath: '/etc/masakari/db-ca.pem' }))
      .toBe('mysql+pymysql://m:x@[fd00::5]:3306/masakari?ssl_ca=%2Fetc%2Fmasakari%2Fdb-ca.pem');
  });
});

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../../../../reactive/testing/recording-host.js';
import { Harness } from '../../../../../reactive/testing/harness.js';
import { charm } from '../src/charm.js';
import { SERVER_CONF_PATH } from '../src/sql.js';

const CHARM_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('mysql stand-in', () => {
  let host: RecordingHost;
  let harness: Harness<string, typeof charm.endpointClasses>;
  let sql: string[];

  beforeEach(() => {
    sql = [];
    host = new RecordingHost({ hostname: 'machine-0' });
    host.onCommand('mariadb-admin', () => ({ exitCode: 0, stdout: 'mysqld is alive', stderr: '' }));
    host.onCommand('mariadb', (_argv, input) => {
      sql.push(input ?? '');
      return { exitCode: 0, stdout: '', stderr: '' };
    });
    harness = new Harness(charm, { charmDir: CHARM_DIR, unit: 'masakari-mysql-router/0', host });
    harness.setNetwork('shared-db', '10.247.0.1');
  });
  afterEach(() => harness.cleanup());

  it('installs MariaDB listening on the model network and reports ready', async () => {
    await harness.beginWithInitialHooks();
    expect(host.packageActions).toEqual([{ action: 'install', packages: ['mariadb-server'] }]);
    expect(host.file(SERVER_CONF_PATH)).toContain('bind-address = 0.0.0.0');
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
  });

  it('restarts a server the machine image already ran on defaults, so it listens on the model network', async () => {
    host.setPackageVersion('mariadb-server', '1:10.11.6-0+deb12u1').setServiceActive('mariadb', true);
    await harness.beginWithInitialHooks();
    expect(host.packageActions).toEqual([]);
    expect(host.serviceActions.filter((a) => a.name === 'mariadb' && a.action !== 'enable')).toEqual([{ action: 'restart', name: 'mariadb' }]);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
  });

  it('starts, and does not restart, a server it installed itself with the configuration in place', async () => {
    await harness.beginWithInitialHooks();
    expect(host.serviceActions.filter((a) => a.name === 'mariadb' && a.action !== 'enable')).toEqual([{ action: 'start', name: 'mariadb' }]);
  });

  it('answers each requirer with the stock keys once every unit asked, granting once', async () => {
    await harness.beginWithInitialHooks();
    const rel = await harness.addRelation('shared-db', 'masakari', {
      units: {
        'masakari/0': { database: 'masakari', username: 'masakari', hostname: '10.247.0.11' },
        'masakari/1': { database: 'masakari', username: 'masakari', hostname: '10.247.0.12' },
      },
    });
    const data = harness.relationData(rel);
    expect(data).toMatchObject({ db_host: '10.247.0.1', db_port: '3306', allowed_units: 'masakari/0 masakari/1' });
    expect(data['password']).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // same request from both units: one grant; the password is the one sent to the requirer
    expect(sql).toHaveLength(1);
    expect(sql[0]).toContain('CREATE DATABASE IF NOT EXISTS `masakari`;');
    expect(sql[0]).toContain(`IDENTIFIED BY '${data['password']}'`);
    await harness.runHook('update-status');
    expect(sql).toHaveLength(1);
    const ks = await harness.addRelation('shared-db', 'keystone', { units: { 'keystone/0': { database: 'keystone', username: 'keystone', hostname: '10.247.0.1' } } });
    expect(harness.relationData(ks)).toMatchObject({ allowed_units: 'keystone/0' });
    expect(harness.relationData(ks)['password']).not.toBe(data['password']);
  });

  it('blocks, naming the unit and what is accepted, on a database name it cannot use', async () => {
    await harness.beginWithInitialHooks();
    await harness.addRelation('shared-db', 'bad', { units: { 'bad/0': { database: 'x`; DROP', username: 'u', hostname: '10.0.0.9' } } });
    expect(harness.status.status).toBe('blocked');
    expect(harness.status.message).toMatch(/^Rejected shared-db request: shared-db:\d+ bad\/0: database must be 1 to 64 letters, digits/);
    expect(harness.status.message).not.toContain('DROP');
    expect(sql).toEqual([]);
  });
});

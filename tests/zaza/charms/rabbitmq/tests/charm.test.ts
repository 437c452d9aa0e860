import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../../../../reactive/testing/recording-host.js';
import { Harness } from '../../../../../reactive/testing/harness.js';
import { charm } from '../src/charm.js';

const CHARM_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('rabbitmq stand-in', () => {
  let host: RecordingHost;
  let harness: Harness<string, typeof charm.endpointClasses>;
  let users: string[];

  beforeEach(() => {
    users = [];
    host = new RecordingHost({ hostname: 'machine-0' });
    host.onCommand(['rabbitmqctl', 'await_startup'], () => ({ exitCode: 0, stdout: '', stderr: '' }));
    host.onCommand(['rabbitmqctl', 'list_vhosts'], () => ({ exitCode: 0, stdout: '/\n', stderr: '' }));
    host.onCommand(['rabbitmqctl', 'list_users'], () => ({ exitCode: 0, stdout: users.map((u) => `${u}\t[]`).join('\n'), stderr: '' }));
    host.onCommand(['rabbitmqctl', 'add_user'], (argv) => { users.push(argv[3]!); return { exitCode: 0, stdout: '', stderr: '' }; });
    host.onCommand('rabbitmqctl', () => ({ exitCode: 0, stdout: '', stderr: '' }));
    harness = new Harness(charm, { charmDir: CHARM_DIR, unit: 'rabbitmq-server/0', host });
    harness.setNetwork('amqp', '10.247.0.1');
  });
  afterEach(() => harness.cleanup());

  it('creates vhost, user and permissions and answers with password, hostname and private-address', async () => {
    await harness.beginWithInitialHooks();
    const rel = await harness.addRelation('amqp', 'masakari', { units: { 'masakari/0': { username: 'masakari', vhost: 'masakari' } } });
    const data = harness.relationData(rel);
    expect(data).toMatchObject({ hostname: '10.247.0.1', 'private-address': '10.247.0.1' });
    expect(data['password']).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const argvs = host.commands.map((c) => c.argv.slice(0, 4).join(' '));
    expect(argvs).toEqual(expect.arrayContaining(['rabbitmqctl add_vhost -- masakari', 'rabbitmqctl add_user -- masakari', 'rabbitmqctl set_permissions -p masakari']));
    // the password is the one given to rabbitmq; it is not logged by the charm
    expect(host.commands.find((c) => c.argv[1] === 'add_user')!.argv[4]).toBe(data['password']);
    expect(JSON.stringify(harness.lastHook)).not.toContain(data['password']);
    const before = host.commands.length;
    await harness.addRelationUnit(rel, 'masakari/1', { username: 'masakari', vhost: 'masakari' });
    expect(host.commands.length).toBe(before);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
  });

  it('passes a password that begins with "-" after "--", where rabbitmqctl cannot take it for switches', async () => {
    // rabbitmqctl add_user masakari -Xy... exits 64 "Invalid options for this command"; one generated password in 64
    // begins with '-'.
    await harness.beginWithInitialHooks();
    harness.setStored('secret.amqp-user.masakari', '-Xy_0123456789abcdefghijklmnopqr');
    const rel = await harness.addRelation('amqp', 'masakari', { units: { 'masakari/0': { username: 'masakari', vhost: 'masakari' } } });
    expect(harness.relationData(rel)['password']).toBe('-Xy_0123456789abcdefghijklmnopqr');
    const addUser = host.commands.find((c) => c.argv[1] === 'add_user')!.argv;
    expect(addUser.slice(0, 4)).toEqual(['rabbitmqctl', 'add_user', '--', 'masakari']);
    expect(addUser[4]).toBe('-Xy_0123456789abcdefghijklmnopqr');
  });
});

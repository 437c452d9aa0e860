import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordingHost } from '../testing/recording-host.js';
import { HostCommandError } from '../host/errors.js';

let host: RecordingHost;
afterEach(() => host?.cleanup());

describe('RecordingHost files', () => {
  it('keeps files under its root with recorded owner, group and mode; unchanged writes are not recorded', async () => {
    host = new RecordingHost();
    await host.ensureGroup('masakari');
    expect(await host.writeFile('/etc/masakari/masakari.conf', 'a=1\n', { group: 'masakari', mode: 0o640 })).toBe(true);
    expect(readFileSync(join(host.root, 'etc/masakari/masakari.conf'), 'utf8')).toBe('a=1\n');
    expect(host.file('/etc/masakari/masakari.conf')).toBe('a=1\n');
    expect(host.fileMeta('/etc/masakari/masakari.conf')).toEqual({ owner: 'root', group: 'masakari', mode: 0o640 });
    expect(await host.writeFile('/etc/masakari/masakari.conf', 'a=1\n', { group: 'masakari', mode: 0o640 })).toBe(false);
    expect(await host.writeFile('/etc/masakari/masakari.conf', 'a=1\n', { group: 'masakari', mode: 0o600 })).toBe(true);
    expect(host.writes.map((w) => [w.path, w.mode])).toEqual([['/etc/masakari/masakari.conf', 0o640], ['/etc/masakari/masakari.conf', 0o600]]);
    expect(await host.readFile('/etc/masakari/masakari.conf')).toBe('a=1\n');
    expect(await host.readFile('/etc/none')).toBeNull();
    expect(host.file('/etc/none')).toBeNull();
  });

  it('rejects relative paths and owners that were never created, like the real host', async () => {
    host = new RecordingHost();
    await expect(host.writeFile('etc/x', 'x')).rejects.toThrow(/must be absolute/);
    await expect(host.writeFile('/etc/x', 'x', { owner: 'masakari' })).rejects.toThrow(/user 'masakari' does not exist/);
    await expect(host.writeFile('/etc/x', 'x', { mode: '0640' as unknown as number })).rejects.toThrow(/mode 0640 is not a permission mode/);
    expect(host.writes).toEqual([]);
  });

  it('seeded files are not writes; removeFile and clearRecords keep state but drop records', async () => {
    host = new RecordingHost();
    await host.seedFile('/etc/hosts', '127.0.0.1 localhost\n');
    expect(host.writes).toEqual([]);
    expect(await host.exists('/etc/hosts')).toBe(true);
    await host.writeFile('/etc/a', 'x');
    host.clearRecords();
    expect(host.writes).toEqual([]);
    expect(host.file('/etc/a')).toBe('x');
    expect(await host.writeFile('/etc/a', 'x')).toBe(false);
    expect(await host.removeFile('/etc/a')).toBe(true);
    expect(await host.removeFile('/etc/a')).toBe(false);
    expect(host.fileMeta('/etc/a')).toBeNull();
  });

  it('records directories and leaves no trace after cleanup', async () => {
    host = new RecordingHost();
    expect(await host.ensureDirectory('/var/lib/masakari', { mode: 0o750 })).toBe(true);
    expect(await host.ensureDirectory('/var/lib/masakari', { mode: 0o750 })).toBe(false);
    expect(host.directoryMeta('/var/lib/masakari')).toEqual({ owner: 'root', group: 'root', mode: 0o750 });
    const root = host.root;
    host.cleanup();
    expect(existsSync(root)).toBe(false);
  });
});

describe('RecordingHost packages, services, users', () => {
  it('records installs of missing packages only and answers versions from its table', async () => {
    host = new RecordingHost();
    host.setPackageVersion('bash', '5.2').setAvailableVersion('haproxy', '2.6.12-1');
    await host.aptInstall(['bash', 'haproxy']);
    await host.aptInstall(['haproxy']);
    expect(host.packageActions).toEqual([{ action: 'install', packages: ['haproxy'] }]);
    expect(await host.packageVersion('haproxy')).toBe('2.6.12-1');
    await host.aptPurge(['haproxy', 'nothere']);
    expect(await host.packageVersion('haproxy')).toBeNull();
    expect(host.packageActions.at(-1)).toEqual({ action: 'purge', packages: ['haproxy'] });
  });

  it('records service actions in order; the active set follows start/stop/restart; reload needs a running unit', async () => {
    host = new RecordingHost();
    await host.service('enable', 'corosync');
    await host.service('start', 'corosync');
    await host.service('restart', 'pacemaker');
    await host.service('stop', 'corosync');
    expect(host.serviceActions).toEqual([
      { action: 'enable', name: 'corosync' }, { action: 'start', name: 'corosync' },
      { action: 'restart', name: 'pacemaker' }, { action: 'stop', name: 'corosync' },
    ]);
    expect(await host.serviceIsActive('corosync')).toBe(false);
    expect(await host.serviceIsActive('pacemaker')).toBe(true);
    expect(await host.serviceIsEnabled('corosync')).toBe(true);
    await expect(host.service('reload', 'haproxy')).rejects.toBeInstanceOf(HostCommandError);
    await host.service('reload', 'pacemaker');
    expect(host.serviceActions.at(-1)).toEqual({ action: 'reload', name: 'pacemaker' });
  });

  it('creates users and groups once', async () => {
    host = new RecordingHost();
    expect(await host.ensureUser('masakari', { group: 'masakari', home: '/var/lib/masakari', system: true })).toBe(true);
    expect(await host.ensureUser('masakari', { group: 'masakari', system: true })).toBe(false);
    expect(host.usersCreated).toEqual(['masakari']);
    expect(host.groupsCreated).toEqual(['masakari']);
    expect(host.user('masakari')).toMatchObject({ group: 'masakari', home: '/var/lib/masakari', system: true });
    expect(host.hasGroup('masakari')).toBe(true);
  });
});

describe('RecordingHost commands and identity', () => {
  it('answers scripted commands (latest script wins), records argv and input, and fails unscripted ones by name', async () => {
    host = new RecordingHost();
    host.onCommand('crm_mon', () => ({ exitCode: 0, stdout: '<crm_mon/>', stderr: '' }));
    host.onCommand(['cibadmin', '--replace'], (_argv, input) => ({ exitCode: input?.includes('<cib') ? 0 : 1, stdout: '', stderr: 'bad xml' }));
    host.onCommand(/^crm_mon --as-xml/, () => ({ exitCode: 0, stdout: '<xml/>', stderr: '' }));
    expect((await host.run(['crm_mon', '-1'])).stdout).toBe('<crm_mon/>');
    expect((await host.run(['/usr/sbin/crm_mon', '--as-xml'])).stdout).toBe('<crm_mon/>');
    expect((await host.run(['crm_mon', '--as-xml'])).stdout).toBe('<xml/>');
    await host.check(['cibadmin', '--replace', '--xml-pipe'], { input: '<cib/>' });
    await expect(host.check(['cibadmin', '--replace', '--xml-pipe'], { input: 'junk' })).rejects.toThrow(/cibadmin --replace --xml-pipe exited with code 1/);
    expect(host.commands.map((c) => c.argv[0])).toEqual(['crm_mon', '/usr/sbin/crm_mon', 'crm_mon', 'cibadmin', 'cibadmin']);
    expect(host.commands[3]?.input).toBe('<cib/>');
    await expect(host.run(['openssl', 'passwd', 'topsecret'], { secretArgs: [2] })).rejects.toThrow(
      /no script for command: openssl passwd '\*\*\*'; tell the test what it answers with host.onCommand\("openssl"/,
    );
  });

  it('has settable hostname and fqdn', async () => {
    host = new RecordingHost({ hostname: 'node-1' });
    expect([await host.hostname(), await host.fqdn()]).toEqual(['node-1', 'node-1.localdomain']);
    host.setHostname('compute-2', 'compute-2.maas');
    expect(await host.fqdn()).toBe('compute-2.maas');
  });
});

describe('RecordingHost package names checked against this machine\'s apt sources', () => {
  it('installs packages apt knows and fails like apt-get for a misspelt one', async () => {
    host = new RecordingHost({ checkPackagesWithAptCache: true });
    await host.aptInstall(['haproxy', 'corosync']);
    expect(host.packageActions).toEqual([{ action: 'install', packages: ['haproxy', 'corosync'] }]);
    const error = (await host.aptInstall(['masakari-monitor', 'pacemaker']).catch((e: unknown) => e)) as HostCommandError;
    expect(error).toBeInstanceOf(HostCommandError);
    expect(error.exitCode).toBe(100);
    expect(error.message).toContain('E: Unable to locate package masakari-monitor');
    expect(error.message).not.toContain('package pacemaker');
    expect(host.packageActions).toHaveLength(1);
  });
});

describe('RecordingHost and the process', () => {
  it('adds no exit listener when imported; the first temporary root adds one, removed with what is left at exit', () => {
    const repo = join(import.meta.dirname, '..', '..');
    const script = [
      "const before = process.listenerCount('exit');",
      "const { RecordingHost } = await import('./reactive/testing/recording-host.ts');",
      "const imported = process.listenerCount('exit') - before;",
      'const a = new RecordingHost(); new RecordingHost();',
      "console.log(JSON.stringify({ imported, created: process.listenerCount('exit') - before, root: a.root }));",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', './tools/ts-register.mjs', '--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout.trim().split('\n').pop()!) as { imported: number; created: number; root: string };
    expect({ imported: seen.imported, created: seen.created }).toEqual({ imported: 0, created: 1 });
    expect(existsSync(seen.root)).toBe(false);
  });
});

/** OS differences (Debian uwsgi vs Ubuntu apache2) and the Debian package workarounds coming and going. */
import { afterEach, describe, expect, it } from 'vitest';
import { masakariHarness, relateAll, UBUNTU_OS_RELEASE } from './fixtures.js';
import { parseIni } from './ini.js';

const cleanups: (() => void)[] = [];
afterEach(() => { while (cleanups.length) cleanups.pop()!(); });

const WRAPPERS = ['/usr/local/lib/masakari-charm/masakari-wsgi', '/usr/local/lib/masakari-charm/masakari-engine', '/usr/local/lib/masakari-charm/masakari-manage'];

describe('platforms', () => {
  it('Ubuntu: the API under apache2 mod_wsgi on the backend port; no workaround where the probe finds no bug', async () => {
    const made = await masakariHarness({ os: UBUNTU_OS_RELEASE, masakariVersion: '17.0.0-0ubuntu1', omVersion: '14.7.0-0ubuntu1', taskflowVersion: '5.6.0-0ubuntu1', probe: { readDeleted: false, taskflowAlembic: false } });
    cleanups.push(() => made.harness.cleanup());
    const { harness, host } = made;
    await harness.beginWithInitialHooks();
    await relateAll(harness);
    expect([...host.installedPackages.keys()]).toEqual(expect.arrayContaining(['apache2', 'libapache2-mod-wsgi-py3', 'python3-sqlalchemy-utils']));
    const site = host.file('/etc/apache2/sites-enabled/masakari-api.conf')!;
    expect(site).toContain('Listen 15858');
    expect(site).toContain('WSGIScriptAlias / /usr/bin/masakari-wsgi');
    expect(host.file('/etc/masakari/masakari-api-uwsgi.ini')).toBeNull();
    for (const w of WRAPPERS) expect(host.file(w)).toBeNull();
    expect(host.commands.find((c) => c.argv.includes('sync'))!.argv[0]).toBe('masakari-manage');
    expect([...host.activeServices]).toEqual(expect.arrayContaining(['apache2', 'masakari-engine', 'haproxy']));
    expect(harness.status.message).toBe('Unit is ready');
  });

  it('an unknown OS blocks and installs nothing', async () => {
    const made = await masakariHarness({ os: 'ID=fedora\n' });
    cleanups.push(() => made.harness.cleanup());
    await made.harness.beginWithInitialHooks();
    expect(made.harness.status).toEqual({ status: 'blocked', message: 'Unsupported operating system (accepted: Ubuntu, Debian)' });
    expect(made.host.packageActions).toEqual([]);
  });
});

describe('Debian package workarounds', () => {
  it('are applied while the probe finds the bugs, logged, and removed when fixed packages arrive', async () => {
    const made = await masakariHarness();
    cleanups.push(() => made.harness.cleanup());
    const { harness, host, probe } = made;
    await harness.beginWithInitialHooks();
    await relateAll(harness);
    for (const w of WRAPPERS) expect(host.fileMeta(w)).toEqual({ owner: 'root', group: 'root', mode: 0o755 });
    expect(host.file(WRAPPERS[0]!)).toContain("values = dict(values, read_deleted='no')");
    expect(parseIni(host.file('/etc/masakari/masakari-api-uwsgi.ini')!).uwsgi!['wsgi-file']).toBe(WRAPPERS[0]);
    expect(host.file('/etc/default/masakari-engine')).toContain(`DAEMON=${WRAPPERS[1]}`);
    const logged = harness.model.logs.filter((l) => l.message.includes('Debian package bug check'));
    expect(logged).toHaveLength(1);
    expect(logged[0]!.level).toBe('WARNING');
    expect(logged[0]!.message).toContain('python3-masakari=14.0.2-2 python3-oslo.messaging=14.0.3-0+deb12u1 python3-taskflow=5.0.0-3 (probe): workarounds read_deleted, taskflow-alembic (was none)');

    // The same versions: the probe does not run again.
    host.clearRecords();
    await harness.runHook('update-status');
    expect(host.commands).toEqual([]);

    // Fixed packages (e.g. a stable update): the next hook probes again and goes back to the packaged entry points.
    host.setPackageVersion('python3-oslo.messaging', '14.0.3-0+deb12u2');
    host.setPackageVersion('python3-taskflow', '5.0.0-4');
    probe.readDeleted = false;
    probe.taskflowAlembic = false;
    host.clearRecords();
    await harness.runHook('config-changed');
    for (const w of WRAPPERS) expect(host.file(w)).toBeNull();
    expect(parseIni(host.file('/etc/masakari/masakari-api-uwsgi.ini')!).uwsgi!['wsgi-file']).toBe('/usr/bin/masakari-wsgi');
    expect(host.file('/etc/default/masakari-engine')).not.toContain('DAEMON=');
    expect(host.serviceActions.filter((a) => a.action === 'restart').map((a) => a.name)).toEqual(['masakari-engine', 'masakari-api']);
    const removal = harness.model.logs.filter((l) => l.message.includes('Debian package bug check'))[1]!;
    expect(removal.message).toContain('workarounds none (was read_deleted, taskflow-alembic)');
    expect(harness.status.message).toBe('Unit is ready');
  });

  it('fall back to the known-affected versions when the probe cannot run', async () => {
    const made = await masakariHarness();
    cleanups.push(() => made.harness.cleanup());
    const { harness, host } = made;
    made.probe.fails = true;
    await harness.beginWithInitialHooks();
    await relateAll(harness);
    expect(host.file(WRAPPERS[0]!)).not.toBeNull();
    expect(harness.model.logs.find((l) => l.message.includes('Debian package bug check'))!.message).toContain('(probe failed (exit 1), known-affected versions)');
  });
});

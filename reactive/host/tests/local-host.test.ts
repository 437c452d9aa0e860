import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, promises as fs, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname as osHostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { LocalHost } from '../local-host.js';
import { HostCommandError } from '../errors.js';

const isRoot = process.getuid?.() === 0;
const suffix = `${process.pid}`;
const testUser = `hosttest-u${suffix}`;
const testGroup = `hosttest-g${suffix}`;
const serviceGroup = `hosttest-s${suffix}`;
let dir: string;

/** A directory of executable shell scripts put first on PATH, each standing in for one program. */
function fakeBin(scripts: Record<string, string>): string {
  const bin = mkdtempSync(join(dir, 'bin-'));
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

function hostWith(bin: string, log: string[] = []): LocalHost {
  return new LocalHost({ env: { PATH: `${bin}:${process.env.PATH ?? ''}` }, aptRetryDelaysMs: [1, 1, 1], log: (line) => log.push(line) });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-host-test-'));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (isRoot) {
    await execa('userdel', [testUser], { reject: false });
    for (const group of [testGroup, serviceGroup, testUser]) await execa('groupdel', [group], { reject: false });
  }
});

describe('LocalHost files', () => {
  const host = new LocalHost({ log: () => {} });

  it('writes a new file, then reports an identical write as unchanged without touching it', async () => {
    const path = join(dir, 'a', 'b', 'new.conf');
    expect(await host.writeFile(path, 'one\n', { mode: 0o600 })).toBe(true);
    expect(await fs.readFile(path, 'utf8')).toBe('one\n');
    expect(statSync(path).mode & 0o7777).toBe(0o600);
    const old = new Date('2001-02-03T04:05:06Z');
    await fs.utimes(path, old, old);
    const before = statSync(path);
    expect(await host.writeFile(path, 'one\n', { mode: 0o600 })).toBe(false);
    const after = statSync(path);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.ino).toBe(before.ino);
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['new.conf']);
  });

  it('rewrites when only the mode changes, and when the content changes', async () => {
    const path = join(dir, 'mode.conf');
    await host.writeFile(path, 'x', { mode: 0o644 });
    expect(await host.writeFile(path, 'x', { mode: 0o640 })).toBe(true);
    expect(statSync(path).mode & 0o7777).toBe(0o640);
    expect(await host.writeFile(path, new Uint8Array([0, 1, 2]), { mode: 0o640 })).toBe(true);
    expect([...(await fs.readFile(path))]).toEqual([0, 1, 2]);
  });

  it.runIf(isRoot)('sets owner and group by name, and rewrites when only the owner changes', async () => {
    const host2 = new LocalHost({ log: () => {} });
    await host2.ensureGroup(testGroup);
    await host2.ensureUser(testUser, { group: testGroup });
    const uid = Number((await execa('id', ['-u', testUser])).stdout);
    const gid = Number((await execa('getent', ['group', testGroup])).stdout.split(':')[2]);
    const path = join(dir, 'owned.conf');
    expect(await host2.writeFile(path, 'secret=1\n', { owner: 'root', group: testGroup, mode: 0o640 })).toBe(true);
    expect(statSync(path)).toMatchObject({ uid: 0, gid });
    expect(await host2.writeFile(path, 'secret=1\n', { owner: 'root', group: testGroup, mode: 0o640 })).toBe(false);
    expect(await host2.writeFile(path, 'secret=1\n', { owner: testUser, group: testGroup, mode: 0o640 })).toBe(true);
    expect(statSync(path)).toMatchObject({ uid, gid });
  });

  it('names the missing user when asked for an owner that does not exist, and writes nothing', async () => {
    const path = join(dir, 'nobody-here.conf');
    await expect(host.writeFile(path, 'x', { owner: 'no-such-user-xyz' })).rejects.toThrow(/user 'no-such-user-xyz' does not exist/);
    await expect(host.writeFile(path, 'x', { mode: '0640' as unknown as number })).rejects.toThrow(/mode 0640 is not a permission mode/);
    expect(await host.exists(path)).toBe(false);
  });

  it('writes through a symlink to the file it points at', async () => {
    const real = join(dir, 'real.conf');
    const link = join(dir, 'link.conf');
    await host.writeFile(real, 'old');
    await fs.symlink(real, link);
    expect(await host.writeFile(link, 'new')).toBe(true);
    expect((await fs.lstat(link)).isSymbolicLink()).toBe(true);
    expect(await fs.readFile(real, 'utf8')).toBe('new');
  });

  it('never shows a reader a partial file while it is rewritten', async () => {
    const path = join(dir, 'big.conf');
    const a = 'A'.repeat(2 * 1024 * 1024);
    const b = 'B'.repeat(3 * 1024 * 1024);
    await host.writeFile(path, a);
    // A separate process reads the file 300 times as fast as it can, counting any content that is neither
    // version; we keep rewriting it until the reader is done (a count, not a time window: CI may be slow).
    const reader = spawn(process.execPath, ['-e', `
      const fs = require('fs'); let reads = 0, torn = 0;
      while (reads < 300) { const s = fs.readFileSync(${JSON.stringify(path)}, 'latin1'); reads++;
        if (!(s.length === ${a.length} && s[0] === 'A' && s[s.length - 1] === 'A') && !(s.length === ${b.length} && s[0] === 'B' && s[s.length - 1] === 'B')) torn++; }
      console.log(JSON.stringify({ reads, torn }));`]);
    let out = '';
    let done = false;
    reader.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    const exited = new Promise<void>((resolve) => reader.on('close', () => { done = true; resolve(); }));
    let writes = 0;
    while (!done) {
      await host.writeFile(path, writes % 2 === 0 ? b : a);
      writes++;
    }
    await exited;
    const { reads, torn } = JSON.parse(out) as { reads: number; torn: number };
    expect(writes).toBeGreaterThan(2);
    expect(reads).toBe(300);
    expect(torn).toBe(0);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('creates directories with a mode, reports no change the second time, removes files', async () => {
    const sub = join(dir, 'd1', 'd2');
    expect(await host.ensureDirectory(sub, { mode: 0o750 })).toBe(true);
    expect(statSync(sub).mode & 0o7777).toBe(0o750);
    expect(await host.ensureDirectory(sub, { mode: 0o750 })).toBe(false);
    expect(await host.ensureDirectory(sub, { mode: 0o700 })).toBe(true);
    const file = join(sub, 'f');
    await host.writeFile(file, 'x');
    expect(await host.readFile(file)).toBe('x');
    expect(await host.removeFile(file)).toBe(true);
    expect(await host.removeFile(file)).toBe(false);
    expect(await host.readFile(file)).toBeNull();
  });

  it('lists a directory sorted, and a missing one as empty', async () => {
    const sub = join(dir, 'listed');
    await host.ensureDirectory(sub);
    for (const name of ['cib.xml', 'cib-10.raw', 'cib-2.raw']) await host.writeFile(join(sub, name), name);
    expect(await host.listDirectory(sub)).toEqual(['cib-10.raw', 'cib-2.raw', 'cib.xml']);
    expect(await host.listDirectory(join(dir, 'absent'))).toEqual([]);
  });
});

describe.runIf(isRoot)('LocalHost users and groups', () => {
  const host = new LocalHost({ log: () => {} });

  it('creates a system group and user once, with home and shell, then reports no change', async () => {
    expect(await host.ensureGroup(serviceGroup, { system: true })).toBe(true);
    expect(await host.ensureGroup(serviceGroup, { system: true })).toBe(false);
    const user = `hosttest-v${suffix}`;
    try {
      expect(await host.ensureUser(user, { group: serviceGroup, home: '/var/lib/hosttest', system: true })).toBe(true);
      expect(await host.ensureUser(user, { group: serviceGroup, home: '/var/lib/hosttest', system: true })).toBe(false);
      const fields = (await execa('getent', ['passwd', user])).stdout.split(':');
      const gid = (await execa('getent', ['group', serviceGroup])).stdout.split(':')[2];
      expect(fields[3]).toBe(gid);
      expect(fields[5]).toBe('/var/lib/hosttest');
      expect(fields[6]).toBe('/usr/sbin/nologin');
      expect(Number(fields[2])).toBeLessThan(1000);
    } finally {
      await execa('userdel', [user], { reject: false });
    }
  });
});

describe('LocalHost commands', () => {
  const host = new LocalHost({ log: () => {} });

  it('returns exit code and exact output, passes stdin, env and cwd, without a shell', async () => {
    const script = join(dir, 'tiny.sh');
    writeFileSync(script, '#!/bin/sh\nread line\necho "in=$line env=$TINY pwd=$(pwd) args=$#:$1"\necho warn >&2\nexit 7\n');
    chmodSync(script, 0o755);
    const result = await host.run([script, 'a b;$(x)'], { input: 'hello\n', env: { TINY: 'yes' }, cwd: dir });
    expect(result).toEqual({ exitCode: 7, stdout: `in=hello env=yes pwd=${dir} args=1:a b;$(x)\n`, stderr: 'warn\n' });
  });

  it('check throws a HostCommandError with exit code, stderr tail, and secrets redacted everywhere', async () => {
    const script = join(dir, 'echo-secret.sh');
    writeFileSync(script, '#!/bin/sh\necho "line1" >&2\necho "bad password: $2" >&2\nexit 3\n');
    chmodSync(script, 0o755);
    const error = await host.check([script, '--password', 'hunter2-secret'], { secretArgs: [2] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostCommandError);
    const e = error as HostCommandError;
    expect(e.exitCode).toBe(3);
    expect(e.command).toBe(script);
    expect(e.args).toEqual(['--password', '***']);
    expect(e.message).toContain(`${script} --password '***' exited with code 3`);
    expect(e.message).toContain('bad password: ***');
    expect(e.message).not.toContain('hunter2');
    expect(e.stderrTail).not.toContain('hunter2');
  });

  it('a missing program says which package provides it', async () => {
    const bin = fakeBin({});
    const lonely = new LocalHost({ env: { PATH: bin }, log: () => {} });
    const error = (await lonely.run(['crm_mon', '-1']).catch((e: unknown) => e)) as HostCommandError;
    expect(error).toBeInstanceOf(HostCommandError);
    expect(error.exitCode).toBeNull();
    expect(error.message).toMatch(/crm_mon -1 could not start: not found/);
    expect(error.message).toContain("install the Debian package 'pacemaker-cli-utils'");
  });

  it('kills a command that exceeds its time limit and says so', async () => {
    await expect(host.run(['sleep', '5'], { timeoutMs: 100 })).rejects.toThrow(/sleep 5 was killed after the 100 ms time limit/);
  });

  it('short hostname and fqdn, with the short name as fallback when hostname -f fails', async () => {
    expect(await host.hostname()).toBe(osHostname().split('.')[0]);
    const failing = hostWith(fakeBin({ hostname: 'echo "hostname: Name or service not known" >&2; exit 1' }));
    expect(await failing.fqdn()).toBe(osHostname().split('.')[0]);
    const resolving = hostWith(fakeBin({ hostname: '[ "$1" = -f ] && echo node1.cloud.example' }));
    expect(await resolving.fqdn()).toBe('node1.cloud.example');
  });
});

describe('LocalHost services (systemctl replaced by a recording script)', () => {
  it('runs systemctl with the action and reads is-active / is-enabled from its exit code', async () => {
    const calls = join(dir, 'systemctl.calls');
    const bin = fakeBin({
      systemctl: `echo "$*" >> ${calls}\ncase "$*" in "is-active --quiet good"|"is-enabled --quiet good") exit 0;; "restart broken") echo "Job for broken.service failed." >&2; exit 1;; is-*) exit 3;; esac`,
    });
    const host = hostWith(bin);
    await host.service('enable', 'good');
    await host.service('restart', 'good');
    await host.service('reload', 'good');
    expect(await host.serviceIsActive('good')).toBe(true);
    expect(await host.serviceIsActive('bad')).toBe(false);
    expect(await host.serviceIsEnabled('good')).toBe(true);
    await expect(host.service('restart', 'broken')).rejects.toThrow(/systemctl restart broken exited with code 1\nstderr:\n {2}Job for broken.service failed.\nfix: see why with: journalctl -u broken -n 50/);
    expect((await fs.readFile(calls, 'utf8')).trim().split('\n')).toEqual([
      'enable good', 'restart good', 'reload good', 'is-active --quiet good', 'is-active --quiet bad', 'is-enabled --quiet good', 'restart broken',
    ]);
  });

  it('asks systemctl once about several services and reads its block of properties per unit', async () => {
    const calls = join(dir, 'systemctl-many.calls');
    // the shape systemctl show prints: a block per unit in the order asked, properties in its own order
    const blocks = [
      'ActiveState=active\nUnitFileState=enabled',
      'UnitFileState=disabled\nActiveState=activating',
      'ActiveState=failed\nUnitFileState=static',
      'ActiveState=reloading\nUnitFileState=',
    ].join('\n\n');
    const bin = fakeBin({ systemctl: `echo "$*" >> ${calls}\nprintf '${blocks.replace(/\n/g, '\\n')}\\n'` });
    const host = hostWith(bin);
    const states = await host.serviceStates(['memcached', 'masakari-api', 'masakari-engine', 'haproxy']);
    expect(Object.fromEntries(states)).toEqual({
      memcached: { active: true, enabled: true },
      'masakari-api': { active: false, enabled: false },
      'masakari-engine': { active: false, enabled: true },
      haproxy: { active: true, enabled: false },
    });
    expect(await host.serviceStates([])).toEqual(new Map());
    expect((await fs.readFile(calls, 'utf8')).trim().split('\n')).toEqual(['show --property=ActiveState,UnitFileState -- memcached masakari-api masakari-engine haproxy']);
  });

  it('reads every service as stopped and disabled when systemctl cannot answer', async () => {
    const bin = fakeBin({ systemctl: 'echo "System has not been booted with systemd as init system (PID 1). Can\'t operate." >&2; exit 1' });
    const states = await hostWith(bin).serviceStates(['haproxy']);
    expect(states.get('haproxy')).toEqual({ active: false, enabled: false });
  });
});

describe('LocalHost accounts (getent and groupadd replaced by scripts)', () => {
  it('lists a database once per hook, asks for names the listing lacks, and lists again after a change', async () => {
    const calls = join(dir, 'getent-calls');
    const groups = join(dir, 'group');
    writeFileSync(groups, 'root:x:0:\nhaclient:x:108:hacluster\n');
    const bin = fakeBin({
      getent: `echo "$*" >> ${calls}
if [ "$1" = group ] && [ $# -eq 1 ]; then cat ${groups}; exit 0; fi
if [ "$1" = group ] && [ "$2" = ldapgroup ]; then echo "ldapgroup:*:5000:"; exit 0; fi
if [ "$1" = group ]; then grep "^$2:" ${groups} || exit 2; exit 0; fi
exit 2`,
      groupadd: `echo "$1:x:999:" >> ${groups}`,
    });
    const host = hostWith(bin);
    expect(await host.groupExists('haclient')).toBe(true);
    expect(await host.groupExists('root')).toBe(true);
    expect(await host.groupExists('haclient')).toBe(true);
    // not enumerated (a directory service), so asked for by name, then kept
    expect(await host.groupExists('ldapgroup')).toBe(true);
    expect(await host.groupExists('ldapgroup')).toBe(true);
    expect(await host.ensureGroup('masakari')).toBe(true);
    expect(await host.ensureGroup('masakari')).toBe(false);
    expect((await fs.readFile(calls, 'utf8')).trim().split('\n')).toEqual(['group', 'group ldapgroup', 'group masakari', 'group']);
  });
});

describe('HostCommandError', () => {
  it('says what to do when systemd is not running or the unit does not exist', async () => {
    const host = hostWith(fakeBin({
      systemctl: 'case "$2" in nosd) echo "System has not been booted with systemd as init system (PID 1). Can\'t operate." >&2;; *) echo "Failed to start $2.service: Unit $2.service not found." >&2;; esac; exit 1',
    }));
    await expect(host.service('start', 'nosd')).rejects.toThrow(/fix: systemd is not running on this machine/);
    await expect(host.service('start', 'masakari-api')).rejects.toThrow(/fix: there is no unit 'masakari-api': install the package that ships it/);
  });

  it('shows the stdout tail when a failing program printed nothing on stderr, secrets redacted', async () => {
    const host = new LocalHost({ log: () => {} });
    const error = (await host.check(['sh', '-c', 'echo "ERROR: bad value $0"; exit 1', 'pw-value-1'], { secretArgs: [3] }).catch((e: unknown) => e)) as HostCommandError;
    expect(error.message).toBe("command failed: sh -c 'echo \"ERROR: bad value $0\"; exit 1' '***' exited with code 1\nstdout:\n  ERROR: bad value ***");
  });
});

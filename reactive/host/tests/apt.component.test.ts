import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { LocalHost } from '../local-host.js';
import { HostCommandError } from '../errors.js';

// Real apt-get and dpkg on this machine: installs and purges Debian's tiny `hello` package while another process
// holds the dpkg frontend lock (a perl fcntl lock, the kind apt itself takes). The whole test holds the team's
// /tmp/apt.lock so it never races the other apt users of this machine.
const PACKAGE = 'hello';
const candidate = spawnSync('apt-cache', ['policy', PACKAGE], { encoding: 'utf8' }).stdout.match(/Candidate:\s*(\S+)/)?.[1];
const alreadyInstalled = spawnSync('dpkg-query', ['-W', '-f', '${db:Status-Status}', PACKAGE], { encoding: 'utf8' }).stdout === 'installed';
const runnable = process.getuid?.() === 0 && process.arch === 'x64' && candidate !== undefined && candidate !== '(none)' && !alreadyInstalled;

// struct flock on x86_64: short type, short whence, 4 pad, off_t start, off_t len, pid_t pid, 4 pad.
const HOLD_DPKG_LOCK = `
use Fcntl;
open(my $f, '+<', '/var/lib/dpkg/lock-frontend') or die "open: $!";
my $lock = pack('s s x4 q q l x4', F_WRLCK, 0, 0, 0, 0);
fcntl($f, F_SETLKW, $lock) or die "lock: $!";
$| = 1; print "locked\\n"; sleep($ARGV[0]);`;

async function holdDpkgLock(seconds: number): Promise<{ child: ChildProcess; released: Promise<number> }> {
  const child = spawn('perl', ['-e', HOLD_DPKG_LOCK, String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => { if (chunk.toString().includes('locked')) resolve(); });
    child.on('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
  });
  return { child, released: once(child, 'exit').then(() => Date.now()) };
}

let teamLock: ChildProcess | undefined;

beforeAll(async () => {
  if (!runnable) return;
  teamLock = spawn('flock', ['/tmp/apt.lock', 'sh', '-c', 'echo held; read line'], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => teamLock?.stdout?.once('data', () => resolve()));
}, 900_000);

afterAll(async () => {
  if (!runnable) return;
  spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', '-q', '-y', 'purge', PACKAGE], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  teamLock?.stdin?.end();
  if (teamLock) await once(teamLock, 'exit');
}, 900_000);

describe.runIf(runnable)('LocalHost apt against the real dpkg', () => {
  it('waits for the dpkg lock held by another process, then installs', async () => {
    const log: string[] = [];
    const host = new LocalHost({ log: (line) => log.push(line) });
    const holder = await holdDpkgLock(3);
    await host.aptInstall([PACKAGE]);
    const installedAt = Date.now();
    expect(await holder.released).toBeLessThanOrEqual(installedAt);
    expect(await host.packageVersion(PACKAGE)).toBe(candidate);
    expect(log[0]).toBe(`apt: apt-get install --no-install-recommends ${PACKAGE}`);
    await host.aptInstall([PACKAGE]); // installed: no apt-get run at all
    expect(log).toHaveLength(1);
  });

  it('fails with the lock message and a fix when the lock is held longer than the timeout and retries', async () => {
    const host = new LocalHost({ log: () => {}, aptLockTimeoutSeconds: 1, aptRetryDelaysMs: [100] });
    const holder = await holdDpkgLock(20);
    try {
      const error = (await host.aptPurge([PACKAGE]).catch((e: unknown) => e)) as HostCommandError;
      expect(error).toBeInstanceOf(HostCommandError);
      expect(error.exitCode).toBe(100);
      expect(error.stderrTail).toContain('E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?');
      expect(error.hint).toBe('another apt/dpkg process held the lock for more than 1s after retries; let it finish, then retry the hook');
    } finally {
      holder.child.kill();
      await holder.released;
    }
    expect(await host.packageVersion(PACKAGE)).toBe(candidate);
  });

  it('purges', async () => {
    const host = new LocalHost({ log: () => {} });
    await host.aptPurge([PACKAGE]);
    expect(await host.packageVersion(PACKAGE)).toBeNull();
  });
});

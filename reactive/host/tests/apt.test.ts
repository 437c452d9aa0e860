import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHost } from '../local-host.js';
import { HostCommandError } from '../errors.js';
import { classifyAptFailure } from '../apt.js';

// apt-get and dpkg-query are replaced by scripts on PATH that keep the "installed" state in a file, so the retry
// and refresh logic runs for real against the exit codes and messages apt prints.
const dir = mkdtempSync(join(tmpdir(), 'apt-test-'));
const bin = join(dir, 'bin');
const state = join(dir, 'installed');
const calls = join(dir, 'calls');

function script(name: string, body: string): void {
  writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
}

beforeEach(() => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(bin, { recursive: true });
  writeFileSync(state, 'bash\t5.2\n');
  script('dpkg-query', `echo "$*" >> ${dir}/dpkg-calls\nshift 3\nif [ $# -eq 0 ]; then sed 's/\\t/\\tinstalled\\t/' ${state}; fi\nfor p in "$@"; do grep -P "^$p\\t" ${state} | sed 's/\\t/\\tinstalled\\t/'; done\nexit 0`);
  script('apt-get', `
echo "$DEBIAN_FRONTEND $*" >> ${calls}
case " $* " in *" update "*) touch ${dir}/updated; exit 0;; esac
n=$(cat ${dir}/count 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${dir}/count
last=""; for a in "$@"; do last="$a"; done
case "$FAKE_MODE" in
  lock) if [ $n -lt 3 ]; then echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 42 (apt-get)" >&2; exit 100; fi;;
  stale) if [ ! -e ${dir}/updated ]; then echo "E: Unable to locate package $last" >&2; exit 100; fi;;
  unknown) echo "E: Unable to locate package $last" >&2; exit 100;;
  broken) echo "E: Sub-process /usr/bin/dpkg returned an error code (1)" >&2; exit 100;;
esac
for p in "$@"; do case "$p" in -*|*=*|install|purge|upgrade|DPkg*|Dpkg*) ;; *) printf '%s\\t1.0\\n' "$p" >> ${state};; esac; done
exit 0`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function host(mode: string, log: string[] = []): LocalHost {
  return new LocalHost({ env: { PATH: `${bin}:${process.env.PATH ?? ''}`, FAKE_MODE: mode }, aptRetryDelaysMs: [1, 1, 1], log: (line) => log.push(line) });
}

function aptCalls(): string[] {
  return existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [];
}

describe('apt through LocalHost', () => {
  it('installs only missing packages, non-interactively, keeping local config and waiting for the dpkg lock', async () => {
    await host('ok').aptInstall(['bash', 'haproxy']);
    expect(aptCalls()).toEqual([
      'noninteractive -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -q -y install --no-install-recommends haproxy',
    ]);
    expect(await host('ok').packageVersion('haproxy')).toBe('1.0');
  });

  it('does not run apt-get when everything is installed', async () => {
    await host('ok').aptInstall(['bash']);
    expect(aptCalls()).toEqual([]);
  });

  it('asks dpkg once per hook however many packages are looked up, and again after apt-get ran', async () => {
    const dpkgCalls = () => readFileSync(join(dir, 'dpkg-calls'), 'utf8').split('\n').filter((l) => l.startsWith('-W')).length;
    const h = host('ok');
    expect(await h.packageVersion('bash')).toBe('5.2');
    expect(await h.packageVersion('haproxy')).toBeNull();
    await h.aptInstall(['bash']);
    expect(dpkgCalls()).toBe(1);
    await h.aptInstall(['haproxy']);
    expect(await h.packageVersion('haproxy')).toBe('1.0');
    expect(dpkgCalls()).toBe(2);
  });

  it('retries with backoff while another process holds the lock, logging each attempt', async () => {
    const log: string[] = [];
    await host('lock', log).aptInstall(['corosync']);
    expect(aptCalls().filter((line) => line.includes(' install '))).toHaveLength(3);
    expect(log).toContain('apt: apt-get install --no-install-recommends corosync (attempt 3/4)');
    expect(await host('ok').packageVersion('corosync')).toBe('1.0');
  });

  it('refreshes stale package lists once, then installs', async () => {
    await host('stale').aptInstall(['masakari-api']);
    const lines = aptCalls();
    expect(lines.filter((line) => line.endsWith(' update'))).toHaveLength(1);
    expect(lines).toHaveLength(3); // install (unknown) → update → install
  });

  it('gives up on a package that no source has, after one update, naming the fix', async () => {
    const error = (await host('unknown').aptInstall(['no-such-pkg']).catch((e: unknown) => e)) as HostCommandError;
    expect(error).toBeInstanceOf(HostCommandError);
    expect(error.exitCode).toBe(100);
    expect(error.message).toContain('E: Unable to locate package no-such-pkg');
    expect(error.hint).toContain('is in no configured apt source even after apt-get update');
    expect(aptCalls().filter((line) => line.endsWith(' update'))).toHaveLength(1);
  });

  it('does not retry a failure that is not transient', async () => {
    await expect(host('broken').aptInstall(['pacemaker'])).rejects.toThrow(/exited with code 100[\s\S]*returned an error code/);
    expect(aptCalls()).toHaveLength(1);
  });

  it('purges only what dpkg knows about, and upgrades the named packages', async () => {
    await host('ok').aptPurge(['bash', 'never-installed']);
    await host('ok').aptUpgrade(['bash']);
    const lines = aptCalls();
    expect(lines[0]).toMatch(/ -q -y purge bash$/);
    expect(lines[1]).toMatch(/ -q -y install --only-upgrade bash$/);
  });

  it('classifies apt failures by exit code and message', () => {
    const r = (stderr: string, exitCode = 100) => ({ exitCode, stdout: '', stderr });
    expect(classifyAptFailure(r('E: Could not get lock /var/lib/dpkg/lock-frontend'))).toBe('lock');
    expect(classifyAptFailure(r('E: Failed to fetch http://mirror/pool/x.deb 404 Not Found'))).toBe('fetch');
    expect(classifyAptFailure(r("E: dpkg was interrupted, you must manually run 'dpkg --configure -a'"))).toBe('interrupted');
    expect(classifyAptFailure(r("E: Package 'x' has no installation candidate"))).toBe('unknown-package');
    expect(classifyAptFailure(r('E: Could not get lock', 1))).toBe('other');
  });
});

describe('apt against the real dpkg database', () => {
  it('reads the installed version of a real package and null for an unknown one', async () => {
    const real = new LocalHost({ log: () => {} });
    expect(await real.packageVersion('dpkg')).toMatch(/^\d/);
    expect(await real.packageVersion('no-such-package-hosttest')).toBeNull();
  });
});

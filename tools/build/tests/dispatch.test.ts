import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeCacheLoader } from '../code-cache-loader.js';
import { dispatchScript, NODE_NOTE } from '../dispatch-script.js';

// The generated script runs under /bin/sh with a PATH that holds only fake programs (node, nodejs, apt-get)
// and `sleep`, so "node absent" really means absent, and apt-get only records what it was asked.
const root = mkdtempSync(join(tmpdir(), 'dispatch-test-'));
let charm: string;
let bin: string;
let late: string;
let calls: string;

function program(dir: string, name: string, body: string): void {
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, name), 0o755);
}

function fakeNode(dir: string, name: string, version: string): void {
  program(dir, name, `if [ "$1" = --version ]; then echo ${version}; exit 0; fi\necho "ran ${name} ${version} $* DISPATCH=$JUJU_DISPATCH_PATH"`);
}

/** apt-get that fails `failures` times (lock held), then "installs" nodejs 18 into `late`. */
function fakeAptGet(failures: number): void {
  program(bin, 'apt-get', `PATH=/usr/bin:/bin
echo "$DEBIAN_FRONTEND $*" >> ${calls}
case "$*" in *update*) exit 0;; esac
n=$(cat ${root}/count 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${root}/count
if [ $n -le ${failures} ]; then echo "E: Could not get lock /var/lib/dpkg/lock-frontend" >&2; exit 100; fi
printf '#!/bin/sh\\nif [ "$1" = --version ]; then echo v18.19.0; exit 0; fi\\necho "ran installed-nodejs $*"\\n' > ${late}/nodejs
chmod 755 ${late}/nodejs`);
}

function dispatch(invokedAs: string, env: Record<string, string> = {}, cwd = charm) {
  const result = spawnSync('/bin/sh', [invokedAs], {
    cwd, encoding: 'utf8', env: { PATH: `${bin}:${late}`, DISPATCH_RETRY_SECONDS: '0', ...env },
  });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
}

function aptCalls(): string[] {
  return existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [];
}

beforeEach(() => {
  rmSync(root, { recursive: true, force: true });
  charm = join(root, 'charm');
  bin = join(root, 'bin');
  late = join(root, 'late');
  calls = join(root, 'apt-calls');
  for (const dir of [join(charm, 'hooks'), join(charm, 'actions'), bin, late]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(charm, 'dispatch'), dispatchScript('dist/charm.mjs'));
  chmodSync(join(charm, 'dispatch'), 0o755);
  symlinkSync('../dispatch', join(charm, 'hooks', 'install'));
  symlinkSync('../dispatch', join(charm, 'actions', 'pause'));
  symlinkSync(spawnSync('/bin/sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim(), join(bin, 'sleep'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('dispatch with Node present', () => {
  it('execs node on the bundle with JUJU_DISPATCH_PATH defaulting to how it was invoked', () => {
    fakeNode(bin, 'node', 'v18.19.0');
    expect(dispatch(join(charm, 'dispatch'), { JUJU_DISPATCH_PATH: 'hooks/config-changed' }).stdout)
      .toBe(`ran node v18.19.0 ${charm}/dist/charm.mjs DISPATCH=hooks/config-changed`);
    expect(dispatch(join(charm, 'hooks/install')).stdout).toBe(`ran node v18.19.0 ${charm}/dist/charm.mjs DISPATCH=${charm}/hooks/install`);
    expect(dispatch('actions/pause').stdout).toBe('ran node v18.19.0 ./dist/charm.mjs DISPATCH=actions/pause');
    expect(dispatch('./dispatch', { JUJU_CHARM_DIR: '/var/lib/juju/charm', JUJU_DISPATCH_PATH: 'hooks/start' }).stdout)
      .toBe('ran node v18.19.0 /var/lib/juju/charm/dist/charm.mjs DISPATCH=hooks/start');
    expect(aptCalls()).toEqual([]);
  });

  it('accepts newer majors (v20, v22)', () => {
    fakeNode(bin, 'node', 'v22.3.0');
    expect(dispatch(join(charm, 'dispatch')).stdout).toMatch(/^ran node v22.3.0 /);
  });
});

describe('the note of a node that passed', () => {
  /** A fake node that counts how often it is asked for its version. */
  function countingNode(version: string): string {
    const asked = join(root, 'asked');
    program(bin, 'node', `if [ "$1" = --version ]; then echo x >> ${asked}; echo ${version}; exit 0; fi\necho "ran node ${version} $*"`);
    return asked;
  }
  const askedTimes = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0);

  it('asks node for its version once, then trusts the note while the binary is unchanged', () => {
    const asked = countingNode('v18.19.0');
    for (let i = 0; i < 3; i++) expect(dispatch(join(charm, 'dispatch')).stdout).toMatch(/^ran node v18.19.0 /);
    expect(askedTimes(asked)).toBe(1);
    expect(readFileSync(join(charm, NODE_NOTE), 'utf8')).toBe(`${join(bin, 'node')}\n`);
  });

  it('asks again when the binary is newer than the note, or the note names another node', () => {
    const asked = countingNode('v18.19.0');
    dispatch(join(charm, 'dispatch'));
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(bin, 'node'), later, later);  // replaced by a package upgrade
    dispatch(join(charm, 'dispatch'));
    expect(askedTimes(asked)).toBe(2);
    writeFileSync(join(charm, NODE_NOTE), '/usr/bin/elsewhere\n');
    const evenLater = new Date(Date.now() + 120_000);
    utimesSync(join(charm, NODE_NOTE), evenLater, evenLater);
    dispatch(join(charm, 'dispatch'));
    expect(askedTimes(asked)).toBe(3);
  });

  it('an old node under a noted path is caught by the start file, which drops the note', () => {
    const start = join(charm, 'dist', 'start.cjs');
    mkdirSync(join(charm, 'dist'), { recursive: true });
    writeFileSync(start, codeCacheLoader('charm.cjs').replace("process.versions.node.split('.')[0]", "'16'"));
    writeFileSync(join(charm, NODE_NOTE), `${process.execPath}\n`);
    const result = spawnSync(process.execPath, [start], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('is older than 18; install Node.js 18 or newer');
    expect(existsSync(join(charm, NODE_NOTE))).toBe(false);
  });
});

describe('dispatch without a usable Node', () => {
  it('installs nodejs with apt-get (non-interactive, waiting on the dpkg lock) when node is absent', () => {
    fakeAptGet(0);
    const result = dispatch(join(charm, 'hooks/install'));
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`ran installed-nodejs ${charm}/dist/charm.mjs`);
    expect(result.stderr).toContain('Node.js >= 18 not found; installing the nodejs package with apt-get');
    expect(aptCalls()).toEqual(['noninteractive -o DPkg::Lock::Timeout=600 -q -y install nodejs']);
  });

  it('treats node 16 as too old and prefers the installed nodejs', () => {
    fakeNode(bin, 'node', 'v16.20.2');
    fakeAptGet(0);
    expect(dispatch(join(charm, 'dispatch')).stdout).toBe(`ran installed-nodejs ${charm}/dist/charm.mjs`);
  });

  it('retries a failed install after refreshing the package lists', () => {
    fakeAptGet(2);
    const result = dispatch(join(charm, 'dispatch'));
    expect(result.status).toBe(0);
    expect(aptCalls().map((line) => line.split(' ').at(-1))).toEqual(['nodejs', 'update', 'nodejs', 'update', 'nodejs']);
    expect(result.stderr).toContain('apt-get install nodejs failed (attempt 2 of 4)');
  });

  it('gives up after four attempts with a message saying what to do', () => {
    fakeAptGet(99);
    const result = dispatch(join(charm, 'dispatch'));
    expect(result.status).toBe(1);
    expect(aptCalls().filter((line) => line.endsWith(' nodejs'))).toHaveLength(4);
    expect(result.stderr).toContain('Node.js >= 18 is still missing after installing nodejs; install Node.js 18 or newer on this machine, then retry the hook');
  });

  it('says so at once when there is no apt-get', () => {
    const result = dispatch(join(charm, 'dispatch'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Node.js >= 18 not found and apt-get is not available');
  });
});

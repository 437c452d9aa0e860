import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkHostPrerequisites, destroyMachine, destroyModel, execInMachine, getMachine, isRunning, killSpawned, listMachines, powerOff, powerOn, prepareArchive,
  prepareImage, preparePackageLayer, reset, runInModelNetwork, spawnInMachine, startMachine, type Machine, type ProgressEvent,
} from '../index.js';
import { readModelState } from '../state.js';

const run = promisify(execFile);
const model = `mtest-${process.pid}`;
const started = Date.now();
const log = (event: ProgressEvent) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${event.step}: ${event.detail ?? ''}`);

let hostDir: string;
let alpha: Machine;
let beta: Machine;

async function hostNetns(): Promise<string> {
  return (await run('ip', ['netns', 'list'])).stdout;
}

async function ping(from: Machine, name: string): Promise<number> {
  return (await execInMachine(from, ['ping', '-c', '1', '-W', '1', name])).exitCode;
}

beforeAll(async () => {
  await checkHostPrerequisites();
  const image = await prepareImage(log);
  log({ step: 'timing', detail: `image ${image.built ? 'built' : 'cached'}` });
  const archive = await prepareArchive(log);
  log({ step: 'timing', detail: `archive ready: ${archive.packages} packages` });
  hostDir = await mkdtemp(join(tmpdir(), 'lm-bind-'));
  await writeFile(join(hostDir, 'from-host.txt'), 'hello from the host\n');
});

afterAll(async () => {
  // a failed test must not leave the model behind
  if (await readModelState(model).catch(() => undefined)) await destroyModel(model);
  await rm(hostDir, { recursive: true, force: true });
});

describe('machines of a local model', () => {
  it('boots two machines in parallel with stable names, addresses and the caller binds', async () => {
    const binds = [{ host: hostDir, machine: '/mnt/host', readOnly: true }];
    [alpha, beta] = await Promise.all([
      startMachine({ model, id: '0', hostname: 'alpha', binds }, log),
      startMachine({ model, id: '1', hostname: 'beta', binds }, log),
    ]);
    expect(alpha.fqdn).toBe(`alpha.${model}.localmodel`);
    expect(alpha.address).not.toBe(beta.address);
    expect(alpha.cidr).toBe(beta.cidr);
    expect(await isRunning(alpha)).toBe(true);
    const state = await execInMachine(alpha, ['systemctl', 'is-system-running', '--wait'], { timeoutMs: 120_000 });
    expect(['running', 'degraded']).toContain(state.stdout.trim());
    expect((await execInMachine(beta, ['cat', '/mnt/host/from-host.txt'])).stdout).toBe('hello from the host\n');
    expect((await execInMachine(beta, ['touch', '/mnt/host/x'])).exitCode).not.toBe(0);
  });

  it('leaves nothing of a machine that cannot boot', async () => {
    const spec = { model, id: '9', hostname: 'broken', binds: [{ host: join(hostDir, 'missing'), machine: '/mnt/missing' }] };
    await expect(startMachine(spec, log)).rejects.toThrow(/bind mount source ".*missing" does not exist on the host/);
    expect(await getMachine(spec)).toBeUndefined();
    expect(await hostNetns()).not.toContain(`lm.${model}.9`);
    expect(await readFile('/proc/mounts', 'utf8')).not.toContain(`/machines/${model}/machines/9/`);
    expect((await execInMachine(alpha, ['cat', '/etc/hosts'])).stdout).not.toContain('broken');
  });

  it('resolves and reaches every machine by FQDN, and nothing outside the model', async () => {
    expect((await execInMachine(alpha, ['hostname', '-f'])).stdout.trim()).toBe(alpha.fqdn);
    expect((await execInMachine(beta, ['getent', 'hosts', alpha.fqdn])).stdout).toContain(alpha.address);
    expect(await ping(alpha, beta.fqdn)).toBe(0);
    expect(await ping(beta, alpha.fqdn)).toBe(0);
    expect(await ping(beta, 'alpha')).toBe(0);
    expect((await execInMachine(alpha, ['ip', 'route'])).stdout).not.toContain('default');
    const rootAddresses = (await run('ip', ['-o', '-4', 'addr'])).stdout;
    expect(rootAddresses).not.toContain(alpha.cidr.replace(/0\/24$/, ''));
  });

  it('runs another model beside it on its own subnet, unreachable from this one', async () => {
    const other = `${model}-b`;
    try {
      const gamma = await startMachine({ model: other, id: '0', hostname: 'alpha' }, log);
      expect(gamma.cidr).not.toBe(alpha.cidr);
      expect(gamma.fqdn).toBe(`alpha.${other}.localmodel`);
      expect((await execInMachine(gamma, ['hostname', '-f'])).stdout.trim()).toBe(gamma.fqdn);
      expect(await ping(gamma, alpha.address)).not.toBe(0);
      expect(await ping(alpha, gamma.address)).not.toBe(0);
    } finally {
      await destroyModel(other);
    }
    expect(await hostNetns()).not.toContain(`lm.${other}`);
  });

  it('runs host processes in the model network where machines reach them', async () => {
    const server = await runInModelNetwork(model, [
      process.execPath, '-e', `require('http').createServer((q, s) => s.end('switch says hi')).listen(18931, '${alpha.gateway}')`,
    ], { stdio: 'ignore' });
    expect(server.pid).toBeGreaterThan(0);
    const script = "const go = () => fetch('http://localmodel-gateway:18931/').then((r) => r.text()).then(console.log, () => setTimeout(go, 100)); go()";
    const result = await execInMachine(alpha, ['node', '-e', script], { timeoutMs: 20_000 });
    expect(result.stdout.trim()).toBe('switch says hi');
  });

  it('installs packages from the local archive only', async () => {
    const sources = await execInMachine(alpha, ['sh', '-c', 'cat /etc/apt/sources.list /etc/apt/sources.list.d/*']);
    expect(sources.stdout.trim()).toBe('deb [trusted=yes] file:/srv/localmodel-archive ./');
    const install = await execInMachine(alpha, ['sh', '-c', 'apt-get update -q && apt-get install -y -q jq'], {
      env: { DEBIAN_FRONTEND: 'noninteractive' }, timeoutMs: 300_000,
    });
    expect(install.exitCode, install.stdout + install.stderr).toBe(0);
    expect((await execInMachine(alpha, ['jq', '-n', '1+1'])).stdout.trim()).toBe('2');
  });

  it('grows the archive incrementally and names a package set it cannot resolve', async () => {
    const extra = { concern: 'machines functional test: incremental', packages: ['hello'] };
    const bogus = { concern: 'machines functional test: bogus', packages: ['no-such-package-for-localmodel'] };
    await expect(prepareArchive(log, [extra, bogus])).rejects.toThrow(/cannot resolve "machines functional test: bogus" \(no-such-package-for-localmodel\)/);
    const again = await prepareArchive(log, [extra]);
    expect(again.downloaded).toBe(0);
    expect(await readFile(join(again.dir, 'Packages'), 'utf8')).toMatch(/^Package: hello$/m);
    const install = await execInMachine(beta, ['sh', '-c', 'apt-get update -q && apt-get install -y -q hello && hello'], {
      env: { DEBIAN_FRONTEND: 'noninteractive' }, timeoutMs: 300_000,
    });
    expect(install.exitCode, install.stdout + install.stderr).toBe(0);
    expect(install.stdout).toContain('Hello, world!');
  });

  it('boots machines from a cached package layer: installed at boot, the image untouched, built once', async () => {
    const image = await prepareImage(log);
    const [first, second] = await Promise.all([
      startMachine({ model, id: '5', hostname: 'layered-a', packages: ['curl', 'jq'] }, log),
      startMachine({ model, id: '6', hostname: 'layered-b', packages: ['jq', 'curl'] }, log),
    ]);
    for (const machine of [first, second]) {
      const status = await execInMachine(machine, ['dpkg-query', '-W', '-f', '${db:Status-Status} ', 'curl', 'jq']);
      expect(status.stdout).toBe('installed installed ');
      expect((await execInMachine(machine, ['jq', '-n', '3+3'])).stdout.trim()).toBe('6');
    }
    const layers = (await readModelState(model))?.machines['5'] as { layers?: string[] } | undefined;
    expect(layers?.layers).toHaveLength(1);
    expect((await readModelState(model))?.machines['6']).toMatchObject({ layers: layers?.layers });
    await expect(readFile(join(image.dir, 'usr/bin/jq'))).rejects.toThrow(/ENOENT/);
    // what one machine writes stays in its own upper layer
    await execInMachine(first, ['rm', '/usr/bin/jq']);
    expect((await execInMachine(second, ['jq', '--version'])).exitCode).toBe(0);
    const again = await preparePackageLayer(image, ['jq', 'curl'], log);
    expect(again).toMatchObject({ built: false, dir: layers?.layers?.[0] });
    await Promise.all([destroyMachine(first), destroyMachine(second)]);
  });

  it('execs with exit codes, separate streams, env, cwd, stdin and a timeout that kills the command tree', async () => {
    const result = await execInMachine(beta, ['sh', '-c', 'echo out; echo err >&2; echo "$GREETING"; pwd; cat; exit 3'], {
      env: { GREETING: 'hi there' }, cwd: '/etc', input: 'from stdin\n',
    });
    expect(result).toEqual({ exitCode: 3, stdout: 'out\nhi there\n/etc\nfrom stdin\n', stderr: 'err\n', timedOut: false });
    const slow = await execInMachine(beta, ['sh', '-c', 'sleep 317 & sleep 318'], { timeoutMs: 300 });
    expect(slow.timedOut).toBe(true);
    const left = await execInMachine(beta, ['sh', '-c', 'ps -eo args | grep -c "^sleep 31[78]" || true']);
    expect(left.stdout.trim()).toBe('0');
    const missing = await execInMachine(beta, ['no-such-command']);
    expect(missing.exitCode).toBe(127);
  });

  it('is managed by another process from the recorded state', async () => {
    const { stdout } = await run(process.execPath, ['--import', './tools/ts-register.mjs', 'localmodel/machines/tests/fixtures/exec-from-another-process.ts', model]);
    expect(JSON.parse(stdout)).toEqual([
      { id: '0', running: true, fqdn: alpha.fqdn },
      { id: '1', running: true, fqdn: beta.fqdn },
    ]);
  });

  it('powers off (address stops answering) and on again with the same identity and disk', async () => {
    const machineId = (await execInMachine(beta, ['cat', '/etc/machine-id'])).stdout;
    await execInMachine(beta, ['sh', '-c', 'echo kept > /root/marker']);
    const countSleeps = async () => (await execInMachine(beta, ['sh', '-c', 'ps -eo args | grep -c "^sleep 100[01]" || true'])).stdout.trim();
    const first = await spawnInMachine(beta, ['sleep', '1001'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => first.on('exit', resolve));
    await expect.poll(countSleeps).toBe('1');
    killSpawned(first);
    await exited;
    await expect.poll(countSleeps).toBe('0');
    const spawned = await spawnInMachine(beta, ['sleep', '1000'], { stdio: 'ignore' });
    expect(spawned.pid).toBeGreaterThan(0);
    await expect.poll(countSleeps).toBe('1');
    await powerOff(beta);
    expect(await isRunning(beta)).toBe(false);
    expect((await getMachine(beta))?.hostPid).toBe(0);
    expect(await ping(alpha, beta.fqdn)).not.toBe(0);
    expect(await hostNetns()).not.toContain(`lm.${model}.1`);
    await expect(execInMachine(beta, ['true'])).rejects.toThrow(/is not running; power it on first/);

    const again = await powerOn(beta, log);
    expect({ ...again, hostPid: 0, initPid: 0 }).toEqual({ ...beta, hostPid: 0, initPid: 0 });
    expect((await execInMachine(beta, ['cat', '/etc/machine-id'])).stdout).toBe(machineId);
    expect((await execInMachine(beta, ['cat', '/root/marker'])).stdout).toBe('kept\n');
    expect((await execInMachine(beta, ['hostname', '-f'])).stdout.trim()).toBe(beta.fqdn);
    expect(await ping(alpha, beta.fqdn)).toBe(0);
  });

  it('resets a machine (hard off, then on)', async () => {
    const before = await getMachine(alpha);
    const after = await reset(alpha, log);
    expect(after.initPid).not.toBe(before?.initPid);
    expect(after.address).toBe(alpha.address);
    expect((await execInMachine(alpha, ['jq', '-n', '2+2'])).stdout.trim()).toBe('4');
  });

  it('keeps /etc/hosts current as machines go, and what a charm added there', async () => {
    expect((await execInMachine(alpha, ['sh', '-c', 'echo "10.9.9.9 added-by-charm" >> /etc/hosts'])).exitCode).toBe(0);
    await destroyMachine(beta);
    const hosts = (await execInMachine(alpha, ['cat', '/etc/hosts'])).stdout;
    expect(hosts).toContain(alpha.fqdn);
    expect(hosts).not.toContain(beta.fqdn);
    expect(hosts).toContain('10.9.9.9 added-by-charm');
    expect((await listMachines(model)).map((m) => m.id)).toEqual(['0']);
  });

  it('destroys a model whose container crashed and leaves nothing behind', async () => {
    const state = await readModelState(model);
    const record = state?.machines['0'];
    const pids = [record?.nspawn?.pid, record?.init?.pid, ...(state?.processes ?? []).map((p) => p.pid)].filter((p): p is number => !!p);
    expect(pids.length).toBe(3);
    process.kill(record?.init?.pid as number, 'SIGKILL'); // the container "crashes"
    await destroyModel(model);
    for (const pid of pids) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      expect(stat === '' || / [ZX] /.test(stat), `pid ${pid} still alive: ${stat}`).toBe(true);
    }
    expect(await readFile('/proc/mounts', 'utf8')).not.toContain(`/machines/${model}/`);
    expect(await hostNetns()).not.toMatch(new RegExp(`lm\\.${model}\\b`));
    expect(await readModelState(model)).toBeUndefined();
  });
});

/**
 * Local model benchmark: wall time to deploy the three-machine recorder bundle to all-active with a cold and with
 * a warm image cache (nspawn), and where a hook's time goes in the agent (queue → process start → tools over the
 * socket → commit), on real machines and on the host backend.
 *
 *   npm run bench -- localmodel            # cold run uses a fresh LOCALMODEL_CACHE (debootstrap + archive)
 *   BENCH_SKIP_COLD=1 npm run bench -- localmodel
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../localmodel/cli/main.js';
import { modelPaths } from '../../localmodel/model/store.js';

const root = resolve(import.meta.dirname, '../..');
const charms = join(root, 'localmodel/tests/charms');

function bundleDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jl-bench-'));
  mkdirSync(join(dir, 'charms'));
  symlinkSync(join(charms, 'recorder'), join(dir, 'charms/recorder'));
  symlinkSync(join(charms, 'recorder-sub'), join(dir, 'charms/recorder-sub'));
  writeFileSync(join(dir, 'bundle.yaml'), [
    'machines: { "0": {}, "1": {}, "2": {} }',
    'applications:',
    '  a: { charm: ./charms/recorder, num_units: 2, to: ["0", "1"] }',
    '  b: { charm: ./charms/recorder, num_units: 1, to: ["2"] }',
    '  sub: { charm: ./charms/recorder-sub }',
    'relations: [[a:data, b:upstream], [sub, b]]',
    '',
  ].join('\n'));
  return dir;
}

async function cli(cwd: string, ...argv: string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t), cwd });
  if (code !== 0) throw new Error(`juju-local ${argv.join(' ')}: ${err}${out}`);
  return out;
}

interface Timing { hook: string; queueToSpawn: number; spawnToStart: number; run: number; commit: number; tools: number[] }

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}
function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]! : NaN;
}

async function deployRun(label: string, backend: 'nspawn' | 'host', env: Record<string, string> = {}): Promise<{ seconds: number; timings: Timing[]; isolated: Timing[]; toolRoundTrip: number[] }> {
  const home = mkdtempSync(join(tmpdir(), 'jl-bench-home-'));
  const dir = bundleDir();
  const saved = { ...process.env };
  Object.assign(process.env, { JUJU_LOCAL_HOME: home, JUJU_LOCAL_TIMINGS: '1', ...env });
  const model = `jlb-${backend}-${process.pid % 10000}`;
  try {
    await cli(dir, 'add-model', model, '--backend', backend, '--config', 'update-status-hook-interval=1h');
    const t0 = performance.now();
    process.stdout.write(`${label}: deploying the three-machine bundle...\n`);
    await cli(dir, 'deploy', '-m', model, './bundle.yaml');
    await cli(dir, 'wait', '-m', model, '--timeout', '60m', '--quiet');
    const seconds = (performance.now() - t0) / 1000;
    process.stdout.write(`${label}: all active after ${seconds.toFixed(1)} s\n`);
    // One hook at a time: ten config changes of the single-unit application, each waited for.
    const file0 = join(modelPaths(model, home).dir, 'timings.jsonl');
    const before = existsSync(file0) ? readFileSync(file0, 'utf8').trim().split('\n').length : 0;
    for (let i = 0; i < 10; i++) {
      await cli(dir, 'config', '-m', model, 'b', `message=m${i}`);
      await cli(dir, 'wait', '-m', model, '--timeout', '5m', '--quiet');
    }
    // Tool round trip measured inside the machine: 200 is-leader calls through the client and the socket.
    const out = await cli(dir, 'exec', '-m', model, '--unit', 'a/0', '--', 'for i in $(seq 200); do s=$(date +%s%N); is-leader >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000 )); done');
    const toolRoundTrip = out.trim().split('\n').map((l) => Number(l) / 1000);
    const file = join(modelPaths(model, home).dir, 'timings.jsonl');
    const all = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Timing) : [];
    const timings = all.slice(0, before);
    const isolated = all.slice(before);
    await cli(dir, 'destroy-model', model, '-y');
    return { seconds, timings, isolated, toolRoundTrip };
  } finally {
    process.env = saved;
    rmSync(home, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(label: string, t: Timing[], r: { toolRoundTrip: number[] }): void {
  const overhead = t.map((x) => x.queueToSpawn + x.spawnToStart + x.commit);
  const row = (name: string, xs: number[]) => `  ${name.padEnd(34)} median ${median(xs).toFixed(2).padStart(7)} ms   p95 ${p95(xs).toFixed(2).padStart(7)} ms`;
  console.log(`${label}: ${t.length} hooks`);
  console.log(row('queue → spawn (charm deploy, ctx)', t.map((x) => x.queueToSpawn)));
  console.log(row('spawn → process started', t.map((x) => x.spawnToStart)));
  console.log(row('hook process run (charm work)', t.map((x) => x.run)));
  console.log(row('exit → committed', t.map((x) => x.commit)));
  console.log(row('agent overhead per hook (sum)', overhead));
  console.log(row('tool call, server side', t.flatMap((x) => x.tools)));
  console.log(row('tool call round trip in machine', r.toolRoundTrip));
}

const results: string[] = [];
if (!process.env.BENCH_SKIP_COLD) {
  const cache = mkdtempSync(join(tmpdir(), 'jl-bench-cache-'));
  try {
    const cold = await deployRun('nspawn, cold image cache', 'nspawn', { LOCALMODEL_CACHE: cache });
    results.push(`deploy 3-machine bundle to all-active, cold image cache: ${cold.seconds.toFixed(1)} s`);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
const warm = await deployRun('nspawn, warm image cache', 'nspawn');
results.push(`deploy 3-machine bundle to all-active, warm image cache: ${warm.seconds.toFixed(1)} s (goal < 120 s)`);
const host = await deployRun('host backend', 'host');
results.push(`deploy 3-machine bundle to all-active, host backend:    ${host.seconds.toFixed(1)} s`);
console.log('');
report('nspawn machines, during the deploy (hooks of 4 units at once)', warm.timings, warm);
report('nspawn machines, one hook at a time (config-changed)', warm.isolated, warm);
report('host backend, during the deploy', host.timings, host);
report('host backend, one hook at a time', host.isolated, host);
console.log('');
for (const r of results) console.log(r);
const overhead = median(warm.isolated.map((x) => x.queueToSpawn + x.spawnToStart + x.commit));
const busy = median(warm.timings.map((x) => x.queueToSpawn + x.spawnToStart + x.commit));
console.log(`median agent overhead per hook on nspawn: ${overhead.toFixed(1)} ms one at a time, ${busy.toFixed(1)} ms during the deploy (goal < 100 ms)`);

// juju's --wait on the host backend (hooks and commands are processes on this host): exec and run end what runs past
// it, say so, and the unit's queue moves on. Seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../cli/main.js';
import { listModels } from '../model/store.js';

const RECORDER = join(dirname(fileURLToPath(import.meta.url)), 'charms/recorder');
const home = mkdtempSync(join(tmpdir(), 'jl-limits-'));
const model = 'limits';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string; seconds: number }> {
  let out = '';
  let err = '';
  const started = Date.now();
  const [verb, ...rest] = argv;
  const code = await main(verb === 'add-model' ? argv : [verb!, '-m', model, ...rest], { out: (t) => (out += t), err: (t) => (err += t), cwd: home });
  return { code, out, err, seconds: (Date.now() - started) / 1000 };
}

/** Whether a process still runs (a zombie waiting for its reaper does not count). */
function running(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    return readFileSync(stat, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

beforeAll(async () => {
  process.env.JUJU_LOCAL_HOME = home;
  expect((await cli('add-model', model, '--backend', 'host', '--config', 'update-status-hook-interval=1h')).code).toBe(0);
  expect((await cli('deploy', RECORDER, 'rec', '-n', '1')).code).toBe(0);
  expect(await cli('wait', '--timeout', '2m', '--quiet')).toMatchObject({ code: 0 });
}, 180_000);

afterAll(async () => {
  for (const m of listModels(home)) await main(['destroy-model', m, '-y'], { out: () => undefined, err: () => undefined, cwd: home });
  rmSync(home, { recursive: true, force: true });
});

describe('juju-local exec --wait', () => {
  it('kills a command that runs past --wait with everything it started, says so, and the next exec on the unit runs', async () => {
    const slow = await cli('exec', '--unit', 'rec/0', '--wait', '2s', '--', 'sleep 60 & echo $! >"$CHARM_DIR/../bg.pid"; echo started; sleep 60');
    expect(slow.code).not.toBe(0);
    expect(slow.out).toBe('started\n');
    expect(slow.err).toContain('ERROR timed out waiting for results from: unit rec/0\nit ran past --wait 2s and was killed with every process it started; give it a longer --wait');
    expect(slow.seconds).toBeLessThan(15);
    const next = await cli('exec', '--unit', 'rec/0', '--', 'cat "$CHARM_DIR/../bg.pid"');
    expect(next.code).toBe(0);
    expect(next.seconds).toBeLessThan(10);
    expect(running(Number(next.out.trim()))).toBe(false);
  }, 60_000);

  it('gives the command no stdin, so one that reads it ends at once', async () => {
    const r = await cli('exec', '--unit', 'rec/0', '--wait', '20s', '--', 'sh', '-c', 'node');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.seconds).toBeLessThan(15);
    expect((await cli('exec', '--unit', 'rec/0', '--', 'read line; echo "read exit $?"')).out).toBe('read exit 1\n');
  }, 60_000);

  it('a command still queued behind another when its --wait ends does not run, and says what it waited for', async () => {
    const busy = cli('exec', '--unit', 'rec/0', '--wait', '20s', '--', 'sleep 4; echo first');
    await new Promise((r) => setTimeout(r, 1_000));
    const queued = await cli('exec', '--unit', 'rec/0', '--wait', '1s', '--format', 'json', '--', 'touch "$CHARM_DIR/../ran"');
    expect(queued.code).toBe(1);
    expect(queued.err).toContain('it did not start within --wait 1s: machine 0 runs one thing at a time: a juju-local exec command runs there, or the next operation is about to start');
    expect(JSON.parse(queued.out)['rec/0']).toMatchObject({ status: 'failed', message: 'timed out after 1s (never started)' });
    expect(await busy).toMatchObject({ code: 0, out: 'first\n' });
    expect((await cli('exec', '--unit', 'rec/0', '--', 'ls "$CHARM_DIR/.."')).out).not.toContain('ran');
  }, 60_000);

  it('refuses a --wait that is not a duration', async () => {
    expect(await cli('exec', '--unit', 'rec/0', '--wait', 'soon', '--', 'true')).toMatchObject({ code: 2, err: 'ERROR invalid --wait "soon": a duration such as 30s, 5m or 1m30s\n' });
  });
});

describe('juju-local run --wait', () => {
  it('prints action-log messages as they arrive, ends an action past --wait (killed, failed, saying so) and runs the next', async () => {
    const slow = await cli('run', 'rec/0', 'wait', 'seconds=60', '--wait', '2s');
    expect(slow.code).toBe(1);
    expect(slow.seconds).toBeLessThan(15);
    const id = /Waiting for task (\d+)\.\.\./.exec(slow.err)?.[1];
    expect(slow.err).toMatch(new RegExp(`^Running operation ${id} with 1 task\n  - task ${id} on unit-rec-0\n\nWaiting for task ${id}...\n\\d\\d:\\d\\d:\\d\\d waiting for 60 s\n`));
    expect(slow.err).toContain(`ERROR the following task failed:\n id "${id}" with return code 143: timed out after 2s (juju-local run --wait) and was killed with every process it started; give it a longer --wait, or run it with --background and follow it with show-task\n`);
    const task = await cli('show-task', id!, '--format', 'json');
    expect(JSON.parse(task.out)).toMatchObject({ status: 'failed', message: expect.stringMatching(/^timed out after 2s/) });
    const pid = await cli('exec', '--unit', 'rec/0', '--', 'cat "$CHARM_DIR/../wait.pid"');
    expect(running(Number(pid.out.trim()))).toBe(false);
    const next = await cli('run', 'rec/0', 'echo', 'message=next', '--format', 'json');
    expect(next.code).toBe(0);
    expect(JSON.parse(next.out)['rec/0']).toMatchObject({ status: 'completed', results: { echoed: 'next' } });
    expect(next.err).toMatch(/\d\d:\d\d:\d\d echoing\n$/);
  }, 60_000);

  it('an action that cannot start before its --wait ends fails, and says while it waits and after what it waits for', async () => {
    const busy = cli('exec', '--unit', 'rec/0', '--wait', '20s', '--', 'sleep 6');
    await new Promise((r) => setTimeout(r, 1_000));
    const queued = await cli('run', 'rec/0', 'echo', '--wait', '3s');
    const id = /Waiting for task (\d+)\.\.\./.exec(queued.err)?.[1];
    const reason = 'machine 0 runs one thing at a time: a juju-local exec command runs there, or the next operation is about to start';
    expect(queued.code).toBe(1);
    expect(queued.err).toContain(`\nWaiting for task ${id}...\ntask ${id} waits: ${reason}\n`);
    expect(queued.err).toContain(`id "${id}" with return code 1: timed out after 3s (juju-local run --wait) before it started: ${reason}\n`);
    expect((await busy).code).toBe(0);
    expect(JSON.parse((await cli('show-task', id!, '--format', 'json')).out)).toMatchObject({ status: 'failed', results: {} });
  }, 60_000);

  it('--background has no time limit and takes no --wait', async () => {
    expect(await cli('run', 'rec/0', 'echo', '--background', '--wait', '1s')).toMatchObject({ code: 2, err: 'ERROR cannot specify both --wait and --background\n' });
  });
});

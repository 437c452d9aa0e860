import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runProgram } from '../run-program.js';

const dir = mkdtempSync(join(tmpdir(), 'run-program-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('runProgram', () => {
  it('returns the exit code and the exact output, with stdin, env and cwd, and no shell', async () => {
    const tiny = script('tiny.sh', 'read line; echo "in=$line env=$TINY pwd=$(pwd) args=$#:$1"; printf "warn" >&2; exit 7');
    const outcome = await runProgram(tiny, ['a b;$(x)'], { input: 'hello\n', env: { ...process.env, TINY: 'yes' }, cwd: dir });
    expect(outcome).toEqual({ exitCode: 7, signal: null, stdout: `in=hello env=yes pwd=${dir} args=1:a b;$(x)\n`, stderr: 'warn' });
  });

  it('gives a program without input an empty stdin, so a reader ends at once', async () => {
    const outcome = await runProgram('cat', []);
    expect(outcome).toEqual({ exitCode: 0, signal: null, stdout: '', stderr: '' });
  });

  it('keeps multi-byte characters whole across chunks', async () => {
    const outcome = await runProgram('sh', ['-c', 'i=0; while [ $i -lt 5000 ]; do printf "é✓"; i=$((i+1)); done']);
    expect(outcome.stdout).toBe('é✓'.repeat(5000));
  });

  it('reports a program that cannot start, looked up on the PATH it is given', async () => {
    const missing = await runProgram('crm_mon', ['-1'], { env: { PATH: dir } });
    expect(missing).toMatchObject({ exitCode: null, failure: { kind: 'start', code: 'ENOENT' } });
    const plain = join(dir, 'not-executable');
    writeFileSync(plain, '#!/bin/sh\n');
    expect(await runProgram(plain, [])).toMatchObject({ exitCode: null, failure: { kind: 'start', code: 'EACCES' } });
  });

  it('stops a program at its time limit, and kills one that ignores SIGTERM after the grace', async () => {
    const polite = await runProgram('sleep', ['5'], { timeoutMs: 100 });
    expect(polite).toMatchObject({ exitCode: null, signal: 'SIGTERM', failure: { kind: 'timeout' } });
    const stubborn = script('stubborn.sh', 'trap "" TERM; echo started; sleep 5 & wait; sleep 5');
    const started = Date.now();
    const outcome = await runProgram(stubborn, [], { timeoutMs: 200, killGraceMs: 300 });
    expect(outcome).toMatchObject({ exitCode: null, signal: 'SIGKILL', stdout: 'started\n', failure: { kind: 'timeout' } });
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('does not wait past the time limit for a child that the program left holding its output open', async () => {
    const started = Date.now();
    const outcome = await runProgram('sh', ['-c', 'sleep 5 & echo done; exit 3'], { timeoutMs: 300 });
    expect(outcome).toEqual({ exitCode: 3, signal: null, stdout: 'done\n', stderr: '' });
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('kills a program that prints more than the limit', async () => {
    const outcome = await runProgram('yes', [], { maxBuffer: 64 * 1024 });
    expect(outcome).toMatchObject({ exitCode: null, failure: { kind: 'output-limit' } });
    expect(outcome.stdout.length).toBeLessThanOrEqual(64 * 1024);
  });
});

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descendants, innermostPid, isAlive, parseProcStat, recordProcess, waitForExit } from '../processes.js';
import {
  ensureModelState, listModelNames, parseModelState, readModelState, removeModelState, updateModelState, withMachineLock, writeFileAtomic,
} from '../state.js';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'lm-state-'));
  process.env.LOCALMODEL_MACHINES_HOME = home;
});
afterAll(async () => {
  delete process.env.LOCALMODEL_MACHINES_HOME;
  await rm(home, { recursive: true, force: true });
});

describe('model state', () => {
  it('gives every model its own subnet, also when created concurrently', async () => {
    const states = await Promise.all(['a', 'b', 'c', 'd'].map((model) => ensureModelState(model)));
    expect(new Set(states.map((s) => s.subnetIndex)).size).toBe(4);
    expect((await ensureModelState('b')).subnetIndex).toBe(states[1]?.subnetIndex);
    expect(await listModelNames()).toEqual(['a', 'b', 'c', 'd']);
    expect(states[0]?.domain).toBe('a.localmodel');
  });

  it('serialises concurrent read-modify-write so no update is lost', async () => {
    await Promise.all(Array.from({ length: 12 }, (_, i) => updateModelState('a', (state) => {
      state.machines[String(i)] = { id: String(i), hostname: `h${i}`, domain: 'a.localmodel', hostNumber: i + 1, binds: [] };
    })));
    const state = await readModelState('a');
    expect(Object.keys(state?.machines ?? {})).toHaveLength(12);
    expect(await readdir(join(home, 'a'))).toEqual(['model.json']);
  });

  it('serialises power operations per machine, not across machines', async () => {
    // No timing: machine 0's first holder waits for machine 1 to finish. If locks were shared across machines,
    // machine 1 could never start and the test would hang instead of passing.
    const order: string[] = [];
    let releaseZero!: () => void;
    const zeroHeld = new Promise<void>((resolve) => { releaseZero = resolve; });
    const step = (id: string, body: () => Promise<void>) => withMachineLock('b', id, async () => {
      order.push(`${id}+`);
      await body();
      order.push(`${id}-`);
    });
    await Promise.all([step('0', () => zeroHeld), step('1', async () => releaseZero()), step('0', async () => undefined)]);
    expect(order).toContain('1-');
    const zero = order.filter((entry) => entry.startsWith('0'));
    expect(zero).toEqual(['0+', '0-', '0+', '0-']);
  });

  it('rejects a damaged state file with a message naming it', async () => {
    await mkdir(join(home, 'broken'), { recursive: true });
    await writeFile(join(home, 'broken', 'model.json'), '{"version": 1, "model":');
    await expect(readModelState('broken')).rejects.toThrow(/broken\/model\.json: not valid JSON/);
    expect(() => parseModelState('{"version":2}', 'f')).toThrow(/f: not a local-model machines state file/);
    await removeModelState('broken');
    expect(await readModelState('broken')).toBeUndefined();
  });

  it('writes files atomically without leaving temporary files', async () => {
    const file = join(home, 'atomic', 'x.txt');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    expect(await readFile(file, 'utf8')).toBe('two');
    expect(await readdir(join(home, 'atomic'))).toEqual(['x.txt']);
  });
});

describe('recorded processes', () => {
  it('parses /proc/<pid>/stat with spaces and parentheses in the command name', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = 'S';
    fields[1] = '77';
    const stat = parseProcStat(`123 (a b) (c)) ${fields.join(' ')}`);
    expect(stat).toEqual({ state: 'S', ppid: 77, startTime: '22' });
  });

  it('tracks a process by pid and start time, finds it as a descendant, and sees it exit', async () => {
    const child = spawn('sleep', ['30']);
    const record = await recordProcess(child.pid as number);
    expect(await isAlive(record)).toBe(true);
    expect(await isAlive({ ...record, startTime: '1' })).toBe(false);
    expect(await descendants(process.pid)).toContain(child.pid);
    expect(await innermostPid(child.pid as number)).toBe(child.pid);
    child.kill('SIGKILL');
    expect(await waitForExit(record, 5_000)).toBe(true);
  });
});

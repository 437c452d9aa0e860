import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withHostLock } from '../locks.js';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'lm-locks-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('host locks', () => {
  it('keeps two locks with their own lock files on one path held, so a third waiter gets in only after release', async () => {
    const events: string[] = [];
    const hold = (name: string, lockfilePath: string, ms: number) =>
      withHostLock(dir, { lockfilePath, staleMs: 2_000, waitMs: 30_000 }, async () => {
        events.push(`${name} in`);
        await sleep(ms);
        events.push(`${name} out`);
      });
    const a = join(dir, 'a.lock');
    const first = hold('image', a, 3_500);
    const second = hold('layer', join(dir, 'b.lock'), 3_500);
    await sleep(200);
    // held for longer than staleMs: only a lock whose refresh stopped would be taken over
    const waiter = hold('waiter', a, 0);
    await Promise.all([first, second, waiter]);
    expect(events.indexOf('waiter in')).toBeGreaterThan(events.indexOf('image out'));
  });
});

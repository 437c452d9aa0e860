import { describe, expect, it } from 'vitest';
import { retrying } from '../agent/retry.js';

describe('retrying a machine start', () => {
  const noSleep = async () => undefined;

  it('returns the first success, after reporting each failed attempt', async () => {
    const retries: string[] = [];
    const result = await retrying(async (attempt) => {
      if (attempt < 3) throw new Error(`boot ${attempt} failed`);
      return `up on attempt ${attempt}`;
    }, { attempts: 3, delayMs: 10_000, sleep: noSleep, onRetry: (n, e) => retries.push(`${n}: ${e.message}`) });
    expect(result).toBe('up on attempt 3');
    expect(retries).toEqual(['2: boot 1 failed', '3: boot 2 failed']);
  });

  it('gives up with the last error after the last attempt, or at once when told to stop', async () => {
    let calls = 0;
    await expect(retrying(async () => { calls++; throw new Error(`no init (${calls})`); },
      { attempts: 3, delayMs: 1, sleep: noSleep, onRetry: () => undefined })).rejects.toThrow('no init (3)');
    calls = 0;
    await expect(retrying(async () => { calls++; throw new Error('stopping'); },
      { attempts: 3, delayMs: 1, sleep: noSleep, onRetry: () => undefined, shouldContinue: () => false })).rejects.toThrow('stopping');
    expect(calls).toBe(1);
  });
});

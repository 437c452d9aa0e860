import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHostPrerequisites, ensureHostLimits, hostLimits } from '../prerequisites.js';

const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});

describe('host prerequisites', () => {
  it('names the apt-get command that installs what is missing', async () => {
    process.env.PATH = '/nonexistent';
    await expect(checkHostPrerequisites()).rejects.toThrow(
      /missing commands; install them with: apt-get install -y --no-install-recommends debootstrap systemd-container dpkg-dev iproute2/,
    );
  });
});

describe('host limits for many machines', () => {
  it('raises a limit that is lower, leaves a higher one alone and says what it changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lm-limits-'));
    try {
      const low = join(dir, 'max_user_instances');
      const high = join(dir, 'max_user_watches');
      writeFileSync(low, '128\n');
      writeFileSync(high, '4194304\n');
      expect(await ensureHostLimits({ [low]: 1024, [high]: 1048576 })).toEqual([`${low}: 128 → 1024`]);
      expect(readFileSync(low, 'utf8')).toBe('1024\n');
      expect(readFileSync(high, 'utf8')).toBe('4194304\n');
      expect(await ensureHostLimits({ [low]: 1024, [high]: 1048576 })).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('covers the inotify instances the systemd of every machine takes', () => {
    expect(hostLimits['/proc/sys/fs/inotify/max_user_instances']).toBeGreaterThanOrEqual(1024);
  });
});

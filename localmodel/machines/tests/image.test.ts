import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageDir, imageKey, imageRecipe, pruneImages, removeAbandonedBuilds } from '../image.js';
import { mountsUnder } from '../overlay.js';
import { recordProcess } from '../processes.js';

let cache: string;
beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), 'lm-cache-'));
  process.env.LOCALMODEL_CACHE = cache;
});
afterAll(async () => {
  delete process.env.LOCALMODEL_CACHE;
  await rm(cache, { recursive: true, force: true });
});

describe('image cache key', () => {
  it('changes with anything in the recipe and nothing else', () => {
    const key = imageKey();
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(imageKey(structuredClone(imageRecipe))).toBe(key);
    expect(imageKey({ ...imageRecipe, include: [...imageRecipe.include, 'vim'] })).not.toBe(key);
    expect(imageKey({ ...imageRecipe, files: { ...imageRecipe.files, 'etc/motd': 'hi\n' } })).not.toBe(key);
    expect(imageDir(key)).toBe(join(cache, `image-${key}`));
  });

  it('removes builds abandoned by a dead builder and keeps one still being built', async () => {
    const builder = spawn('sleep', ['30']);
    const live = await recordProcess(builder.pid as number);
    const deadRecord = { pid: live.pid, startTime: String(Number(live.startTime) - 1) }; // same pid, another process
    const liveDir = `image-aaaa.tmp-${live.pid}-${live.startTime}`;
    const deadDir = `image-bbbb.tmp-${deadRecord.pid}-${deadRecord.startTime}`;
    await mkdir(join(cache, liveDir, 'etc'), { recursive: true });
    await mkdir(join(cache, deadDir, 'etc'), { recursive: true });
    await mkdir(join(cache, 'image-cccc'), { recursive: true });
    await removeAbandonedBuilds();
    expect((await readdir(cache)).sort()).toEqual(['image-cccc', liveDir].sort());
    builder.kill('SIGKILL');
  });
});

describe('pruning old images', () => {
  it('removes only images that neither the current recipe nor any recorded machine uses', async () => {
    const home = await mkdtemp(join(tmpdir(), 'lm-home-'));
    process.env.LOCALMODEL_MACHINES_HOME = home;
    try {
      const image = (hex: string) => join(cache, `image-${hex.repeat(16)}`);
      for (const hex of ['1', '2', '3']) await mkdir(join(image(hex), 'etc'), { recursive: true });
      await mkdir(join(home, 'm'), { recursive: true });
      const machine = { id: '0', hostname: 'h', domain: 'm.localmodel', hostNumber: 1, binds: [], image: image('2') };
      await writeFile(join(home, 'm', 'model.json'), JSON.stringify({ version: 1, model: 'm', subnetIndex: 0, machines: { 0: machine } }));
      expect(await pruneImages(image('1'))).toEqual([image('3')]);
      expect((await readdir(cache)).filter((n) => /^image-[0-9a-f]{16}$/.test(n)).sort()).toEqual([`image-${'1'.repeat(16)}`, `image-${'2'.repeat(16)}`]);

      await writeFile(join(home, 'm', 'model.json'), '{ broken');
      expect(await pruneImages(image('1'))).toEqual([]);
    } finally {
      delete process.env.LOCALMODEL_MACHINES_HOME;
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('mounts under a tree', () => {
  it('lists the tree and what is below it, deepest first, and nothing beside it', () => {
    const points = ['/', '/var/t', '/var/t/proc', '/var/t/sys/fs/cgroup', '/var/t/sys', '/var/tt', '/proc'];
    expect(mountsUnder(points, '/var/t')).toEqual(['/var/t/sys/fs/cgroup', '/var/t/proc', '/var/t/sys', '/var/t']);
  });
});

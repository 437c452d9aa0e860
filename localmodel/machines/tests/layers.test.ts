import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerInstallScript, layerKey, layerTree, normalizePackages, pruneLayers } from '../layers.js';
import { overlayDirs } from '../overlay.js';
import { serializeModelState } from '../state.js';

let cache: string;
let home: string;
beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), 'lm-cache-'));
  home = await mkdtemp(join(tmpdir(), 'lm-home-'));
  process.env.LOCALMODEL_CACHE = cache;
  process.env.LOCALMODEL_MACHINES_HOME = home;
});
afterAll(async () => {
  delete process.env.LOCALMODEL_CACHE;
  delete process.env.LOCALMODEL_MACHINES_HOME;
  await rm(cache, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

describe('package layer key', () => {
  it('depends on the image, the set of packages and the archive index, not on order or repeats', () => {
    const key = layerKey('image-a', ['jq', 'curl'], 'Package: jq\n');
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(layerKey('image-a', ['curl', 'jq', 'jq'], 'Package: jq\n')).toBe(key);
    expect(layerKey('image-b', ['jq', 'curl'], 'Package: jq\n')).not.toBe(key);
    expect(layerKey('image-a', ['jq'], 'Package: jq\n')).not.toBe(key);
    expect(layerKey('image-a', ['jq', 'curl'], 'Package: jq\nVersion: 2\n')).not.toBe(key);
    expect(layerTree(key)).toBe(join(cache, `layer-${key}`, 'tree'));
  });

  it('names every string that is not a Debian package name at once', () => {
    expect(normalizePackages(['pacemaker-remote', 'python3-oslo.messaging', 'libstdc++6', 'g++:amd64'])).toEqual(
      ['g++:amd64', 'libstdc++6', 'pacemaker-remote', 'python3-oslo.messaging']);
    expect(() => normalizePackages(['jq', 'rm -rf /', 'Curl', ''])).toThrow('not Debian package names: "rm -rf /", "Curl", ""');
  });
});

describe('package layer build script', () => {
  it('installs the sorted set with services held back and leaves no apt lists, downloads or policy behind', () => {
    const script = layerInstallScript(['jq', 'curl']);
    const lines = script.split('\n');
    const policy = lines.findIndex((l) => l.includes('exit 101') && l.includes('/usr/sbin/policy-rc.d'));
    const install = lines.findIndex((l) => l.includes(' install --no-install-recommends curl jq'));
    const cleanup = lines.findIndex((l) => l.startsWith('rm -f /usr/sbin/policy-rc.d'));
    expect(lines[0]).toBe('set -e');
    expect(policy).toBeGreaterThan(0);
    expect(install).toBeGreaterThan(policy);
    expect(cleanup).toBeGreaterThan(install);
    expect(script).toContain('rm -rf /var/lib/apt/lists/*');
  });
});

describe('machine overlay with layers', () => {
  it('stacks package layers above the image, topmost first', () => {
    expect(overlayDirs('/m/0', '/c/image-1', ['/c/layer-2/tree']).lowers).toEqual(['/c/layer-2/tree', '/c/image-1']);
    expect(overlayDirs('/m/0', '/c/image-1').lowers).toEqual(['/c/image-1']);
  });
});

describe('pruning layers', () => {
  async function fakeLayer(key: string, packages: string[]): Promise<void> {
    await mkdir(join(cache, `layer-${key}`, 'tree'), { recursive: true });
    await writeFile(join(cache, `layer-${key}`, 'layer.json'), JSON.stringify({ key, packages }));
  }

  it('removes older builds of the same packages that no machine stacks, and keeps everything else', async () => {
    await fakeLayer('1111111111111111', ['curl', 'jq']); // older, unused: goes
    await fakeLayer('2222222222222222', ['curl', 'jq']); // older, used by a machine: stays
    await fakeLayer('3333333333333333', ['jq']); // another set: stays
    await fakeLayer('4444444444444444', ['curl', 'jq']); // the new one
    await mkdir(join(home, 'm1'), { recursive: true });
    const state = {
      version: 1, model: 'm1', domain: 'm1.localmodel', subnetIndex: 0, processes: [],
      machines: { '0': { id: '0', hostname: 'a', domain: 'm1.localmodel', hostNumber: 1, binds: [], image: '/x', layers: [layerTree('2222222222222222')] } },
    };
    await writeFile(join(home, 'm1', 'model.json'), serializeModelState(state as never));
    const removed = await pruneLayers('4444444444444444', ['jq', 'curl']);
    expect(removed).toEqual([join(cache, 'layer-1111111111111111')]);
    expect((await readdir(cache)).sort()).toEqual(['layer-2222222222222222', 'layer-3333333333333333', 'layer-4444444444444444']);
  });
});

import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexArchive, stanzasByFilename } from '../archive.js';

let dir: string;

async function buildDeb(name: string, version: string): Promise<void> {
  const tree = join(dir, 'src', name);
  await mkdir(join(tree, 'DEBIAN'), { recursive: true });
  await writeFile(join(tree, 'DEBIAN', 'control'), `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: Test <t@example.invalid>\nDescription: test package ${name}\n`);
  await execa('dpkg-deb', ['--build', '--root-owner-group', tree, join(dir, 'pool', `${name}_${version}_all.deb`)]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lm-archive-'));
  await mkdir(join(dir, 'pool'), { recursive: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('archive index', () => {
  it('indexes new .debs incrementally and drops removed ones', async () => {
    await buildDeb('lm-one', '1.0');
    await buildDeb('lm-two', '2.0');
    expect(await indexArchive(dir, () => {})).toEqual({ packages: 2, bytes: expect.any(Number) });
    const first = await readFile(join(dir, 'Packages'), 'utf8');
    expect([...stanzasByFilename(first).keys()]).toEqual(['pool/lm-one_1.0_all.deb', 'pool/lm-two_2.0_all.deb']);
    expect(first).toMatch(/^SHA256: [0-9a-f]{64}$/m);

    await buildDeb('lm-three', '3.0');
    const events: string[] = [];
    await indexArchive(dir, (e) => events.push(e.detail ?? ''));
    expect(events).toEqual(['indexing 1 new packages']);
    const second = await readFile(join(dir, 'Packages'), 'utf8');
    expect(second).toContain(stanzasByFilename(first).get('pool/lm-one_1.0_all.deb'));
    expect(gunzipSync(await readFile(join(dir, 'Packages.gz'))).toString()).toBe(second);

    await unlink(join(dir, 'pool', 'lm-two_2.0_all.deb'));
    expect((await indexArchive(dir, () => {})).packages).toBe(2);
    expect(await readFile(join(dir, 'Packages'), 'utf8')).not.toContain('lm-two');

    const quiet: string[] = [];
    await indexArchive(dir, (e) => quiet.push(e.detail ?? ''));
    expect(quiet).toEqual([]);
  });
});

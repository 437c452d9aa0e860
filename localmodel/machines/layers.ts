/**
 * Package layers: the machine image with a set of packages already installed, made once by a real
 * `apt-get install` from the local archive and cached, the way operators bake packages into their MAAS or LXD
 * images. A machine created with `packages` boots from image + layer, so the charm's own `apt-get install`
 * later finds them installed and has nothing to unpack. The layer is an overlayfs upper directory used as a
 * lower one: files the install removed stay removed (whiteouts), and the image itself is never written.
 *
 * The key covers the image, the sorted package names and the archive's index, so a new image, a changed
 * package list or a refreshed archive gives a new layer; the build happens in a temporary directory renamed
 * into place at the end, so an interrupted build leaves no layer behind.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureArchiveIndex } from './archive.js';
import { withHostLock } from './locks.js';
import { removeAbandonedBuilds } from './image.js';
import { removeTree } from './overlay.js';
import { archiveDir, archiveMountPoint, cacheRoot } from './paths.js';
import { recordProcess } from './processes.js';
import { run } from './run.js';
import { listModelNames, readModelState } from './state.js';
import { noProgress, type Progress } from './types.js';

/** A Debian package name (policy §5.6.1), optionally with an architecture qualifier. */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$/;

/** The sorted, de-duplicated package list; throws naming every name that is not a Debian package name. */
export function normalizePackages(packages: readonly string[]): string[] {
  const bad = packages.filter((name) => !PACKAGE_NAME.test(name));
  if (bad.length > 0) throw new Error(`package layer: not Debian package names: ${bad.map((n) => JSON.stringify(n)).join(', ')}`);
  return [...new Set(packages)].sort();
}

export function layerKey(imageKey: string, packages: readonly string[], archiveIndex: string): string {
  const archive = createHash('sha256').update(archiveIndex).digest('hex');
  return createHash('sha256').update(JSON.stringify({ image: imageKey, packages: normalizePackages(packages), archive })).digest('hex').slice(0, 16);
}

/** Where a layer's file tree is (the directory given to overlayfs as a lower layer). */
export function layerTree(key: string): string {
  return join(cacheRoot(), `layer-${key}`, 'tree');
}

export interface LayerInfo {
  /** The file tree to stack above the image. */
  dir: string;
  key: string;
  built: boolean;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * Removes layers that no recorded machine stacks and whose package list is `packages` (older builds of the same
 * set: another image or archive). Layers of other package sets are kept: another bundle may want them.
 */
export async function pruneLayers(keepKey: string, packages: readonly string[]): Promise<string[]> {
  const used = new Set<string>();
  for (const model of await listModelNames()) {
    const state = await readModelState(model).catch(() => undefined);
    if (!state) return [];
    for (const record of Object.values(state.machines) as { layers?: string[] }[]) for (const dir of record.layers ?? []) used.add(dir);
  }
  const wanted = JSON.stringify(normalizePackages(packages));
  const removed: string[] = [];
  for (const name of await readdir(cacheRoot()).catch(() => [] as string[])) {
    const match = /^layer-([0-9a-f]{16})$/.exec(name);
    if (!match || match[1] === keepKey || used.has(layerTree(match[1] as string))) continue;
    const meta = await readFile(join(cacheRoot(), name, 'layer.json'), 'utf8').then((t) => JSON.parse(t) as { packages?: string[] }, () => undefined);
    if (!meta || JSON.stringify(meta.packages ?? []) !== wanted) continue;
    await removeTree(join(cacheRoot(), name));
    removed.push(join(cacheRoot(), name));
  }
  return removed;
}

/** What the install run inside the layer build does: refresh the archive's list, install, leave nothing behind. */
export function layerInstallScript(packages: readonly string[]): string {
  return [
    'set -e',
    'export DEBIAN_FRONTEND=noninteractive',
    // services are enabled as the packages ask, but nothing is started: machines start them when they boot
    "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d",
    'apt-get -q update',
    `apt-get -q -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install --no-install-recommends ${normalizePackages(packages).join(' ')}`,
    // the same state the image is in: no package lists, no downloads, no policy; logs belong to machines
    'rm -f /usr/sbin/policy-rc.d /var/cache/apt/*.bin',
    'rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/log/apt/* /var/log/dpkg.log /var/log/alternatives.log',
  ].join('\n');
}

/**
 * The layer for `packages` on `image`: cached, or built now (a minute or more per hundred packages on a small
 * machine; progress reports apt's steps). Builders of the same layer in other processes wait for the first.
 */
export async function preparePackageLayer(
  image: { dir: string; key: string },
  packages: readonly string[],
  progress: Progress = noProgress,
): Promise<LayerInfo> {
  const sorted = normalizePackages(packages);
  if (sorted.length === 0) throw new Error('package layer: no packages given');
  await ensureArchiveIndex();
  const index = await readFile(join(archiveDir(), 'Packages'), 'utf8');
  const key = layerKey(image.key, sorted, index);
  const dir = layerTree(key);
  const label = `package layer ${key} (${sorted.length} packages: ${sorted.slice(0, 4).join(', ')}${sorted.length > 4 ? ', …' : ''})`;
  if (await exists(dir)) {
    progress({ step: 'layer', detail: `${label}: cached` });
    return { dir, key, built: false };
  }
  await mkdir(cacheRoot(), { recursive: true });
  const lockfilePath = join(cacheRoot(), `layer-${key}.lock`);
  progress({ step: 'layer', detail: `${label}: to be built (waiting for any other build of it to finish)` });
  return withHostLock(cacheRoot(), { lockfilePath, staleMs: 30_000, waitMs: 3_600_000 }, async () => {
    if (await exists(dir)) {
      progress({ step: 'layer', detail: `${label}: built meanwhile by another process` });
      return { dir, key, built: false };
    }
    await removeAbandonedBuilds();
    const temp = join(cacheRoot(), `layer-${key}.tmp-${process.pid}-${(await recordProcess(process.pid)).startTime}`);
    await removeTree(temp);
    const [tree, work, root] = ['tree', 'work', 'root'].map((part) => join(temp, part)) as [string, string, string];
    for (const d of [tree, work, root]) await mkdir(d, { recursive: true });
    const started = Date.now();
    progress({ step: 'layer', detail: `${label}: installing into a new layer over the image` });
    try {
      await run(['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${image.dir},upperdir=${tree},workdir=${work}`, root]);
      let unpacked = 0;
      let configured = 0;
      await run([
        'systemd-nspawn', '--quiet', '--register=no', '--keep-unit', '--private-network', '--console=pipe',
        `--directory=${root}`, `--machine=lm-layer-${key}`, '--hostname=localhost',
        '--resolv-conf=off', '--timezone=off', '--link-journal=no',
        `--bind-ro=${archiveDir()}:${archiveMountPoint}`,
        '/bin/sh', '-s',
      ], {
        input: layerInstallScript(sorted),
        onLine: (line) => {
          if (line.startsWith('Unpacking ')) unpacked++;
          else if (line.startsWith('Setting up ')) configured++;
          else return;
          if ((unpacked + configured) % 25 === 0) progress({ step: 'layer', detail: `${label}: unpacked ${unpacked}, configured ${configured}` });
        },
      });
      await run(['umount', root]);
      await writeFile(join(temp, 'layer.json'), `${JSON.stringify({ key, image: image.key, packages: sorted, builtAt: new Date().toISOString() }, null, 2)}\n`);
      await removeTree(work);
      await removeTree(root);
    } catch (error) {
      await removeTree(temp);
      throw new Error(`building ${label} failed (nothing was left behind); check that every package is in localmodel/machines/archive-packages.ts ` +
        `and that the archive was prepared (prepareArchive), then retry:\n${(error as Error).message}`);
    }
    await rename(temp, join(cacheRoot(), `layer-${key}`));
    progress({ step: 'layer', detail: `${label}: built in ${((Date.now() - started) / 1000).toFixed(0)} s` });
    const pruned = await pruneLayers(key, sorted);
    if (pruned.length > 0) progress({ step: 'layer', detail: `removed ${pruned.length} older layer(s) of the same packages: ${pruned.join(', ')}` });
    return { dir, key, built: true };
  });
}

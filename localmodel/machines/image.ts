/**
 * The machine image: a Debian 12 root file system made once with debootstrap and cached under a key derived
 * from its recipe, so that changing the recipe builds a new image and an unchanged one is reused. The build
 * happens in a temporary directory renamed into place at the end: an interrupted build leaves no image.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, stat, symlink, writeFile, unlink } from 'node:fs/promises';
import { removeTree } from './overlay.js';
import { join } from 'node:path';
import { withHostLock } from './locks.js';
import { mirrorForSuite, readHostAptSources } from './apt-sources.js';
import { cacheRoot, archiveMountPoint } from './paths.js';
import { defaultHostsFile } from './hosts-file.js';
import { isAlive, recordProcess } from './processes.js';
import { listModelNames, readModelState } from './state.js';
import { run } from './run.js';
import { rename } from 'node:fs/promises';
import { noProgress, type Progress } from './types.js';

/** Everything that decides the image's content; any change here gives a new cache key. */
export const imageRecipe = {
  suite: 'bookworm',
  variant: 'minbase',
  include: [
    'systemd', 'systemd-sysv', 'dbus', 'libpam-systemd', 'iproute2', 'iputils-ping', 'procps', 'ca-certificates',
    'netbase', 'sudo', 'less', 'nodejs',
  ],
  files: {
    // machines reach no mirror: their only source is the local archive, bind-mounted read-only
    'etc/apt/sources.list': '',
    'etc/apt/sources.list.d/localmodel.list': `deb [trusted=yes] file:${archiveMountPoint} ./\n`,
    'etc/apt/apt.conf.d/90localmodel':
      'APT::Install-Recommends "false";\nAcquire::Languages "none";\nAPT::Periodic::Enable "0";\n',
    // no name server inside the model: names come from /etc/hosts; fail fast instead of waiting for one
    'etc/resolv.conf': 'options timeout:1 attempts:1\n',
    'etc/systemd/journald.conf.d/localmodel.conf': '[Journal]\nStorage=volatile\nRuntimeMaxUse=32M\n',
    'etc/hostname': 'localhost\n',
    'etc/machine-id': '',
    // the model adds a managed block listing its machines
    'etc/hosts': defaultHostsFile,
  } as Record<string, string>,
  symlinks: {} as Record<string, string>,
  // timers that would take apt's lock under a charm's feet, and units that have nothing to do in a container
  mask: ['apt-daily.timer', 'apt-daily-upgrade.timer', 'apt-daily.service', 'apt-daily-upgrade.service', 'e2scrub_all.timer', 'fstrim.timer', 'getty@tty1.service'],
  revision: 2,
};

export type ImageRecipe = typeof imageRecipe;

export function imageKey(recipe: ImageRecipe = imageRecipe): string {
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}

export function imageDir(key = imageKey()): string {
  return join(cacheRoot(), `image-${key}`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * Removes temporary build directories (of images and of package layers) whose builder process is gone (an
 * interrupted earlier build), unmounting what such a build left mounted inside.
 */
export async function removeAbandonedBuilds(): Promise<void> {
  for (const name of await readdir(cacheRoot()).catch(() => [] as string[])) {
    const match = /^(?:image|layer)-[0-9a-f]+\.tmp-(\d+)-(\d+)$/.exec(name);
    if (!match) continue;
    if (await isAlive({ pid: Number(match[1]), startTime: match[2] ?? '' })) continue;
    await removeTree(join(cacheRoot(), name));
  }
}

async function applyRecipeFiles(root: string, recipe: ImageRecipe): Promise<void> {
  for (const [path, content] of Object.entries(recipe.files)) {
    const target = join(root, path);
    await mkdir(join(target, '..'), { recursive: true });
    await unlink(target).catch(() => undefined);
    await writeFile(target, content, { mode: 0o644 });
  }
  for (const [path, destination] of Object.entries(recipe.symlinks)) {
    const target = join(root, path);
    await unlink(target).catch(() => undefined);
    await symlink(destination, target);
  }
  await mkdir(join(root, archiveMountPoint.slice(1)), { recursive: true });
  for (const unit of recipe.mask) {
    const target = join(root, 'etc/systemd/system', unit);
    await unlink(target).catch(() => undefined);
    await symlink('/dev/null', target);
  }
  // the build's downloads and lists are of no use to machines (their apt reads the local archive)
  await run(['sh', '-c', `rm -rf '${root}'/var/lib/apt/lists/* '${root}'/var/cache/apt/*.bin '${root}'/var/cache/apt/archives/*.deb '${root}'/usr/sbin/policy-rc.d`]);
}

/**
 * Removes images of older recipes that no recorded machine was made from (a machine's overlay needs the very
 * image it was created on). Returns the removed directories.
 */
export async function pruneImages(keep: string): Promise<string[]> {
  const used = new Set<string>([keep]);
  for (const model of await listModelNames()) {
    const state = await readModelState(model).catch(() => undefined);
    // an unreadable state might reference any image: keep them all
    if (!state) return [];
    for (const record of Object.values(state.machines) as { image?: string }[]) if (record.image) used.add(record.image);
  }
  const removed: string[] = [];
  for (const name of await readdir(cacheRoot()).catch(() => [] as string[])) {
    const dir = join(cacheRoot(), name);
    if (!/^image-[0-9a-f]{16}$/.test(name) || used.has(dir)) continue;
    await removeTree(dir);
    removed.push(dir);
  }
  return removed;
}

export interface ImageInfo {
  dir: string;
  key: string;
  built: boolean;
}

export async function prepareImage(progress: Progress = noProgress, recipe: ImageRecipe = imageRecipe): Promise<ImageInfo> {
  const key = imageKey(recipe);
  const dir = imageDir(key);
  if (await exists(dir)) {
    progress({ step: 'image', detail: `cached ${dir}` });
    return { dir, key, built: false };
  }
  await mkdir(cacheRoot(), { recursive: true });
  return withHostLock(cacheRoot(), { lockfilePath: join(cacheRoot(), 'image.lock'), staleMs: 30_000, waitMs: 3_600_000 }, async () => {
    if (await exists(dir)) return { dir, key, built: false };
    await removeAbandonedBuilds();
    const mirror = mirrorForSuite(await readHostAptSources(), recipe.suite);
    const temp = join(cacheRoot(), `image-${key}.tmp-${process.pid}-${(await recordProcess(process.pid)).startTime}`);
    await removeTree(temp);
    progress({ step: 'image', detail: `debootstrap ${recipe.variant} ${recipe.suite} (+${recipe.include.length} packages) into ${temp}` });
    try {
      let retrieved = 0;
      let configured = 0;
      const argv = [
        'debootstrap', `--variant=${recipe.variant}`, '--components=main', `--include=${recipe.include.join(',')}`,
        ...(mirror.keyring ? [`--keyring=${mirror.keyring}`] : []),
        recipe.suite, temp, mirror.uri,
      ];
      await run(argv, {
        onLine: (line) => {
          if (line.startsWith('I: Retrieving ')) retrieved++;
          if (line.startsWith('I: Configuring ')) configured++;
          if (/^[IWE]: /.test(line)) progress({ step: 'image', detail: `${line} (retrieved ${retrieved}, configured ${configured})` });
        },
      });
      await applyRecipeFiles(temp, recipe);
      await writeFile(join(temp, '.localmodel-image.json'), `${JSON.stringify({ key, recipe }, null, 2)}\n`);
    } catch (error) {
      // keep debootstrap's own log for the message, then leave no half image behind
      const failedLog = join(cacheRoot(), `image-${key}.failed.log`);
      await copyFile(join(temp, 'debootstrap/debootstrap.log'), failedLog).catch(() => undefined);
      await removeTree(temp);
      throw new Error(`building the machine image failed (no image was left behind; debootstrap's log, if any: ${failedLog}); ` +
        `check that the host reaches its Debian mirror, then retry:\n${(error as Error).message}`);
    }
    if (await exists(dir)) {
      // another builder finished first (its lock was taken over on an overloaded host): keep its image
      await removeTree(temp);
      return { dir, key, built: false };
    }
    await rename(temp, dir);
    progress({ step: 'image', detail: `built ${dir}` });
    const pruned = await pruneImages(dir);
    if (pruned.length > 0) progress({ step: 'image', detail: `removed ${pruned.length} older image(s) no machine uses: ${pruned.join(', ')}` });
    return { dir, key, built: true };
  });
}

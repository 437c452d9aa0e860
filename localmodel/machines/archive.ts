/**
 * The local apt archive: machines have no route to a mirror, so the host downloads (through its own apt
 * configuration and network) the dependency closure of every package set in archive-packages.ts, relative to
 * what the image already holds, indexes it with dpkg-scanpackages and bind-mounts it read-only into machines.
 * Each set is resolved in its own apt pass; a set already fetched for this image and these sources is skipped,
 * so growing the list only fetches what is new.
 */
import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { archivePackageSets, type ArchivePackageSet } from './archive-packages.js';
import { readHostAptSources, type AptSource } from './apt-sources.js';
import { imageRecipe, prepareImage } from './image.js';
import { archiveDir, cacheRoot } from './paths.js';
import { run } from './run.js';
import { withHostLock } from './locks.js';
import { removeTree } from './overlay.js';
import { writeFileAtomic } from './state.js';
import { noProgress, type Progress } from './types.js';

/** The host's own download cache seeds the archive; LOCALMODEL_HOST_APT_CACHE="" turns that off (cold benchmarks). */
function hostAptCache(): string | undefined {
  const dir = process.env.LOCALMODEL_HOST_APT_CACHE ?? '/var/cache/apt/archives';
  return dir === '' ? undefined : dir;
}

/**
 * One-line sources for the archive's apt: only the host's Debian sources of the image's suite family
 * (bookworm, bookworm-updates, bookworm-security), main component, so a host with third-party sources still
 * fills the archive with Debian's packages.
 */
export function archiveSourcesList(sources: readonly AptSource[], suite: string): string {
  const lines = new Set<string>();
  for (const source of sources) {
    if (!source.types.includes('deb') || !source.components.includes('main')) continue;
    const keyring = source.options['signed-by'];
    const options = keyring && keyring.startsWith('/') && !keyring.includes('\n') ? ` [signed-by=${keyring}]` : '';
    for (const uri of source.uris) {
      for (const candidate of source.suites) {
        if (candidate === suite || candidate === `${suite}-updates` || candidate === `${suite}-security`) {
          lines.add(`deb${options} ${uri} ${candidate} main`);
        }
      }
    }
  }
  if (lines.size === 0) {
    throw new Error(`no Debian ${suite} source in the host's apt configuration (/etc/apt/sources.list, /etc/apt/sources.list.d/); add one`);
  }
  return `${[...lines].join('\n')}\n`;
}

/** `'uri' file size hash` lines of `apt-get --print-uris` */
export function parsePrintUris(output: string): { uri: string; file: string; size: number }[] {
  const entries: { uri: string; file: string; size: number }[] = [];
  for (const line of output.split('\n')) {
    const match = /^'([^']+)'\s+(\S+)\s+(\d+)/.exec(line.trim());
    if (match) entries.push({ uri: match[1] as string, file: match[2] as string, size: Number(match[3]) });
  }
  return entries;
}

export function setFingerprint(set: ArchivePackageSet, imageKey: string, sourcesList: string): string {
  const body = JSON.stringify({ packages: [...set.packages].sort(), imageKey, sourcesList });
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

interface Manifest {
  fetched: Record<string, string>;
}

export interface ArchiveInfo {
  dir: string;
  packages: number;
  bytes: number;
  downloaded: number;
}

const listsMaxAgeMs = 3_600_000;

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** An empty but valid archive, so machines' `apt-get update` works before anything was fetched. */
export async function ensureArchiveIndex(): Promise<void> {
  const dir = archiveDir();
  await mkdir(join(dir, 'pool'), { recursive: true });
  if (!(await exists(join(dir, 'Packages.gz')))) {
    await writeFileAtomic(join(dir, 'Packages'), '');
    await writeFileAtomic(join(dir, 'Packages.gz'), gzipSync(''));
  }
}

/** Splits a Packages file into its stanzas, keyed by their Filename field. */
export function stanzasByFilename(packages: string): Map<string, string> {
  const stanzas = new Map<string, string>();
  for (const stanza of packages.split(/\n\s*\n/)) {
    const filename = /^Filename: (.+)$/m.exec(stanza)?.[1];
    if (filename) stanzas.set(filename.trim(), stanza.trim());
  }
  return stanzas;
}

/**
 * Brings Packages in line with the pool, scanning only .debs it does not list yet (dpkg-scanpackages reads
 * every file it is given, which takes long for hundreds of packages on a busy host).
 */
export async function indexArchive(dir: string, progress: Progress): Promise<{ packages: number; bytes: number }> {
  const indexed = stanzasByFilename(await readFile(join(dir, 'Packages'), 'utf8').catch(() => ''));
  const debs = (await readdir(join(dir, 'pool'))).filter((name) => name.endsWith('.deb')).sort();
  const inPool = new Set(debs.map((name) => `pool/${name}`));
  const added = debs.filter((name) => !indexed.has(`pool/${name}`));
  const removed = [...indexed.keys()].filter((filename) => !inPool.has(filename));
  if (added.length > 0 || removed.length > 0 || !(await exists(join(dir, 'Packages.gz')))) {
    progress({ step: 'archive', detail: `indexing ${added.length} new packages` });
    for (const filename of removed) indexed.delete(filename);
    if (added.length > 0) {
      const scan = join(dir, `.scan-${process.pid}`);
      await removeTree(scan);
      await mkdir(join(scan, 'pool'), { recursive: true });
      try {
        for (const name of added) await link(join(dir, 'pool', name), join(scan, 'pool', name));
        const { stdout } = await run(['sh', '-c', `cd '${scan}' && dpkg-scanpackages -m pool /dev/null 2>/dev/null`]);
        for (const [filename, stanza] of stanzasByFilename(stdout)) indexed.set(filename, stanza);
      } finally {
        await removeTree(scan);
      }
    }
    const text = [...indexed.keys()].sort().map((filename) => `${indexed.get(filename)}\n`).join('\n');
    await writeFileAtomic(join(dir, 'Packages'), text);
    await writeFileAtomic(join(dir, 'Packages.gz'), gzipSync(text));
  }
  return countIndexed(dir);
}

export async function prepareArchive(progress: Progress = noProgress, extra: readonly ArchivePackageSet[] = []): Promise<ArchiveInfo> {
  const image = await prepareImage(progress);
  const dir = archiveDir();
  const pool = join(dir, 'pool');
  const aptDir = join(cacheRoot(), 'archive-apt');
  await mkdir(pool, { recursive: true });
  return withHostLock(dir, { lockfilePath: join(cacheRoot(), 'archive.lock'), staleMs: 30_000, waitMs: 3_600_000 }, async () => {
    const sourcesList = archiveSourcesList(await readHostAptSources(), imageRecipe.suite);
    const manifestFile = join(dir, 'manifest.json');
    const manifest: Manifest = await readFile(manifestFile, 'utf8').then((t) => JSON.parse(t) as Manifest, () => ({ fetched: {} }));
    const sets = [...archivePackageSets, ...extra];
    const pending = sets.filter((set) => manifest.fetched[set.concern] !== setFingerprint(set, image.key, sourcesList));
    let downloaded = 0;
    const failures: string[] = [];
    if (pending.length > 0) {
      for (const sub of ['lists/partial', 'cache', 'state', 'status', 'sources.list.d']) await mkdir(join(aptDir, sub), { recursive: true });
      await writeFileAtomic(join(aptDir, 'sources.list'), sourcesList);
      // a copy, so apt's locks and any state it writes land beside it and never in the image
      const status = await readFile(join(image.dir, 'var/lib/dpkg/status'));
      const copied = await readFile(join(aptDir, 'status/status')).catch(() => undefined);
      // rewritten only when it changed, so apt keeps its binary cache
      if (!copied || !copied.equals(status)) await writeFileAtomic(join(aptDir, 'status/status'), status);
      const apt = [
        'apt-get', '-q',
        '-o', `Dir::Etc::SourceList=${join(aptDir, 'sources.list')}`,
        '-o', `Dir::Etc::SourceParts=${join(aptDir, 'sources.list.d')}`,
        '-o', `Dir::State=${join(aptDir, 'state')}`,
        '-o', `Dir::State::Lists=${join(aptDir, 'lists')}`,
        '-o', `Dir::State::status=${join(aptDir, 'status/status')}`,
        '-o', `Dir::Cache=${join(aptDir, 'cache')}`,
        '-o', `Dir::Cache::archives=${pool}`,
        '-o', 'APT::Install-Recommends=false',
        '-o', 'Acquire::Languages=none',
      ];
      // lists younger than an hour for the same sources are reused; a failed download (a file gone from the
      // mirror) refreshes them once
      const marker = join(aptDir, 'lists-updated');
      const sourcesHash = createHash('sha256').update(sourcesList).digest('hex');
      let updated = false;
      const update = async () => {
        progress({ step: 'archive', detail: `updating package lists from the host's Debian ${imageRecipe.suite} sources` });
        await run([...apt, 'update']);
        await writeFileAtomic(marker, sourcesHash);
        updated = true;
      };
      const fresh = await readFile(marker, 'utf8').then(
        async (hash) => hash === sourcesHash && Date.now() - (await stat(marker)).mtimeMs < listsMaxAgeMs,
        () => false,
      );
      if (!fresh) await update();
      const runFresh = async (argv: string[], options: Parameters<typeof run>[1] = {}) => {
        const first = await run(argv, { ...options, allowFailure: true });
        if (first.exitCode === 0 || updated) return first;
        await update();
        return run(argv, { ...options, allowFailure: true });
      };
      for (const [index, set] of pending.entries()) {
        try {
          const install = [...apt, 'install', '-y', '--download-only', ...set.packages];
          const listing = await run([...install, '--print-uris', '-qq'], { allowFailure: true });
          if (listing.exitCode !== 0) {
            throw new Error(
              `archive: cannot resolve "${set.concern}" (${set.packages.join(' ')}) against Debian ${imageRecipe.suite}: ` +
                `${(listing.stderr || listing.stdout).trim().split('\n').slice(-5).join(' / ')}; fix its entry in localmodel/machines/archive-packages.ts`,
            );
          }
          const wanted = parsePrintUris(listing.stdout);
          let seeded = 0;
          let toFetch = 0;
          for (const entry of wanted) {
            const target = join(pool, entry.file);
            if (await exists(target)) continue;
            const seedDir = hostAptCache();
            const cached = seedDir ? join(seedDir, entry.file) : '';
            const cachedSize = seedDir ? await stat(cached).then((s) => s.size, () => -1) : -1;
            if (cachedSize === entry.size) {
              // apt verifies the hash of files already in its archives dir, so a stale copy is fetched again
              await link(cached, target).catch(() => copyFile(cached, target));
              seeded++;
            } else {
              toFetch += entry.size;
            }
          }
          const label = `[${index + 1}/${pending.length}] ${set.concern}`;
          progress({
            step: 'archive', done: index, total: pending.length,
            detail: `${label}: ${wanted.length} new packages, ${seeded} from the host's apt cache, ${mb(toFetch)} to download`,
          });
          let got = 0;
          const fetched = await runFresh(install, {
            onLine: (line) => {
              if (line.startsWith('Get:')) {
                got++;
                progress({ step: 'archive', done: index, total: pending.length, detail: `${label}: fetched ${got} (${line.split(' ').slice(-3).join(' ')})` });
              }
            },
          });
          if (fetched.exitCode !== 0) {
            throw new Error(`archive: downloading "${set.concern}" failed: ${`${fetched.stderr}\n${fetched.stdout}`.trim().split('\n').slice(-5).join(' / ')}; check the host's network and mirror, then retry`);
          }
          downloaded += got;
          manifest.fetched[set.concern] = setFingerprint(set, image.key, sourcesList);
          await writeFileAtomic(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
        } catch (error) {
          // the other sets are still fetched and indexed; this one is retried by the next call
          failures.push((error as Error).message);
        }
      }
    }
    const counted = pending.length > 0 || !(await exists(join(dir, 'Packages.gz'))) ? await indexArchive(dir, progress) : await countIndexed(dir);
    progress({
      step: 'archive', done: pending.length, total: pending.length,
      detail: `${dir}: ${counted.packages} packages, ${mb(counted.bytes)}${pending.length ? `, ${downloaded} downloaded now` : ' (cached)'}`,
    });
    if (failures.length > 0) throw new Error(failures.join('\n'));
    return { dir, ...counted, downloaded };
  });
}

async function countIndexed(dir: string): Promise<{ packages: number; bytes: number }> {
  const text = await readFile(join(dir, 'Packages'), 'utf8').catch(() => '');
  const sizes = [...text.matchAll(/^Size: (\d+)$/gm)].map((m) => Number(m[1]));
  return { packages: sizes.length, bytes: sizes.reduce((a, b) => a + b, 0) };
}

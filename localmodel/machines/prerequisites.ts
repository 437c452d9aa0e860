/** Host commands the machine layer needs, with the Debian package that provides each. */
import { access, constants, readFile, writeFile } from 'node:fs/promises';

export const hostCommands: Record<string, string> = {
  debootstrap: 'debootstrap',
  'systemd-nspawn': 'systemd-container',
  'dpkg-scanpackages': 'dpkg-dev',
  ip: 'iproute2',
  nsenter: 'util-linux',
  mount: 'mount',
  'apt-get': 'apt',
};

async function onPath(command: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (await access(`${dir}/${command}`, constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}

export async function checkHostPrerequisites(): Promise<void> {
  const missing: string[] = [];
  for (const [command, pkg] of Object.entries(hostCommands)) if (!(await onPath(command))) missing.push(pkg);
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`missing commands; install them with: apt-get install -y --no-install-recommends ${[...new Set(missing)].join(' ')}`);
  if (process.getuid?.() !== 0) problems.push('the local model needs root (namespaces, overlay mounts, systemd-nspawn)');
  if (problems.length > 0) throw new Error(`local model machines: ${problems.join('; ')}`);
}

/**
 * Kernel limits shared by every machine on the host. Each machine's systemd, journald and logind hold inotify
 * instances, all counted against root: at the default of 128 instances the twentieth machine's systemd fails to
 * start ("Failed to allocate manager object: Too many open files"), which is two models of ten machines. The
 * values are LXD's advice for hosts running many containers; a limit that is already higher is left alone.
 */
export const hostLimits: Record<string, number> = {
  '/proc/sys/fs/inotify/max_user_instances': 1024,
  '/proc/sys/fs/inotify/max_user_watches': 1048576,
};

/** Raises the limits above where lower; returns what was changed ("path: old → new"). */
export async function ensureHostLimits(limits: Record<string, number> = hostLimits): Promise<string[]> {
  const changed: string[] = [];
  for (const [path, wanted] of Object.entries(limits)) {
    const current = Number((await readFile(path, 'utf8')).trim());
    if (Number.isFinite(current) && current >= wanted) continue;
    try {
      await writeFile(path, `${wanted}\n`);
    } catch (error) {
      throw new Error(`cannot raise ${path} from ${current} to ${wanted} (${(error as Error).message}); set it with sysctl as root, then retry`);
    }
    changed.push(`${path}: ${current} → ${wanted}`);
  }
  return changed;
}

/** Host commands the machine layer needs, with the Debian package that provides each. */
import { access, constants } from 'node:fs/promises';

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

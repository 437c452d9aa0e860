/**
 * The libvirt side of the stand-in compute host: which packages, and the two files the charm owns. Pure.
 * Figures and the reasons for QEMU with TCG over libvirt's LXC driver are in the charm's README.
 */

export const HYPERVISOR_PACKAGES = ['libvirt-daemon-system', 'libvirt-clients', 'qemu-system-x86'] as const;
export const QEMU_CONF = '/etc/libvirt/qemu.conf';
export const LIBVIRTD_DEFAULTS = '/etc/default/libvirtd';
export const LIBVIRTD = 'libvirtd';

/**
 * Whether libvirt may create cgroups here. Under systemd-nspawn on a cgroup v1 host the controllers are mounted
 * read-only in the machine, and QEMU domains fail to start with "Failed to create v1 controller cpu for group:
 * Read-only file system" unless the QEMU driver is told to use none.
 */
export function cgroupsWritable(procMounts: string): boolean {
  for (const line of procMounts.split('\n')) {
    const [, mountPoint, type, options] = line.split(' ');
    if (!mountPoint?.startsWith('/sys/fs/cgroup/') && mountPoint !== '/sys/fs/cgroup') continue;
    if (type !== 'cgroup' && type !== 'cgroup2') continue;
    if ((options ?? '').split(',').includes('ro')) return false;
  }
  return true;
}

export function qemuConf(cgroups: boolean): string {
  const lines = ['# Written by the nova-compute stand-in charm; every other setting is libvirt\'s default.'];
  if (!cgroups) lines.push('# cgroup controllers are read-only on this machine (systemd-nspawn on cgroup v1)', 'cgroup_controllers = [ ]');
  return `${lines.join('\n')}\n`;
}

/**
 * Debian starts libvirtd with --timeout 120 (exit when idle, socket activation brings it back). A compute keeps it
 * running, as nova-compute's connection does; it also makes "libvirtd is not running" a failure, not a lull.
 */
export function libvirtdDefaults(): string {
  return '# Written by the nova-compute stand-in charm: libvirtd stays up (no idle --timeout).\nLIBVIRTD_ARGS=""\n';
}

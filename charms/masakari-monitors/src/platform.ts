/**
 * What differs between the distributions' masakari-monitors packages, derived from the installed files rather than
 * from a release table:
 * - the user the services run as (Debian: `masakari`, with sudo for privsep; a root unit needs no sudo);
 * - Debian's init wrapper passes `--config-file=/etc/masakari/masakari.conf` (its project name is `masakari`), so the
 *   monitors would read the API's config; `/etc/default/<service>` is sourced after that and may replace the args.
 */
import { CONF_PATH } from './conf.js';

export const HOST_MONITOR = 'masakari-host-monitor';
export const INSTANCE_MONITOR = 'masakari-instance-monitor';
export const PROCESS_MONITOR = 'masakari-process-monitor';
export const SERVICES = [HOST_MONITOR, INSTANCE_MONITOR, PROCESS_MONITOR] as const;
export type MonitorService = (typeof SERVICES)[number];

/** `sudo` because Debian's units run as `masakari` and privsep-helper is reached through the shipped sudoers file. */
export const BASE_PACKAGES = ['masakari-host-monitor', 'masakari-instance-monitor', 'masakari-process-monitor', 'sudo'] as const;

/**
 * pacemaker-cli-utils (pulled by the host monitor) depends on `pacemaker | pacemaker-remote`; unless
 * pacemaker-remote is installed in the same transaction apt picks pacemaker and corosync, and the
 * pacemaker-remote charm's install later removes pacemaker (the packages conflict) but leaves corosync behind.
 */
export function packagesToInstall(nodeType: unknown, pacemakerInstalled: boolean): string[] {
  const remote = nodeType !== 'cluster' && !pacemakerInstalled;
  return remote ? [...BASE_PACKAGES, 'pacemaker-remote'] : [...BASE_PACKAGES];
}

export const UNIT_DIRS = ['/lib/systemd/system', '/usr/lib/systemd/system', '/etc/systemd/system'] as const;

export interface ServiceAccount {
  readonly user: string;
  readonly group: string;
}

/** `User=` / `Group=` of a systemd unit's [Service] section; root when absent (systemd's default). */
export function serviceAccount(unitText: string | null): ServiceAccount {
  let section = '';
  let user = 'root';
  let group: string | null = null;
  for (const raw of (unitText ?? '').split('\n')) {
    const line = raw.trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!;
    else if (section === 'Service') {
      const kv = /^(User|Group)\s*=\s*(\S+)\s*$/.exec(line);
      if (kv && kv[1] === 'User') user = kv[2]!;
      if (kv && kv[1] === 'Group') group = kv[2]!;
    }
  }
  return { user, group: group ?? (user === 'root' ? 'root' : user) };
}

/** `/etc/default/<service>` contents that make Debian's init wrapper start the monitor with our config. */
export function defaultsFile(service: MonitorService): { path: string; content: string } {
  return {
    path: `/etc/default/${service}`,
    content:
      '# Written by the masakari-monitors charm: the packaged init wrapper would pass /etc/masakari/masakari.conf.\n' +
      `DAEMON_ARGS="--config-file=${CONF_PATH}"\n`,
  };
}

/**
 * The instance monitor subscribes to libvirt's events through its read-only socket and exits at once when there is
 * none (a host without libvirt yet: nova-compute not installed, or a non-libvirt hypervisor). It is run only while
 * the socket exists; every hook looks again, so it starts once libvirt is there.
 */
export const LIBVIRT_SOCKETS = ['/run/libvirt/libvirt-sock-ro', '/var/run/libvirt/libvirt-sock-ro'] as const;

/** Services to run: switched on by their option, and the instance monitor only where libvirt runs. */
export function wantedServices(
  switches: { readonly enableHostMonitor: boolean; readonly enableInstanceMonitor: boolean; readonly enableProcessMonitor?: boolean },
  libvirtRunning: boolean,
): MonitorService[] {
  return SERVICES.filter((s) => {
    if (s === HOST_MONITOR) return switches.enableHostMonitor;
    if (s === PROCESS_MONITOR) return switches.enableProcessMonitor === true;
    return switches.enableInstanceMonitor && libvirtRunning;
  });
}

/**
 * What the local apt archive holds: one entry per concern, each downloaded with its dependency closure (relative
 * to the machine image) in its own apt pass, so entries that conflict with each other (pacemaker and
 * pacemaker-remote) can both be served. Other parts of the project add their own entry line here.
 */
export interface ArchivePackageSet {
  readonly concern: string;
  readonly packages: readonly string[];
  /**
   * Charms whose install hook installs exactly this set (on Debian 12, default config). Machines that run them
   * boot from a cached package layer with the set installed; see packagesForCharms.
   */
  readonly charms?: readonly string[];
}

export const archivePackageSets: readonly ArchivePackageSet[] = [
  { concern: 'charm runtime (dispatch installs it when missing)', packages: ['nodejs'] },
  { concern: 'tools used by tests and charms', packages: ['curl', 'jq'] },
  { concern: 'database', packages: ['mariadb-server'], charms: ['mysql'] },
  { concern: 'message queue', packages: ['rabbitmq-server'], charms: ['rabbitmq'] },
  { concern: 'identity', packages: ['keystone', 'python3-pymysql', 'python3-openstackclient'] },
  { concern: 'masakari api and engine', packages: ['masakari-api', 'masakari-engine'] },
  { concern: 'keystone stand-in: its install transaction', packages: ['keystone', 'python3-pymysql', 'uwsgi-plugin-python3'], charms: ['keystone'] },
  { concern: 'masakari monitors', packages: ['masakari-host-monitor', 'masakari-instance-monitor', 'masakari-process-monitor'] },
  { concern: 'pacemaker cluster', packages: ['corosync', 'pacemaker', 'pacemaker-cli-utils', 'crmsh', 'resource-agents', 'cluster-glue'], charms: ['hacluster-ext'] },
  { concern: 'pacemaker remote (conflicts with pacemaker)', packages: ['pacemaker-remote', 'pacemaker-cli-utils', 'resource-agents'] },
  { concern: 'pacemaker-remote charm: its install transaction', packages: ['pacemaker-remote', 'resource-agents'], charms: ['pacemaker-remote'] },
  { concern: 'masakari-monitors charm: one apt transaction with pacemaker-remote (Debian units need sudo for privsep)', packages: ['masakari-host-monitor', 'masakari-instance-monitor', 'masakari-process-monitor', 'sudo', 'pacemaker-remote'], charms: ['masakari-monitors'] },
  { concern: 'nova-compute stand-in: libvirt with QEMU (TCG) for its instances (tests/zaza/charms/nova-compute)', packages: ['libvirt-daemon-system', 'libvirt-clients', 'qemu-system-x86'], charms: ['nova-compute'] },
  { concern: 'load balancer', packages: ['haproxy'] },
  { concern: 'api under uwsgi', packages: ['uwsgi', 'uwsgi-plugin-python3'] },
  { concern: 'api under apache2', packages: ['apache2', 'libapache2-mod-wsgi-py3'] },
  { concern: 'masakari charm: its install transaction on Debian 12', packages: ['masakari-api', 'masakari-engine', 'haproxy', 'memcached', 'python3-memcache', 'python3-tooz', 'python3-pymysql', 'uwsgi-plugin-python3'], charms: ['masakari'] },
];

/**
 * The packages a machine running `charms` (principals and subordinates) should boot with: the union of their
 * install sets, sorted. Charms with no set contribute nothing, so an unknown charm only means a slower install.
 */
export function packagesForCharms(charms: readonly string[], sets: readonly ArchivePackageSet[] = archivePackageSets): string[] {
  const wanted = new Set(charms);
  const packages = new Set<string>();
  for (const set of sets) if (set.charms?.some((charm) => wanted.has(charm))) for (const name of set.packages) packages.add(name);
  return [...packages].sort();
}

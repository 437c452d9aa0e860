/**
 * What the local apt archive holds: one entry per concern, each downloaded with its dependency closure (relative
 * to the machine image) in its own apt pass, so entries that conflict with each other (pacemaker and
 * pacemaker-remote) can both be served. Other parts of the project add their own entry line here.
 */
export interface ArchivePackageSet {
  readonly concern: string;
  readonly packages: readonly string[];
}

export const archivePackageSets: readonly ArchivePackageSet[] = [
  { concern: 'charm runtime (dispatch installs it when missing)', packages: ['nodejs'] },
  { concern: 'tools used by tests and charms', packages: ['curl', 'jq'] },
  { concern: 'database', packages: ['mariadb-server'] },
  { concern: 'message queue', packages: ['rabbitmq-server'] },
  { concern: 'identity', packages: ['keystone', 'python3-pymysql', 'python3-openstackclient'] },
  { concern: 'masakari api and engine', packages: ['masakari-api', 'masakari-engine'] },
  { concern: 'masakari monitors', packages: ['masakari-host-monitor', 'masakari-instance-monitor', 'masakari-process-monitor'] },
  { concern: 'pacemaker cluster', packages: ['corosync', 'pacemaker', 'pacemaker-cli-utils', 'crmsh', 'resource-agents', 'cluster-glue'] },
  { concern: 'pacemaker remote (conflicts with pacemaker)', packages: ['pacemaker-remote', 'pacemaker-cli-utils', 'resource-agents'] },
  { concern: 'masakari-monitors charm: one apt transaction with pacemaker-remote (Debian units need sudo for privsep)', packages: ['masakari-host-monitor', 'masakari-instance-monitor', 'sudo', 'pacemaker-remote'] },
  { concern: 'load balancer', packages: ['haproxy'] },
  { concern: 'api under uwsgi', packages: ['uwsgi', 'uwsgi-plugin-python3'] },
  { concern: 'api under apache2', packages: ['apache2', 'libapache2-mod-wsgi-py3'] },
  { concern: 'masakari charm: its install transaction on Debian 12', packages: ['masakari-api', 'masakari-engine', 'haproxy', 'memcached', 'python3-memcache', 'python3-tooz', 'python3-pymysql', 'uwsgi-plugin-python3'] },
];

/**
 * Debian packages the tests and the local model need on the host, one entry per concern so that each part of
 * the project owns its own line. `tools/prereqs/install.ts` installs whatever is missing.
 */
export interface PackageSet {
  readonly concern: string;
  readonly packages: readonly string[];
  /** `npm start` needs it too (build, agent, machines); the rest only the tests need. */
  readonly start?: true;
  /** The benchmarks (tools/bench/<name>.ts) that need it: `npm run bench` installs it before running them. */
  readonly bench?: readonly string[];
}

export const hostPackages: readonly PackageSet[] = [
  { concern: 'charm build (zip listing in tests)', packages: ['unzip'], start: true },
  { concern: 'host + build: perl fcntl lock holder (apt test), GNU time (code-cache bench), apt/dpkg-deb/unshare for Debian node 18', packages: ['perl', 'time', 'apt', 'dpkg', 'util-linux', 'mount'], start: true, bench: ['code-cache', 'localmodel', 'localmodel-machines', 'functest-parallel'] },
  { concern: 'local model agent: hook-tool client (static C), .charm unpacking, cleanup checks in tests', packages: ['gcc', 'libc6-dev', 'unzip', 'iproute2', 'procps'], start: true, bench: ['localmodel', 'functest-parallel'] },
  { concern: 'local model machines (image, archive, namespaces, nspawn)', packages: ['debootstrap', 'systemd-container', 'dpkg-dev', 'iproute2', 'util-linux', 'debian-archive-keyring'], start: true, bench: ['localmodel', 'localmodel-machines', 'functest-parallel'] },
  { concern: 'hacluster-ext: crm_verify/crm_simulate, stonith plugin tests, namespace cluster lab', packages: ['pacemaker', 'pacemaker-cli-utils', 'corosync', 'cluster-glue', 'resource-agents', 'iproute2', 'util-linux'], bench: ['hacluster-cib'] },
  { concern: 'pacemaker-remote / masakari-monitors: remote lab (pacemaker-remoted is unpacked to /opt by the tests), hostmonitor', packages: ['pacemaker', 'pacemaker-cli-utils', 'corosync', 'resource-agents', 'masakari-host-monitor', 'masakari-instance-monitor', 'sudo', 'iproute2', 'util-linux'] },
  { concern: 'masakari: component test (real masakari-api/engine, MariaDB, RabbitMQ, Keystone, haproxy in a netns)', packages: ['masakari-api', 'masakari-engine', 'python3-tooz', 'python3-pymysql', 'uwsgi-plugin-python3', 'haproxy', 'memcached', 'python3-memcache', 'mariadb-server', 'mariadb-client', 'rabbitmq-server', 'keystone', 'iproute2', 'util-linux'] },
];

/** What `npm start` installs: the build, the local model's agent and its machines, not the test tiers' daemons. */
export const startPackages: readonly PackageSet[] = hostPackages.filter((set) => set.start);

/** What `npm run bench` installs before running the named benchmarks (tools/bench/<name>.ts). */
export function benchPackages(benchmarks: readonly string[]): PackageSet[] {
  return hostPackages.filter((set) => set.bench?.some((name) => benchmarks.includes(name)));
}

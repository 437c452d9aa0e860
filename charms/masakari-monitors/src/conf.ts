/**
 * /etc/masakarimonitors/masakarimonitors.conf as a pure function of options, keystone's answer and host facts.
 */
import { authUrl, type Credentials } from '../../../interfaces/keystone-credentials/protocol.js';
import { literal, renderIni, type IniDocument, type IniValue } from './ini.js';
import type { MonitorOptions } from './options.js';
import { PROCESS_LIST_PATH, type ComputeOptions } from './compute-options.js';

export const CONF_DIR = '/etc/masakarimonitors';
export const CONF_PATH = `${CONF_DIR}/masakarimonitors.conf`;
/** The CA the monitors verify the masakari API (and keystone) with: ssl_ca, else the certificates relation's. */
export const API_CA_PATH = `${CONF_DIR}/api-ca.pem`;

/** Corosync's default knet/udp port; only read by the host monitor on full cluster members. */
export const COROSYNC_PORT = 5405;

export interface HostFacts {
  /** The host FQDN: nova's hypervisor name and the pacemaker remote node name. */
  readonly fqdn: string;
  /** Interface of the cluster binding (network-get), or null when it could not be determined. */
  readonly corosyncInterface: string | null;
  /** User the monitor services run as (from their systemd units); root needs no sudo for privsep. */
  readonly serviceUser: string;
  /** API_CA_PATH is written (from ssl_ca or the certificates relation). */
  readonly apiCa?: boolean;
}

/**
 * oslo.privsep's helper for the monitors' root commands (crm_mon, cibadmin, tcpdump). Set explicitly because the
 * default always prefixes sudo, which is not installed on a minimal host when the monitor already runs as root.
 */
export function privsepHelperCommand(serviceUser: string, confPath = CONF_PATH): string {
  const helper = `privsep-helper --config-file ${confPath}`;
  return serviceUser === 'root' ? helper : `sudo ${helper}`;
}

function apiSection(options: MonitorOptions, credentials: Credentials, facts: HostFacts): (readonly [string, IniValue])[] {
  const entries: (readonly [string, IniValue])[] = [
    ['region', literal(options.region)],
    ['api_interface', options.useInternalEndpoints ? 'internal' : 'public'],
    ['auth_type', 'password'],
    ['auth_url', literal(authUrl(credentials))],
  ];
  const optional: readonly (readonly [string, string | undefined])[] = [
    ['project_domain_name', credentials.projectDomainName],
    ['project_domain_id', credentials.projectDomainId],
    ['user_domain_name', credentials.userDomainName],
    ['user_domain_id', credentials.userDomainId],
  ];
  for (const [key, value] of optional) if (value) entries.push([key, literal(value)]);
  entries.push(
    ['project_name', literal(credentials.project)],
    ['username', literal(credentials.username)],
    ['password', literal(credentials.password)],
  );
  // keystoneauth's session options: the API's certificate is verified against this CA (else the system bundle).
  if (facts.apiCa) entries.push(['cafile', API_CA_PATH]);
  if (options.apiTlsInsecure) entries.push(['insecure', true]);
  return entries;
}

function hostSection(options: MonitorOptions, facts: HostFacts): (readonly [string, IniValue])[] {
  const entries: (readonly [string, IniValue])[] = [
    ['monitoring_driver', 'default'],
    ['monitoring_interval', options.monitoringInterval],
    ['monitoring_samples', options.monitoringSamples],
    ['api_retry_max', options.apiRetryMax],
    ['api_retry_interval', options.apiRetryInterval],
    // Fencing is confirmed by pacemaker (MAAS STONITH), not by ipmitool on the computes.
    ['disable_ipmi_check', true],
    ['restrict_to_remotes', options.restrictToRemotes],
    ['pacemaker_node_type', options.pacemakerNodeType],
  ];
  if (facts.corosyncInterface) {
    entries.push(['corosync_multicast_interfaces', literal(facts.corosyncInterface)], ['corosync_multicast_ports', COROSYNC_PORT]);
  }
  return entries;
}

/** Where libvirt is and the process monitor's settings (its list is process_list.yaml, compute-options.ts). */
const COMPUTE_DEFAULTS: ComputeOptions = { libvirtUri: 'qemu:///system', enableProcessMonitor: false, processes: [] };

function processSection(options: MonitorOptions): (readonly [string, IniValue])[] {
  return [
    ['process_list_path', PROCESS_LIST_PATH],
    ['api_retry_max', options.apiRetryMax],
    ['api_retry_interval', options.apiRetryInterval],
  ];
}

export function monitorsConfDocument(options: MonitorOptions, credentials: Credentials, facts: HostFacts, compute: ComputeOptions = COMPUTE_DEFAULTS): IniDocument {
  return [
    {
      name: 'DEFAULT',
      entries: [['debug', options.debug], ['hostname', literal(facts.fqdn)], ...options.configFlags],
    },
    { name: 'api', entries: apiSection(options, credentials, facts) },
    { name: 'callback', entries: [['retry_max', options.apiRetryMax], ['retry_interval', options.apiRetryInterval]] },
    { name: 'host', entries: hostSection(options, facts) },
    { name: 'libvirt', entries: [['connection_uri', literal(compute.libvirtUri)]] },
    { name: 'process', entries: processSection(options) },
    { name: 'masakarimonitors_privileged', entries: [['helper_command', privsepHelperCommand(facts.serviceUser)]] },
  ];
}

export function renderMonitorsConf(options: MonitorOptions, credentials: Credentials, facts: HostFacts, compute?: ComputeOptions): string {
  return renderIni(
    monitorsConfDocument(options, credentials, facts, compute),
    'Written by the masakari-monitors charm; local changes are overwritten.',
  );
}

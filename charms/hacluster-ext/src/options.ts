/**
 * Config options: JSON-schema rules (ranges, enums) and the checks a schema cannot express, each message naming
 * the option and what is accepted (never the value of a key), then the typed settings the charm computes from.
 */
import { decodeAuthKey } from '../../../interfaces/pacemaker-remote/protocol.js';
import type { ConfigCheck, ConfigRules, ConfigValues } from '../../../reactive/config.js';
import { hostOrAddress, list, secret, url } from '../../../reactive/decode/values.js';
import type { CibConfig, NoQuorumPolicy, StonithAction } from './cib/desired.js';
import { DEFAULT_CIB_CONFIG } from './cib/desired.js';
import { SERVICE_TIMEOUT_MAX } from './corosync/ring.js';
import { budgetFrom, fencingConfigRules, quorumProblems } from './fencing/options.js';
import { decodeNotify, notifyConfigRules, notifyProblems, type NotifySettings } from './notify/options.js';

/** Every number has both bounds: a value reaches a systemd drop-in, corosync.conf or the CIB as it is. */
export const configRules: ConfigRules = {
  corosync_transport: { enum: ['unicast', 'udpu', 'knet'] },
  cluster_count: { minimum: 1, maximum: 32 },
  no_quorum_policy: { enum: ['ignore', 'freeze', 'stop', 'suicide'] },
  stonith_action: { enum: ['off', 'reboot'] },
  failure_timeout: { minimum: 0, maximum: 604_800 },
  cluster_recheck_interval: { minimum: 1, maximum: 86_400 },
  maas_power_timeout: { minimum: 1, maximum: 3600 },
  monitor_interval: { pattern: '^[1-9][0-9]{0,5}(ms|s|m|min|h)?$' },
  service_start_timeout: { minimum: -1, maximum: SERVICE_TIMEOUT_MAX },
  service_stop_timeout: { minimum: -1, maximum: SERVICE_TIMEOUT_MAX },
  netmtu: { minimum: 576, maximum: 65535 },
  ...fencingConfigRules,
  ...notifyConfigRules,
};

/** Decoded key bytes, or a reason (never containing the value): the limits pacemaker-remote applies too. */
export function decodeKey(text: string): Buffer | string {
  const decoded = decodeAuthKey(text);
  return decoded.ok ? decoded.value : decoded.rule;
}

const MAAS_URL = url({ schemes: ['http', 'https'], credentials: false, max: 1024 });
/** A MAAS API key: consumer:token:secret, printable ASCII without spaces or line breaks (it goes into a file). */
const MAAS_KEY = secret(512);
const MONITOR_HOSTS = list(hostOrAddress, 16);

function text(config: ConfigValues, name: string): string {
  const v = config[name];
  return typeof v === 'string' ? v.trim() : '';
}

export const configCheck: ConfigCheck = (config) => {
  const problems: string[] = [];
  const keys: Record<string, Buffer> = {};
  for (const name of ['corosync_key', 'pacemaker_key']) {
    const value = text(config, name);
    if (value === '') continue;
    const decoded = decodeAuthKey(value);
    if (decoded.ok) keys[name] = decoded.value;
    else problems.push(`${name}: ${decoded.rule}; leave it empty to let the leader generate one`);
  }
  // The ring key stays on the members; the pacemaker key goes to every compute host.
  if (keys.corosync_key && keys.pacemaker_key?.equals(keys.corosync_key)) {
    problems.push('pacemaker_key: must differ from corosync_key (the pacemaker key is sent to every pacemaker-remote host)');
  }
  const maasUrl = text(config, 'maas_url');
  const credentials = text(config, 'maas_credentials');
  if (maasUrl !== '') {
    const decoded = MAAS_URL(maasUrl);
    if (!decoded.ok) problems.push(`maas_url: ${decoded.rule}; e.g. http://maas.example:5240/MAAS, the API key goes in maas_credentials`);
  }
  if (credentials !== '') {
    const decoded = MAAS_KEY(credentials);
    if (!decoded.ok || credentials.split(':').length !== 3 || credentials.split(':').some((p) => p === '')) {
      problems.push('maas_credentials: must be a MAAS API key of three parts, consumer:token:secret (printable ASCII, one line)');
    }
  }
  if ((maasUrl === '') !== (credentials === '')) problems.push('maas_url and maas_credentials: set both or neither');
  const hosts = MONITOR_HOSTS(text(config, 'monitor_host'));
  if (!hosts.ok) problems.push(`monitor_host: ${hosts.rule} (a space separated list of IP addresses or host names)`);
  problems.push(...quorumProblems(config));
  problems.push(...notifyProblems(config));
  return problems;
};

export interface Settings {
  readonly clusterCount: number;
  readonly corosyncKey: Buffer | null;
  readonly pacemakerKey: Buffer | null;
  readonly netmtu: number | null;
  readonly debug: boolean;
  readonly startTimeout: number;
  readonly stopTimeout: number;
  /** Operator notifications; no URLs: off. */
  readonly notify: NotifySettings;
  readonly cib: Omit<CibConfig, 'remoteReconnectInterval' | 'remoteMonitorInterval' | 'remoteMonitorTimeout'>;
}

function num(config: ConfigValues, name: string, fallback: number): number {
  const v = config[name];
  return typeof v === 'number' ? v : fallback;
}

function monitorHosts(config: ConfigValues): string[] {
  const decoded = MONITOR_HOSTS(text(config, 'monitor_host'));
  return decoded.ok ? decoded.value : [];
}

/** Typed settings from validated config (call only when validation passed). */
export function settingsFrom(config: ConfigValues): Settings {
  const key = (name: string): Buffer | null => {
    const decoded = text(config, name) === '' ? null : decodeKey(text(config, name));
    return decoded instanceof Buffer ? decoded : null;
  };
  const url = text(config, 'maas_url');
  const credentials = text(config, 'maas_credentials');
  const decodedNotify = decodeNotify(config);
  const notify: NotifySettings = decodedNotify.ok ? decodedNotify.value : { urls: [], format: 'generic' };
  return {
    clusterCount: num(config, 'cluster_count', 3),
    corosyncKey: key('corosync_key'),
    pacemakerKey: key('pacemaker_key'),
    netmtu: typeof config.netmtu === 'number' ? config.netmtu : null,
    debug: config.debug === true,
    startTimeout: num(config, 'service_start_timeout', 180),
    stopTimeout: num(config, 'service_stop_timeout', 600),
    notify,
    cib: {
      noQuorumPolicy: (text(config, 'no_quorum_policy') || 'stop') as NoQuorumPolicy,
      failureTimeout: num(config, 'failure_timeout', DEFAULT_CIB_CONFIG.failureTimeout),
      clusterRecheckInterval: num(config, 'cluster_recheck_interval', DEFAULT_CIB_CONFIG.clusterRecheckInterval),
      maintenanceMode: config['maintenance-mode'] === true,
      monitorHosts: monitorHosts(config),
      monitorInterval: text(config, 'monitor_interval') || '5s',
      maas: url !== '' && credentials !== '' ? { url, apiKey: credentials } : null,
      stonithPowerTimeout: num(config, 'maas_power_timeout', 60),
      stonithAction: (text(config, 'stonith_action') || DEFAULT_CIB_CONFIG.stonithAction) as StonithAction,
      fenceBudget: budgetFrom(config),
      notifyAlerts: notify.urls.length > 0,
    },
  };
}

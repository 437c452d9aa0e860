/**
 * Config options: JSON-schema rules (ranges, enums) and the checks a schema cannot express, each message naming
 * the option and what is accepted (never the value of a key), then the typed settings the charm computes from.
 */
import { isIP } from 'node:net';
import type { ConfigCheck, ConfigRules, ConfigValues } from '../../../reactive/config.js';
import type { CibConfig, NoQuorumPolicy, StonithAction } from './cib/desired.js';
import { DEFAULT_CIB_CONFIG } from './cib/desired.js';
import { budgetFrom, fencingConfigRules, quorumProblems } from './fencing/options.js';

export const configRules: ConfigRules = {
  corosync_transport: { enum: ['unicast', 'udpu', 'knet'] },
  cluster_count: { minimum: 1, maximum: 32 },
  no_quorum_policy: { enum: ['ignore', 'freeze', 'stop', 'suicide'] },
  stonith_action: { enum: ['off', 'reboot'] },
  failure_timeout: { minimum: 0 },
  cluster_recheck_interval: { minimum: 1 },
  maas_power_timeout: { minimum: 1, maximum: 3600 },
  monitor_interval: { pattern: '^[0-9]+(ms|s|m|min|h)?$' },
  service_start_timeout: { minimum: -1 },
  service_stop_timeout: { minimum: -1 },
  netmtu: { minimum: 576, maximum: 65535 },
  ...fencingConfigRules,
};

const KEY_MIN = 128;
const KEY_MAX = 4096;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decoded key bytes, or a reason (never containing the value). */
export function decodeKey(text: string): Buffer | string {
  const compact = text.replace(/\s+/g, '');
  if (!BASE64.test(compact)) return 'must be base64';
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length < KEY_MIN || bytes.length > KEY_MAX) return `must decode to ${KEY_MIN}-${KEY_MAX} bytes (got ${bytes.length})`;
  return bytes;
}

const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function text(config: ConfigValues, name: string): string {
  const v = config[name];
  return typeof v === 'string' ? v.trim() : '';
}

export const configCheck: ConfigCheck = (config) => {
  const problems: string[] = [];
  for (const name of ['corosync_key', 'pacemaker_key']) {
    const value = text(config, name);
    if (value === '') continue;
    const decoded = decodeKey(value);
    if (typeof decoded === 'string') problems.push(`${name}: ${decoded}; leave it empty to let the leader generate one`);
  }
  const url = text(config, 'maas_url');
  const credentials = text(config, 'maas_credentials');
  if (url !== '') {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(url).protocol);
    } catch { /* reported below */ }
    if (!ok) problems.push('maas_url: must be an http:// or https:// URL such as http://maas.example:5240/MAAS');
  }
  if (credentials !== '' && credentials.split(':').filter((p) => p !== '').length !== 3) {
    problems.push('maas_credentials: must be a MAAS API key of three parts, consumer:token:secret');
  }
  if ((url === '') !== (credentials === '')) problems.push('maas_url and maas_credentials: set both or neither');
  for (const host of text(config, 'monitor_host').split(/\s+/).filter(Boolean)) {
    if (isIP(host) === 0 && !HOST.test(host)) problems.push(`monitor_host: "${host}" is not an IP address or host name (space separated list)`);
  }
  problems.push(...quorumProblems(config));
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
  readonly cib: Omit<CibConfig, 'remoteReconnectInterval' | 'remoteMonitorInterval' | 'remoteMonitorTimeout'>;
}

function num(config: ConfigValues, name: string, fallback: number): number {
  const v = config[name];
  return typeof v === 'number' ? v : fallback;
}

/** Typed settings from validated config (call only when validation passed). */
export function settingsFrom(config: ConfigValues): Settings {
  const key = (name: string): Buffer | null => {
    const decoded = text(config, name) === '' ? null : decodeKey(text(config, name));
    return decoded instanceof Buffer ? decoded : null;
  };
  const url = text(config, 'maas_url');
  const credentials = text(config, 'maas_credentials');
  return {
    clusterCount: num(config, 'cluster_count', 3),
    corosyncKey: key('corosync_key'),
    pacemakerKey: key('pacemaker_key'),
    netmtu: typeof config.netmtu === 'number' ? config.netmtu : null,
    debug: config.debug === true,
    startTimeout: num(config, 'service_start_timeout', 180),
    stopTimeout: num(config, 'service_stop_timeout', 600),
    cib: {
      noQuorumPolicy: (text(config, 'no_quorum_policy') || 'stop') as NoQuorumPolicy,
      failureTimeout: num(config, 'failure_timeout', DEFAULT_CIB_CONFIG.failureTimeout),
      clusterRecheckInterval: num(config, 'cluster_recheck_interval', DEFAULT_CIB_CONFIG.clusterRecheckInterval),
      maintenanceMode: config['maintenance-mode'] === true,
      monitorHosts: text(config, 'monitor_host').split(/\s+/).filter(Boolean),
      monitorInterval: text(config, 'monitor_interval') || '5s',
      maas: url !== '' && credentials !== '' ? { url, apiKey: credentials } : null,
      stonithPowerTimeout: num(config, 'maas_power_timeout', 60),
      stonithAction: (text(config, 'stonith_action') || DEFAULT_CIB_CONFIG.stonithAction) as StonithAction,
      fenceBudget: budgetFrom(config),
    },
  };
}

import { isOneLine } from '../../../reactive/oslo-ini.js';
import { pemCertificates } from '../../../reactive/decode/pem.js';

/**
 * The charm's options, validated into one typed value. Every problem is reported as "<option>: <what is accepted>"
 * so the unit can show it as a blocked status; nothing is rendered from a config that does not validate.
 */

export const NODE_TYPES = ['remote', 'cluster', 'autodetect'] as const;
export type PacemakerNodeType = (typeof NODE_TYPES)[number];

export interface MonitorOptions {
  readonly region: string;
  readonly useInternalEndpoints: boolean;
  readonly debug: boolean;
  /** Extra `[DEFAULT]` settings, in the order given. */
  readonly configFlags: readonly (readonly [string, string])[];
  readonly monitoringInterval: number;
  readonly monitoringSamples: number;
  readonly pacemakerNodeType: PacemakerNodeType;
  readonly restrictToRemotes: boolean;
  readonly apiRetryMax: number;
  readonly apiRetryInterval: number;
  readonly enableHostMonitor: boolean;
  readonly enableInstanceMonitor: boolean;
  /** ssl_ca, parsed and re-exported by Node's crypto; null when unset. */
  readonly sslCa: string | null;
  /** api-tls-insecure: the API's certificate is not verified. */
  readonly apiTlsInsecure: boolean;
}

export type RawConfig = Readonly<Record<string, string | number | boolean | null | undefined>>;

export type OptionsResult =
  | { readonly ok: true; readonly options: MonitorOptions }
  | { readonly ok: false; readonly problems: readonly string[] };

/** `[DEFAULT]` keys the charm renders from its own options; config-flags may not override them. */
const CHARM_OWNED_DEFAULT_KEYS: Readonly<Record<string, string>> = {
  debug: "the charm's 'debug' option",
  hostname: 'the charm (host FQDN)',
  host: 'the charm (host FQDN)',
};

const FLAG_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const MAX_FLAGS_LENGTH = 8192;
const MAX_FLAGS = 64;

/**
 * Parses `key=value[,key=value...]`. A comma starts a new pair only when a `key=` follows it, so values holding
 * commas (oslo list options) survive: `a=1,2,b=3` is `a=1,2` and `b=3`.
 */
export function parseConfigFlags(text: string): { pairs: [string, string][] } | { problem: string } {
  // Problems name the pair by its position and say what is accepted: a piece may hold a password (it did once).
  const trimmed = text.trim();
  if (trimmed === '') return { pairs: [] };
  if (trimmed.length > MAX_FLAGS_LENGTH) return { problem: `config-flags: must be at most ${MAX_FLAGS_LENGTH} characters` };
  if (!isOneLine(trimmed)) return { problem: 'config-flags: must be one line of comma-separated key=value pairs' };
  const pieces = trimmed.split(/,(?=\s*[A-Za-z_][A-Za-z0-9_.-]*\s*=)/);
  if (pieces.length > MAX_FLAGS) return { problem: `config-flags: at most ${MAX_FLAGS} key=value pairs are accepted` };
  const pairs: [string, string][] = [];
  const seen = new Set<string>();
  for (const [i, piece] of pieces.entries()) {
    const eq = piece.indexOf('=');
    const key = (eq < 0 ? piece : piece.slice(0, eq)).trim();
    if (eq < 0 || !FLAG_KEY.test(key)) {
      return { problem: `config-flags: pair ${i + 1} is not key=value (a key is letters, digits, '_', '.', '-'; pairs are comma-separated)` };
    }
    if (CHARM_OWNED_DEFAULT_KEYS[key.toLowerCase()]) {
      return { problem: `config-flags: pair ${i + 1} sets a key the charm sets itself (${Object.keys(CHARM_OWNED_DEFAULT_KEYS).join(', ')})` };
    }
    if (seen.has(key)) return { problem: `config-flags: pair ${i + 1} repeats the key of an earlier pair` };
    seen.add(key);
    pairs.push([key, piece.slice(eq + 1).trim()]);
  }
  return { pairs };
}

function integer(config: RawConfig, name: string, min: number, max: number, problems: string[]): number {
  const value = config[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name}: an integer from ${min} to ${max} is accepted`);
    return min;
  }
  return value;
}

function boolean(config: RawConfig, name: string, problems: string[]): boolean {
  const value = config[name];
  if (typeof value !== 'boolean') {
    problems.push(`${name}: true or false is accepted`);
    return false;
  }
  return value;
}

export function parseOptions(config: RawConfig): OptionsResult {
  const problems: string[] = [];
  const region = typeof config.region === 'string' ? config.region.trim() : '';
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/.test(region)) {
    problems.push('region: a region name (letters, digits, "_", "-", ".") is accepted');
  }
  const nodeType = config['pacemaker-node-type'];
  if (typeof nodeType !== 'string' || !(NODE_TYPES as readonly string[]).includes(nodeType)) {
    problems.push(`pacemaker-node-type: one of ${NODE_TYPES.join(', ')} is accepted`);
  }
  const flags = parseConfigFlags(typeof config['config-flags'] === 'string' ? config['config-flags'] : '');
  if ('problem' in flags) problems.push(flags.problem);
  const rawCa = typeof config['ssl_ca'] === 'string' ? config['ssl_ca'].trim() : '';
  const ca = rawCa ? pemCertificates()(rawCa) : null;
  if (ca && !ca.ok) problems.push(`ssl_ca: ${ca.rule}`);
  const options: MonitorOptions = {
    region,
    useInternalEndpoints: boolean(config, 'use-internal-endpoints', problems),
    debug: boolean(config, 'debug', problems),
    configFlags: 'pairs' in flags ? flags.pairs : [],
    monitoringInterval: integer(config, 'monitoring-interval', 1, 3600, problems),
    monitoringSamples: integer(config, 'monitoring-samples', 1, 100, problems),
    pacemakerNodeType: nodeType as PacemakerNodeType,
    restrictToRemotes: boolean(config, 'restrict-to-remotes', problems),
    apiRetryMax: integer(config, 'api-retry-max', 0, 1000, problems),
    apiRetryInterval: integer(config, 'api-retry-interval', 1, 3600, problems),
    enableHostMonitor: boolean(config, 'enable-host-monitor', problems),
    enableInstanceMonitor: boolean(config, 'enable-instance-monitor', problems),
    sslCa: ca?.ok ? ca.value : null,
    apiTlsInsecure: config['api-tls-insecure'] === undefined ? false : boolean(config, 'api-tls-insecure', problems),
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, options };
}

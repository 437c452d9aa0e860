/**
 * Pure argument builders and output parsers for Juju's hook tools (juju-contract §2). Kept apart from process
 * execution so every quoting, JSON-null and empty-output rule is unit tested without spawning anything.
 */
import type { ConfigValue, NetworkInfo, RelationData, StatusRecord, WorkloadStatus } from './tools.js';

export interface ToolCall {
  readonly tool: string;
  readonly args: readonly string[];
  /** Written to the tool's stdin (e.g. `relation-set --file -`). */
  readonly input?: string;
  /** True when the arguments or stdin carry values that must never be logged. */
  readonly secret?: boolean;
}

const WORKLOAD_STATUSES: readonly WorkloadStatus[] = ['maintenance', 'blocked', 'waiting', 'active'];

/** JSON output of a tool: Juju prints `null` for absent values and nothing at all in some versions. */
export function parseJson<T>(stdout: string, fallback: T): T {
  const text = stdout.trim();
  if (text === '' || text === 'null') return fallback;
  return JSON.parse(text) as T;
}

/** Relation and leader bags hold strings only; anything else is a protocol error worth naming. */
export function parseStringMap(stdout: string, what: string): RelationData {
  const value = parseJson<unknown>(stdout, {});
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${what}: expected a JSON object, got ${stdout.trim().slice(0, 80)}`);
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    out[key] = typeof v === 'string' ? v : String(v);
  }
  return Object.freeze(out);
}

/**
 * The document `relation-set --file -` reads: a string→string map, '' deletes. Written as JSON, which is valid
 * YAML: every value is a double-quoted string, so YAML never reinterprets "yes", "010" or multi-line values, and
 * hooks need no YAML library loaded to publish.
 */
export function settingsDocument(data: Readonly<Record<string, string | null>>): string {
  const doc: Record<string, string> = {};
  for (const key of Object.keys(data).sort()) {
    if (key === '' || key.includes('=')) throw new Error(`invalid settings key ${JSON.stringify(key)}: keys are non-empty and contain no '='`);
    const value = data[key];
    doc[key] = value === null || value === undefined ? '' : value;
  }
  return `${JSON.stringify(doc)}\n`;
}

function relationArgs(relationId: string): string[] {
  if (!relationId) throw new Error('a relation id is required (e.g. "shared-db:3")');
  return ['-r', relationId];
}

export const build = {
  configGet: (): ToolCall => ({ tool: 'config-get', args: ['--all', '--format=json'] }),
  relationIds: (endpoint: string): ToolCall => ({ tool: 'relation-ids', args: ['--format=json', endpoint] }),
  relationList: (relationId: string): ToolCall => ({ tool: 'relation-list', args: ['--format=json', ...relationArgs(relationId)] }),
  relationRemoteApp: (relationId: string): ToolCall => ({ tool: 'relation-list', args: ['--app', ...relationArgs(relationId)] }),
  relationGet: (relationId: string, target: string, app = false): ToolCall => ({
    tool: 'relation-get',
    args: ['--format=json', ...relationArgs(relationId), ...(app ? ['--app'] : []), '-', target],
  }),
  relationSet: (relationId: string, data: Readonly<Record<string, string | null>>, app = false): ToolCall => ({
    tool: 'relation-set',
    args: [...relationArgs(relationId), ...(app ? ['--app'] : []), '--file', '-'],
    input: settingsDocument(data),
    secret: true,
  }),
  statusSet: (status: WorkloadStatus, message: string, application = false): ToolCall => {
    if (!WORKLOAD_STATUSES.includes(status)) {
      throw new Error(`invalid status "${status}": a charm may set ${WORKLOAD_STATUSES.join(', ')}`);
    }
    return { tool: 'status-set', args: [...(application ? ['--application'] : []), status, message] };
  },
  statusGet: (application = false): ToolCall => ({
    tool: 'status-get',
    args: ['--format=json', '--include-data', ...(application ? ['--application'] : [])],
  }),
  // `--` keeps a message that starts with '-' from being read as a flag.
  jujuLog: (message: string, level: string): ToolCall => ({ tool: 'juju-log', args: ['--log-level', level, '--', message] }),
  leaderGet: (): ToolCall => ({ tool: 'leader-get', args: ['--format=json'] }),
  leaderSet: (data: Readonly<Record<string, string | null>>): ToolCall => ({
    tool: 'leader-set',
    args: Object.keys(data).sort().map((key) => {
      if (key === '' || key.includes('=')) throw new Error(`invalid leader-set key ${JSON.stringify(key)}`);
      return `${key}=${data[key] ?? ''}`;
    }),
    secret: true,
  }),
  isLeader: (): ToolCall => ({ tool: 'is-leader', args: ['--format=json'] }),
  openPort: (port: number | string, protocol: string): ToolCall => ({ tool: 'open-port', args: [portSpec(port, protocol)] }),
  closePort: (port: number | string, protocol: string): ToolCall => ({ tool: 'close-port', args: [portSpec(port, protocol)] }),
  openedPorts: (): ToolCall => ({ tool: 'opened-ports', args: ['--format=json'] }),
  unitGet: (key: string): ToolCall => ({ tool: 'unit-get', args: ['--format=json', key] }),
  networkGet: (binding: string, relationId?: string): ToolCall => ({
    tool: 'network-get',
    args: ['--format=json', ...(relationId ? ['-r', relationId] : []), binding],
  }),
  actionGet: (): ToolCall => ({ tool: 'action-get', args: ['--format=json'] }),
  actionSet: (results: Readonly<Record<string, unknown>>): ToolCall => ({
    tool: 'action-set',
    args: flattenResults(results).map(([key, value]) => `${key}=${value}`),
  }),
  actionFail: (message: string): ToolCall => ({ tool: 'action-fail', args: [message] }),
  actionLog: (message: string): ToolCall => ({ tool: 'action-log', args: [message] }),
  applicationVersionSet: (version: string): ToolCall => ({ tool: 'application-version-set', args: ['--', version] }),
} as const;

function portSpec(port: number | string, protocol: string): string {
  const spec = String(port);
  if (!/^\d+(-\d+)?$/.test(spec)) throw new Error(`invalid port ${JSON.stringify(spec)}: expected N or FROM-TO`);
  return `${spec}/${protocol.toLowerCase()}`;
}

const ACTION_KEY = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/;
const RESERVED_RESULT_KEYS = new Set(['stdout', 'stdout-encoding', 'stderr', 'stderr-encoding']);

/** action-set takes dotted keys; nested objects become `a.b=value` pairs. */
export function flattenResults(results: Readonly<Record<string, unknown>>, prefix = ''): [string, string][] {
  const out: [string, string][] = [];
  for (const key of Object.keys(results).sort()) {
    if (!ACTION_KEY.test(key)) {
      throw new Error(`invalid action result key "${prefix}${key}": lowercase letters, digits, '-' and '.' inside`);
    }
    const path = `${prefix}${key}`;
    if (!prefix && RESERVED_RESULT_KEYS.has(key)) throw new Error(`action result key "${key}" is reserved by Juju`);
    const value = results[key];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out.push(...flattenResults(value as Record<string, unknown>, `${path}.`));
    } else {
      out.push([path, typeof value === 'string' ? value : JSON.stringify(value ?? null)]);
    }
  }
  return out;
}

export const parse = {
  configGet: (stdout: string): Readonly<Record<string, ConfigValue | null>> =>
    Object.freeze(parseJson<Record<string, ConfigValue | null>>(stdout, {})),
  relationIds: (stdout: string): readonly string[] => sortRelationIds(parseJson<string[]>(stdout, [])),
  relationList: (stdout: string): readonly string[] => sortUnits(parseJson<string[]>(stdout, [])),
  relationRemoteApp: (stdout: string): string => stdout.trim(),
  isLeader: (stdout: string): boolean => {
    const text = stdout.trim();
    return text === 'true' || text === 'True';
  },
  statusGet: (stdout: string): StatusRecord => {
    const value = parseJson<Record<string, unknown>>(stdout, {});
    const record = (value['application-status'] ?? value) as Record<string, unknown>;
    return { status: String(record.status ?? 'unknown'), message: String(record.message ?? '') };
  },
  openedPorts: (stdout: string): readonly string[] => parseJson<string[]>(stdout, []),
  unitGet: (stdout: string): string => parseJson<string>(stdout, ''),
  networkGet: (stdout: string): NetworkInfo => {
    const raw = parseJson<Record<string, unknown>>(stdout, {});
    const binds = (raw['bind-addresses'] ?? []) as Record<string, unknown>[];
    return {
      bindAddresses: binds.map((b) => ({
        interfaceName: String(b['interface-name'] ?? b.interfacename ?? ''),
        macAddress: String(b['mac-address'] ?? b.macaddress ?? ''),
        addresses: ((b.addresses ?? []) as Record<string, unknown>[]).map((a) => ({
          hostname: String(a.hostname ?? ''),
          value: String(a.value ?? a.address ?? ''),
          cidr: String(a.cidr ?? ''),
        })),
      })),
      ingressAddresses: (raw['ingress-addresses'] ?? []) as string[],
      egressSubnets: (raw['egress-subnets'] ?? []) as string[],
    };
  },
  actionGet: (stdout: string): Readonly<Record<string, unknown>> => parseJson<Record<string, unknown>>(stdout, {}),
} as const;

/** `app/10` sorts after `app/9`: Juju orders units by number, not by string. */
export function compareUnits(a: string, b: string): number {
  const [appA = '', numA = '0'] = a.split('/');
  const [appB = '', numB = '0'] = b.split('/');
  return appA === appB ? Number(numA) - Number(numB) : appA < appB ? -1 : 1;
}

export function sortUnits(units: readonly string[]): string[] {
  return [...units].sort(compareUnits);
}

export function relationNumber(relationId: string): number {
  return Number(relationId.slice(relationId.lastIndexOf(':') + 1));
}

export function sortRelationIds(ids: readonly string[]): string[] {
  return [...ids].sort((a, b) => relationNumber(a) - relationNumber(b));
}

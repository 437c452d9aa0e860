/**
 * The principal's side of the `hacluster` protocol (endpoint `ha`) as data: a CRM description of the resources
 * a principal hands to hacluster, encoded as the `json_*` keys the stock interface sends. See README.md.
 *
 * Byte compatibility matters: hacluster compares values between hooks, and other principals' data in the same
 * model is produced by Python's `json.dumps(value, sort_keys=True)`, so `pythonJsonDumps` reproduces that output
 * (", " and ": " separators, sorted keys, non-ASCII escaped).
 */
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';

export interface Crm {
  resources: Record<string, string>;
  resource_params: Record<string, string>;
  groups: Record<string, string>;
  ms: Record<string, string>;
  orders: Record<string, string>;
  colocations: Record<string, string>;
  clones: Record<string, string>;
  locations: Record<string, string>;
  init_services: string[];
  systemd_services: string[];
  delete_resources: string[];
}

export function emptyCrm(): Crm {
  return {
    resources: {}, resource_params: {}, groups: {}, ms: {}, orders: {}, colocations: {}, clones: {},
    locations: {}, init_services: [], systemd_services: [], delete_resources: [],
  };
}

/** The key order a primitive's tail is written in (crm's own order): params, meta, utilization, operations, op. */
const SPEC_ORDER = ['params', 'meta', 'utilization', 'operations', 'op'] as const;
export type PrimitiveSpec = Partial<Record<(typeof SPEC_ORDER)[number], string | readonly string[]>>;

/** Each part renders as `" <kind> a <kind> b"` and parts join with one more space, as the stock builder does. */
export function primitive(crm: Crm, name: string, agent: string, spec: PrimitiveSpec = {}): void {
  crm.resources[name] = agent;
  let text = '';
  for (const kind of SPEC_ORDER) {
    const value = spec[kind];
    if (value === undefined) continue;
    const items = typeof value === 'string' ? [value] : value;
    const part = items.length === 0 ? '' : ' ' + items.map((d) => `${kind} ${d} `).join('').trimEnd();
    text += ` ${part}`;
  }
  if (text) crm.resource_params[name] = text;
}

const VIP_META = 'migration-threshold="INFINITY" failure-timeout="5s"';

/**
 * A VIP primitive. With a NIC (the fallback: the VIP is in none of this unit's networks, so `vip_iface` /
 * `vip_cidr` are used) the name is `res_<svc>_<nic>_vip` and nic/cidr_netmask are passed; without one the
 * name carries the first 7 hex digits of sha1(vip) and IPaddr2 finds the NIC itself.
 */
export function vipResourceName(service: string, vip: string, nic?: string): string {
  if (isIPv6(vip)) return `res_${service}_${nic}_ipv6addr_vip`;
  return nic ? `res_${service}_${nic}_vip` : `res_${service}_${createHash('sha1').update(vip, 'utf8').digest('hex').slice(0, 7)}_vip`;
}

export function addVip(crm: Crm, service: string, vip: string, nic?: string, cidr?: string | number): string {
  const name = vipResourceName(service, vip, nic);
  const v6 = isIPv6(vip);
  let params = v6 ? `ipv6addr="${vip}"` : `ip="${vip}"`;
  if (nic) params += ` nic="${nic}"`;
  if (cidr !== undefined && cidr !== '') params += ` cidr_netmask="${cidr}"`;
  primitive(crm, name, v6 ? 'ocf:heartbeat:IPv6addr' : 'ocf:heartbeat:IPaddr2', {
    params,
    meta: VIP_META,
    op: 'monitor timeout="20s" interval="10s" depth="0"',
  });
  return name;
}

/** An LSB init service run on every node: `res_<svc>_<init>` cloned as `cl_res_<svc>_<init>`. */
export function addInitService(crm: Crm, service: string, init: string, clone = true): string {
  const name = `res_${service.replace(/-/g, '_')}_${init.replace(/-/g, '_')}`;
  primitive(crm, name, `lsb:${init}`, { meta: VIP_META, op: 'monitor interval="5s"' });
  if (!crm.init_services.includes(init)) crm.init_services.push(init);
  if (clone) crm.clones[`cl_${name}`] = name;
  return name;
}

export function group(crm: Crm, name: string, members: readonly string[]): void {
  if (members.length > 0) crm.groups[name] = [...members].join(' ');
}

/**
 * The relation keys: `json_<key>` for every non-empty part (the stock interface leaves empty ones out) and
 * null for the empty ones so that a part that became empty is removed rather than left stale.
 */
export function encodeCrm(crm: Crm): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const k of Object.keys(crm).sort() as (keyof Crm)[]) {
    const v = crm[k];
    const empty = Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
    out[`json_${k}`] = empty ? null : pythonJsonDumps(v);
  }
  return out;
}

/** The NIC/port binding keys, plain strings. */
export function encodeBinding(iface: string | undefined, mcastPort = 4440): Record<string, string | null> {
  return { corosync_bindiface: iface ? iface : null, corosync_mcastport: String(mcastPort) };
}

/** hacluster says `clustered` = "yes" (classic) or a bool (future); case-insensitive "true"/"yes" counts. */
export function isClusteredValue(value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.trim().toLowerCase().replace(/^"(.*)"$/, '$1');
  return v === 'yes' || v === 'true';
}

/** `json.dumps(value, sort_keys=True)` of CPython with its default separators and ensure_ascii. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot encode ${value} as JSON`);
    return Number.isInteger(value) ? String(value) : JSON.stringify(value);
  }
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value as object).sort().map((k) => `${pythonJsonDumps(k)}: ${pythonJsonDumps((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(', ')}}`;
  }
  throw new Error(`cannot encode a ${typeof value} as JSON`);
}

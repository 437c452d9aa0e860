/**
 * Nova's JSON views and microversion negotiation. Field names and the microversion boundaries that change them
 * follow the compute API reference (services and hypervisors use UUID ids from 2.53, `forced_down` from 2.11,
 * `locked` from 2.9, `locked_reason` from 2.73, aggregate `uuid` from 2.41).
 */
import {
  type Aggregate, type Hypervisor, type NovaRules, type NovaState, type Server, type Service,
  NovaFault, serverStatus, serviceIsUp,
} from './state.js';

export const MIN_VERSION = '2.1';
/** Zed's maximum compute microversion. */
export const MAX_VERSION = '2.93';

export interface Microversion {
  major: number;
  minor: number;
}

export function parseVersion(text: string): Microversion {
  const m = /^(\d+)\.(\d+)$/.exec(text.trim());
  if (!m) throw new NovaFault(400, `Invalid API version request string: '${text}'. A version such as 2.53 or 'latest' is accepted`);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export function atLeast(v: Microversion, text: string): boolean {
  const o = parseVersion(text);
  return v.major > o.major || (v.major === o.major && v.minor >= o.minor);
}

export function formatVersion(v: Microversion): string {
  return `${v.major}.${v.minor}`;
}

/**
 * Reads `OpenStack-API-Version: compute X.Y` or the legacy `X-OpenStack-Nova-API-Version`; no header = 2.1.
 * Out-of-range versions are 406, as Nova answers.
 */
export function negotiateVersion(headers: Record<string, string | string[] | undefined>): Microversion {
  let requested: string | undefined;
  const modern = headers['openstack-api-version'];
  const modernText = Array.isArray(modern) ? modern.join(',') : modern;
  if (modernText) {
    for (const part of modernText.split(',')) {
      const [service, version] = part.trim().split(/\s+/);
      if (service?.toLowerCase() === 'compute' && version) requested = version;
    }
  }
  const legacy = headers['x-openstack-nova-api-version'];
  if (requested === undefined && typeof legacy === 'string') requested = legacy;
  if (requested === undefined) return parseVersion(MIN_VERSION);
  if (requested.trim().toLowerCase() === 'latest') return parseVersion(MAX_VERSION);
  const v = parseVersion(requested);
  if (!atLeast(v, MIN_VERSION) || atLeast(v, nextMinor(MAX_VERSION))) {
    throw new NovaFault(406, `Version ${requested} is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.`);
  }
  return v;
}

function nextMinor(text: string): string {
  const v = parseVersion(text);
  return `${v.major}.${v.minor + 1}`;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.000000');
}

export function serviceView(s: Service, rules: NovaRules, now: number, v: Microversion): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: atLeast(v, '2.53') ? s.uuid : s.legacyId,
    binary: s.binary, host: s.host, zone: s.zone, status: s.status,
    state: serviceIsUp(s, rules, now) ? 'up' : 'down',
    updated_at: iso(s.lastHeartbeat ?? s.updatedAt),
    disabled_reason: s.disabledReason,
  };
  if (atLeast(v, '2.11')) view['forced_down'] = s.forcedDown;
  return view;
}

export function hypervisorView(state: NovaState, h: Hypervisor, rules: NovaRules, now: number, v: Microversion, detail: boolean): Record<string, unknown> {
  const service = state.services.find((s) => s.binary === 'nova-compute' && s.host === h.serviceHost);
  const up = service ? serviceIsUp(service, rules, now) : false;
  const view: Record<string, unknown> = {
    id: atLeast(v, '2.53') ? h.uuid : h.legacyId,
    hypervisor_hostname: h.hostname,
    state: up ? 'up' : 'down',
    status: service?.status ?? 'disabled',
  };
  if (!detail) return view;
  const servers = state.servers.filter((s) => s.host === h.serviceHost);
  const vcpusUsed = servers.reduce((n, s) => n + s.flavor.vcpus, 0);
  const ramUsed = servers.reduce((n, s) => n + s.flavor.ram, 0) + 512;
  const diskUsed = servers.reduce((n, s) => n + s.flavor.disk, 0);
  Object.assign(view, {
    host_ip: h.hostIp, hypervisor_type: h.hypervisorType ?? 'fake', hypervisor_version: 7002000,
    service: { host: h.serviceHost, id: service ? (atLeast(v, '2.53') ? service.uuid : service.legacyId) : null, disabled_reason: service?.disabledReason ?? null },
    vcpus: h.vcpus, vcpus_used: vcpusUsed, memory_mb: h.memoryMb, memory_mb_used: ramUsed,
    local_gb: h.localGb, local_gb_used: diskUsed, free_ram_mb: h.memoryMb - ramUsed, free_disk_gb: h.localGb - diskUsed,
    current_workload: 0, running_vms: servers.length, disk_available_least: h.localGb - diskUsed,
    cpu_info: JSON.stringify({ arch: 'x86_64', model: 'qemu64', vendor: 'AMD', topology: { cells: 1, sockets: 1, cores: h.vcpus, threads: 1 } }),
  });
  return view;
}

export function serverView(s: Server, baseUrl: string, v: Microversion, detail: boolean): Record<string, unknown> {
  const links = [
    { rel: 'self', href: `${baseUrl}/v2.1/servers/${s.id}` },
    { rel: 'bookmark', href: `${baseUrl}/servers/${s.id}` },
  ];
  if (!detail) return { id: s.id, name: s.name, links };
  const view: Record<string, unknown> = {
    id: s.id, name: s.name, status: serverStatus(s), tenant_id: s.projectId, user_id: s.userId,
    metadata: { ...s.metadata }, hostId: s.host ? hostIdOf(s.projectId, s.host) : '',
    image: '', flavor: { vcpus: s.flavor.vcpus, ram: s.flavor.ram, disk: s.flavor.disk, ephemeral: 0, swap: 0, original_name: 'm1.tiny', extra_specs: {} },
    created: iso(s.created).replace(/\.000000$/, 'Z'), updated: iso(s.updated).replace(/\.000000$/, 'Z'),
    addresses: {}, accessIPv4: '', accessIPv6: '', links, progress: 0, key_name: null, config_drive: '',
    'OS-DCF:diskConfig': 'MANUAL', 'OS-EXT-AZ:availability_zone': 'nova',
    'OS-EXT-SRV-ATTR:host': s.host, 'OS-EXT-SRV-ATTR:hypervisor_hostname': s.node,
    'OS-EXT-SRV-ATTR:instance_name': `instance-${s.id.slice(0, 8)}`,
    'OS-EXT-STS:vm_state': s.vmState, 'OS-EXT-STS:task_state': s.taskState, 'OS-EXT-STS:power_state': s.powerState,
    'OS-SRV-USG:launched_at': iso(s.created), 'OS-SRV-USG:terminated_at': null,
    'os-extended-volumes:volumes_attached': [], security_groups: [{ name: 'default' }],
  };
  if (atLeast(v, '2.9')) view['locked'] = s.locked;
  if (atLeast(v, '2.19')) view['description'] = null;
  if (atLeast(v, '2.26')) view['tags'] = [];
  if (atLeast(v, '2.73')) view['locked_reason'] = s.lockedReason;
  return view;
}

/** Nova's hostId: sha224(project_id + host) hex; a stable opaque value is what clients rely on. */
function hostIdOf(project: string, host: string): string {
  let h = 0x811c9dc5;
  for (const c of project + host) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0').repeat(7);
}

export function aggregateView(a: Aggregate, v: Microversion): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: a.id, name: a.name, availability_zone: a.availabilityZone, hosts: [...a.hosts], metadata: { ...a.metadata },
    created_at: iso(a.created), updated_at: iso(a.updated), deleted: false, deleted_at: null,
  };
  if (atLeast(v, '2.41')) view['uuid'] = a.uuid;
  return view;
}

export function versionDocument(baseUrl: string): Record<string, unknown> {
  return {
    id: 'v2.1', status: 'CURRENT', version: MAX_VERSION, min_version: MIN_VERSION, updated: '2013-07-23T11:33:21Z',
    links: [{ rel: 'self', href: `${baseUrl}/v2.1/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
  };
}

/**
 * The Nova emulator's state and the rules Nova applies to it. Pure data + functions, no I/O: the HTTP layer
 * (server.ts) maps requests onto these functions and the tests drive them directly.
 *
 * The rules copy what Nova's API enforces for the calls masakari-engine makes (services, servers, evacuate,
 * aggregates), because masakari's recovery flows depend on them: evacuation is refused while the source
 * compute service is still up, instances with a pending task cannot be evacuated, a failed scheduling leaves the
 * instance in ERROR, and a server's host changes only when the rebuild on the target has finished.
 */
import { randomUUID } from 'node:crypto';

export type VmState = 'active' | 'stopped' | 'error' | 'building' | 'paused' | 'suspended' | 'resized' | 'shelved';
export const POWER_RUNNING = 1;
export const POWER_PAUSED = 3;
export const POWER_SHUTDOWN = 4;

export interface Service {
  uuid: string;
  legacyId: number;
  binary: string;
  host: string;
  zone: string;
  status: 'enabled' | 'disabled';
  disabledReason: string | null;
  forcedDown: boolean;
  /** ms epoch of the last report; null = the service is not heartbeat-tracked (always up unless forced down) */
  lastHeartbeat: number | null;
  updatedAt: number;
}

export interface Hypervisor {
  uuid: string;
  legacyId: number;
  hostname: string;
  serviceHost: string;
  hostIp: string;
  vcpus: number;
  memoryMb: number;
  localGb: number;
  /**
   * Nova's hypervisor_type: 'QEMU' when the compute runs instances as libvirt domains (the stand-in with
   * hypervisor=qemu), 'fake' for a compute that only reports. A 'QEMU' compute carries out power actions itself
   * and reports them (reportPower); the emulator completes them on a timer only for 'fake' computes.
   */
  hypervisorType: string;
}

export interface Server {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  host: string;
  node: string;
  metadata: Record<string, string>;
  vmState: VmState;
  taskState: string | null;
  powerState: number;
  locked: boolean;
  lockedReason: string | null;
  flavor: { vcpus: number; ram: number; disk: number };
  created: number;
  updated: number;
}

export interface Aggregate {
  id: number;
  uuid: string;
  name: string;
  availabilityZone: string | null;
  hosts: string[];
  metadata: Record<string, string>;
  created: number;
  updated: number;
}

/** A transition worth timing in tests: evacuation requested / finished, service disabled, ... */
export interface NovaEvent {
  at: number;
  kind: string;
  subject: string;
  detail: Record<string, unknown>;
}

export interface NovaState {
  services: Service[];
  hypervisors: Hypervisor[];
  servers: Server[];
  aggregates: Aggregate[];
  events: NovaEvent[];
  nextLegacyId: number;
}

export interface NovaRules {
  /** Nova's `service_down_time`: a heartbeat older than this makes the service `down` (Nova default 60 s). */
  serviceDownTimeMs: number;
}

/** An error Nova reports as an HTTP status with a `{<kind>: {code, message}}` body. */
export class NovaFault extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export function emptyState(): NovaState {
  return { services: [], hypervisors: [], servers: [], aggregates: [], events: [], nextLegacyId: 1 };
}

export function recordEvent(state: NovaState, now: number, kind: string, subject: string, detail: Record<string, unknown> = {}): void {
  state.events.push({ at: now, kind, subject, detail });
  if (state.events.length > 2000) state.events.splice(0, state.events.length - 2000);
}

export function serviceIsUp(service: Service, rules: NovaRules, now: number): boolean {
  if (service.forcedDown) return false;
  if (service.lastHeartbeat === null) return true;
  return now - service.lastHeartbeat <= rules.serviceDownTimeMs;
}

/** Services the controller always runs; they make `os-services` look like a real cloud's. */
export function addControllerServices(state: NovaState, controllerHost: string, now: number): void {
  for (const binary of ['nova-scheduler', 'nova-conductor']) {
    if (state.services.some((s) => s.binary === binary && s.host === controllerHost)) continue;
    state.services.push(newService(state, binary, controllerHost, null, now));
  }
}

function newService(state: NovaState, binary: string, host: string, heartbeat: number | null, now: number): Service {
  return {
    uuid: randomUUID(), legacyId: state.nextLegacyId++, binary, host, zone: binary === 'nova-compute' ? 'nova' : 'internal',
    status: 'enabled', disabledReason: null, forcedDown: false, lastHeartbeat: heartbeat, updatedAt: now,
  };
}

export interface ComputeRegistration {
  host: string;
  hypervisorHostname?: string;
  hostIp?: string;
  vcpus?: number;
  memoryMb?: number;
  localGb?: number;
  hypervisorType?: string;
}

/** What nova-compute does when it starts: create (or find) its service record and its hypervisor, and report. */
export function registerCompute(state: NovaState, reg: ComputeRegistration, now: number): { service: Service; hypervisor: Hypervisor; created: boolean } {
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,254}$/.test(reg.host)) {
    throw new NovaFault(400, `Invalid compute host name '${reg.host}': letters, digits, '.' and '-' are accepted`);
  }
  let service = state.services.find((s) => s.binary === 'nova-compute' && s.host === reg.host);
  const created = service === undefined;
  if (!service) {
    service = newService(state, 'nova-compute', reg.host, now, now);
    state.services.push(service);
    recordEvent(state, now, 'compute.registered', reg.host);
  }
  service.lastHeartbeat = now;
  const hostname = reg.hypervisorHostname ?? reg.host;
  let hypervisor = state.hypervisors.find((h) => h.serviceHost === reg.host);
  if (!hypervisor) {
    hypervisor = {
      uuid: randomUUID(), legacyId: state.nextLegacyId++, hostname, serviceHost: reg.host, hostIp: reg.hostIp ?? '',
      vcpus: reg.vcpus ?? 4, memoryMb: reg.memoryMb ?? 8192, localGb: reg.localGb ?? 80, hypervisorType: reg.hypervisorType ?? 'fake',
    };
    state.hypervisors.push(hypervisor);
  } else {
    hypervisor.hostname = hostname;
    if (reg.hostIp !== undefined) hypervisor.hostIp = reg.hostIp;
    if (reg.vcpus !== undefined) hypervisor.vcpus = reg.vcpus;
    if (reg.memoryMb !== undefined) hypervisor.memoryMb = reg.memoryMb;
    if (reg.hypervisorType !== undefined) hypervisor.hypervisorType = reg.hypervisorType;
  }
  return { service, hypervisor, created };
}

export function heartbeat(state: NovaState, host: string, now: number): Service {
  const service = state.services.find((s) => s.binary === 'nova-compute' && s.host === host);
  if (!service) throw new NovaFault(404, `Compute host ${host} could not be found.`);
  service.lastHeartbeat = now;
  return service;
}

/** A compute unit removed from the model: Nova's `openstack compute service delete`. */
export function deleteCompute(state: NovaState, host: string, now: number): void {
  const before = state.services.length;
  state.services = state.services.filter((s) => !(s.binary === 'nova-compute' && s.host === host));
  if (state.services.length === before) throw new NovaFault(404, `Compute host ${host} could not be found.`);
  state.hypervisors = state.hypervisors.filter((h) => h.serviceHost !== host);
  for (const agg of state.aggregates) agg.hosts = agg.hosts.filter((h) => h !== host);
  recordEvent(state, now, 'compute.deleted', host);
}

export function findService(state: NovaState, idOrUuid: string): Service {
  const service = state.services.find((s) => s.uuid === idOrUuid || String(s.legacyId) === idOrUuid);
  if (!service) throw new NovaFault(404, `Service ${idOrUuid} not found.`);
  return service;
}

export interface ServiceUpdate {
  status?: string;
  disabledReason?: string;
  forcedDown?: boolean;
}

/** PUT /os-services/{id} (2.53+) and the legacy enable/disable/force-down calls share these rules. */
export function updateService(state: NovaState, service: Service, update: ServiceUpdate, now: number): Service {
  if (update.status !== undefined && update.status !== 'enabled' && update.status !== 'disabled') {
    throw new NovaFault(400, `Invalid input for field/attribute status. Value: ${update.status}. 'enabled' or 'disabled' is accepted`);
  }
  if (update.disabledReason !== undefined) {
    if (update.status !== 'disabled') throw new NovaFault(400, 'Specifying \'disabled_reason\' with status \'enabled\' or without status is invalid.');
    if (update.disabledReason.length > 255) throw new NovaFault(400, 'disabled_reason is longer than 255 characters');
  }
  if (update.status === undefined && update.forcedDown === undefined) {
    throw new NovaFault(400, 'At least one of status or forced_down must be specified.');
  }
  if (update.status === 'enabled') {
    service.status = 'enabled';
    service.disabledReason = null;
  } else if (update.status === 'disabled') {
    service.status = 'disabled';
    service.disabledReason = update.disabledReason ?? null;
  }
  if (update.forcedDown !== undefined) service.forcedDown = update.forcedDown;
  service.updatedAt = now;
  recordEvent(state, now, `service.${update.status ?? 'updated'}`, service.host,
    { binary: service.binary, reason: service.disabledReason, forcedDown: service.forcedDown });
  return service;
}

export interface NewServer {
  name: string;
  host: string;
  metadata?: Record<string, string>;
  vmState?: VmState;
  taskState?: string | null;
  projectId?: string;
  userId?: string;
  locked?: boolean;
  flavor?: { vcpus: number; ram: number; disk: number };
}

/** The test's way to "boot" an instance: Nova's own boot path (images, networks, scheduler) is not emulated. */
export function createServer(state: NovaState, spec: NewServer, now: number): Server {
  const hypervisor = state.hypervisors.find((h) => h.serviceHost === spec.host);
  if (!hypervisor) throw new NovaFault(400, `No compute host '${spec.host}'; registered hosts: ${state.hypervisors.map((h) => h.serviceHost).join(', ') || 'none'}`);
  const vmState = spec.vmState ?? 'active';
  const server: Server = {
    id: randomUUID(), name: spec.name, projectId: spec.projectId ?? 'admin', userId: spec.userId ?? 'admin',
    host: hypervisor.serviceHost, node: hypervisor.hostname, metadata: { ...(spec.metadata ?? {}) }, vmState,
    taskState: spec.taskState ?? null, powerState: vmState === 'active' ? POWER_RUNNING : POWER_SHUTDOWN,
    locked: spec.locked ?? false, lockedReason: null, flavor: spec.flavor ?? { vcpus: 1, ram: 512, disk: 1 },
    created: now, updated: now,
  };
  state.servers.push(server);
  recordEvent(state, now, 'server.created', server.id, { host: server.host, name: server.name });
  return server;
}

export function findServer(state: NovaState, id: string): Server {
  const server = state.servers.find((s) => s.id === id);
  if (!server) throw new NovaFault(404, `Instance ${id} could not be found.`);
  return server;
}

/** Nova's `status` field is derived from vm_state and task_state (nova/api/openstack/common.py). */
export function serverStatus(server: Server): string {
  if (server.taskState === 'rebuilding' || server.taskState === 'rebuild_spawning' || server.taskState === 'rebuild_block_device_mapping') {
    return 'REBUILD';
  }
  const map: Record<VmState, string> = {
    active: 'ACTIVE', stopped: 'SHUTOFF', error: 'ERROR', building: 'BUILD', paused: 'PAUSED',
    suspended: 'SUSPENDED', resized: 'VERIFY_RESIZE', shelved: 'SHELVED',
  };
  return map[server.vmState];
}

function requireState(server: Server, action: string, vmStates: VmState[]): void {
  if (!vmStates.includes(server.vmState) || server.taskState !== null) {
    throw new NovaFault(409, `Cannot '${action}' instance ${server.id} while it is in ${server.taskState !== null ? `task_state ${server.taskState}` : `vm_state ${server.vmState}`}`);
  }
}

export function computeServiceOf(state: NovaState, host: string): Service | undefined {
  return state.services.find((s) => s.binary === 'nova-compute' && s.host === host);
}

/**
 * The API half of evacuate: checks as Nova does, marks the rebuild. The caller schedules `finishEvacuation`
 * after the emulated rebuild time, exactly as Nova answers 200 before the conductor has picked a host.
 */
export function startEvacuation(state: NovaState, rules: NovaRules, id: string, targetHost: string | null, now: number): Server {
  const server = findServer(state, id);
  requireState(server, 'evacuate', ['active', 'stopped', 'error']);
  const source = computeServiceOf(state, server.host);
  if (source && serviceIsUp(source, rules, now)) {
    throw new NovaFault(400, `Compute service of ${server.host} is still in use.`);
  }
  if (targetHost !== null) {
    if (targetHost === server.host) throw new NovaFault(400, 'The target host can\'t be the same one.');
    if (!computeServiceOf(state, targetHost)) throw new NovaFault(404, `Compute host ${targetHost} could not be found.`);
  }
  server.taskState = 'rebuilding';
  server.updated = now;
  recordEvent(state, now, 'server.evacuate.requested', server.id, { from: server.host, target: targetHost });
  return server;
}

/** The scheduler's answer: enabled, up compute hosts other than the source, the least loaded first. */
export function scheduleHost(state: NovaState, rules: NovaRules, server: Server, targetHost: string | null, now: number): string | null {
  const candidates = state.services
    .filter((s) => s.binary === 'nova-compute' && s.host !== server.host)
    .filter((s) => s.status === 'enabled' && serviceIsUp(s, rules, now))
    .filter((s) => targetHost === null || s.host === targetHost)
    .filter((s) => state.hypervisors.some((h) => h.serviceHost === s.host));
  const load = (host: string) => state.servers.filter((x) => x.host === host).length;
  candidates.sort((a, b) => load(a.host) - load(b.host) || a.host.localeCompare(b.host));
  return candidates[0]?.host ?? null;
}

/** The conductor/compute half: rebuild on the chosen host, or ERROR when no host is valid (NoValidHost). */
export function finishEvacuation(state: NovaState, rules: NovaRules, id: string, targetHost: string | null, now: number): Server | undefined {
  const server = state.servers.find((s) => s.id === id);
  if (!server || server.taskState !== 'rebuilding') return server;
  const from = server.host;
  const chosen = scheduleHost(state, rules, server, targetHost, now);
  server.taskState = null;
  server.updated = now;
  if (chosen === null) {
    server.vmState = 'error';
    recordEvent(state, now, 'server.evacuate.failed', server.id, { from, target: targetHost, reason: 'No valid host was found.' });
    return server;
  }
  const hypervisor = state.hypervisors.find((h) => h.serviceHost === chosen)!;
  server.host = chosen;
  server.node = hypervisor.hostname;
  if (server.vmState === 'error') server.vmState = 'active';
  server.powerState = server.vmState === 'active' ? POWER_RUNNING : POWER_SHUTDOWN;
  recordEvent(state, now, 'server.evacuate.done', server.id, { from, to: chosen });
  return server;
}

export function resetState(state: NovaState, id: string, to: string, now: number): Server {
  if (to !== 'active' && to !== 'error') throw new NovaFault(400, `Invalid input for field/attribute state. Value: ${to}. 'active' or 'error' is accepted`);
  const server = findServer(state, id);
  server.vmState = to;
  server.taskState = null;
  server.updated = now;
  recordEvent(state, now, 'server.reset-state', server.id, { to });
  return server;
}

export function lockServer(state: NovaState, id: string, lock: boolean, reason: string | null, now: number): Server {
  const server = findServer(state, id);
  server.locked = lock;
  server.lockedReason = lock ? reason : null;
  server.updated = now;
  recordEvent(state, now, lock ? 'server.locked' : 'server.unlocked', server.id);
  return server;
}

/** os-stop / os-start: accepted by the API; the power change happens only if the server's compute is up. */
export function startPowerAction(state: NovaState, id: string, action: 'os-stop' | 'os-start', now: number): Server {
  const server = findServer(state, id);
  if (action === 'os-stop') {
    requireState(server, 'stop', ['active', 'error']);
    server.taskState = 'powering-off';
  } else {
    requireState(server, 'start', ['stopped']);
    server.taskState = 'powering-on';
  }
  server.updated = now;
  recordEvent(state, now, `server.${action}.requested`, server.id);
  return server;
}

export function finishPowerAction(state: NovaState, rules: NovaRules, id: string, now: number): Server | undefined {
  const server = state.servers.find((s) => s.id === id);
  if (!server || (server.taskState !== 'powering-off' && server.taskState !== 'powering-on')) return server;
  if (runsDomains(state, server.host)) return server;  // its compute acts on the domain and reports (reportPower)
  const compute = computeServiceOf(state, server.host);
  if (!compute || !serviceIsUp(compute, rules, now)) return server;  // the RPC cast is never consumed
  const stopping = server.taskState === 'powering-off';
  server.vmState = stopping ? 'stopped' : 'active';
  server.powerState = stopping ? POWER_SHUTDOWN : POWER_RUNNING;
  server.taskState = null;
  server.updated = now;
  recordEvent(state, now, stopping ? 'server.stopped' : 'server.started', server.id);
  return server;
}

/** Whether the host's compute runs real domains (and so carries out power actions itself). */
export function runsDomains(state: NovaState, host: string): boolean {
  return state.hypervisors.some((h) => h.serviceHost === host && h.hypervisorType === 'QEMU');
}

/** What a compute that runs domains is told about its instances (the RPC casts Nova's API would send it). */
export interface HostedInstance {
  id: string;
  name: string;
  vmState: VmState;
  taskState: string | null;
  powerState: number;
}

export function instancesOnHost(state: NovaState, host: string): HostedInstance[] {
  return state.servers.filter((s) => s.host === host)
    .map((s) => ({ id: s.id, name: s.name, vmState: s.vmState, taskState: s.taskState, powerState: s.powerState }));
}

/**
 * The compute's report on one of its domains: the power state it observed, and the power action it finished.
 * As in Nova, a finished stop makes the instance `stopped`, a finished start `active`; a domain found off while the
 * instance is `active` only changes power_state (Nova's own sync would later stop the instance; masakari's
 * recovery, when the domain crashed, is faster). A report from a host the instance is no longer on is refused.
 */
export function reportPower(state: NovaState, id: string, host: string, powerState: number, taskDone: string | null, now: number): Server {
  const server = findServer(state, id);
  if (server.host !== host) throw new NovaFault(409, `Instance ${id} is on ${server.host}, not ${host}`);
  if (![POWER_RUNNING, POWER_PAUSED, POWER_SHUTDOWN].includes(powerState)) throw new NovaFault(400, 'power_state: 1, 3 or 4 is accepted');
  if (taskDone !== null && taskDone !== server.taskState) {
    throw new NovaFault(409, `Instance ${id} has task_state ${server.taskState ?? 'none'}, not ${taskDone}`);
  }
  const changed = server.powerState !== powerState;
  server.powerState = powerState;
  if (taskDone === 'powering-off' || taskDone === 'powering-on') {
    const stopped = taskDone === 'powering-off';
    server.vmState = stopped ? 'stopped' : 'active';
    server.taskState = null;
    recordEvent(state, now, stopped ? 'server.stopped' : 'server.started', server.id, { powerState });
  } else if (changed) {
    recordEvent(state, now, 'server.power-state', server.id, { powerState });
  }
  server.updated = now;
  return server;
}

export function createAggregate(state: NovaState, name: string, zone: string | null, now: number): Aggregate {
  if (!name || name.length > 255) throw new NovaFault(400, 'Aggregate name must be 1 to 255 characters');
  if (state.aggregates.some((a) => a.name === name)) throw new NovaFault(409, `Aggregate ${name} already exists.`);
  const agg: Aggregate = {
    id: state.nextLegacyId++, uuid: randomUUID(), name, availabilityZone: zone, hosts: [], metadata: zone ? { availability_zone: zone } : {},
    created: now, updated: now,
  };
  state.aggregates.push(agg);
  return agg;
}

export function findAggregate(state: NovaState, id: string): Aggregate {
  const agg = state.aggregates.find((a) => String(a.id) === id || a.uuid === id);
  if (!agg) throw new NovaFault(404, `Aggregate ${id} could not be found.`);
  return agg;
}

export function aggregateAddHost(state: NovaState, agg: Aggregate, host: string, now: number): Aggregate {
  if (!computeServiceOf(state, host)) throw new NovaFault(404, `Compute host ${host} could not be found.`);
  if (agg.hosts.includes(host)) throw new NovaFault(409, `Aggregate ${agg.id} already has host ${host}.`);
  agg.hosts.push(host);
  agg.updated = now;
  recordEvent(state, now, 'aggregate.host-added', agg.name, { host });
  return agg;
}

export function aggregateRemoveHost(state: NovaState, agg: Aggregate, host: string, now: number): Aggregate {
  if (!agg.hosts.includes(host)) throw new NovaFault(404, `Cannot remove host ${host} from aggregate ${agg.id}. Reason: Host not found in aggregate.`);
  agg.hosts = agg.hosts.filter((h) => h !== host);
  agg.updated = now;
  return agg;
}

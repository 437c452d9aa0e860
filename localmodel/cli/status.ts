/**
 * `juju-local status`: the model as `juju status` shows it. The JSON/YAML document uses juju's keys
 * (applications.<app>.units.<unit>.workload-status / juju-status / subordinates, machines, relations);
 * the tabular form follows juju's columns. Pure: state in, text out.
 */
import yaml from 'js-yaml';
import { compareUnits, type ModelState, type StatusValue, type UnitState } from '../model/state.js';
import { deriveStatus } from '../hooktools/tools/unit.js';
import { JUJU_VERSION } from '../agent/env.js';

function st(s: StatusValue, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { current: s.current, ...(s.message ? { message: s.message } : {}), since: s.since, ...extra };
}

/** What status shows for a unit's workload: the hook failure while in error, the charm's status otherwise. */
export function shownWorkload(u: UnitState): StatusValue {
  if (u.uniter.error) return { current: 'error', message: `hook failed: "${u.uniter.error.hook.name}"`, since: u.uniter.error.at };
  return u.workload;
}

function unitDoc(state: ModelState, u: UnitState): Record<string, unknown> {
  const m = state.machines[u.machine];
  const app = state.applications[u.application];
  const doc: Record<string, unknown> = {
    'workload-status': st(shownWorkload(u)),
    'juju-status': st(u.agent, { version: JUJU_VERSION }),
    ...(app?.leader === u.name ? { leader: true } : {}),
    ...(u.principal ? {} : { machine: u.machine }),
    'public-address': m?.address ?? '',
    ...(u.openedPorts.length ? { 'open-ports': u.openedPorts } : {}),
    ...(u.workloadVersion ? { 'workload-version': u.workloadVersion } : {}),
  };
  const subs = Object.values(state.units).filter((s) => s.principal === u.name).sort((a, b) => compareUnits(a.name, b.name));
  if (subs.length) doc.subordinates = Object.fromEntries(subs.map((s) => [s.name, unitDoc(state, s)]));
  return doc;
}

export function statusDocument(state: ModelState, agentRunning: boolean): Record<string, unknown> {
  const machines: Record<string, Record<string, unknown>> = {};
  const machineDoc = (id: string): Record<string, unknown> => {
    const m = state.machines[id]!;
    const jujuStatus = m.status.current === 'started' ? 'started' : m.status.current === 'error' || m.status.current === 'down' ? 'down' : 'pending';
    return {
      'juju-status': { current: jujuStatus, since: m.status.since, version: JUJU_VERSION },
      hostname: m.hostname,
      'dns-name': m.address,
      'ip-addresses': m.address ? [m.address] : [],
      'instance-id': m.status.current === 'started' ? `${state.backend}:${m.backendId}` : 'pending',
      'machine-status': st({ ...m.status, current: m.status.current === 'started' ? 'running' : m.status.current === 'error' ? 'provisioning error' : m.status.current === 'down' ? 'stopped' : 'pending' }),
      'modification-status': { current: 'idle', since: m.status.since },
      base: { name: 'debian', channel: '12' },
      ...(m.fqdn ? { fqdn: m.fqdn } : {}),
      ...(m.constraints ? { constraints: m.constraints } : {}),
    };
  };
  const ids = Object.keys(state.machines).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  for (const id of ids.filter((i) => !state.machines[i]!.parent)) machines[id] = machineDoc(id);
  for (const id of ids.filter((i) => state.machines[i]!.parent)) {
    const parent = machines[state.machines[id]!.parent!];
    if (parent) ((parent.containers ??= {}) as Record<string, unknown>)[id] = machineDoc(id);
  }
  const applications: Record<string, unknown> = {};
  for (const app of Object.values(state.applications).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const units = Object.values(state.units).filter((u) => u.application === app.name);
    const relations: Record<string, { 'related-application': string; interface: string; scope: string }[]> = {};
    for (const rel of Object.values(state.relations).sort((a, b) => a.id - b.id)) {
      const mine = rel.endpoints.find((e) => e.application === app.name);
      if (!mine) continue;
      const other = rel.endpoints.find((e) => e.application !== app.name) ?? mine;
      (relations[mine.name] ??= []).push({ 'related-application': other.application, interface: mine.interface, scope: rel.scope });
    }
    const principalUnits = units.filter((u) => !u.principal).sort((a, b) => compareUnits(a.name, b.name));
    const version = units.map((u) => u.workloadVersion).find(Boolean);
    applications[app.name] = {
      charm: app.meta.name,
      'charm-origin': 'local',
      'charm-name': app.meta.name,
      'charm-rev': app.charmRevision,
      ...(app.meta.version ? { 'charm-version': app.meta.version } : {}),
      base: { name: 'debian', channel: '12' },
      exposed: app.exposed,
      'application-status': st(app.appStatus && !units.some((u) => u.uniter.error) ? app.appStatus : deriveStatus(units)),
      ...(Object.keys(relations).length ? { relations } : {}),
      ...(app.meta.subordinate ? { 'subordinate-to': [...new Set(Object.values(state.relations).filter((r) => r.scope === 'container' && r.endpoints.some((e) => e.application === app.name)).flatMap((r) => r.endpoints.map((e) => e.application)).filter((a) => a !== app.name && !state.applications[a]?.meta.subordinate))].sort() } : {}),
      ...(principalUnits.length ? { units: Object.fromEntries(principalUnits.map((u) => [u.name, unitDoc(state, u)])) } : {}),
      ...(version ? { version } : {}),
      'endpoint-bindings': Object.fromEntries([['', 'alpha'], ...Object.keys(app.meta.endpoints).sort().map((e) => [e, app.bindings[e] ?? app.bindings[''] ?? 'alpha'])]),
    };
  }
  return {
    model: {
      name: state.name,
      type: 'iaas',
      controller: 'local',
      cloud: 'localmodel',
      region: state.backend,
      version: JUJU_VERSION,
      'model-status': { current: agentRunning ? 'available' : 'suspended', ...(agentRunning ? {} : { message: 'the model agent is not running (any juju-local command that changes the model restarts it)' }) },
      sla: 'unsupported',
    },
    machines,
    applications,
    storage: {},
    controller: { timestamp: new Date().toISOString().slice(11, 19) + 'Z' },
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 2))).join('').trimEnd()).join('\n') + '\n';
}

export function statusTabular(state: ModelState, agentRunning: boolean): string {
  const out: string[] = [];
  out.push(table([
    ['Model', 'Controller', 'Cloud/Region', 'Version', 'Timestamp', ...(agentRunning ? [] : ['Notes'])],
    [state.name, 'local', `localmodel/${state.backend}`, JUJU_VERSION, new Date().toISOString().slice(11, 19) + 'Z', ...(agentRunning ? [] : ['agent not running'])],
  ]));
  const doc = statusDocument(state, agentRunning);
  const apps = Object.values(state.applications).sort((a, b) => (a.name < b.name ? -1 : 1));
  if (apps.length) {
    const rows = [['App', 'Version', 'Status', 'Scale', 'Charm', 'Channel', 'Rev', 'Exposed', 'Message']];
    for (const app of apps) {
      const d = (doc.applications as Record<string, any>)[app.name];
      const units = Object.values(state.units).filter((u) => u.application === app.name);
      rows.push([app.name, d.version ?? '', d['application-status'].current, String(units.length), app.meta.name, '', String(app.charmRevision), app.exposed ? 'yes' : 'no', d['application-status'].message ?? '']);
    }
    out.push(table(rows));
    const urows = [['Unit', 'Workload', 'Agent', 'Machine', 'Public address', 'Ports', 'Message']];
    const addUnit = (u: UnitState, indent: string): void => {
      const w = shownWorkload(u);
      const leader = state.applications[u.application]?.leader === u.name ? '*' : '';
      urows.push([`${indent}${u.name}${leader}`, w.current, u.agent.current, u.principal ? '' : u.machine, state.machines[u.machine]?.address ?? '', u.openedPorts.join(','), w.message]);
      for (const s of Object.values(state.units).filter((x) => x.principal === u.name).sort((a, b) => compareUnits(a.name, b.name))) addUnit(s, `${indent}  `);
    };
    for (const u of Object.values(state.units).filter((x) => !x.principal).sort((a, b) => compareUnits(a.name, b.name))) addUnit(u, '');
    out.push(table(urows));
  }
  const ms = Object.values(state.machines).sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  if (ms.length) {
    const rows = [['Machine', 'State', 'Address', 'Inst id', 'Base', 'AZ', 'Message']];
    for (const m of ms) rows.push([m.id, m.status.current === 'error' ? 'down' : m.status.current, m.address, m.status.current === 'started' ? m.fqdn : 'pending', 'debian@12', '', m.status.message]);
    out.push(table(rows));
  }
  const rels = Object.values(state.relations).sort((a, b) => a.id - b.id);
  if (rels.length) {
    const rows = [['Integration provider', 'Requirer', 'Interface', 'Type', 'Message']];
    for (const r of rels) {
      const [a, b] = r.endpoints;
      const prov = r.endpoints.find((e) => e.role === 'provider') ?? a!;
      const req = r.endpoints.find((e) => e !== prov) ?? a!;
      rows.push([`${prov.application}:${prov.name}`, `${req.application}:${req.name}`, prov.interface, b ? (r.scope === 'container' ? 'subordinate' : 'regular') : 'peer', r.life === 'dying' ? 'removing' : '']);
    }
    out.push(table(rows));
  }
  return out.join('\n');
}

export function formatStatus(state: ModelState, format: string, agentRunning: boolean): string {
  if (format === 'json') return JSON.stringify(statusDocument(state, agentRunning)) + '\n';
  if (format === 'yaml') return yaml.dump(statusDocument(state, agentRunning), { lineWidth: -1, noRefs: true });
  return statusTabular(state, agentRunning);
}

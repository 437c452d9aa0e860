/** config-get, status-*, juju-log, leader-*, is-leader, ports, unit-get, network-get and the smaller tools. */
import yaml from 'js-yaml';
import { effectiveConfig } from '../../charm/config.js';
import { parseKeyValues } from '../flags.js';
import { Ordered } from '../format.js';
import { relationName, sortPorts } from '../context.js';
import { defineTool, isLeaderNow, relationFlag, relationFromFlag, NO_OUTPUT, RunError, UsageError, type ToolCall } from '../tool.js';
import { compareUnits, status as statusValue, type ApplicationState, type UnitState } from '../../model/state.js';

function unitOf(call: ToolCall): UnitState {
  return call.ctx.unitState(call.host.state);
}
function appOf(call: ToolCall): ApplicationState {
  return call.host.state.applications[unitOf(call).application]!;
}
function extraArgs(rest: readonly string[]): void {
  if (rest.length > 0) throw new UsageError(`unrecognized args: ["${rest.join('" "')}"]`);
}

export const configGet = defineTool({
  flags: [{ names: ['a', 'all'], kind: 'bool' }],
  formats: ['smart', 'yaml', 'json'],
  run: ({ flags, positional }, call) => {
    const [key, ...rest] = positional;
    extraArgs(rest);
    if (key !== undefined && flags.all) throw new UsageError('cannot use argument --all together with key ' + JSON.stringify(key));
    const app = appOf(call);
    const config = effectiveConfig(app.meta, app.config);
    if (key !== undefined) return config[key] ?? null;
    if (flags.all) return config;
    return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null));
  },
});

const SETTABLE = ['maintenance', 'blocked', 'waiting', 'active'];

export const statusSet = defineTool({
  flags: [{ names: ['application'], kind: 'bool' }],
  run: ({ flags, positional }, call) => {
    const [st, message = '', ...rest] = positional;
    if (st === undefined) throw new UsageError('invalid args, require <status> [message] [data]');
    if (!SETTABLE.includes(st)) throw new UsageError(`invalid status "${st}", expected one of [${SETTABLE.join(' ')}]`);
    if (rest.length > 0 && rest.some((r) => !r.includes('='))) throw new UsageError(`unrecognized args: ["${rest.join('" "')}"]`);
    if (flags.application) {
      if (!isLeaderNow(call)) throw new RunError('this unit is not the leader');
      appOf(call).appStatus = statusValue(st, message);
    } else {
      const unit = unitOf(call);
      unit.workload = statusValue(st, message);
      unit.charmSetStatus = true;
    }
    call.host.changed();
    return NO_OUTPUT;
  },
});

export const statusGet = defineTool({
  flags: [{ names: ['include-data'], kind: 'bool' }, { names: ['application'], kind: 'bool' }],
  formats: ['smart', 'yaml', 'json'],
  run: ({ flags, positional }, call) => {
    extraArgs(positional);
    const detail = (s: { current: string; message: string }): Record<string, unknown> =>
      flags['include-data'] ? { message: s.message, status: s.current, 'status-data': {} } : { status: s.current };
    if (flags.application) {
      if (!isLeaderNow(call)) throw new RunError('finding application status: this unit is not the leader');
      const app = appOf(call);
      const units = Object.values(call.host.state.units).filter((u) => u.application === app.name);
      const appStatus = app.appStatus ?? deriveStatus(units);
      return {
        'application-status': {
          ...detail(appStatus),
          units: Object.fromEntries(units.map((u) => [u.name, detail(u.workload)])),
        },
      };
    }
    const unit = unitOf(call);
    // The plain smart answer is the status word alone; yaml/json give a {status: ...} map.
    if (!flags['include-data'] && (flags.format ?? 'smart') === 'smart') return unit.workload.current;
    return detail(unit.workload);
  },
});

export function deriveStatus(units: readonly UnitState[]): { current: string; message: string; since: string } {
  // Juju shows the most severe unit status as the application's when the charm set none.
  const severity = ['error', 'blocked', 'maintenance', 'waiting', 'active', 'terminated', 'unknown'];
  let best: UnitState['workload'] | undefined;
  for (const u of units) {
    const w = u.uniter.error ? { current: 'error', message: `hook failed: "${u.uniter.error.hook.name}"`, since: u.uniter.error.at } : u.workload;
    if (!best || severity.indexOf(w.current) < severity.indexOf(best.current)) best = w;
  }
  return best ?? statusValue('unknown', '');
}

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];

export const jujuLog = defineTool({
  flags: [{ names: ['l', 'log-level'], kind: 'value' }, { names: ['debug'], kind: 'bool' }],
  deprecatedFormat: true,
  run: ({ flags, positional }, call, warn) => {
    if (positional.length === 0) throw new UsageError('no message specified');
    let level = flags.debug ? 'DEBUG' : String(flags['log-level'] ?? 'INFO').toUpperCase();
    if (!LEVELS.includes(level)) {
      warn(`Specified log level of "${String(flags['log-level'])}" is not valid`);
      level = 'INFO';
    }
    let message = positional.join(' ');
    const hook = call.ctx.hook;
    if (hook?.relationId !== undefined) {
      const rel = call.host.state.relations[String(hook.relationId)];
      if (rel) message = `${relationName(rel, unitOf(call).application)}: ${message}`;
    }
    call.host.log(call.ctx.unit, level, `unit.${call.ctx.unit}.juju-log`, message);
    return NO_OUTPUT;
  },
});

export const leaderGet = defineTool({
  formats: ['smart', 'yaml', 'json'],
  run: ({ positional }, call) => {
    const [key = '-', ...rest] = positional;
    extraArgs(rest);
    if (key.includes('=')) throw new UsageError(`invalid key "${key}"`);
    const settings = appOf(call).leaderSettings;
    return key === '-' ? { ...settings } : settings[key] ?? null;
  },
});

export const leaderSet = defineTool({
  run: ({ positional }, call) => {
    const values = parseKeyValues(positional);
    if (!isLeaderNow(call)) throw new RunError('cannot write leadership settings: cannot write settings: not the leader');
    const app = appOf(call);
    const next = { ...app.leaderSettings };
    for (const [k, v] of Object.entries(values)) {
      if (v === '') delete next[k];
      else next[k] = v;
    }
    if (JSON.stringify(next) !== JSON.stringify(app.leaderSettings)) {
      app.leaderSettings = next;
      app.leaderSettingsVersion += 1;
      call.host.changed();
    }
    return NO_OUTPUT;
  },
});

export const isLeader = defineTool({
  formats: ['smart', 'yaml', 'json'],
  run: ({ positional }, call) => {
    extraArgs(positional);
    return isLeaderNow(call);
  },
});

/** `80`, `80/tcp`, `8000-8100/udp`, `icmp` → canonical `80/tcp` form; throws a usage error otherwise. */
export function parsePortSpec(text: string): string {
  const t = text.toLowerCase();
  if (t === 'icmp') return 'icmp';
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|icmp))?$/.exec(t);
  if (!m) throw new UsageError(`expected <port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp; got "${text}"`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  const proto = m[3] ?? 'tcp';
  if (from < 1 || from > 65535 || to < 1 || to > 65535) throw new UsageError(`port must be in the range [1, 65535]; got "${text}"`);
  if (to < from) throw new UsageError(`invalid port range "${text}": the first port must not exceed the second`);
  if (proto === 'icmp') throw new UsageError(`protocol "icmp" doesn't support any ports; got "${text}"`);
  return from === to ? `${from}/${proto}` : `${from}-${to}/${proto}`;
}

function portTool(op: 'open' | 'close') {
  return defineTool({
    flags: [{ names: ['endpoints'], kind: 'value' }],
    deprecatedFormat: true,
    run: ({ flags, positional }, call) => {
      if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'no port or range specified' : `unrecognized args: ["${positional.slice(1).join('" "')}"]`);
      const port = parsePortSpec(positional[0]!);
      const endpoints = typeof flags.endpoints === 'string' ? flags.endpoints.split(',').map((s) => s.trim()).filter(Boolean) : [];
      const meta = appOf(call).meta;
      for (const e of endpoints) if (!meta.endpoints[e]) throw new RunError(`endpoint "${e}" not defined by the charm`);
      call.ctx.portOps.push({ op, port, endpoints });
      return NO_OUTPUT;
    },
  });
}
export const openPort = portTool('open');
export const closePort = portTool('close');

export const openedPorts = defineTool({
  flags: [{ names: ['endpoints'], kind: 'bool' }],
  formats: ['smart', 'yaml', 'json'],
  run: ({ flags, positional }, call) => {
    extraArgs(positional);
    const ports = sortPorts([...unitOf(call).openedPorts]);
    return flags.endpoints ? ports.map((p) => `${p} (*)`) : ports;
  },
});

export const unitGet = defineTool({
  formats: ['smart', 'yaml', 'json'],
  run: ({ positional }, call) => {
    const [key, ...rest] = positional;
    if (key === undefined) throw new UsageError('no setting specified');
    extraArgs(rest);
    if (key !== 'private-address' && key !== 'public-address') throw new UsageError(`unknown setting "${key}"`);
    return call.host.network(call.ctx.unit).address;
  },
});

export const networkGet = defineTool({
  flags: [
    relationFlag,
    { names: ['bind-address'], kind: 'bool' },
    { names: ['ingress-address'], kind: 'bool' },
    { names: ['egress-subnets'], kind: 'bool' },
    { names: ['primary-address'], kind: 'bool' },
  ],
  formats: ['smart', 'yaml', 'json'],
  run: (parsed, call, warn) => {
    const { flags, positional } = parsed;
    const [binding, ...rest] = positional;
    if (binding === undefined) throw new UsageError('no arguments specified');
    extraArgs(rest);
    if (flags.relation !== undefined) relationFromFlag(parsed, call);
    const meta = appOf(call).meta;
    if (!meta.endpoints[binding] && !meta.extraBindings.includes(binding)) {
      throw new RunError(`no network config found for binding "${binding}"`);
    }
    const net = call.host.network(call.ctx.unit);
    if (flags['primary-address']) {
      warn('--primary-address is deprecated, use --bind-address');
      return net.address;
    }
    const wanted = (['bind-address', 'ingress-address', 'egress-subnets'] as const).filter((f) => flags[f]);
    const values = { 'bind-address': net.address, 'ingress-address': net.address, 'egress-subnets': [`${net.address}/32`] };
    if (wanted.length === 1) return values[wanted[0]!];
    if (wanted.length > 1) return Object.fromEntries(wanted.map((w) => [w, values[w]]));
    const format = String(flags.format ?? 'smart');
    const legacy = format !== 'json';
    const address = new Ordered([
      ['hostname', ''],
      ['value', net.address],
      ['cidr', net.cidr],
      ...(legacy ? ([['address', net.address]] as [string, unknown][]) : []),
    ]);
    const bind = new Ordered([
      ['mac-address', ''],
      ['interface-name', net.interfaceName],
      ['addresses', [address]],
      ...(legacy ? ([['macaddress', ''], ['interfacename', net.interfaceName]] as [string, unknown][]) : []),
    ]);
    return new Ordered([
      ['bind-addresses', [bind]],
      ['egress-subnets', [`${net.address}/32`]],
      ['ingress-addresses', [net.address]],
    ]);
  },
});

export const applicationVersionSet = defineTool({
  run: ({ positional }, call) => {
    if (positional.length === 0) throw new UsageError('no version specified');
    extraArgs(positional.slice(1));
    unitOf(call).workloadVersion = positional[0]!;
    call.host.changed();
    return NO_OUTPUT;
  },
});

export const jujuReboot = defineTool({
  flags: [{ names: ['now'], kind: 'bool' }],
  run: ({ flags, positional }, call) => {
    extraArgs(positional);
    if (call.ctx.action) throw new RunError('juju-reboot is not supported when running an action');
    call.ctx.rebootRequested = flags.now ? 'now' : 'after';
    return NO_OUTPUT;
  },
});

function charmState(call: ToolCall): Record<string, string> {
  call.ctx.charmState ??= { ...unitOf(call).charmState };
  return call.ctx.charmState;
}

export const stateGet = defineTool({
  flags: [{ names: ['strict'], kind: 'bool' }],
  formats: ['smart', 'yaml', 'json'],
  run: ({ flags, positional }, call) => {
    const [key = '-', ...rest] = positional;
    extraArgs(rest);
    const state = charmState(call);
    if (key === '-') return { ...state };
    if (!(key in state)) {
      if (flags.strict) throw new RunError(`"${key}" not found`);
      return null;
    }
    return state[key];
  },
});

export const stateSet = defineTool({
  flags: [{ names: ['file'], kind: 'value' }],
  run: ({ flags, positional }, call) => {
    const values: Record<string, string> = {};
    if (flags.file !== undefined) {
      if (call.stdin === null) throw new RunError(flags.file === '-' ? 'hook tool requires stdin, none supplied' : `cannot read ${String(flags.file)}: the hook-tool client sent no content`);
      const doc = yaml.load(call.stdin.toString('utf8')) as Record<string, unknown> | null;
      for (const [k, v] of Object.entries(doc ?? {})) values[k] = v === null || v === undefined ? '' : String(v);
    }
    Object.assign(values, parseKeyValues(positional));
    const state = charmState(call);
    for (const [k, v] of Object.entries(values)) {
      if (v === '') delete state[k];
      else state[k] = v;
    }
    return NO_OUTPUT;
  },
});

export const stateDelete = defineTool({
  run: ({ positional }, call) => {
    if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'no key specified' : `unrecognized args: ["${positional.slice(1).join('" "')}"]`);
    delete charmState(call)[positional[0]!];
    return NO_OUTPUT;
  },
});

export const goalState = defineTool({
  formats: ['yaml', 'json'],
  run: ({ positional }, call) => {
    extraArgs(positional);
    const { state } = call.host;
    const unit = unitOf(call);
    const goal = (u: UnitState) => ({ status: u.life === 'dying' ? 'dying' : 'active', since: u.workload.since });
    const units = Object.values(state.units).filter((u) => u.application === unit.application).sort((a, b) => compareUnits(a.name, b.name));
    const relations: Record<string, Record<string, unknown>> = {};
    for (const rel of Object.values(state.relations)) {
      const mine = rel.endpoints.find((e) => e.application === unit.application);
      if (!mine) continue;
      const entry = (relations[mine.name] ??= {});
      for (const e of rel.endpoints) {
        if (e.application === unit.application && rel.endpoints.length > 1 && rel.endpoints[0]!.application !== rel.endpoints[1]!.application) continue;
        entry[e.application] = { status: 'joined', since: state.created };
        for (const u of Object.values(state.units).filter((x) => x.application === e.application && x.name !== unit.name)) entry[u.name] = goal(u);
      }
    }
    return { units: Object.fromEntries(units.map((u) => [u.name, goal(u)])), relations };
  },
});

export const storageList = defineTool({ formats: ['smart', 'yaml', 'json'], run: () => [] });
export const storageGet = defineTool({
  flags: [{ names: ['s'], kind: 'value' }],
  formats: ['smart', 'yaml', 'json'],
  run: () => {
    throw new UsageError('no storage instance specified');
  },
});

function unsupported(what: string) {
  return defineTool({
    run: () => {
      throw new RunError(`${what} is not supported by the local model`);
    },
  });
}
export const storageAdd = unsupported('storage');
export const credentialGet = unsupported('credential-get (cloud credentials)');
export const secretTool = unsupported('secrets');

import { describe, expect, it } from 'vitest';
import { parseFlags, parseKeyValues } from '../hooktools/flags.js';
import { formatOutput, goJson } from '../hooktools/format.js';
import { decodeRequest, encodeRequest, decodeResponse, encodeResponse } from '../hooktools/protocol.js';
import { HookContext, commitContext } from '../hooktools/context.js';
import { TOOLS } from '../hooktools/registry.js';
import { parsePortSpec } from '../hooktools/tools/unit.js';
import { deployApps, emptyState, meta, settle } from './simulate.js';
import type { ActionState, HookSpec, ModelState } from '../model/state.js';

const server = meta({ name: 'server', provides: { api: { interface: 'http' } }, peers: { cluster: { interface: 'peer' } }, 'extra-bindings': { public: null } });
const client = meta({ name: 'client', requires: { api: { interface: 'http' } } });

function model(): ModelState {
  const state = emptyState();
  deployApps(state, [{ name: 'server', meta: server, units: 2 }, { name: 'client', meta: client, units: 1 }], [['client', 'api', 'server', 'api']]);
  settle(state);
  return state;
}

const logs: string[] = [];
function run(state: ModelState, ctx: HookContext, tool: string, args: string[], stdin: string | null = null) {
  const host = {
    state,
    network: () => ({ address: '10.0.0.7', cidr: '10.0.0.0/24', hostname: 'm', fqdn: 'm.sim', interfaceName: 'eth0' }),
    log: (u: string, l: string, lg: string, m: string) => logs.push(`${l} ${lg} ${m}`),
    changed: () => {},
  };
  return TOOLS[tool]!({ ctx, host, args, stdin: stdin === null ? null : Buffer.from(stdin) });
}

function relId(state: ModelState, key: string): number {
  return Object.values(state.relations).find((r) => r.key === key)!.id;
}

function ctxFor(state: ModelState, unit: string, hook: HookSpec | null, action: ActionState | null = null): HookContext {
  const u = state.units[unit]!;
  const members = new Map(Object.entries(u.uniter.relations).map(([id, l]) => [Number(id), Object.keys(l.members).sort()]));
  return new HookContext(unit, hook, action, members);
}

describe('flag parsing (gnuflag rules)', () => {
  const specs = [{ names: ['r', 'relation'], kind: 'value' as const }, { names: ['app'], kind: 'bool' as const }];
  it('interleaves flags and arguments, accepts = and separate values, stops at --', () => {
    expect(parseFlags(['a', '-r', 'db:1', 'b', '--app', '--relation=db:2', '--', '-x'], specs)).toEqual({ flags: { relation: 'db:2', app: true }, positional: ['a', 'b', '-x'] });
  });
  it('reports unknown flags and missing values like juju', () => {
    expect(() => parseFlags(['--nope'], specs)).toThrow('flag provided but not defined: --nope');
    expect(() => parseFlags(['-x'], specs)).toThrow('flag provided but not defined: -x');
    expect(() => parseFlags(['-r'], specs)).toThrow('flag needs an argument: -r');
  });
  it('key=value: first = splits, empty value allowed, empty key and duplicates rejected', () => {
    expect(parseKeyValues(['a=b=c', 'd='])).toEqual({ a: 'b=c', d: '' });
    expect(() => parseKeyValues(['=x'])).toThrow('expected "key=value", got "=x"');
    expect(() => parseKeyValues(['a=1', 'a=2'])).toThrow('key "a" specified more than once');
  });
});

describe('output formats (juju/cmd)', () => {
  it('smart: strings with newline, empty prints nothing, lists joined, bools True/False, maps as YAML', () => {
    expect(formatOutput('x', 'smart')).toBe('x\n');
    expect(formatOutput('', 'smart')).toBe('');
    expect(formatOutput(null, 'smart')).toBe('');
    expect(formatOutput(['a', 'b'], 'smart')).toBe('a\nb\n');
    expect(formatOutput([], 'smart')).toBe('');
    expect(formatOutput(true, 'smart')).toBe('True\n');
    expect(formatOutput({ b: '1', a: '2' }, 'smart')).toBe("a: '2'\nb: '1'\n");
  });
  it('json: sorted keys, null for nil, [] and {}, HTML-safe escapes', () => {
    expect(formatOutput(null, 'json')).toBe('null\n');
    expect(formatOutput([], 'json')).toBe('[]\n');
    expect(formatOutput({}, 'json')).toBe('{}\n');
    expect(formatOutput({ z: 1, a: { y: 2, b: 3 } }, 'json')).toBe('{"a":{"b":3,"y":2},"z":1}\n');
    expect(goJson('<a&b>')).toBe('"\\u003ca\\u0026b\\u003e"');
  });
  it('yaml: nil prints nothing', () => {
    expect(formatOutput(null, 'yaml')).toBe('');
    expect(formatOutput(false, 'yaml')).toBe('false\n');
  });
});

describe('wire protocol', () => {
  it('round-trips requests and responses', () => {
    const req = { contextId: 'c1', cwd: '/x', tool: 'relation-set', args: ['a=ü', ''], stdin: Buffer.from('k: v\n') };
    expect(decodeRequest(encodeRequest(req))).toEqual(req);
    expect(decodeRequest(encodeRequest({ ...req, stdin: null })).stdin).toBeNull();
    expect(decodeResponse(encodeResponse(2, 'o', 'ERROR e\n', 'f'))).toEqual({ code: 2, stdout: 'o', stderr: 'ERROR e\n', outputFile: 'f' });
  });
});

describe('relation tools', () => {
  it('relation-ids, relation-list (json/smart), --app, and -r validation', () => {
    const state = model();
    const id = relId(state, 'client:api server:api');
    const ctx = ctxFor(state, 'client/0', { name: 'config-changed', kind: 'config-changed' });
    expect(run(state, ctx, 'relation-ids', ['api', '--format=json'])).toMatchObject({ code: 0, stdout: `["api:${id}"]\n` });
    expect(run(state, ctx, 'relation-ids', [])).toEqual({ code: 2, stdout: '', stderr: 'ERROR no endpoint name specified\n' });
    expect(run(state, ctx, 'relation-list', ['-r', `api:${id}`]).stdout).toBe('server/0\nserver/1\n');
    expect(run(state, ctx, 'relation-list', ['-r', String(id), '--app']).stdout).toBe('server\n');
    expect(run(state, ctx, 'relation-list', [])).toEqual({ code: 2, stdout: '', stderr: 'ERROR no relation id specified\n' });
    expect(run(state, ctx, 'relation-list', ['-r', 'api:99'])).toEqual({ code: 2, stdout: '', stderr: 'ERROR invalid value "api:99" for option -r: relation not found\n' });
  });

  it('relation-get: target resolution, absent keys, departed units stay readable, errors', () => {
    const state = model();
    const id = relId(state, 'client:api server:api');
    const hook: HookSpec = { name: 'api-relation-changed', kind: 'relation-changed', relationId: id, remoteUnit: 'server/1', remoteApp: 'server' };
    const ctx = ctxFor(state, 'client/0', hook);
    expect(JSON.parse(run(state, ctx, 'relation-get', ['--format=json']).stdout)).toEqual({ 'egress-subnets': '10.0.0.2/32', 'ingress-address': '10.0.0.2', 'private-address': '10.0.0.2' });
    expect(run(state, ctx, 'relation-get', ['private-address', 'server/0']).stdout).toBe('10.0.0.1\n');
    expect(run(state, ctx, 'relation-get', ['--format=json', 'nothere'])).toMatchObject({ code: 0, stdout: 'null\n' });
    expect(run(state, ctx, 'relation-get', ['nothere'])).toMatchObject({ code: 0, stdout: '' });
    expect(run(state, ctx, 'relation-get', ['-', 'server'])).toEqual({ code: 2, stdout: '', stderr: 'ERROR expected unit name, got application name "server"\n' });
    expect(run(state, ctx, 'relation-get', ['-', 'ghost/0'])).toEqual({ code: 1, stdout: '', stderr: `ERROR cannot read settings for unit "ghost/0" in relation "api:${id}": unit "ghost/0": settings not found\n` });
    const plain = ctxFor(state, 'client/0', { name: 'config-changed', kind: 'config-changed' });
    expect(run(state, plain, 'relation-get', ['-r', String(id)])).toEqual({ code: 2, stdout: '', stderr: 'ERROR no unit or application specified\n' });
  });

  it('relation-set is buffered: visible to the writer, committed on success only; k= deletes; --file - reads stdin', () => {
    const state = model();
    const id = relId(state, 'client:api server:api');
    const rel = state.relations[String(id)]!;
    const ctx = ctxFor(state, 'client/0', { name: 'config-changed', kind: 'config-changed' });
    expect(run(state, ctx, 'relation-set', ['-r', String(id), 'a=1', 'private-address=']).code).toBe(0);
    expect(run(state, ctx, 'relation-set', ['-r', String(id), '--file', '-'], 'b: "2"\nc: 3\n').code).toBe(0);
    expect(run(state, ctx, 'relation-set', ['-r', String(id), '--file', '-'], null)).toEqual({ code: 1, stdout: '', stderr: 'ERROR hook tool requires stdin, none supplied\n' });
    expect(JSON.parse(run(state, ctx, 'relation-get', ['-r', String(id), '--format=json', '-', 'client/0']).stdout)).toMatchObject({ a: '1', b: '2', c: '3' });
    expect(rel.unitSettings['client/0']!.data.a).toBeUndefined();
    const version = rel.unitSettings['client/0']!.version;
    commitContext(state, ctx);
    expect(rel.unitSettings['client/0']!.data).toEqual({ 'egress-subnets': '10.0.0.3/32', 'ingress-address': '10.0.0.3', a: '1', b: '2', c: '3' });
    expect(rel.unitSettings['client/0']!.version).toBe(version + 1);
    expect(run(state, ctx, 'relation-set', ['-r', String(id), 'a=1', 'a=2'])).toEqual({ code: 2, stdout: '', stderr: 'ERROR key "a" specified more than once\n' });
    expect(run(state, ctxFor(state, 'client/0', null), 'relation-set', ['x=1'])).toEqual({ code: 2, stdout: '', stderr: 'ERROR no relation id specified\n' });
  });

  it('remote data read once stays the same for the hook; app data needs leadership to write', () => {
    const state = model();
    const id = relId(state, 'client:api server:api');
    const ctx = ctxFor(state, 'client/0', { name: 'config-changed', kind: 'config-changed' });
    expect(run(state, ctx, 'relation-get', ['-r', String(id), 'private-address', 'server/0']).stdout).toBe('10.0.0.1\n');
    state.relations[String(id)]!.unitSettings['server/0']!.data['private-address'] = '10.9.9.9';
    expect(run(state, ctx, 'relation-get', ['-r', String(id), 'private-address', 'server/0']).stdout).toBe('10.0.0.1\n');
    const minion = ctxFor(state, 'server/1', { name: 'config-changed', kind: 'config-changed' });
    expect(run(state, minion, 'relation-set', ['-r', String(id), '--app', 'x=1'])).toEqual({ code: 1, stdout: '', stderr: 'ERROR cannot write relation settings\n' });
  });
});

describe('unit tools', () => {
  it('config-get: all set values, a key, null for missing, --all with a key is a usage error', () => {
    const state = model();
    const ctx = ctxFor(state, 'server/0', null);
    expect(run(state, ctx, 'config-get', ['--format=json']).stdout).toBe('{"message":"hi"}\n');
    expect(run(state, ctx, 'config-get', ['message']).stdout).toBe('hi\n');
    expect(run(state, ctx, 'config-get', ['nope', '--format=json']).stdout).toBe('null\n');
    expect(run(state, ctx, 'config-get', ['message', '--all'])).toEqual({ code: 2, stdout: '', stderr: 'ERROR cannot use argument --all together with key "message"\n' });
  });

  it('status-set / status-get and their errors', () => {
    const state = model();
    const leader = ctxFor(state, 'server/0', null);
    const minion = ctxFor(state, 'server/1', null);
    expect(run(state, leader, 'status-set', ['error', 'x'])).toEqual({ code: 2, stdout: '', stderr: 'ERROR invalid status "error", expected one of [maintenance blocked waiting active]\n' });
    expect(run(state, leader, 'status-set', ['active', 'all good']).code).toBe(0);
    expect(run(state, leader, 'status-get', []).stdout).toBe('active\n');
    expect(run(state, leader, 'status-get', ['--format=json', '--include-data']).stdout).toBe('{"message":"all good","status":"active","status-data":{}}\n');
    expect(run(state, minion, 'status-set', ['--application', 'active'])).toEqual({ code: 1, stdout: '', stderr: 'ERROR this unit is not the leader\n' });
    expect(run(state, leader, 'status-set', ['--application', 'blocked', 'app msg']).code).toBe(0);
    expect(JSON.parse(run(state, leader, 'status-get', ['--application', '--format=json']).stdout)['application-status'].status).toBe('blocked');
  });

  it('leader tools', () => {
    const state = model();
    const leader = ctxFor(state, 'server/0', null);
    const minion = ctxFor(state, 'server/1', null);
    expect(run(state, leader, 'is-leader', []).stdout).toBe('True\n');
    expect(run(state, minion, 'is-leader', ['--format=json']).stdout).toBe('false\n');
    expect(run(state, minion, 'leader-set', ['a=1'])).toEqual({ code: 1, stdout: '', stderr: 'ERROR cannot write leadership settings: cannot write settings: not the leader\n' });
    const v = state.applications.server!.leaderSettingsVersion;
    expect(run(state, leader, 'leader-set', ['a=1', 'b=x=y']).code).toBe(0);
    expect(state.applications.server!.leaderSettingsVersion).toBe(v + 1);
    expect(run(state, minion, 'leader-get', ['--format=json']).stdout).toBe('{"a":"1","b":"x=y"}\n');
    expect(run(state, minion, 'leader-get', ['a=b'])).toEqual({ code: 2, stdout: '', stderr: 'ERROR invalid key "a=b"\n' });
  });

  it('ports: parsing, transactional open, opened-ports without same-hook ports', () => {
    expect(parsePortSpec('80/TCP')).toBe('80/tcp');
    expect(parsePortSpec('8000-8100/udp')).toBe('8000-8100/udp');
    expect(parsePortSpec('icmp')).toBe('icmp');
    const state = model();
    const ctx = ctxFor(state, 'server/0', null);
    expect(run(state, ctx, 'open-port', ['70000'])).toEqual({ code: 2, stdout: '', stderr: 'ERROR port must be in the range [1, 65535]; got "70000"\n' });
    expect(run(state, ctx, 'open-port', ['80/tcp']).code).toBe(0);
    expect(run(state, ctx, 'opened-ports', ['--format=json']).stdout).toBe('[]\n');
    commitContext(state, ctx);
    expect(run(state, ctxFor(state, 'server/0', null), 'opened-ports', []).stdout).toBe('80/tcp\n');
  });

  it('unit-get and network-get give the machine address', () => {
    const state = model();
    const ctx = ctxFor(state, 'server/0', null);
    expect(run(state, ctx, 'unit-get', ['private-address']).stdout).toBe('10.0.0.7\n');
    expect(run(state, ctx, 'unit-get', ['foo'])).toEqual({ code: 2, stdout: '', stderr: 'ERROR unknown setting "foo"\n' });
    expect(run(state, ctx, 'network-get', ['api', '--format=json']).stdout).toBe(
      '{"bind-addresses":[{"mac-address":"","interface-name":"eth0","addresses":[{"hostname":"","value":"10.0.0.7","cidr":"10.0.0.0/24"}]}],"egress-subnets":["10.0.0.7/32"],"ingress-addresses":["10.0.0.7"]}\n',
    );
    expect(run(state, ctx, 'network-get', ['public', '--ingress-address']).stdout).toBe('10.0.0.7\n');
    expect(run(state, ctx, 'network-get', ['api', '--bind-address', '--egress-subnets', '--format=json']).stdout).toBe('{"bind-address":"10.0.0.7","egress-subnets":["10.0.0.7/32"]}\n');
    expect(run(state, ctx, 'network-get', ['nope'])).toEqual({ code: 1, stdout: '', stderr: 'ERROR no network config found for binding "nope"\n' });
  });

  it('juju-log levels and relation prefix', () => {
    const state = model();
    const id = relId(state, 'client:api server:api');
    logs.length = 0;
    const ctx = ctxFor(state, 'client/0', { name: 'api-relation-changed', kind: 'relation-changed', relationId: id, remoteUnit: 'server/0' });
    expect(run(state, ctx, 'juju-log', ['-l', 'WARNING', 'hello', 'there']).code).toBe(0);
    expect(run(state, ctx, 'juju-log', ['--log-level', 'LOUD', 'x'])).toEqual({ code: 0, stdout: '', stderr: 'WARNING Specified log level of "LOUD" is not valid\n' });
    expect(logs).toEqual([`WARNING unit.client/0.juju-log api:${id}: hello there`, `INFO unit.client/0.juju-log api:${id}: x`]);
  });
});

describe('action tools', () => {
  const action = (): ActionState => ({ id: '7', unit: 'server/0', name: 'do', params: { a: { b: 'c' }, n: 1 }, status: 'running', message: '', results: {}, log: [], enqueued: '' });
  it('refuse to run outside an action', () => {
    const state = model();
    expect(run(state, ctxFor(state, 'server/0', null), 'action-get', [])).toEqual({ code: 1, stdout: '', stderr: 'ERROR not running an action\n' });
  });
  it('action-get paths, action-set nesting and key rules, action-fail', () => {
    const state = model();
    const ctx = ctxFor(state, 'server/0', null, action());
    expect(run(state, ctx, 'action-get', ['a.b']).stdout).toBe('c\n');
    expect(run(state, ctx, 'action-get', ['a.x', '--format=json']).stdout).toBe('null\n');
    expect(run(state, ctx, 'action-set', ['out.x=1', 'y=2']).code).toBe(0);
    expect(ctx.actionResults).toEqual({ out: { x: '1' }, y: '2' });
    expect(run(state, ctx, 'action-set', ['stdout=x'])).toEqual({ code: 2, stdout: '', stderr: 'ERROR cannot set reserved action key "stdout"\n' });
    expect(run(state, ctx, 'action-set', ['Bad=x'])).toEqual({ code: 2, stdout: '', stderr: 'ERROR key "Bad" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods\n' });
    run(state, ctx, 'action-fail', []);
    expect(ctx.actionMessage).toBe('action failed without reason given, check action for errors');
  });
});

describe('unit state, goal state, version and reboot tools', () => {
  it('state-set/-get/-delete: the hook sees its own writes at once; the unit keeps them only when the hook commits', () => {
    const state = model();
    const ctx = ctxFor(state, 'server/0', null);
    expect(run(state, ctx, 'state-set', ['a=1', 'b=two']).code).toBe(0);
    expect(run(state, ctx, 'state-set', ['--file', '-'], 'c: 3\nb: null\n').code).toBe(0);
    expect(run(state, ctx, 'state-get', ['--format=json']).stdout).toBe('{"a":"1","c":"3"}\n');
    expect(run(state, ctx, 'state-get', ['a']).stdout).toBe('1\n');
    expect(run(state, ctx, 'state-get', ['missing', '--strict'])).toEqual({ code: 1, stdout: '', stderr: 'ERROR "missing" not found\n' });
    expect(run(state, ctx, 'state-delete', ['a']).code).toBe(0);
    expect(run(state, ctx, 'state-delete', []).code).toBe(2);
    expect(state.units['server/0']!.charmState).toEqual({});
    commitContext(state, ctx);
    expect(state.units['server/0']!.charmState).toEqual({ c: '3' });
    const next = ctxFor(state, 'server/0', null);
    expect(run(state, next, 'state-get', ['c']).stdout).toBe('3\n');
  });

  it('goal-state lists the application\'s units and, per endpoint, the related application and its units', () => {
    const state = model();
    const out = JSON.parse(run(state, ctxFor(state, 'client/0', null), 'goal-state', ['--format=json']).stdout) as { units: Record<string, { status: string }>; relations: Record<string, Record<string, { status: string }>> };
    expect(Object.keys(out.units)).toEqual(['client/0']);
    expect(Object.keys(out.relations['api']!).sort()).toEqual(['server', 'server/0', 'server/1']);
    expect(out.relations['api']!['server']!.status).toBe('joined');
  });

  it('application-version-set shows in status at once; juju-reboot is asked for, and refused in an action', () => {
    const state = model();
    const ctx = ctxFor(state, 'server/0', null);
    expect(run(state, ctx, 'application-version-set', ['2024.1']).code).toBe(0);
    expect(state.units['server/0']!.workloadVersion).toBe('2024.1');
    expect(run(state, ctx, 'application-version-set', []).code).toBe(2);
    expect(run(state, ctx, 'juju-reboot', ['--now']).code).toBe(0);
    expect(ctx.rebootRequested).toBe('now');
    const inAction = ctxFor(state, 'server/0', null, { id: '1', unit: 'server/0', name: 'x', params: {}, status: 'running', message: '', results: {}, log: [], enqueued: '' });
    expect(run(state, inAction, 'juju-reboot', [])).toEqual({ code: 1, stdout: '', stderr: 'ERROR juju-reboot is not supported when running an action\n' });
  });

  it('says plainly what the local model does not do: secrets, cloud credentials, storage', () => {
    const state = model();
    const ctx = ctxFor(state, 'server/0', null);
    expect(run(state, ctx, 'secret-get', ['x']).stderr).toBe('ERROR secrets is not supported by the local model\n');
    expect(run(state, ctx, 'credential-get', []).stderr).toBe('ERROR credential-get (cloud credentials) is not supported by the local model\n');
    expect(run(state, ctx, 'storage-list', ['--format=json']).stdout).toBe('[]\n');
  });
});

import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, flattenResults, parse, parseStringMap, settingsDocument, sortUnits } from '../hookenv/args.js';
import { HookToolError, redactArgs } from '../hookenv/errors.js';
import { ProcessHookTools } from '../hookenv/process-tools.js';

describe('hook-tool arguments', () => {
  it('asks config-get for everything as JSON', () => {
    expect(build.configGet().args).toEqual(['--all', '--format=json']);
  });

  it('builds relation-get for a unit and for an application', () => {
    expect(build.relationGet('db:3', 'mysql/0').args).toEqual(['--format=json', '-r', 'db:3', '-', 'mysql/0']);
    expect(build.relationGet('db:3', 'mysql', true).args).toEqual(['--format=json', '-r', 'db:3', '--app', '-', 'mysql']);
  });

  it('refuses relation tools without a relation id (Juju would exit 2: no relation id specified)', () => {
    expect(() => build.relationList('')).toThrow(/relation id is required/);
  });

  it('sends relation-set data as a quoted YAML document on stdin (--file -)', () => {
    const call = build.relationSet('ha:1', { json_resources: '{"res_vip": "ocf:heartbeat:IPaddr2"}', flag: 'yes', gone: null, n: '010' }, true);
    expect(call.args).toEqual(['-r', 'ha:1', '--app', '--file', '-']);
    expect(call.secret).toBe(true);
    const decoded = yaml.load(call.input!) as Record<string, string>;
    // Values survive byte for byte: no YAML booleans, octals or re-quoting; null becomes '' (delete).
    expect(decoded).toEqual({ flag: 'yes', gone: '', json_resources: '{"res_vip": "ocf:heartbeat:IPaddr2"}', n: '010' });
  });

  it('keeps multi-line and special values intact in the settings document', () => {
    const value = 'line one\nline: two\n  - three\n"quoted" \'single\' #hash';
    expect((yaml.load(settingsDocument({ k: value })) as Record<string, string>).k).toBe(value);
    expect(() => settingsDocument({ 'a=b': 'x' })).toThrow(/contain no '='/);
  });

  it('builds leader-set key=value pairs, splitting only on the first "="', () => {
    expect(build.leaderSet({ b: 'x=y=z', a: null }).args).toEqual(['a=', 'b=x=y=z']);
  });

  it('rejects statuses a charm may not set', () => {
    expect(() => build.statusSet('error' as never, 'x')).toThrow(/maintenance, blocked, waiting, active/);
    expect(build.statusSet('blocked', '', true).args).toEqual(['--application', 'blocked', '']);
  });

  it('protects juju-log messages that start with a dash', () => {
    expect(build.jujuLog('-x is odd', 'WARNING').args).toEqual(['--log-level', 'WARNING', '--', '-x is odd']);
  });

  it('normalises ports and rejects nonsense', () => {
    expect(build.openPort(15868, 'TCP').args).toEqual(['15868/tcp']);
    expect(build.openPort('8000-8100', 'udp').args).toEqual(['8000-8100/udp']);
    expect(() => build.openPort('http', 'tcp')).toThrow(/invalid port/);
  });

  it('flattens nested action results to dotted keys and rejects reserved or invalid keys', () => {
    expect(flattenResults({ segment: { id: 'abc', hosts: 2 }, ok: true })).toEqual([
      ['ok', 'true'],
      ['segment.hosts', '2'],
      ['segment.id', 'abc'],
    ]);
    expect(() => flattenResults({ stdout: 'x' })).toThrow(/reserved/);
    expect(() => flattenResults({ Bad_Key: 'x' })).toThrow(/invalid action result key/);
  });
});

describe('hook-tool output', () => {
  it('treats empty output and JSON null as absent', () => {
    expect(parse.configGet('')).toEqual({});
    expect(parse.configGet('null\n')).toEqual({});
    expect(parseStringMap('null', 'relation-get')).toEqual({});
    expect(parse.relationIds('')).toEqual([]);
  });

  it('sorts relation ids and units numerically', () => {
    expect(parse.relationIds('["db:10","db:9","db:1"]')).toEqual(['db:1', 'db:9', 'db:10']);
    expect(sortUnits(['a/10', 'a/2', 'b/0', 'a/1'])).toEqual(['a/1', 'a/2', 'a/10', 'b/0']);
  });

  it('keeps relation values as strings and drops nulls', () => {
    expect(parseStringMap('{"a":"1","b":null,"c":"{\\"x\\": 1}"}', 'relation-get')).toEqual({ a: '1', c: '{"x": 1}' });
    expect(() => parseStringMap('["x"]', 'relation-get db:1 mysql/0')).toThrow(/relation-get db:1 mysql\/0: expected a JSON object/);
  });

  it('parses is-leader in json and smart formats', () => {
    expect(parse.isLeader('true\n')).toBe(true);
    expect(parse.isLeader('True\n')).toBe(true);
    expect(parse.isLeader('false\n')).toBe(false);
  });

  it('parses network-get, including the old agents\' key spellings', () => {
    const info = parse.networkGet(
      JSON.stringify({
        'bind-addresses': [{ macaddress: 'aa', interfacename: 'eth1', addresses: [{ address: '10.1.0.5', cidr: '10.1.0.0/24' }] }],
        'ingress-addresses': ['10.1.0.5'],
        'egress-subnets': ['10.1.0.5/32'],
      }),
    );
    expect(info.bindAddresses[0]).toEqual({ interfaceName: 'eth1', macAddress: 'aa', addresses: [{ hostname: '', value: '10.1.0.5', cidr: '10.1.0.0/24' }] });
    expect(info.ingressAddresses).toEqual(['10.1.0.5']);
  });

  it('reads status-get for the unit and the application', () => {
    expect(parse.statusGet('{"message":"Unit is ready","status":"active","status-data":{}}')).toEqual({ status: 'active', message: 'Unit is ready' });
    expect(parse.statusGet('{"application-status":{"status":"blocked","message":"x","units":{}}}')).toEqual({ status: 'blocked', message: 'x' });
  });
});

describe('ProcessHookTools against real tool executables', () => {
  let dir: string;
  let oldPath: string | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hooktools-'));
    // Each fake tool records its argv and stdin, then answers like Juju would.
    const tool = (name: string, body: string): void => {
      const path = join(dir, name);
      writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/${name}.args"\ncat > "${dir}/${name}.stdin"\n${body}\n`);
      chmodSync(path, 0o755);
    };
    tool('config-get', `echo '{"port":8080,"name":null,"debug":false}'`);
    tool('relation-get', 'echo null');
    tool('relation-set', 'exit 0');
    tool('is-leader', 'echo true');
    tool('leader-set', `echo 'ERROR cannot write leadership settings: cannot write settings: not the leader' >&2; exit 1`);
    tool('relation-ids', 'echo "ERROR no endpoint name specified" >&2; exit 2');
    oldPath = process.env.PATH;
    process.env.PATH = `${dir}:${oldPath}`;
  });

  afterAll(() => {
    process.env.PATH = oldPath;
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses typed config and absent relation data', async () => {
    const tools = new ProcessHookTools();
    expect(await tools.configGet()).toEqual({ port: 8080, name: null, debug: false });
    expect(await tools.relationGet('db:1', 'mysql/0')).toEqual({});
    expect(await tools.isLeader()).toBe(true);
  });

  it('passes relation-set data through stdin, not argv', async () => {
    await new ProcessHookTools().relationSet('db:1', { password: 'hunter2', host: '10.0.0.1' });
    expect(readFileSync(join(dir, 'relation-set.args'), 'utf8')).toBe('-r\ndb:1\n--file\n-\n');
    expect(yaml.load(readFileSync(join(dir, 'relation-set.stdin'), 'utf8'))).toEqual({ host: '10.0.0.1', password: 'hunter2' });
  });

  it('raises HookToolError naming the tool, the redacted arguments and stderr', async () => {
    const error = await new ProcessHookTools().leaderSet({ 'admin-password': 'hunter2' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HookToolError);
    const message = (error as Error).message;
    expect(message).toContain('leader-set admin-password=*** failed (exit 1)');
    expect(message).toContain('not the leader');
    expect(message).not.toContain('hunter2');
    expect((error as HookToolError).exitCode).toBe(1);
  });

  it('reports usage errors with exit code 2', async () => {
    const error = (await new ProcessHookTools().relationIds('').catch((e: unknown) => e)) as HookToolError;
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('no endpoint name specified');
  });

  it('says what to do when a tool is not on PATH', async () => {
    const error = (await new ProcessHookTools().applicationVersionSet('1.0').catch((e: unknown) => e)) as HookToolError;
    expect(error.message).toMatch(/not on PATH: hook tools exist only inside a Juju hook or action/);
  });

  it('redacts secret-looking key=value arguments', () => {
    expect(redactArgs(['user=bob', 'password=x', 'maas_credentials=a:b:c', 'plain'], [3])).toEqual(['user=bob', 'password=***', 'maas_credentials=***', '***']);
  });
});

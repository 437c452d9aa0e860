/**
 * Property tests over every renderer fed by relation data or options: arbitrary text in every field is either
 * refused, or the rendered file parses — with the real tool where this machine has one (`corosync -t`,
 * `crm_verify`) and with a parser of the format's own rules — to exactly the sections, nodes and host-list entries
 * intended. Cases are generated in batches and the real tools run once per accepted case (a few dozen), so the file
 * takes seconds.
 */
import { execa } from 'execa';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { HanodePeers } from '../../../interfaces/hacluster/peers.js';
import { decodeRemoteNodeInfo, encodeRemoteNodeInfo } from '../../../interfaces/pacemaker-remote/protocol.js';
import { Relation, type EndpointContext } from '../../../reactive/endpoint.js';
import { Templates } from '../../../reactive/templating.js';
import { desiredCib, DEFAULT_CIB_CONFIG, ST_MAAS } from '../src/cib/desired.js';
import type { Primitive, Remote } from '../src/cib/model.js';
import { EMPTY_PRINCIPAL } from '../src/cib/principal.js';
import { renderConfiguration } from '../src/cib/xml.js';
import { corosyncView, ringNodes, systemdOverride } from '../src/corosync/ring.js';
import { configCheck } from '../src/options.js';
import { simulationCib } from './support/pacemaker-tools.js';
import { HUGE, hostileAddress, hostileName, hostileValue, maybeJson, mostlyValid } from './support/hostile.js';
import { parseCorosync } from './support/corosync-parse.js';
import { MAAS, members } from './support/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'hacl-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const templates = new Templates('charms/hacluster-ext/templates');
const NO_CONTEXT = {} as EndpointContext;

// ---- corosync.conf -------------------------------------------------------------------------------------------

/** corosync -t on a copy whose own node is 127.0.0.1, with a key file (it checks both). */
async function corosyncAccepts(conf: string, own: string, n: number): Promise<{ exitCode: number; output: string }> {
  writeFileSync(join(dir, 'authkey'), Buffer.alloc(256, 5));
  const copy = conf.replace(`ring0_addr: ${own}\n`, 'ring0_addr: 127.0.0.1\n').replace('totem {', `totem {\n  keyfile: ${dir}/authkey`);
  const file = join(dir, `corosync-${n}.conf`);
  writeFileSync(file, copy);
  const r = await execa('corosync', ['-t', '-c', file], { reject: false, all: true });
  return { exitCode: r.exitCode ?? -1, output: r.all ?? '' };
}

function peerEndpoint(units: Record<string, Record<string, string>>): HanodePeers {
  return new HanodePeers('hanode', [new Relation({ id: 'hanode:1', remoteApp: 'hacluster-ext', units, app: {} }, { unit: {}, app: {} }, false)], NO_CONTEXT);
}

const SELF = { unit: 'hacluster-ext/0', hostname: 'api1', address: '10.0.0.1' };

describe('corosync.conf from peer data', () => {
  it('is refused, or holds exactly the intended sections and nodes (own parser on every case, corosync -t on each with IP addresses)', async () => {
    const peerData = fc.record({
      'private-address': mostlyValid(hostileAddress, ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5']),
      hostname: mostlyValid(hostileName, ['api2', 'api3', 'api4.lab', 'api5']),
      ready: fc.constantFrom('True', 'yes', 'no'),
    });
    const cases = fc.sample(fc.array(peerData, { minLength: 1, maxLength: 3 }), { numRuns: 400, seed: 21 });
    let refused = 0;
    let rendered = 0;
    const toCheck: { conf: string; n: number }[] = [];
    for (const [n, peers] of cases.entries()) {
      const endpoint = peerEndpoint(Object.fromEntries(peers.map((p, i) => [`hacluster-ext/${i + 1}`, p])));
      const ready = endpoint.peers().filter((p) => p.ready);
      const ring = ringNodes([SELF, ...ready]);
      const view = corosyncView('hacluster-ext', ring.nodes, { netmtu: null, debug: false });
      if (endpoint.problems().length > 0 || ring.problems.length > 0 || !view.ok) {
        refused++;
        for (const problem of [...endpoint.problems().map((p) => p.message), ...(view.ok ? [] : view.problems)]) {
          for (const p of peers) if (p['private-address'].length > 3) expect(problem).not.toContain(p['private-address']);
          expect(problem.length).toBeLessThanOrEqual(480);
        }
        continue;
      }
      rendered++;
      const conf = await templates.render('corosync.conf', { ...view.view });
      const tree = parseCorosync(conf);
      expect(tree.sections.map((s) => s.name)).toEqual(['totem', 'quorum', 'nodelist', 'logging']);
      expect(tree.keys).toEqual([]);
      const totem = tree.sections[0]!;
      expect(totem.sections).toEqual([]);
      expect(Object.fromEntries(totem.keys)).toMatchObject({ crypto_cipher: 'aes256', crypto_hash: 'sha256', cluster_name: 'hacluster-ext' });
      expect(totem.keys.filter(([k]) => k === 'crypto_cipher')).toHaveLength(1);
      const nodes = tree.sections[2]!.sections;
      expect(nodes.map((s) => s.name)).toEqual(ring.nodes.map(() => 'node'));
      expect(nodes.map((s) => s.keys)).toEqual(ring.nodes.map((node) => [['ring0_addr', node.address], ['name', node.name], ['nodeid', String(node.id)]]));
      // corosync -t resolves host names; the copy's own node is 127.0.0.1, so IPv4 rings are the ones it can judge here
      if (ring.nodes.every((node) => /^[0-9.]+$/.test(node.address))) toCheck.push({ conf, n });
    }
    for (const { conf, n } of toCheck.slice(0, 25)) {
      const r = await corosyncAccepts(conf, SELF.address, n);
      expect(r.exitCode, `${r.output}\n${conf}`).toBe(0);
    }
    console.log(`corosync.conf property: ${cases.length} cases, ${refused} refused, ${rendered} rendered and parsed to the intended nodes, ${Math.min(toCheck.length, 25)} checked by corosync -t`);
    expect(refused).toBeGreaterThan(50);
    expect(rendered).toBeGreaterThan(20);
    expect(Math.min(toCheck.length, 25)).toBeGreaterThan(5);
  }, 120_000);

  it('the systemd drop-in holds exactly two timeouts whatever the numbers', () => {
    fc.assert(fc.property(fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.double()), fc.integer({ min: -1, max: 86_400 }), (start, stop) => {
      let text: string;
      try {
        text = systemdOverride(start, stop);
      } catch (error) {
        expect(error).toBeInstanceOf(RangeError);
        return;
      }
      expect(text).toMatch(/^\[Service\]\nTimeoutStartSec=(infinity|\d+)\nTimeoutStopSec=(infinity|\d+)\n$/);
    }), { numRuns: 500, seed: 21 });
  });
});

// ---- the CIB -------------------------------------------------------------------------------------------------

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', htmlEntities: true, trimValues: false, isArray: (_name, _path, _leaf, isAttribute) => !isAttribute });

type X = Record<string, unknown>;
function all(node: unknown, tag: string): X[] {
  const out: X[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(visit);
    else if (n && typeof n === 'object') {
      for (const [k, v] of Object.entries(n as X)) {
        if (k === tag) out.push(...(v as X[]));
        visit(v);
      }
    }
  };
  visit(node);
  return out;
}

function nvpairs(primitive: X): Record<string, string> {
  return Object.fromEntries(all(primitive.instance_attributes, 'nvpair').map((p) => [String(p.name), String(p.value)]));
}

describe('the CIB from remote data and principal values', () => {
  it('is refused, or crm_verify accepts it and it holds exactly the intended remotes, servers and fence host list', async () => {
    const remoteBag = fc.record({
      'remote-hostname': maybeJson(mostlyValid(hostileName, ['cmp1.lab', 'cmp2.lab', 'cmp3.maas', 'compute-4'])),
      'remote-ip': maybeJson(mostlyValid(hostileAddress, ['10.0.1.1', '10.0.1.2', '10.0.1.3', '2001:db8::7'])),
      'stonith-hostname': fc.oneof(maybeJson(mostlyValid(hostileName, ['cmp1.lab', 'cmp2.maas', 'other.maas'])), fc.constant('null')),
      'enable-resources': fc.constantFrom('false', 'False', 'no', '"false"'),
    });
    const cases = fc.sample(fc.array(remoteBag, { minLength: 1, maxLength: 3 }), { numRuns: 300, seed: 21 });
    let refused = 0;
    const accepted: { remotes: Remote[]; cib: string }[] = [];
    for (const bags of cases) {
      const decoded = bags.map((b) => decodeRemoteNodeInfo(b));
      if (decoded.some((d) => !d.ok)) {
        refused++;
        continue;
      }
      const remotes = decoded.map((d) => (d.ok ? d.value : null)!).map((v) => ({ name: v.remoteHostname, address: v.remoteIp, stonithHostname: v.stonithHostname, enableResources: v.enableResources }));
      const desired = desiredCib({ members: members(3), remotes, principal: EMPTY_PRINCIPAL, config: { ...DEFAULT_CIB_CONFIG, maas: MAAS } });
      if (desired.errors.length > 0) {
        refused++;
        continue;
      }
      accepted.push({ remotes, cib: simulationCib(desired.document, members(3).map((m) => m.name)) });
    }
    for (const [n, { remotes, cib }] of accepted.entries()) {
      const doc = xml.parse(cib);
      const primitives = all(doc, 'primitive');
      const connections = primitives.filter((p) => p.type === 'remote');
      expect(connections.map((p) => p.id).sort()).toEqual(remotes.map((r) => r.name).sort());
      for (const r of remotes) expect(nvpairs(connections.find((p) => p.id === r.name)!).server).toBe(r.address);
      const fenced = remotes.filter((r) => r.stonithHostname !== null);
      const maas = primitives.find((p) => p.id === ST_MAAS);
      if (fenced.length === 0) expect(maas).toBeUndefined();
      else {
        const params = nvpairs(maas!);
        const names = [...new Set(fenced.flatMap((r) => [r.stonithHostname!, r.stonithHostname!.split('.')[0]!]))].sort();
        expect(params.hostnames!.split(' ')).toEqual(names);
        expect(params.pcmk_host_list!.split(' ').sort()).toEqual(fenced.map((r) => r.name).sort());
      }
      if (n < 12) {
        const file = join(dir, `cib-${n}.xml`);
        writeFileSync(file, cib);
        const r = await execa('crm_verify', ['-x', file], { reject: false, all: true });
        expect(r.exitCode, r.all).toBe(0);
      }
    }
    console.log(`CIB remotes property: ${cases.length} cases, ${refused} refused, ${accepted.length} accepted with exactly the intended remotes and fence hosts, ${Math.min(accepted.length, 12)} checked by crm_verify`);
    expect(refused).toBeGreaterThan(50);
    expect(accepted.length).toBeGreaterThan(10);
  }, 120_000);

  it('attribute values of any text cannot add an element: refused, or read back exactly as given', async () => {
    const values = fc.sample(fc.array(hostileValue(['10.5.100.1', 'eth0', 'INFINITY', 'a b c']), { minLength: 1, maxLength: 4 }), { numRuns: 300, seed: 21 });
    let refused = 0;
    let roundTripped = 0;
    let verified = 0;
    for (const [n, list] of values.entries()) {
      const vip: Primitive = {
        kind: 'primitive', id: 'res_vip', class: 'ocf', provider: 'heartbeat', type: 'IPaddr2',
        params: list.map((value, i) => ({ name: `p${i}`, value })), meta: [], ops: [{ name: 'monitor', interval: '10s', attributes: [] }],
      };
      const desired = desiredCib({ members: members(3), remotes: [], principal: { ...EMPTY_PRINCIPAL, primitives: [vip] }, config: DEFAULT_CIB_CONFIG });
      if (desired.errors.length > 0) {
        refused++;
        for (const e of desired.errors) for (const v of list) if (v.length > 3) expect(`${e.path}: ${e.message}`).not.toContain(v);
        continue;
      }
      const configuration = renderConfiguration(desired.document);
      const doc = xml.parse(configuration);
      const primitives = all(doc, 'primitive');
      expect(primitives.map((p) => p.id)).toEqual(['res_vip']);
      expect(all(doc, 'nvpair').filter((p) => /^res_vip-instance_attributes-/.test(String(p.id))).map((p) => p.value)).toEqual(list);
      roundTripped++;
      if (verified < 10 && list.some((v) => v !== 'eth0' && v !== '10.5.100.1')) {
        const file = join(dir, `vip-${n}.xml`);
        writeFileSync(file, simulationCib(desired.document, members(3).map((m) => m.name)));
        const r = await execa('crm_verify', ['-x', file], { reject: false, all: true });
        expect(r.exitCode, r.all).toBe(0);
        verified++;
      }
    }
    console.log(`CIB values property: ${values.length} cases, ${refused} refused (control characters), ${roundTripped} read back exactly, ${verified} checked by crm_verify`);
    expect(roundTripped).toBeGreaterThan(100);
    expect(verified).toBe(10);
  }, 120_000);
});

// ---- options that reach files ----------------------------------------------------------------------------------

describe('options that reach a file or the CIB', () => {
  it('maas_credentials (the secrets file) is one printable line or refused; maas_url never carries credentials', () => {
    fc.assert(fc.property(hostileValue(['ck:tk:sec', 'a:b:c', 'consumer:token:secret']), (credentials) => {
      const problems = configCheck({ maas_url: 'http://10.0.0.254:5240/MAAS', maas_credentials: credentials });
      if (problems.length === 0) expect(credentials.trim()).toMatch(/^[\x21-\x7e]+:[\x21-\x7e]+:[\x21-\x7e]+$/);
      for (const p of problems) if (credentials.trim().length > 3) expect(p).not.toContain(credentials.trim());
    }), { numRuns: 500, seed: 21 });
    let withCredentials = 0;
    fc.assert(fc.property(fc.constantFrom('http', 'https'), hostileValue(['admin', 'u']), hostileValue(['pw', 'secret']), (scheme, user, password) => {
      const text = `${scheme}://${user}:${password}@maas.lab:5240/MAAS`;
      const problems = configCheck({ maas_url: text, maas_credentials: 'a:b:c' });
      if (!problems.some((p) => p.startsWith('maas_url:'))) {
        const parsed = new URL(text.trim());
        expect([parsed.username, parsed.password]).toEqual(['', '']);
      } else withCredentials++;
      if (password.length > 3) for (const p of problems) expect(p).not.toContain(password);
    }), { numRuns: 300, seed: 21 });
    expect(withCredentials).toBeGreaterThan(200);
    expect(configCheck({ maas_url: HUGE, maas_credentials: 'a:b:c' }).join(' ').length).toBeLessThan(480);
  });
});

// The JSON a stock remote sends decodes to the same remote whichever spelling it uses.
it('a remote announcing itself with valid values is read back exactly', () => {
  const info = { remoteHostname: 'compute-1.maas', remoteIp: '10.5.0.31', stonithHostname: 'compute-1.maas', enableResources: false };
  expect(decodeRemoteNodeInfo(encodeRemoteNodeInfo(info))).toEqual({ ok: true, value: info });
});

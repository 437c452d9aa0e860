/**
 * The hostile-input campaign of issue 21 for hacluster-ext, through the in-process harness: every option and every
 * relation key the charm reads gets wrong types, out-of-range numbers, empty, 100 KB, unicode, line breaks, braces,
 * markup and shell metacharacters, one case at a time on a formed cluster (3 members, 2 remotes, masakari's
 * resources), then the good value back. After each hook: no hook error, corosync.conf read by corosync's rules has
 * exactly its four sections and well-formed nodes, the CIB has no resource or fence host that was not announced
 * properly, the systemd drop-ins and the secrets file are what they must be, and the status is bounded and does not
 * repeat the value. Every distinct CIB the cluster was given is checked by crm_verify at the end.
 */
import { execa } from 'execa';
import { XMLParser } from 'fast-xml-parser';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigValue } from '../../../reactive/hookenv/tools.js';
import { RecordingHost } from '../../../reactive/testing/recording-host.js';
import { Harness, HookFailed } from '../../../reactive/testing/harness.js';
import { encodeRemoteNodeInfo } from '../../../interfaces/pacemaker-remote/protocol.js';
import { charm } from '../src/actions.js';
import { parseCorosync } from './support/corosync-parse.js';
import { FakePacemaker } from './support/fake-pacemaker.js';
import { MASAKARI_HA_DATA } from './support/fixtures.js';
import { HUGE } from './support/hostile.js';

const STATUS_MAX = 480;
const MAAS_KEY = 'ck123:tk456:s3cretValue';
const dir = mkdtempSync(join(tmpdir(), 'hacl-campaign-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Text cases every string field gets. */
const TEXT: Record<string, string> = {
  empty: '',
  huge: HUGE,
  unicode: 'ünïcödé-中文-😀.lab',
  'line break': 'cmp9.lab\nother.lab',
  'corosync section': '10.0.0.9\n}\ntotem {\n  crypto_cipher: none\n}\nnodelist {',
  braces: 'x { y }',
  markup: '"/><primitive id="evil" class="stonith" type="null"/><x a="',
  'shell metacharacters': '$(touch /tmp/pwned); `id` | reboot & ${IFS}',
  'space separated': 'cmp9.lab evil.maas',
  'control characters': 'a\u0000b\u0007c\u2028',
};
/** Extra cases for options, by type: wrong types and numbers out of range. */
const INT_CASES: Record<string, ConfigValue> = { 'wrong type (text)': 'abc', 'wrong type (boolean)': true, negative: -2, zero: 0, 'beyond 2^53': 9007199254740994, huge: 1e12, fraction: 1.5 };
const BOOL_CASES: Record<string, ConfigValue> = { 'wrong type (text)': 'yes', 'wrong type (number)': 1 };
const STRING_WRONG_TYPE: Record<string, ConfigValue> = { 'wrong type (number)': 42, 'wrong type (boolean)': true };

/** A value a status could only contain by repeating it (words the rules use are not evidence). */
function identifiable(v: unknown): v is string {
  return typeof v === 'string' && v.trim().length > 3 && !/^[A-Za-z .,;:()-]*$/.test(v.trim());
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (_n, _p, _l, isAttribute) => !isAttribute });
type X = Record<string, unknown>;
function all(node: unknown, tag: string): X[] {
  const out: X[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(visit);
    else if (n && typeof n === 'object') for (const [k, v] of Object.entries(n as X)) {
      if (k === tag) out.push(...(v as X[]));
      visit(v);
    }
  };
  visit(node);
  return out;
}

const HOSTNAME = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$/;
const ADDRESS = /^[0-9A-Fa-f.:]+$/;

interface Tally {
  cases: number;
  crashes: string[];
  injections: string[];
  statusProblems: string[];
  refused: number;
}

describe('hacluster-ext hostile input campaign', () => {
  it('0 hook crashes, 0 injections, bounded statuses free of the values', async () => {
    const host = new RecordingHost({ hostname: 'api1', fqdn: 'api1.lab' });
    const h = new Harness(charm, { charmDir: 'charms/hacluster-ext', unit: 'hacluster-ext/0', host });
    const pacemaker = new FakePacemaker(['api1', 'api2', 'api3'], { verify: false }).install(host);
    try {
      h.setNetwork('hanode', '10.0.0.1');
      await h.setLeader(true);
      const peerBag = (n: number): Record<string, string> => ({ 'private-address': `10.0.0.${n + 1}`, hostname: `api${n + 1}`, ready: 'True' });
      const hanode = await h.addRelation('hanode', 'hacluster-ext', { units: { 'hacluster-ext/1': peerBag(1), 'hacluster-ext/2': peerBag(2) } });
      const ha = await h.addRelation('ha', 'masakari', { units: { 'masakari/0': { ...MASAKARI_HA_DATA } } });
      const remoteBag = (n: number): Record<string, string> =>
        encodeRemoteNodeInfo({ remoteHostname: `cmp${n}.lab`, remoteIp: `10.0.1.${n}`, stonithHostname: `cmp${n}.lab`, enableResources: false });
      const remotes = await h.addRelation('pacemaker-remote', 'pacemaker-remote', { units: { 'pacemaker-remote/0': remoteBag(1), 'pacemaker-remote/1': remoteBag(2) } });
      const baseConfig = { maas_url: 'http://10.0.0.254:5240/MAAS', maas_credentials: MAAS_KEY };
      await h.updateConfig(baseConfig);
      await h.beginWithInitialHooks();
      expect(h.status).toEqual({ status: 'active', message: 'Unit is ready and clustered' });

      const tally: Tally = { cases: 0, crashes: [], injections: [], statusProblems: [], refused: 0 };
      const cibs = new Map<string, string>();
      const legitimate = new Set(['cmp1.lab', 'cmp2.lab']);

      const inspect = (label: string, value: unknown): void => {
        const problems: string[] = [];
        const conf = host.file('/etc/corosync/corosync.conf') ?? '';
        const tree = parseCorosync(conf);
        if (tree.sections.map((s) => s.name).join(',') !== 'totem,quorum,nodelist,logging' || tree.keys.length > 0) problems.push('corosync.conf sections');
        const totem = tree.sections[0];
        if (!totem || totem.sections.length > 0 || totem.keys.filter(([k, v]) => k === 'crypto_cipher' && v === 'aes256').length !== 1 || totem.keys.some(([k, v]) => k === 'crypto_cipher' && v !== 'aes256')) problems.push('corosync.conf totem');
        for (const node of tree.sections[2]?.sections ?? []) {
          const keys = Object.fromEntries(node.keys);
          if (node.name !== 'node' || node.keys.length !== 3 || !(ADDRESS.test(keys.ring0_addr ?? '') || HOSTNAME.test(keys.ring0_addr ?? '')) || !HOSTNAME.test(keys.name ?? '')) problems.push('corosync.conf node');
        }
        const doc = xml.parse(pacemaker.configuration);
        const primitives = all(doc, 'primitive');
        for (const p of primitives) {
          const id = String(p.id);
          if (p.type === 'remote' && !legitimate.has(id)) problems.push(`CIB remote ${id.slice(0, 40)}`);
          if (id === 'evil') problems.push('CIB evil primitive');
        }
        const maas = primitives.find((p) => p.id === 'st-maas');
        if (maas) {
          const params = Object.fromEntries(all(maas, 'nvpair').map((nv) => [String(nv.name), String(nv.value)]));
          for (const name of (params.hostnames ?? '').split(' ')) if (!['cmp1', 'cmp1.lab', 'cmp2', 'cmp2.lab'].includes(name)) problems.push('fence host list');
          for (const name of (params.pcmk_host_list ?? '').split(' ')) if (!legitimate.has(name)) problems.push('pcmk_host_list');
          if (params.url !== baseConfig.maas_url) problems.push('maas url');
        }
        cibs.set(createHash('sha256').update(pacemaker.configuration).digest('hex'), pacemaker.configuration);
        for (const path of ['/etc/systemd/system/corosync.service.d/overrides.conf', '/etc/systemd/system/pacemaker.service.d/overrides.conf']) {
          if (!/^\[Service\]\nTimeoutStartSec=(infinity|\d{1,5})\nTimeoutStopSec=(infinity|\d{1,5})\n$/.test(host.file(path) ?? '')) problems.push('systemd drop-in');
        }
        const secretFile = host.file('/var/lib/pacemaker/lrm/secrets/st-maas/apikey');
        if (secretFile !== null && !/^[\x21-\x7e]+\n$/.test(secretFile)) problems.push('secrets file');
        if (problems.length > 0) tally.injections.push(`${label}: ${[...new Set(problems)].join(', ')}`);
        const { message } = h.status;
        if (message.length > STATUS_MAX) tally.statusProblems.push(`${label}: status of ${message.length} characters`);
        if (identifiable(value) && message.includes(value.trim())) tally.statusProblems.push(`${label}: status repeats the value`);
        if (value !== undefined && h.status.status !== 'active') tally.refused++;
      };

      // One field at a time: each case replaces the previous value of the field, and the good value comes back
      // (one more hook, checked like the others) before the next field.
      const campaign = async (field: string, cases: Record<string, unknown>, apply: (value: unknown) => Promise<void>, restore: () => Promise<void>): Promise<void> => {
        for (const [kind, value] of [...Object.entries(cases), ['restored', undefined] as const]) {
          const label = `${field} ${kind}`;
          if (value !== undefined) tally.cases++;
          try {
            await (value === undefined ? restore() : apply(value));
            inspect(label, value);
          } catch (error) {
            tally.crashes.push(`${label}: ${error instanceof HookFailed ? error.message.slice(0, 200) : String(error).slice(0, 200)}`);
          }
        }
        if (h.status.status !== 'active') tally.crashes.push(`${field}: not active again once restored (${h.status.message.slice(0, 200)})`);
      };

      // Options
      const options = h.meta.options;
      for (const [name, option] of Object.entries(options)) {
        const previous = (h.model.config[name] ?? null) as ConfigValue | null;
        const cases: Record<string, ConfigValue> = option.type === 'int' ? { ...INT_CASES, 'line break': '5\n6', huge: HUGE }
          : option.type === 'boolean' ? { ...BOOL_CASES, 'line break': 'true\n' }
            : { ...TEXT, ...STRING_WRONG_TYPE };
        await campaign(`option ${name}`, cases, (value) => h.updateConfig({ [name]: value as ConfigValue }), () => (previous === null ? h.updateConfig({}, [name]) : h.updateConfig({ [name]: previous })));
      }
      // Relation keys the charm reads
      const relationKeys: [string, string, string, Record<string, string>][] = [
        ...['private-address', 'hostname', 'ready', 'member_ready', 'trigger-corosync-update'].map((k) => [hanode, 'hacluster-ext/1', k, peerBag(1)] as [string, string, string, Record<string, string>]),
        ...['remote-hostname', 'remote-ip', 'stonith-hostname', 'enable-resources'].map((k) => [remotes, 'pacemaker-remote/1', k, remoteBag(2)] as [string, string, string, Record<string, string>]),
        ...['json_resources', 'json_resource_params', 'json_groups', 'json_clones', 'json_ms', 'json_colocations', 'json_orders', 'json_locations', 'json_init_services', 'json_delete_resources']
          .map((k) => [ha, 'masakari/0', k, { ...MASAKARI_HA_DATA }] as [string, string, string, Record<string, string>]),
      ];
      for (const [relation, unit, key, good] of relationKeys) {
        const jsonish = key.startsWith('json_') || relation === remotes;
        const values: Record<string, string> = { ...TEXT };
        if (jsonish) for (const [kind, v] of Object.entries(TEXT)) values[`${kind} (JSON)`] = JSON.stringify(v);
        if (key.startsWith('json_')) {
          values['object of text'] = JSON.stringify({ res_x: TEXT['corosync section'], 'bad id\n': 'lsb:x' });
          values['object of markup'] = JSON.stringify({ res_masakari_242d562_vip: `params ip="${TEXT.markup}"` });
          values['wrong type'] = '[1, 2, {"a": null}]';
        }
        await campaign(`relation ${relation} ${unit} ${key}`, values, (value) => h.updateRelationData(relation, unit, { [key]: value as string }), () => h.updateRelationData(relation, unit, { [key]: good[key] ?? null }));
      }
      expect(h.status).toEqual({ status: 'active', message: 'Unit is ready and clustered' });

      let verified = 0;
      const verifyFailures: string[] = [];
      for (const [digest, configuration] of cibs) {
        const file = join(dir, `${digest}.xml`);
        pacemaker.configuration = configuration;
        writeFileSync(file, pacemaker.cib());
        const r = await execa('crm_verify', ['-x', file], { reject: false, all: true });
        if (r.exitCode !== 0) verifyFailures.push(r.all ?? '');
        verified++;
      }
      console.log(`hacluster-ext campaign: ${tally.cases} cases (${Object.keys(options).length} options, ${relationKeys.length} relation keys), ${tally.refused} refused with a non-active status, ${tally.crashes.length} hook crashes, ${tally.injections.length} injections, ${tally.statusProblems.length} statuses over ${STATUS_MAX} characters or repeating the value, ${verified} distinct CIBs, ${verifyFailures.length} refused by crm_verify`);
      expect(tally.crashes).toEqual([]);
      expect(tally.injections).toEqual([]);
      expect(tally.statusProblems).toEqual([]);
      expect(verifyFailures).toEqual([]);
      expect(tally.cases).toBeGreaterThan(300);
    } finally {
      h.cleanup();
      pacemaker.cleanup();
    }
  }, 300_000);
});

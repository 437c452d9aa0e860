/**
 * Campaign: every option and every relation key masakari reads, set to each hostile value (wrong type, out of
 * range, empty, 100 KB, unicode, line breaks, shell metacharacters, oslo substitutions) on a unit that is ready.
 * Counted: cases, hook crashes, injections (a key or section oslo.config reads that the template does not have, a
 * haproxy section or server line that should not be there, a marked value in a command line), statuses over the
 * bound or repeating the value. The unit must come back to ready once the value is put back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATUS_MAX } from '../../../reactive/decode/fields.js';
import type { ConfigValue } from '../../../reactive/hookenv/tools.js';
import { FIELDS } from '../../../interfaces/keystone/protocol.js';
import { HookFailed } from '../../../reactive/testing/harness.js';
import { echoes, HOSTILE_VALUES, MARKER } from '../../../reactive/testing/hostile-values.js';
import { osloConfigAvailable, readOsloFiles } from '../../../reactive/testing/real-parsers.js';
import { CHARM_DIR, KEYSTONE_DATA, masakariHarness, rabbitData, relateAll, routerData } from './fixtures.js';

const CONF = '/etc/masakari/masakari.conf';
const HAPROXY = '/etc/haproxy/haproxy.cfg';

/** `[section] key` pairs the template can write: anything else oslo.config reads was injected. */
function templateKeys(): Set<string> {
  const keys = new Set<string>();
  let section = '';
  for (const line of readFileSync(join(CHARM_DIR, 'templates', 'masakari.conf'), 'utf8').split('\n')) {
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) section = header[1]!;
    const key = /^(\w+) = /.exec(line);
    if (key) keys.add(`${section} ${key[1]}`);
  }
  return keys;
}

const HAPROXY_SECTION = /^\s*(global|defaults|frontend|backend|listen|peers|resolvers|userlist|mailers|program|http-errors|ring|cache|fcgi-app)\b/;

interface Tally { cases: number; crashes: number; injections: number; unbounded: number; echoed: number; blockedNamingKey: number; notRecovered: number }

describe.skipIf(!osloConfigAvailable())('masakari campaign: hostile options and relation data', () => {
  it('no crash, no injection, bounded statuses that never repeat the value', async () => {
    const { harness, host } = await masakariHarness({ requireFencing: false });
    const meta = harness.meta;
    await harness.beginWithInitialHooks();
    const { db, amqp, keystone } = await relateAll(harness, 1);
    const cluster = [...harness.model.relations.values()].find((r) => r.endpoint === 'cluster')!.id;
    const peer = { 'private-address': '10.5.0.12', 'ingress-address': '10.5.0.12', 'public-address': '10.5.0.12', 'internal-address': '10.5.0.12', 'admin-address': '10.5.0.12' };
    await harness.addRelationUnit(cluster, 'masakari/1', peer);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    const ready = { ...harness.status };
    const baseConfig = { ...harness.model.config };
    const baseHaproxySections = host.file(HAPROXY)!.split('\n').filter((l) => HAPROXY_SECTION.test(l));

    const tally: Tally = { cases: 0, crashes: 0, injections: 0, unbounded: 0, echoed: 0, blockedNamingKey: 0, notRecovered: 0 };
    const confs: { label: string; text: string }[] = [];
    const problems: string[] = [];

    const observe = (label: string, raw: string, key: string, crashed: boolean): void => {
      tally.cases++;
      if (crashed) { tally.crashes++; problems.push(`crash: ${label}`); }
      const { status, message } = harness.status;
      if (message.length > STATUS_MAX) { tally.unbounded++; problems.push(`unbounded: ${label}`); }
      if (echoes(message, raw)) { tally.echoed++; problems.push(`echo: ${label}: ${message.slice(0, 200)}`); }
      if (status === 'blocked' && message.includes(key)) tally.blockedNamingKey++;
      const haproxy = host.file(HAPROXY) ?? '';
      const sections = haproxy.split('\n').filter((l) => HAPROXY_SECTION.test(l));
      if (JSON.stringify(sections) !== JSON.stringify(baseHaproxySections) || (haproxy.match(/^\s*server /gm) ?? []).length > 2 || haproxy.includes(MARKER)) {
        tally.injections++;
        problems.push(`haproxy injection: ${label}`);
      }
      if (host.commands.some((c) => c.argv.some((a) => a.includes(MARKER)))) { tally.injections++; problems.push(`command: ${label}`); }
      confs.push({ label, text: host.file(CONF) ?? '' });
    };
    const run = async (label: string, raw: string, key: string, change: () => Promise<void>): Promise<void> => {
      host.clearRecords();
      let crashed = false;
      try {
        await change();
      } catch (error) {
        if (!(error instanceof HookFailed)) throw error;
        crashed = true;
      }
      observe(label, raw, key, crashed);
    };
    const recovered = (label: string): void => {
      if (harness.status.status !== ready.status || harness.status.message !== ready.message) {
        tally.notRecovered++;
        problems.push(`not recovered after ${label}: ${harness.status.message}`);
      }
    };

    // Options: each hostile text (a wrong type for numbers and booleans), and numbers out of every range.
    for (const [option, declared] of Object.entries(meta.options)) {
      // Text options get every hostile text; numbers and booleans a few texts (a wrong type) and their own extremes.
      const texts = HOSTILE_VALUES.map((h) => h.value);
      const values: ConfigValue[] = declared.type === 'string' ? texts : [texts[2]!, texts[7]!, texts[12]!, texts[16]!];
      if (declared.type === 'int' || declared.type === 'float') values.push(-1, 0, 2 ** 53 + 2, 1e308, 0.5, -(2 ** 31));
      if (declared.type === 'boolean') values.push(0, 1);
      for (const value of values) {
        await run(`option ${option}=${JSON.stringify(value).slice(0, 40)}`, String(value), option, () => harness.updateConfig({ [option]: value }));
      }
      const base = baseConfig[option];
      await (base === null || base === undefined ? harness.updateConfig({}, [option]) : harness.updateConfig({ [option]: base }));
      recovered(`option ${option}`);
    }

    // Relation keys: every key masakari reads from each side.
    const sides: { rid: string; unit: string; stock: Record<string, string>; keys: string[] }[] = [
      { rid: db, unit: 'mysql-router/0', stock: routerData(), keys: ['db_host', 'db_port', 'password', 'allowed_units', 'ssl_ca', 'wait_timeout', 'cluster-series-upgrading'] },
      { rid: amqp, unit: 'rabbitmq-server/0', stock: rabbitData(9), keys: ['private-address', 'hostname', 'password', 'ssl_port', 'ssl_ca', 'clustered', 'vip', 'ha-vip-only'] },
      { rid: keystone, unit: 'keystone/0', stock: KEYSTONE_DATA, keys: FIELDS.map(([, k]) => k) },
      { rid: cluster, unit: 'masakari/1', stock: peer, keys: Object.keys(peer) },
    ];
    for (const side of sides) {
      for (const key of side.keys) {
        for (const hostile of HOSTILE_VALUES) {
          await run(`${side.unit} ${key}=${hostile.name}`, hostile.value, key, () => harness.updateRelationData(side.rid, side.unit, { [key]: hostile.value }));
        }
        await harness.updateRelationData(side.rid, side.unit, { [key]: side.stock[key] ?? null });
        recovered(`${side.unit} ${key}`);
      }
    }

    // Every masakari.conf written along the way, read by oslo.config: only the template's keys, each once.
    const allowed = templateKeys();
    const parsed = await readOsloFiles(confs.map((c) => c.text));
    for (const [i, file] of parsed.entries()) {
      const seen = file.keys.map(([s, k]) => `${s} ${k}`);
      if (file.error || seen.some((k) => !allowed.has(k)) || new Set(seen).size !== seen.length) {
        tally.injections++;
        problems.push(`masakari.conf injection: ${confs[i]!.label} ${file.error ?? ''}`);
      }
    }

    console.log(`masakari campaign: ${tally.cases} cases (${Object.keys(meta.options).length} options, ${sides.reduce((n, s) => n + s.keys.length, 0)} relation keys × ${HOSTILE_VALUES.length} hostile values), ` +
      `${tally.crashes} hook crashes, ${tally.injections} injections, ${tally.unbounded} statuses over ${STATUS_MAX} characters, ${tally.echoed} echoing the value, ` +
      `${tally.blockedNamingKey} blocked naming the key, ${tally.notRecovered} not recovered`);
    if (problems.length > 0) console.log(problems.slice(0, 60).join("\n"));
    expect(problems).toEqual([]);
    expect(tally.cases).toBeGreaterThan(1000);
    expect(tally.crashes + tally.injections + tally.unbounded + tally.echoed + tally.notRecovered).toBe(0);
    expect(tally.blockedNamingKey).toBeGreaterThan(500);
    harness.cleanup();
  }, 600_000);
});

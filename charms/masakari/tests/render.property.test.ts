/**
 * Property: whatever the database, broker, keystone and peers send and whatever the options hold, masakari.conf
 * reads back through oslo.config (the distribution's own parser and substitution) with exactly the sections and
 * keys the template intends and the secrets as sent, and haproxy.cfg passes `haproxy -c` with exactly its sections
 * and one server per valid peer — or the input is refused at the boundary. Every file of a batch goes through one
 * parser process.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCharmDir } from '../../../reactive/charm-meta-check.js';
import { validateConfig, type ConfigValues } from '../../../reactive/config.js';
import { Templates } from '../../../reactive/templating.js';
import { checkHaproxyFiles, HAPROXY, osloConfigAvailable, readOsloFiles } from '../../../reactive/testing/real-parsers.js';
import { hostileString } from '../../../reactive/testing/hostile-values.js';
import { checkConnectionInfo } from '../../../interfaces/mysql-shared/protocol.js';
import { brokerAccess, checkBrokerUnit } from '../../../interfaces/rabbitmq/protocol.js';
import { checkCredentials } from '../../../interfaces/keystone/protocol.js';
import { checkPeer } from '../../../interfaces/openstack-ha/protocol.js';
import { desiredState, HAPROXY_CFG } from '../src/files.js';
import { CONF_PATH, masakariConfContext } from '../src/masakari-conf.js';
import { configCheck, configRules } from '../src/options.js';
import { platformFor } from '../src/platform.js';
import { CHARM_DIR, KEYSTONE_DATA, rabbitData, routerData } from './fixtures.js';
import { existsSync } from 'node:fs';

const templates = new Templates(join(CHARM_DIR, 'templates'));
const render = (t: string, c: Readonly<Record<string, unknown>>) => templates.render(t, c);
const meta = readCharmDir(CHARM_DIR).meta;

/** Valid where a secret is expected, and meaningful to oslo.config, URLs or ini files. */
const TRICKY = ['pa$$w\\$rd', '"quoted"', "'x'", '%(x)s%', '#;[x]=y:z', '$database', '${a.b}', 'a\\', '@/?#'];

/** A stock bag as it is, with one key replaced by something hostile (or valid, as hostileString mixes them), or one key left out. */
function bagFrom(stock: Record<string, string>): fc.Arbitrary<Record<string, string>> {
  const keys = Object.keys(stock);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant({ ...stock }) },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...keys), fc.string()).chain(([k]) => hostileString([stock[k]!, ...TRICKY]).map((v) => ({ ...stock, [k]: v }))) },
    { weight: 1, arbitrary: fc.constantFrom(...keys).map((k) => Object.fromEntries(Object.entries(stock).filter(([key]) => key !== k))) },
  );
}

/** ajv compiles the schema on each call: options repeat, so each distinct set is checked once. */
const checkedOptions = new Map<string, Promise<string[]>>();
function optionErrors(config: ConfigValues): Promise<string[]> {
  const key = JSON.stringify(config);
  if (!checkedOptions.has(key)) checkedOptions.set(key, validateConfig(meta, config, configRules, configCheck));
  return checkedOptions.get(key)!;
}

const OPTIONS = fc.record({
  region: fc.oneof({ weight: 4, arbitrary: fc.constant('RegionOne') }, { weight: 1, arbitrary: hostileString(['RegionTwo']) }),
  'evacuation-delay': fc.oneof({ weight: 3, arbitrary: fc.constant(60) }, { weight: 1, arbitrary: fc.integer({ min: -10, max: 2 ** 40 }) }),
});

/** The template with every string of its context replaced by a plain word: the sections and keys it intends. */
function placeholders<T>(value: T): T {
  if (typeof value === 'string') return 'v' as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, placeholders(v)])) as T;
}

const HAPROXY_SECTIONS = /^\s*(global|defaults|frontend|backend|listen|peers|resolvers|userlist|mailers|program|http-errors|ring|cache|fcgi-app)\b(.*)$/;

describe.skipIf(!osloConfigAvailable())('masakari renderers (property, real parsers)', () => {
  it('masakari.conf: exactly the intended keys through oslo.config, values as sent, or refused', async () => {
    const rendered: { text: string; intended: string; password: string; dbPassword: string; user: string; region: string }[] = [];
    let refused = 0;
    await fc.assert(fc.asyncProperty(
      bagFrom({ ...routerData('masakari/0'), ssl_ca: '' }), bagFrom(rabbitData(9)), bagFrom(KEYSTONE_DATA), OPTIONS,
      async (dbBag, amqpBag, ksBag, options) => {
        const config: ConfigValues = { 'require-fencing': true, ...options };
        const db = checkConnectionInfo(dbBag, 'masakari/0');
        const broker = checkBrokerUnit('rabbitmq-server/0', amqpBag);
        const keystone = checkCredentials(ksBag);
        const configErrors = await optionErrors(config);
        // Nothing thrown on the way: a value is either decoded or refused with a rule.
        if (!db.ok || !broker.ok || !keystone.ok || configErrors.length > 0) {
          refused++;
          return;
        }
        const amqp = brokerAccess({ username: 'masakari', vhost: 'masakari' }, [broker.value])!;
        const context = masakariConfContext({ config, db: db.value, amqp, keystone: keystone.value });
        rendered.push({
          text: await render('masakari.conf', context),
          intended: await render('masakari.conf', placeholders(context)),
          password: keystone.value.servicePassword, dbPassword: db.value.password, user: keystone.value.serviceUsername,
          region: String(config.region),
        });
      }), { numRuns: 200 });
    const parsed = await readOsloFiles(rendered.flatMap((r) => [r.text, r.intended]));
    for (const [i, r] of rendered.entries()) {
      const got = parsed[2 * i]!;
      const intended = parsed[2 * i + 1]!;
      expect(got.error, r.text).toBeUndefined();
      expect(got.keys).toEqual(intended.keys);
      expect(got.values.DEFAULT!.os_privileged_user_password).toBe(r.password);
      expect(got.values.keystone_authtoken!.password).toBe(r.password);
      expect(got.values.keystone_authtoken!.username).toBe(r.user);
      expect(got.values.DEFAULT!.os_region_name).toBe(r.region);
      expect(decodeURIComponent(new URL(got.values.database!.connection!).password)).toBe(r.dbPassword);
    }
    console.log(`masakari.conf property: ${rendered.length} rendered and read back by oslo.config, ${refused} refused at the boundary`);
    expect(rendered.length).toBeGreaterThan(15);
    expect(refused).toBeGreaterThan(15);
  }, 60_000);

  it.skipIf(!existsSync(HAPROXY))('haproxy.cfg: passes haproxy -c with its five sections and one server per valid peer', async () => {
    const peerStock = { 'private-address': '10.5.0.12', 'public-address': '10.5.0.12', 'internal-address': '10.5.0.12', 'admin-address': '10.5.0.12', 'ingress-address': '10.5.0.12' };
    const cases: { text: string; servers: number }[] = [];
    let left = 0;
    const stockDb = checkConnectionInfo(routerData('masakari/0'), 'masakari/0');
    const stockBroker = checkBrokerUnit('rabbitmq-server/0', rabbitData(9));
    const stockKs = checkCredentials(KEYSTONE_DATA);
    if (!stockDb.ok || !stockBroker.ok || !stockKs.ok) throw new Error('stock data must decode');
    await fc.assert(fc.asyncProperty(fc.array(bagFrom(peerStock), { minLength: 1, maxLength: 3 }), async (bags) => {
      const peers = bags.map((b, i) => checkPeer(`masakari/${i + 1}`, b));
      const valid = peers.flatMap((p) => (p.ok ? [p.value] : []));
      left += peers.length - valid.length;
      const desired = await desiredState({
        platform: platformFor('debian'), config: { 'require-fencing': false }, db: stockDb.value,
        amqp: brokerAccess({ username: 'masakari', vhost: 'masakari' }, [stockBroker.value])!, keystone: stockKs.value,
        backends: [{ unit: 'masakari/0', address: '10.5.0.11' }, ...valid.map((p) => ({ unit: p.unit, address: p.privateAddress }))],
        workers: 2, statsPassword: 'c3RhdHM', workarounds: { readDeleted: false, taskflowAlembic: false },
      }, render);
      cases.push({ text: desired.files.find((f) => f.path === HAPROXY_CFG)!.content as string, servers: valid.length + 1 });
      expect(desired.files.find((f) => f.path === CONF_PATH)).toBeDefined();
    }), { numRuns: 16 });
    // The test machine has no haproxy user necessarily, and nothing may bind: check the file as haproxy reads it.
    const checked = await checkHaproxyFiles(cases.map((c) => c.text.replace(/^\s*(user|group) haproxy$/gm, '').replace(/^\s*stats socket .*$/m, '')));
    for (const [i, c] of cases.entries()) {
      expect(checked[i]!.exitCode, `${checked[i]!.output}\n${c.text}`).toBe(0);
      const sections = c.text.split('\n').flatMap((l) => { const m = HAPROXY_SECTIONS.exec(l); return m ? [`${m[1]}${m[2]}`.trim()] : []; });
      expect(sections).toEqual(['global', 'defaults', 'listen stats', 'frontend tcp-in_masakari-api', 'backend masakari-api']);
      expect(c.text.match(/^\s*server /gm)).toHaveLength(c.servers);
    }
    console.log(`haproxy.cfg property: ${cases.length} files checked by haproxy -c, ${left} invalid peers left out`);
  }, 60_000);
});

/**
 * Campaign: every option and every identity-credentials key masakari-monitors reads, set to each hostile value
 * (wrong type, out of range, empty, 100 KB, unicode, line breaks, shell metacharacters, oslo substitutions) on a
 * unit that is ready. Counted: cases, hook crashes, injections (a key or section oslo.config reads that the charm
 * does not write, a marked value in a command line), statuses over the bound or repeating the value.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATUS_MAX } from '../../../reactive/decode/fields.js';
import type { ConfigValue } from '../../../reactive/hookenv/tools.js';
import { RecordingHost } from '../../../reactive/testing/recording-host.js';
import { Harness, HookFailed } from '../../../reactive/testing/harness.js';
import { echoes, HOSTILE_VALUES, MARKER } from '../../../reactive/testing/hostile-values.js';
import { osloConfigAvailable, readOsloFiles } from '../../../reactive/testing/real-parsers.js';
import { charm } from '../src/charm.js';
import { CONF_PATH } from '../src/conf.js';

const KEYSTONE_ANSWER: Record<string, string> = {
  auth_host: '10.5.0.10', auth_port: '35357', auth_protocol: 'http', credentials_host: '10.5.0.10', credentials_port: '5000',
  credentials_protocol: 'http', credentials_username: 'masakari-monitors', credentials_password: 'Zx9secretPW', credentials_project: 'services',
  credentials_project_id: '6b3e5d0c1f2a4e3b', api_version: '3', region: 'RegionOne', domain: 'service_domain',
  credentials_user_domain_name: 'service_domain', credentials_user_domain_id: '9a1c2b3d',
  credentials_project_domain_name: 'service_domain', credentials_project_domain_id: '9a1c2b3d',
};

describe.skipIf(!osloConfigAvailable())('masakari-monitors campaign: hostile options and keystone data', () => {
  it('no crash, no injection, bounded statuses that never repeat the value', async () => {
    const host = new RecordingHost({ hostname: 'compute-1', fqdn: 'compute-1.maas' });
    await host.seedFile('/run/libvirt/libvirt-sock-ro', '');
    const harness = new Harness(charm, { charmDir: join(import.meta.dirname, '..'), unit: 'masakari-monitors/0', host, principalUnit: 'nova-compute/0' });
    harness.setNetwork('container', '10.5.0.31', '10.5.0.0/24', 'ens4');
    await harness.addRelation('container', 'nova-compute', { units: { 'nova-compute/0': {} } });
    await harness.beginWithInitialHooks();
    const rid = await harness.addRelation('identity-credentials', 'keystone', { units: { 'keystone/0': KEYSTONE_ANSWER } });
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    const ready = { ...harness.status };
    const baseConfig = { ...harness.model.config };
    const baseKeys = (await readOsloFiles([host.file(CONF_PATH)!]))[0]!.keys.map(([s, k]) => `${s} ${k}`);

    const tally = { cases: 0, crashes: 0, injections: 0, unbounded: 0, echoed: 0, blockedNamingKey: 0, notRecovered: 0 };
    const problems: string[] = [];
    const confs: { label: string; text: string; flags: string }[] = [];
    const run = async (label: string, raw: string, key: string, change: () => Promise<void>): Promise<void> => {
      host.clearRecords();
      tally.cases++;
      try {
        await change();
      } catch (error) {
        if (!(error instanceof HookFailed)) throw error;
        tally.crashes++;
        problems.push(`crash: ${label}: ${error.message.slice(0, 200)}`);
      }
      const { status, message } = harness.status;
      if (message.length > STATUS_MAX) { tally.unbounded++; problems.push(`unbounded: ${label}`); }
      if (echoes(message, raw)) { tally.echoed++; problems.push(`echo: ${label}: ${message.slice(0, 200)}`); }
      if (status === 'blocked' && message.includes(key)) tally.blockedNamingKey++;
      if (host.commands.some((c) => c.argv.some((a) => a.includes(MARKER)))) { tally.injections++; problems.push(`command: ${label}`); }
      confs.push({ label, text: host.file(CONF_PATH) ?? '', flags: String(harness.model.config['config-flags'] ?? '') });
    };
    const recovered = (label: string): void => {
      if (harness.status.status !== ready.status || harness.status.message !== ready.message) {
        tally.notRecovered++;
        problems.push(`not recovered after ${label}: ${harness.status.message}`);
      }
    };

    for (const [option, declared] of Object.entries(harness.meta.options)) {
      const texts = HOSTILE_VALUES.map((h) => h.value);
      const values: ConfigValue[] = declared.type === 'string' ? texts : [texts[2]!, texts[7]!, texts[12]!, texts[16]!];
      if (declared.type === 'int' || declared.type === 'float') values.push(-1, 0, 2 ** 53 + 2, 1e308, 0.5, -(2 ** 31));
      if (declared.type === 'boolean') values.push(0, 1);
      if (option === 'config-flags') values.push(...HOSTILE_VALUES.map((h) => `tempdir=/var/tmp,${h.value}`), `password hunter2-${MARKER},tempdir=/x`);
      for (const value of values) {
        await run(`option ${option}=${JSON.stringify(value).slice(0, 40)}`, String(value), option, () => harness.updateConfig({ [option]: value }));
      }
      const base = baseConfig[option];
      await (base === null || base === undefined ? harness.updateConfig({}, [option]) : harness.updateConfig({ [option]: base }));
      recovered(`option ${option}`);
    }
    for (const key of Object.keys(KEYSTONE_ANSWER)) {
      for (const hostile of HOSTILE_VALUES) {
        await run(`keystone/0 ${key}=${hostile.name}`, hostile.value, key, () => harness.updateRelationData(rid, 'keystone/0', { [key]: hostile.value }));
      }
      await harness.updateRelationData(rid, 'keystone/0', { [key]: KEYSTONE_ANSWER[key]! });
      recovered(`keystone/0 ${key}`);
    }

    // Every config written along the way, read by oslo.config: the charm's keys, plus one per config-flags pair.
    const parsed = await readOsloFiles(confs.map((c) => c.text));
    for (const [i, file] of parsed.entries()) {
      const seen = file.keys.map(([s, k]) => `${s} ${k}`);
      const extra = seen.filter((k) => !baseKeys.includes(k));
      const flagKeys = confs[i]!.flags.split(',').map((p) => `DEFAULT ${p.split('=')[0]!.trim()}`);
      if (new Set(seen).size !== seen.length || extra.some((k) => !flagKeys.includes(k)) || seen.some((k) => k.includes(MARKER))) {
        tally.injections++;
        problems.push(`masakarimonitors.conf injection: ${confs[i]!.label}: ${extra.join(', ').slice(0, 200)}`);
      }
    }

    console.log(`masakari-monitors campaign: ${tally.cases} cases (${Object.keys(harness.meta.options).length} options, ${Object.keys(KEYSTONE_ANSWER).length} relation keys × ${HOSTILE_VALUES.length} hostile values), ` +
      `${tally.crashes} hook crashes, ${tally.injections} injections, ${tally.unbounded} statuses over ${STATUS_MAX} characters, ${tally.echoed} echoing the value, ` +
      `${tally.blockedNamingKey} blocked naming the key, ${tally.notRecovered} not recovered`);
    if (problems.length > 0) console.log(problems.slice(0, 60).join('\n'));
    expect(problems).toEqual([]);
    expect(tally.crashes + tally.injections + tally.unbounded + tally.echoed + tally.notRecovered).toBe(0);
    expect(tally.cases).toBeGreaterThan(400);
    expect(tally.blockedNamingKey).toBeGreaterThan(200);
    harness.cleanup();
  }, 600_000);
});

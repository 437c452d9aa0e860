/**
 * The hostile-input campaign of issue 21 for pacemaker-remote, through the in-process harness: both options and the
 * one relation key it reads (`pacemaker-key`, from every cluster unit) get wrong types, empty, 100 KB, unicode,
 * line breaks, shell metacharacters, keys too short and too long. After each hook: no hook error, the authkey on
 * disk is the good key or a key within 128-4096 bytes that every unit agreed on, the daemon was never restarted
 * with a refused key, the published data is still the four JSON values, and the status is bounded and does not
 * repeat the value.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeRemoteNodeInfo } from '../../../interfaces/pacemaker-remote/protocol.js';
import type { ConfigValue } from '../../../reactive/hookenv/tools.js';
import { RecordingHost } from '../../../reactive/testing/recording-host.js';
import { Harness, HookFailed } from '../../../reactive/testing/harness.js';
import { charm } from '../src/charm.js';
import { AUTHKEY_PATH, SERVICE } from '../src/remote-state.js';

const CHARM_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const STATUS_MAX = 480;
const GOOD = randomBytes(256);

const TEXT: Record<string, string> = {
  empty: '',
  huge: 'A'.repeat(100_000),
  unicode: 'ünïcödé-中文-😀',
  'line break': 'abc\ndef',
  'shell metacharacters': '$(touch /tmp/pwned); `id` | reboot &',
  braces: '} totem { crypto_cipher: none',
  markup: '"/><x a="',
  'control characters': 'a\u0000b\u0007',
  '1-byte key': Buffer.alloc(1, 9).toString('base64'),
  '127-byte key': randomBytes(127).toString('base64'),
  '4097-byte key': randomBytes(4097).toString('base64'),
  'key with a line break inside the base64': `${GOOD.toString('base64').slice(0, 40)}\n!!${GOOD.toString('base64').slice(40)}`,
  'base64 with spaces and a shell command': `${GOOD.toString('base64')} $(reboot)`,
};
const OPTION_CASES: Record<string, ConfigValue> = { 'wrong type (text)': 'yes', 'wrong type (number)': 1, 'line break': 'true\n', huge: 'x'.repeat(100_000), unicode: 'vrai✓' };

function identifiable(v: unknown): v is string {
  return typeof v === 'string' && v.trim().length > 3 && !/^[A-Za-z .,;:()-]*$/.test(v.trim());
}

describe('pacemaker-remote hostile input campaign', () => {
  it('0 hook crashes, no refused key on disk or in the daemon, bounded statuses free of the values', async () => {
    const host = new RecordingHost({ hostname: 'compute-1', fqdn: 'compute-1.maas' });
    await host.ensureUser('hacluster', { group: 'haclient', system: true });
    const h = new Harness(charm, { charmDir: CHARM_DIR, unit: 'pacemaker-remote/0', host });
    try {
      h.setNetwork('pacemaker-remote', '10.5.0.31', '10.5.0.0/24', 'ens4');
      await h.beginWithInitialHooks();
      host.setServiceActive(SERVICE, true);
      const rid = await h.addRelation('pacemaker-remote', 'hacluster', {
        units: { 'hacluster/0': { 'pacemaker-key': GOOD.toString('base64') }, 'hacluster/1': { 'pacemaker-key': GOOD.toString('base64') } },
      });
      expect(h.status).toEqual({ status: 'active', message: 'Unit is ready' });

      let cases = 0;
      let refused = 0;
      const crashes: string[] = [];
      const injections: string[] = [];
      const statusProblems: string[] = [];
      const inspect = (label: string, value: unknown): void => {
        const key = readFileSync(host.pathOnDisk(AUTHKEY_PATH));
        if (!key.equals(GOOD) && (key.length < 128 || key.length > 4096)) injections.push(`${label}: authkey of ${key.length} bytes`);
        const decoded = decodeRemoteNodeInfo(h.relationData(rid));
        if (!decoded.ok || Object.keys(h.relationData(rid)).filter((k) => k !== 'pacemaker-key').length !== 4) injections.push(`${label}: published data`);
        const { message } = h.status;
        if (message.length > STATUS_MAX) statusProblems.push(`${label}: status of ${message.length} characters`);
        if (identifiable(value) && message.includes(value.trim())) statusProblems.push(`${label}: status repeats the value`);
        if (value !== undefined && h.status.status !== 'active') refused++;
      };
      const campaign = async (field: string, values: Record<string, unknown>, apply: (v: unknown) => Promise<void>, restore: () => Promise<void>): Promise<void> => {
        for (const [kind, value] of [...Object.entries(values), ['restored', undefined] as const]) {
          if (value !== undefined) cases++;
          const restartsBefore = host.serviceActions.filter((a) => a.action === 'restart').length;
          try {
            await (value === undefined ? restore() : apply(value));
            inspect(`${field} ${kind}`, value);
          } catch (error) {
            crashes.push(`${field} ${kind}: ${error instanceof HookFailed ? error.message.slice(0, 200) : String(error).slice(0, 200)}`);
          }
          // a refused key must never reach the daemon
          const restarted = host.serviceActions.filter((a) => a.action === 'restart').length > restartsBefore;
          if (restarted && value !== undefined && !readFileSync(host.pathOnDisk(AUTHKEY_PATH)).equals(GOOD)) {
            const key = readFileSync(host.pathOnDisk(AUTHKEY_PATH));
            if (key.length < 128 || key.length > 4096) injections.push(`${field} ${kind}: restarted with a refused key`);
          }
        }
        if (h.status.status !== 'active') crashes.push(`${field}: not active again once restored (${h.status.message.slice(0, 200)})`);
      };

      for (const name of Object.keys(h.meta.options)) {
        const previous = h.model.config[name] ?? null;
        await campaign(`option ${name}`, OPTION_CASES, (v) => h.updateConfig({ [name]: v as ConfigValue }), () => (previous === null ? h.updateConfig({}, [name]) : h.updateConfig({ [name]: previous })));
      }
      for (const unit of ['hacluster/0', 'hacluster/1']) {
        // one unit sending garbage, then both sending the same garbage (the agreement is then on the garbage)
        await campaign(`relation ${rid} ${unit} pacemaker-key`, TEXT, (v) => h.updateRelationData(rid, unit, { 'pacemaker-key': v as string }), () => h.updateRelationData(rid, unit, { 'pacemaker-key': GOOD.toString('base64') }));
      }
      await campaign(`relation ${rid} both units pacemaker-key`, TEXT, async (v) => {
        await h.updateRelationData(rid, 'hacluster/0', { 'pacemaker-key': v as string });
        await h.updateRelationData(rid, 'hacluster/1', { 'pacemaker-key': v as string });
      }, async () => {
        await h.updateRelationData(rid, 'hacluster/0', { 'pacemaker-key': GOOD.toString('base64') });
        await h.updateRelationData(rid, 'hacluster/1', { 'pacemaker-key': GOOD.toString('base64') });
      });
      console.log(`pacemaker-remote campaign: ${cases} cases (${Object.keys(h.meta.options).length} options, 1 relation key from 2 units), ${refused} refused with a non-active status, ${crashes.length} hook crashes, ${injections.length} injections, ${statusProblems.length} statuses over ${STATUS_MAX} characters or repeating the value`);
      expect(crashes).toEqual([]);
      expect(injections).toEqual([]);
      expect(statusProblems).toEqual([]);
      expect(cases).toBeGreaterThan(40);
      expect(readFileSync(host.pathOnDisk(AUTHKEY_PATH))).toEqual(GOOD);
    } finally {
      h.cleanup();
    }
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyText, startMaasEmulator, type MaasEmulator } from '../../../tests/zaza/emulators/maas/server.js';
import { CONFIG_NAMES, INFO_XML, redactor, runPlugin, type PluginIo } from '../src/stonith/plugin.js';

const KEY = { consumerKey: 'consumerA', tokenKey: 'tokenBBBB', tokenSecret: 'secretCCCC' };
let maas: MaasEmulator;
beforeAll(async () => {
  maas = await startMaasEmulator({ machines: [{ hostname: 'cmp1', domain: 'lab' }], apiKeys: [KEY] });
});
afterAll(async () => maas.stop());

function io(env: Record<string, string>): PluginIo & { lines: string[]; logs: string[] } {
  const lines: string[] = [];
  const logs: string[] = [];
  return {
    env, lines, logs,
    out: (l) => lines.push(l),
    log: (level, m) => logs.push(`${level}: ${m}`),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => Date.now(),
  };
}

describe('external/maas plugin logic', () => {
  it('answers the cluster-glue metadata commands without parameters', async () => {
    const x = io({});
    expect(await runPlugin(['getconfignames'], x)).toBe(0);
    expect(x.lines).toEqual([CONFIG_NAMES.join(' ')]);
    expect(await runPlugin(['getinfo-xml'], x)).toBe(0);
    expect(x.lines[1]).toBe(INFO_XML);
    expect(INFO_XML).toMatch(/<parameter name="apikey" unique="0" required="1">/);
  });

  it('redacts the key and each of its parts from every log line', async () => {
    expect(redactor(apiKeyText(KEY))(`a ${apiKeyText(KEY)} b ${KEY.tokenSecret}`)).toBe('a *** b ***');
    const x = io({ url: 'http://127.0.0.1:1/MAAS', apikey: `${KEY.consumerKey}:${KEY.tokenKey}:${KEY.tokenSecret}`, hostnames: 'cmp1' });
    expect(await runPlugin(['off', 'cmp1'], x)).toBe(1);
    expect(x.logs.join('\n')).toMatch(/MAAS not reachable/);
    for (const part of Object.values(KEY)) expect(x.logs.join('\n')).not.toContain(part);
  });

  it('refuses a malformed key, a bad power_timeout and an unknown command with exit 1', async () => {
    const base = { url: maas.url, hostnames: 'cmp1' };
    expect(await runPlugin(['status'], io({ ...base, apikey: 'just-one-part' }))).toBe(1);
    expect(await runPlugin(['off', 'cmp1'], io({ ...base, apikey: apiKeyText(KEY), power_timeout: '-3' }))).toBe(1);
    expect(await runPlugin(['explode'], io({ ...base, apikey: apiKeyText(KEY) }))).toBe(1);
  });

  it('off waits for the confirmation and reports how long it took', async () => {
    maas.powerDelayMs = 300;
    const x = io({ url: maas.url, apikey: apiKeyText(KEY), hostnames: 'cmp1 cmp1.lab', poll_interval: '0.1' });
    expect(await runPlugin(['off', 'cmp1.lab'], x)).toBe(0);
    expect(maas.machine('cmp1')?.powerState).toBe('off');
    expect(x.logs.join('\n')).toMatch(/cmp1\.lab is powered off \(confirmed by MAAS after 0\.\d+s\)/);
  });
});

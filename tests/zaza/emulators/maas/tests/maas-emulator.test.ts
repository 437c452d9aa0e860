import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { MaasClient, parseApiKey } from '../../../../../charms/hacluster-ext/src/stonith/maas-client.js';
import { apiKeyText, checkOAuth, startMaasEmulator, type MaasEmulator } from '../server.js';

const KEY = { consumerKey: 'ck', tokenKey: 'tk', tokenSecret: 'ts' };
let maas: MaasEmulator | undefined;
afterEach(async () => {
  await maas?.stop();
  maas = undefined;
});

describe('MAAS emulator', () => {
  it('checks the OAuth PLAINTEXT signature against the configured keys', () => {
    const header = (sig: string, token = 'tk') => `OAuth oauth_signature_method="PLAINTEXT", oauth_consumer_key="ck", oauth_token="${token}", oauth_signature="${sig}"`;
    expect(checkOAuth(header('%26ts'), [KEY])).toBeNull();
    expect(checkOAuth(header('%26nope'), [KEY])).toBe('Invalid signature');
    expect(checkOAuth(header('%26ts', 'other'), [KEY])).toBe('Invalid API key');
    expect(checkOAuth(undefined, [KEY])).toBe('missing OAuth Authorization header');
  });

  it('serves machines by host name and reports power changes only once the driver finished', async () => {
    const calls: string[] = [];
    let release = (): void => undefined;
    maas = await startMaasEmulator({
      machines: [{ hostname: 'cmp1', domain: 'lab' }, { hostname: 'cmp2', domain: 'lab' }], apiKeys: [KEY],
      powerDriver: (m, action) => new Promise<void>((resolve) => { calls.push(`${m.hostname}:${action}`); release = resolve; }),
    });
    const client = new MaasClient(maas.url, parseApiKey(apiKeyText(KEY)));
    const machine = await client.findMachine('cmp2.lab');
    expect(machine).toMatchObject({ hostname: 'cmp2', fqdn: 'cmp2.lab', power_state: 'on' });
    await client.powerOff(machine.system_id);
    await new Promise((r) => setTimeout(r, 20));
    expect(await client.queryPowerState(machine.system_id)).toBe('on'); // the BMC has not answered yet
    release();
    await maas.settle();
    expect(await client.queryPowerState(machine.system_id)).toBe('off');
    expect(calls).toEqual(['cmp2:off']);
  });

  it('marks the machine in error when the driver fails, and refuses a bad key', async () => {
    maas = await startMaasEmulator({ machines: [{ hostname: 'cmp1' }], apiKeys: [KEY], powerDriver: () => { throw new Error('bmc gone'); } });
    const client = new MaasClient(maas.url, parseApiKey(apiKeyText(KEY)));
    const m = await client.findMachine('cmp1');
    await client.powerOn(m.system_id);
    await maas.settle();
    expect(await client.queryPowerState(m.system_id)).toBe('error');
    const bad = new MaasClient(maas.url, parseApiKey('ck:tk:wrong'));
    await expect(bad.whoami()).rejects.toThrow(/refused the API key \(HTTP 401\)/);
  });

  it('asks the BMC on query_power_state: a machine switched behind its back shows its real state; a dead BMC is a 503', async () => {
    let real: 'on' | 'off' = 'on';
    let bmcAnswers = true;
    maas = await startMaasEmulator({
      machines: [{ hostname: 'cmp1' }], apiKeys: [KEY], powerDriver: (_m, action) => { real = action; },
      powerQuery: async () => { if (!bmcAnswers) throw new Error('no route to BMC'); return real; },
    });
    const client = new MaasClient(maas.url, parseApiKey(apiKeyText(KEY)));
    const m = await client.findMachine('cmp1');
    await client.powerOff(m.system_id);
    await maas.settle();
    expect(await client.queryPowerState(m.system_id)).toBe('off');
    real = 'on'; // powered on at the console, not through MAAS
    expect(await client.queryPowerState(m.system_id)).toBe('on');
    bmcAnswers = false;
    await expect(client.queryPowerState(m.system_id)).rejects.toThrow(/503/);
    expect(maas.machine('cmp1')?.powerState).toBe('error');
  });

  it('runs as a process from a config file and drives power through a command', async () => {
    const { mkdtempSync, writeFileSync, readFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'maas-emu-'));
    const log = join(dir, 'power.log');
    // query answers from what the last power change left, like a BMC; on and off are logged.
    writeFileSync(join(dir, 'power.sh'), `#!/bin/sh\ncase "$1" in\n  query) cat ${dir}/state 2>/dev/null || echo on ;;\n  *) echo "$1 $2" >> ${log}; echo "$1" > ${dir}/state ;;\nesac\n`, { mode: 0o755 });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ machines: [{ hostname: 'cmp1' }], apiKeys: [KEY], port: 0, powerCommand: [join(dir, 'power.sh')] }));
    const child = execa('node', ['--import', './tools/ts-register.mjs', 'tests/zaza/emulators/maas/main.ts', join(dir, 'config.json')], { reject: false });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          const m = /listening at (\S+)/.exec(chunk.toString());
          if (m) resolve(m[1] as string);
        });
        setTimeout(() => reject(new Error('emulator did not start')), 20_000);
      });
      const client = new MaasClient(url, parseApiKey(apiKeyText(KEY)));
      const m = await client.findMachine('cmp1');
      await client.powerOff(m.system_id);
      for (let i = 0; i < 50 && (await client.queryPowerState(m.system_id)) !== 'off'; i++) await new Promise((r) => setTimeout(r, 100));
      expect(readFileSync(log, 'utf8')).toBe('off cmp1\n');
    } finally {
      child.kill('SIGTERM');
      await child;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

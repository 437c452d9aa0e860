/**
 * The bundled external/maas plugin driven by cluster-glue's own `stonith` tool against the MAAS emulator.
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiKeyText, startMaasEmulator, type MaasEmulator } from '../../../tests/zaza/emulators/maas/server.js';
import { installPlugin } from './support/plugin-install.js';

const KEY = { consumerKey: 'cKey0123', tokenKey: 'tKey4567', tokenSecret: 'sEcret89abcdef' };
const GOOD = apiKeyText(KEY);
const BAD = 'cKey0123:tKey4567:wrongSecret';
let maas: MaasEmulator;
let uninstall: () => void;
const logDir = mkdtempSync(join(tmpdir(), 'hacl-plugin-log-'));
const logFile = join(logDir, 'ha.log');

async function stonith(args: string[], options: { apikey?: string; powerTimeout?: number } = {}): Promise<{ code: number; out: string; ms: number }> {
  const started = Date.now();
  const r = await execa('stonith', ['-t', 'external/maas', `url=${maas.url}`, `apikey=${options.apikey ?? GOOD}`,
    'hostnames=cmp1 cmp1.lab cmp2 cmp2.lab', `power_timeout=${options.powerTimeout ?? 10}`, 'poll_interval=0.2', ...args], {
    reject: false, all: true,
    // ha_log.sh: no logd, no syslog here, so send the plugin's cluster log lines to a file we can inspect.
    env: { HA_LOGD: 'no', HA_LOGFACILITY: 'none', HA_LOGFILE: logFile },
  });
  return { code: r.exitCode ?? -1, out: r.all ?? '', ms: Date.now() - started };
}

beforeAll(async () => {
  uninstall = await installPlugin();
  maas = await startMaasEmulator({ machines: [{ hostname: 'cmp1', domain: 'lab' }, { hostname: 'cmp2', domain: 'lab' }], apiKeys: [KEY] });
});
afterAll(async () => {
  await maas.stop();
  uninstall();
  rmSync(logDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await maas.settle();
  maas.powerDriver = () => undefined;
  maas.powerDelayMs = 0;
  for (const m of maas.machines) m.powerState = 'on';
  maas.requests.length = 0;
});

describe('external/maas under cluster-glue stonith', () => {
  it('is listed by pacemaker as an installed agent and describes its parameters', async () => {
    const list = await execa('stonith_admin', ['--list-installed']);
    expect(list.stdout.split('\n').map((l) => l.trim())).toContain('external/maas');
    const names = await execa('stonith', ['-t', 'external/maas', '-n']);
    expect(names.stdout.trim().split(/\s+/).join(' ')).toBe('url apikey hostnames power_timeout poll_interval fence_budget fence_window');
  });

  it('gethosts lists the configured host names', async () => {
    const r = await stonith(['-l']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter(Boolean)).toEqual(['cmp1', 'cmp1.lab', 'cmp2', 'cmp2.lab']);
  });

  it('status succeeds with a good key and fails with a bad one', async () => {
    expect((await stonith(['-S'])).code).toBe(0);
    const bad = await stonith(['-S'], { apikey: BAD });
    expect(bad.code).not.toBe(0);
    expect(maas.requests.at(-1)?.status).toBe(401);
    expect(bad.out).not.toContain('wrongSecret');
  });

  it('off returns only after MAAS reports the machine off', async () => {
    maas.powerDelayMs = 1500; // a slow BMC
    const r = await stonith(['-T', 'off', 'cmp1.lab']);
    expect(r.code).toBe(0);
    expect(maas.machine('cmp1')?.powerState).toBe('off');
    expect(r.ms).toBeGreaterThanOrEqual(1500);
    const ops = maas.requests.map((q) => q.op ?? q.path);
    expect(ops).toContain('power_off');
    expect(ops.lastIndexOf('query_power_state')).toBeGreaterThan(ops.indexOf('power_off'));
    expect(maas.machine('cmp2')?.powerState).toBe('on');
  });

  it('on powers the machine on and waits for it', async () => {
    maas.machines[1]!.powerState = 'off';
    maas.powerDelayMs = 500;
    const r = await stonith(['-T', 'on', 'cmp2']);
    expect(r.code).toBe(0);
    expect(maas.machine('cmp2')?.powerState).toBe('on');
  });

  it('reset powers off, waits for off, then powers on', async () => {
    const driven: string[] = [];
    maas.powerDriver = (m, action) => { driven.push(`${m.hostname}:${action}`); };
    const r = await stonith(['-T', 'reset', 'cmp2.lab']);
    expect(r.code).toBe(0);
    await maas.settle();
    expect(driven).toEqual(['cmp2:off', 'cmp2:on']);
  });

  it('fails when MAAS never confirms the power-off within power_timeout', async () => {
    let answer = (): void => undefined;
    maas.powerDriver = () => new Promise<void>((resolve) => { answer = resolve; }); // the BMC does not answer
    const r = await stonith(['-T', 'off', 'cmp1'], { powerTimeout: 2 });
    expect(maas.machine('cmp1')?.powerState).toBe('on');
    answer();
    expect(r.code).not.toBe(0);
    expect(r.ms).toBeGreaterThanOrEqual(2000);
    expect(r.ms).toBeLessThan(10_000);
  });

  it('refuses hosts it does not fence and hosts MAAS does not know', async () => {
    expect((await stonith(['-T', 'off', 'api1'])).code).not.toBe(0);
    expect(maas.requests.some((q) => q.op === 'power_off')).toBe(false);
  });

  it('logs through ha_log and never writes the API key', async () => {
    await stonith(['-T', 'off', 'cmp1']);
    await stonith(['-S'], { apikey: BAD });
    const log = readFileSync(logFile, 'utf8');
    expect(log).toMatch(/off cmp1 \(MAAS sys-0001, power on\)/);
    expect(log).toMatch(/MAAS refused the API key/);
    for (const secret of [GOOD, KEY.tokenSecret, 'wrongSecret']) expect(log).not.toContain(secret);
  });
});

/**
 * The hold actions and the hold report in the harness. The unit's cibadmin is the real one, run on a CIB file
 * that holds the configuration the charm wrote (FakePacemaker's document): --create / --delete / --query act on
 * it as on a live CIB. A budget hold is written the way the fencer writes it (gateFence), then seen by
 * update-status in the unit status and on the ha relation, and released by the action.
 */
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from '../../../reactive/testing/harness.js';
import { RecordingHost } from '../../../reactive/testing/recording-host.js';
import { encodeRemoteNodeInfo } from '../../../interfaces/pacemaker-remote/protocol.js';
import { charm } from '../src/actions.js';
import { gateFence, readLog, type Runner } from '../src/fencing/cib-log.js';
import { FakePacemaker } from './support/fake-pacemaker.js';
import { MASAKARI_HA_DATA } from './support/fixtures.js';
import { Workdir } from './support/pacemaker-tools.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

/** cibadmin --create/--delete/--query on the fake's document, through the real tool on a file. */
function realCibadmin(host: RecordingHost, pacemaker: FakePacemaker, work: Workdir): Runner {
  const file = join(work.path, 'cib.xml');
  const run: Runner = async (argv) => {
    writeFileSync(file, pacemaker.cib());
    const r = await execa('cibadmin', argv.slice(1), { reject: false, env: { CIB_file: file } });
    if (argv[1] !== '--query') {
      const conf = /<configuration>[\s\S]*<\/configuration>/.exec(readFileSync(file, 'utf8'))?.[0];
      if (conf !== undefined) pacemaker.configuration = `  ${conf}\n`;
    }
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  for (const verb of ['--create', '--delete', '--query']) host.onCommand(['cibadmin', verb], (argv) => run([...argv]));
  return run;
}

async function unit() {
  const work = new Workdir();
  const host = new RecordingHost({ hostname: 'api1', fqdn: 'api1.lab' });
  const h = new Harness(charm, { charmDir: 'charms/hacluster-ext', unit: 'hacluster-ext/0', host });
  const pacemaker = new FakePacemaker(['api1', 'api2', 'api3']).install(host);
  cleanups.push(() => h.cleanup(), () => pacemaker.cleanup(), () => work.remove());
  const cib = realCibadmin(host, pacemaker, work);
  h.setNetwork('hanode', '10.0.0.1');
  await h.setLeader(true);
  const units = Object.fromEntries([2, 3].map((n) => [`hacluster-ext/${n - 1}`, { 'private-address': `10.0.0.${n}`, hostname: `api${n}`, ready: 'True' }]));
  await h.addRelation('hanode', 'hacluster-ext', { units });
  const ha = await h.addRelation('ha', 'masakari', { units: { 'masakari/0': { ...MASAKARI_HA_DATA } } });
  const remoteUnits = Object.fromEntries([1, 2, 3].map((n) => [`pacemaker-remote/${n - 1}`,
    encodeRemoteNodeInfo({ remoteHostname: `cmp${n}.lab`, remoteIp: `10.0.1.${n}`, stonithHostname: `cmp${n}.lab`, enableResources: false })]));
  await h.addRelation('pacemaker-remote', 'pacemaker-remote', { units: remoteUnits });
  await h.updateConfig({ maas_url: 'http://10.0.0.254:5240/MAAS', maas_credentials: 'ck123:tk456:s3cretValue' });
  await h.beginWithInitialHooks();
  return { h, host, pacemaker, ha, cib };
}

describe('fencing holds', { timeout: 120_000 }, () => {
  it('a budget hold written by the fencer shows in the status and on ha, and the action releases it', async () => {
    const { h, pacemaker, ha, cib } = await unit();
    expect(h.status).toEqual({ status: 'active', message: 'Unit is ready and clustered' });
    expect(pacemaker.configuration).toMatch(/name="fence_budget" value="1"/); // 3 remotes, defaults → 1
    const now = () => Math.floor(Date.now() / 1000);
    // What the plugin does in the fencer when three remotes are lost at once.
    expect((await gateFence(cib, 'cmp1.lab', 1, 3600, now)).decision.verdict).toBe('fence');
    expect((await gateFence(cib, 'cmp2.lab', 1, 3600, now)).decision.verdict).toBe('refuse');
    expect((await gateFence(cib, 'cmp3.lab', 1, 3600, now)).decision.verdict).toBe('refuse');
    await h.runHook('update-status');
    console.log(`[hold] status: ${h.status.status} "${h.status.message}"`);
    expect(h.status.status).toBe('blocked');
    expect(h.status.message).toMatch(/^Fencing held since .*Z: 3 hosts lost within \d+ s \(fenced: cmp1\.lab; refused, left powered: cmp2\.lab, cmp3\.lab; budget 1 per 3600 s\)\. Check those hosts, then run release-fencing-hold i-have-checked=true$/);
    expect(h.relationData(ha)['recovery-hold']).toBe('budget');
    // The leader's next configuration write keeps the log (it is not part of the charm's document).
    const replaced = pacemaker.replaced;
    await h.updateConfig({ failure_timeout: 200 });
    expect(pacemaker.replaced).toBe(replaced + 1);
    expect((await readLog(cib)).map((r) => r.kind)).toEqual(['fenced', 'hold', 'refused']);
    expect(h.status.status).toBe('blocked');

    expect((await h.runAction('release-fencing-hold', {})).failed).toBe(true);
    const released = await h.runAction('release-fencing-hold', { 'i-have-checked': true });
    expect(released).toMatchObject({ failed: false, results: { result: 'fencing hold released; the budget starts afresh (fence log record 4)' } });
    expect(h.status).toEqual({ status: 'active', message: 'Unit is ready and clustered' });
    expect(h.relationData(ha)['recovery-hold']).toBeUndefined();
    expect((await h.runAction('release-fencing-hold', { 'i-have-checked': true })).results.result).toBe('the fencing budget holds nothing');
    // a fresh budget: the next lost host is fenced
    expect((await gateFence(cib, 'cmp2.lab', 1, 3600, now)).decision.verdict).toBe('fence');
  });

  it('hold-recovery holds every fence, survives a leader change, and release-recovery lifts it', async () => {
    const { h, ha, cib } = await unit();
    expect((await h.runAction('hold-recovery', { reason: 'rack 4 <switch> work' })).failed).toBe(true); // characters refused
    expect((await h.runAction('hold-recovery', { reason: 'rack 4 switch work' })).failed).toBe(false);
    expect(h.status.status).toBe('maintenance');
    expect(h.status.message).toMatch(/^Recovery held by an operator since .*Z \(rack 4 switch work\): no host is fenced or evacuated\. Run release-recovery to resume$/);
    expect(h.relationData(ha)['recovery-hold']).toBe('operator');
    expect((await gateFence(cib, 'cmp1.lab', 3, 3600, () => Math.floor(Date.now() / 1000))).decision).toMatchObject({ verdict: 'refuse' });
    expect((await h.runAction('hold-recovery', { reason: 'again' })).results.result).toBe('recovery is already held (rack 4 switch work)');
    // The hold lives in the CIB, not in this unit: another leader, or this unit after a restart, reads it back.
    await h.setLeader(false);
    await h.runHook('update-status');
    expect(h.status.message).toMatch(/not fenced meanwhile: cmp1\.lab/);
    expect((await h.runAction('release-recovery')).results.result).toBe('recovery released (fence log record 3)');
    expect(h.status).toEqual({ status: 'active', message: 'Unit is ready and clustered' });
    expect((await h.runAction('release-recovery')).results.result).toBe('recovery is not held');
  });

  it('refuses no_quorum_policy=ignore with fencing unless allow_no_quorum_ignore is set', async () => {
    const { h, pacemaker } = await unit();
    const before = pacemaker.replaced;
    await h.updateConfig({ no_quorum_policy: 'ignore' });
    expect(h.status.status).toBe('blocked');
    expect(h.status.message).toMatch(/no_quorum_policy: "ignore" with MAAS fencing configured lets a member cut off from the others fence hosts the majority still runs/);
    expect(pacemaker.replaced).toBe(before);
    await h.updateConfig({ allow_no_quorum_ignore: true });
    expect(h.status).toEqual({ status: 'active', message: 'Unit is ready and clustered' });
    expect(pacemaker.configuration).toContain('name="no-quorum-policy" value="ignore"');
  });
});

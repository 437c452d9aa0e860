/**
 * The fencing budget: the pure decision over the fence log (with a property over random fence sequences), the
 * log's CIB records through the real cibadmin on a CIB file (create refuses a taken sequence number; a second
 * writer re-decides), the generated CIB with the budget checked by crm_verify, and the plugin refusing a fence
 * over budget before MAAS is called.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execa } from 'execa';
import { apiKeyText, startMaasEmulator, type MaasEmulator } from '../../../tests/zaza/emulators/maas/server.js';
import { seedCib } from '../../../tests/lab/cluster/cib-text.js';
import { DEFAULT_CIB_CONFIG, desiredCib } from '../src/cib/desired.js';
import { parsePrincipal } from '../src/cib/principal.js';
import {
  DEFAULT_BUDGET, decideFence, fenceLimit, foldLog, prunable, type FenceRecord, type NewRecord,
} from '../src/fencing/budget.js';
import { createRecord, gateFence, readLog, type Runner } from '../src/fencing/cib-log.js';
import { quorumProblems } from '../src/fencing/options.js';
import { runPlugin, type PluginIo } from '../src/stonith/plugin.js';
import { MAAS, members, remotes } from './support/fixtures.js';
import { crmVerify, simulationCib, Workdir } from './support/pacemaker-tools.js';

const work = new Workdir();
afterAll(() => work.remove());

/** cibadmin against a CIB file (no cluster needed). */
function fileRunner(file: string): Runner & { calls: string[][] } {
  const calls: string[][] = [];
  const run = async (argv: string[]) => {
    calls.push(argv);
    const r = await execa(argv[0] as string, argv.slice(1), { reject: false, env: { CIB_file: file } });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  return Object.assign(run, { calls });
}

function append(records: FenceRecord[], r: NewRecord): FenceRecord[] {
  return [...records, { ...r, seq: (records.at(-1)?.seq ?? 0) + 1 } as FenceRecord];
}

describe('the budget limit', () => {
  it('defaults let one host through on 2 or 3 remotes, a third (rounded down) on more, never more than 3', () => {
    const table = [1, 2, 3, 4, 6, 9, 10, 30, 100].map((n) => [n, fenceLimit(DEFAULT_BUDGET, n)]);
    console.log(`[budget] default limit by remotes: ${table.map(([n, l]) => `${n}→${l}`).join(' ')}`);
    expect(Object.fromEntries(table)).toEqual({ 1: 1, 2: 1, 3: 1, 4: 1, 6: 2, 9: 3, 10: 3, 30: 3, 100: 3 });
    expect(fenceLimit({ hosts: 10, percent: 50, window: 60 }, 8)).toBe(4);
    expect(fenceLimit({ hosts: 2, percent: 100, window: 60 }, 8)).toBe(2);
  });
});

describe('the fence decision over the log', () => {
  const W = 600;
  it('lets the limit through, refuses the next with a budget hold, then refuses everything until released', () => {
    let log: FenceRecord[] = [];
    const verdicts: string[] = [];
    for (const [t, host] of [[0, 'a'], [1, 'b'], [2, 'a'], [3, 'c'], [4, 'd']] as const) {
      const d = decideFence(foldLog(log, t, W), host, 2, W, t);
      verdicts.push(`${host}:${d.verdict}`);
      if (d.append) log = append(log, d.append);
    }
    expect(verdicts).toEqual(['a:fence', 'b:fence', 'a:fence', 'c:refuse', 'd:refuse']);
    expect(log.map((r) => r.kind)).toEqual(['fenced', 'fenced', 'hold', 'refused']);
    const held = foldLog(log, 5, W);
    expect(held.budgetHold?.note).toBe('budget of 2 hosts per 600 s spent (a, b); c refused');
    expect(held.refused).toEqual([{ target: 'c', at: 3 }, { target: 'd', at: 4 }]);
    // a host refused once is not recorded again (Pacemaker's retries add nothing to the log)
    expect(decideFence(held, 'd', 2, W, 5)).toMatchObject({ verdict: 'refuse', append: null });
    // a host already let through is refused too while the budget hold stands
    expect(decideFence(held, 'a', 2, W, 5).verdict).toBe('refuse');
    log = append(log, { kind: 'release', at: 6, scope: 'budget' });
    const released = foldLog(log, 7, W);
    expect(released.budgetHold).toBeNull();
    expect(released.fenced).toEqual([]); // a fresh budget
    expect(decideFence(released, 'c', 2, W, 7)).toMatchObject({ verdict: 'fence', append: { kind: 'fenced', target: 'c' } });
  });

  it('forgets fences older than the window (sliding)', () => {
    const log: FenceRecord[] = [{ seq: 1, kind: 'fenced', at: 100, target: 'a' }, { seq: 2, kind: 'fenced', at: 500, target: 'b' }];
    expect(decideFence(foldLog(log, 650, W), 'c', 2, W, 650).verdict).toBe('refuse');
    expect(decideFence(foldLog(log, 701, W), 'c', 2, W, 701).verdict).toBe('fence');
    expect(prunable(log, 701, W)).toEqual([1]);
    expect(prunable(log, 2000, W)).toEqual([1]); // the newest stays: the sequence never goes back
  });

  it('an operator hold refuses every fence and is independent of the budget hold', () => {
    let log: FenceRecord[] = append([], { kind: 'hold', at: 1, scope: 'operator', note: 'maintenance' });
    expect(decideFence(foldLog(log, 2, W), 'a', 3, W, 2)).toMatchObject({ verdict: 'refuse', append: { kind: 'refused', target: 'a' } });
    log = append(log, { kind: 'release', at: 3, scope: 'budget' });
    expect(foldLog(log, 4, W).operatorHold?.note).toBe('maintenance');
    log = append(log, { kind: 'release', at: 5, scope: 'operator' });
    expect(decideFence(foldLog(log, 6, W), 'a', 3, W, 6).verdict).toBe('fence');
    expect(prunable(log, 6, W)).toEqual([1]);
  });

  it('property: whatever the sequence of fences, no window ever holds more new hosts than the limit', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 4 }), fc.integer({ min: 10, max: 100 }),
      fc.array(fc.record({ dt: fc.integer({ min: 0, max: 60 }), host: fc.integer({ min: 0, max: 6 }), release: fc.boolean() }), { maxLength: 40 }),
      (limit, window, steps) => {
        let log: FenceRecord[] = [];
        let now = 0;
        const letThrough: { at: number; host: string; epoch: number }[] = [];
        let epoch = 0;
        for (const s of steps) {
          now += s.dt;
          if (s.release && foldLog(log, now, window).budgetHold) {
            log = append(log, { kind: 'release', at: now, scope: 'budget' });
            epoch++;
          }
          const d = decideFence(foldLog(log, now, window), `h${s.host}`, limit, window, now);
          if (d.append) log = append(log, d.append);
          if (d.verdict === 'fence' && d.append) letThrough.push({ at: now, host: `h${s.host}`, epoch });
        }
        for (const x of letThrough) {
          const inWindow = letThrough.filter((y) => y.epoch === x.epoch && y.at > x.at - window && y.at <= x.at);
          if (new Set(inWindow.map((y) => y.host)).size > limit) return false;
        }
        return true;
      }), { numRuns: 500 });
  });
});

describe('the fence log in a CIB (real cibadmin)', () => {
  let file: string;
  beforeAll(() => {
    file = work.file('log.xml', seedCib({ 'stonith-enabled': 'false' }));
  });

  it('cibadmin --create refuses a taken sequence number; the loser re-reads and is counted against the budget', async () => {
    const plain = fileRunner(file);
    expect(await createRecord(plain, 1, { kind: 'fenced', at: 1000, target: 'cmp1.lab' })).toBe(true);
    expect(await createRecord(plain, 1, { kind: 'fenced', at: 1000, target: 'cmp2.lab' })).toBe(false);
    expect(await readLog(plain)).toEqual([{ seq: 1, kind: 'fenced', at: 1000, target: 'cmp1.lab' }]);
  });

  it('two fences racing for the last place: the one that reads first but writes second is refused', async () => {
    const race = work.file('race.xml', seedCib({}));
    const other = fileRunner(race);
    const mine = fileRunner(race);
    let raced = false;
    // The other member appends its claim right after our read, before our create.
    const racing: Runner = async (argv) => {
      const r = await mine(argv);
      if (argv[1] === '--query' && !raced) {
        raced = true;
        expect(await createRecord(other, 1, { kind: 'fenced', at: 1000, target: 'cmp1.lab' })).toBe(true);
      }
      return r;
    };
    const g = await gateFence(racing, 'cmp2.lab', 1, 600, () => 1001);
    expect(g.decision.verdict).toBe('refuse');
    expect(g.appended).toEqual({ seq: 2, attempts: 2 });
    const creates = mine.calls.filter((c) => c[1] === '--create').map((c) => /id="(fence-log-\d+)"/.exec(c[5] ?? '')?.[1]);
    expect(creates).toEqual(['fence-log-1', 'fence-log-2']); // the first create lost the race
    expect((await readLog(other)).map((r) => `${r.seq}:${r.kind}:${'scope' in r ? r.scope : r.target}`)).toEqual(['1:fenced:cmp1.lab', '2:hold:budget']);
  });

  it('gateFence: holds refuse, a release gives a fresh budget, old records are pruned after a claim', async () => {
    const run = fileRunner(file);
    let t = 1002;
    const now = () => t;
    expect(await gateFence(run, 'cmp2.lab', 1, 600, now)).toMatchObject({ decision: { verdict: 'refuse' }, appended: { seq: 2 } });
    expect(await gateFence(run, 'cmp3.lab', 1, 600, now)).toMatchObject({ decision: { verdict: 'refuse' }, appended: { seq: 3 } });
    expect(await gateFence(run, 'cmp3.lab', 1, 600, now)).toMatchObject({ decision: { verdict: 'refuse' }, appended: null });
    expect(await createRecord(run, 4, { kind: 'release', at: 1003, scope: 'budget' })).toBe(true);
    t = 2000; // record 1 is now outside the window
    const g = await gateFence(run, 'cmp3.lab', 1, 600, now);
    expect(g).toMatchObject({ decision: { verdict: 'fence' }, appended: { seq: 5, attempts: 1 } });
    expect((await readLog(run)).map((r) => `${r.seq}:${r.kind}`)).toEqual(['4:release', '5:fenced']);
    const verify = await execa('crm_verify', ['-x', file, '-VV'], { reject: false, all: true });
    expect(verify.all).not.toMatch(/fence-log/);
  });
});

describe('the budget in the generated CIB (crm_verify)', () => {
  it('st-maas carries fence_budget and fence_window; stonith-max-attempts bounds the retries', async () => {
    const d = desiredCib({ members: members(3), remotes: remotes(3), principal: parsePrincipal({}).resources, config: { ...DEFAULT_CIB_CONFIG, maas: MAAS } });
    expect(d.errors).toEqual([]);
    const st = d.document.resources.find((r) => r.id === 'st-maas');
    const params = Object.fromEntries(st?.kind === 'primitive' ? st.params.map((p) => [p.name, p.value]) : []);
    expect(params).toMatchObject({ fence_budget: '1', fence_window: '3600' });
    expect(d.document.properties).toContainEqual({ name: 'stonith-max-attempts', value: '3' });
    const verify = await crmVerify(work.file('budget.xml', simulationCib(d.document, members(3).map((m) => m.name))));
    expect(verify).toEqual({ exitCode: 0, output: '' });
  });
});

describe('no_quorum_policy=ignore with fencing', () => {
  it('is refused unless allow_no_quorum_ignore is set', () => {
    expect(quorumProblems({ no_quorum_policy: 'ignore', maas_url: 'http://m/MAAS' })[0]).toMatch(/^no_quorum_policy: "ignore" with MAAS fencing/);
    expect(quorumProblems({ no_quorum_policy: 'ignore', maas_url: 'http://m/MAAS', allow_no_quorum_ignore: true })).toEqual([]);
    expect(quorumProblems({ no_quorum_policy: 'ignore', maas_url: '' })).toEqual([]);
    expect(quorumProblems({ no_quorum_policy: 'stop', maas_url: 'http://m/MAAS' })).toEqual([]);
  });
});

describe('the plugin refuses a fence over budget before MAAS is called', () => {
  const KEY = { consumerKey: 'consumerA', tokenKey: 'tokenBBBB', tokenSecret: 'secretCCCC' };
  let maas: MaasEmulator;
  beforeAll(async () => {
    maas = await startMaasEmulator({ machines: [{ hostname: 'cmp1', domain: 'lab' }, { hostname: 'cmp2', domain: 'lab' }], apiKeys: [KEY] });
  });
  afterAll(async () => maas.stop());

  it('first host off, second refused with the budget hold in the log', async () => {
    const file = work.file('plugin.xml', seedCib({}));
    const logs: string[] = [];
    const io: PluginIo = {
      env: { url: maas.url, apikey: apiKeyText(KEY), hostnames: 'cmp1.lab cmp2.lab', poll_interval: '0.1', fence_budget: '1', fence_window: '600' },
      out: () => undefined, log: (level, m) => logs.push(`${level}: ${m}`),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)), now: () => Date.now(), cib: fileRunner(file),
    };
    expect(await runPlugin(['off', 'cmp1.lab'], io)).toBe(0);
    expect(await runPlugin(['off', 'cmp2.lab'], io)).toBe(1);
    expect(await runPlugin(['reset', 'cmp2.lab'], io)).toBe(1);
    await maas.settle();
    const offs = maas.requests.filter((q) => q.op === 'power_off').map((q) => q.systemId);
    expect(offs).toEqual([maas.machine('cmp1')?.systemId]);
    expect(maas.machine('cmp2')?.powerState).toBe('on');
    const refusals = logs.filter((l) => /NOT fenced/.test(l));
    console.log(`[budget] plugin: ${refusals.join(' | ')}`);
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toMatch(/budget of 1 host per 600 s spent \(cmp1\.lab\); cmp2\.lab refused/);
    expect((await readLog(fileRunner(file))).map((r) => r.kind)).toEqual(['fenced', 'hold']); // the reset: refused once, recorded once
  });
});

/**
 * The fence gate's hold module (templates/masakari_fence_gate/hold.py) run by a real python3 on the records
 * hacluster-ext's code writes with the real cibadmin into a CIB file: the two charms agree on the fence log.
 */
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { createRecord, type Runner } from '../../hacluster-ext/src/fencing/cib-log.js';
import { seedCib } from '../../../tests/lab/cluster/cib-text.js';
import { Workdir } from '../../hacluster-ext/tests/support/pacemaker-tools.js';
import { CHARM_DIR } from './fixtures.js';

const work = new Workdir();
afterAll(() => work.remove());

function holdsIn(file: string): { holds?: Record<string, string>; why?: string | null; error?: string } {
  const code = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(`${CHARM_DIR}/templates`)})`,
    'from masakari_fence_gate import hold',
    'try:',
    '    h = hold.holds("cibadmin")',
    '    print(json.dumps({"holds": h, "why": hold.describe(h)}))',
    'except hold.HoldError as e:',
    '    print(json.dumps({"error": str(e)}))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', code], { encoding: 'utf8', env: { ...process.env, CIB_file: file } })) as never;
}

describe('fence gate: recovery holds from the CIB', { timeout: 180_000 }, () => {
  it('follows holds and releases of both scopes in sequence order', async () => {
    const file = work.file('cib.xml', seedCib({ 'stonith-enabled': 'true' }));
    const run: Runner = async (argv) => {
      const r = await execa(argv[0] as string, argv.slice(1), { reject: false, env: { CIB_file: file } });
      return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    expect(holdsIn(file)).toEqual({ holds: {}, why: null });
    await createRecord(run, 1, { kind: 'fenced', at: 100, target: 'cmp1.lab' });
    await createRecord(run, 2, { kind: 'hold', at: 101, scope: 'budget', note: 'budget of 1 host per 3600 s spent (cmp1.lab); cmp2.lab refused', target: 'cmp2.lab' });
    const held = holdsIn(file);
    expect(held.holds).toEqual({ budget: 'budget of 1 host per 3600 s spent (cmp1.lab); cmp2.lab refused' });
    expect(held.why).toBe("recovery is held: the fencing budget is spent (budget of 1 host per 3600 s spent (cmp1.lab); cmp2.lab refused); release it with hacluster-ext's release-fencing-hold");
    await createRecord(run, 3, { kind: 'hold', at: 102, scope: 'operator', note: 'rack 4' });
    await createRecord(run, 4, { kind: 'release', at: 103, scope: 'budget' });
    expect(holdsIn(file).holds).toEqual({ operator: 'rack 4' });
    await createRecord(run, 5, { kind: 'release', at: 104, scope: 'operator' });
    expect(holdsIn(file)).toEqual({ holds: {}, why: null });
  });

  it('a CIB that cannot be read is an error (the gate then evacuates nothing)', () => {
    expect(holdsIn(`${work.path}/missing.xml`).error).toMatch(/^cibadmin --query --scope crm_config exited \d+/);
  });
});

/** masakari's status while hacluster-ext holds recovery (`recovery-hold` on `ha`), and the gate's hold module installed. */
import { afterEach, describe, expect, it } from 'vitest';
import { HACLUSTER_CLUSTERED, masakariHarness, relateAll } from './fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => { while (cleanups.length) cleanups.pop()!(); });

describe('recovery hold', { timeout: 120_000 }, () => {
  it('shows each hold hacluster-ext reports, treats an unknown one as held, and is ready again once released', async () => {
    const { harness, host } = await masakariHarness({ requireFencing: true });
    cleanups.push(() => harness.cleanup());
    await harness.beginWithInitialHooks();
    await relateAll(harness);
    await host.ensureGroup('haclient');
    host.onCommand(['crm_attribute'], () => ({ exitCode: 0, stdout: 'true\n', stderr: '' }));
    const ha = await harness.addRelation('ha', 'hacluster', { units: { 'hacluster/0': HACLUSTER_CLUSTERED } });
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    expect(host.file('/usr/lib/python3/dist-packages/masakari_fence_gate/hold.py')).toContain('def holds(');
    expect(host.file('/usr/lib/python3/dist-packages/masakari_fence_gate/task.py')).toContain('hold.describe(hold.holds(opts.cibadmin))');

    await harness.updateRelationData(ha, 'hacluster/0', { ...HACLUSTER_CLUSTERED, 'recovery-hold': 'budget' });
    expect(harness.status).toEqual({ status: 'blocked', message: 'Recovery held: the fencing budget is spent (hacluster-ext: release-fencing-hold). No host is fenced or evacuated; see juju status of hacluster-ext' });
    await harness.updateRelationData(ha, 'hacluster/0', { ...HACLUSTER_CLUSTERED, 'recovery-hold': 'operator' });
    expect(harness.status).toEqual({ status: 'maintenance', message: 'Recovery held: an operator holds it (hacluster-ext: release-recovery). No host is fenced or evacuated; see juju status of hacluster-ext' });
    await harness.updateRelationData(ha, 'hacluster/0', { ...HACLUSTER_CLUSTERED, 'recovery-hold': 'operator <b>x</b>' });
    expect(harness.status.status).toBe('blocked');
    expect(harness.status.message).toBe('Recovery held: an operator holds it (hacluster-ext: release-recovery); hacluster-ext sent a hold this charm does not know. No host is fenced or evacuated; see juju status of hacluster-ext');
    await harness.updateRelationData(ha, 'hacluster/0', { ...HACLUSTER_CLUSTERED, 'recovery-hold': '' }); // relation-set key= (withdrawn)
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
  });
});

/**
 * What masakari's status says while hacluster-ext holds recovery (the `recovery-hold` key on `ha`): no host is
 * fenced, so the fence gate evacuates nothing, and the fence gate itself also refuses while a hold stands
 * (templates/masakari_fence_gate/hold.py reads the same record from the CIB).
 */
import type { UnitStatus } from '../../../reactive/charm.js';
import type { RecoveryHoldScope } from '../../../interfaces/hacluster/requires.js';

export function recoveryHoldStatus(scopes: readonly RecoveryHoldScope[]): UnitStatus | null {
  if (scopes.length === 0) return null;
  const why = scopes.map((s) => (s === 'budget'
    ? 'the fencing budget is spent (hacluster-ext: release-fencing-hold)'
    : s === 'operator' ? 'an operator holds it (hacluster-ext: release-recovery)' : 'hacluster-ext sent a hold this charm does not know'));
  return {
    status: scopes.includes('operator') && scopes.length === 1 ? 'maintenance' : 'blocked',
    message: `Recovery held: ${why.join('; ')}. No host is fenced or evacuated; see juju status of hacluster-ext`,
  };
}

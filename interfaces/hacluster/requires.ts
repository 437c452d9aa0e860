/** The principal side of `hacluster` (endpoint `ha`, container scope). Protocol: README.md. */
import { Endpoint } from '../../reactive/endpoint.js';
import { encodeBinding, encodeCrm, isClusteredValue, type Crm } from './principal.js';

export type RecoveryHoldScope = 'budget' | 'operator' | 'unknown';

export class HaclusterRequires extends Endpoint {
  static override readonly flagSuffixes = ['connected', 'available'] as const;

  /** Publishes the resources (json_* keys) and the corosync binding on every ha relation. */
  manageResources(crm: Crm, bind: { iface?: string; mcastPort?: number } = {}): void {
    this.publishRawToAll({ ...encodeBinding(bind.iface, bind.mcastPort), ...encodeCrm(crm) });
  }

  /** hacluster is a subordinate: there is one unit; it says clustered once its resources are applied. */
  isClustered(): boolean {
    const unit = this.allJoinedUnits[0];
    return unit !== undefined && isClusteredValue(unit.receivedRaw.clustered);
  }

  /**
   * `recovery-hold` from hacluster-ext: the fencing holds in force (`budget`, `operator`), [] when none. A value
   * this side does not know is reported as `unknown`: it still means held, so nothing is evacuated on a guess.
   */
  recoveryHold(): RecoveryHoldScope[] {
    const raw = this.allJoinedUnits[0]?.receivedRaw['recovery-hold'];
    if (raw === undefined || raw === null || raw.trim() === '') return [];
    const scopes = new Set(raw.trim().split(/\s+/).map((t): RecoveryHoldScope => (t === 'budget' || t === 'operator' ? t : 'unknown')));
    return [...scopes].sort();
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
    this.toggleFlag('available', this.isClustered());
  }
}

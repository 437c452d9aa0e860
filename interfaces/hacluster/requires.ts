/** The principal side of `hacluster` (endpoint `ha`, container scope). Protocol: README.md. */
import { Endpoint } from '../../reactive/endpoint.js';
import { encodeBinding, encodeCrm, isClusteredValue, type Crm } from './principal.js';

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

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
    this.toggleFlag('available', this.isClustered());
  }
}

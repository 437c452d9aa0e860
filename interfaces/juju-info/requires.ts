/**
 * `juju-info`, requiring side: a subordinate's container-scoped link to its principal. It carries no data of its
 * own (Juju fills private-address, ingress-address, egress-subnets); it only places the subordinate. README.md.
 */
import { Endpoint } from '../../reactive/endpoint.js';

export class JujuInfoRequires extends Endpoint {
  /** `endpoint.<name>.connected`: the principal unit is there. */
  static override readonly flagSuffixes = ['connected'] as const;

  /** The principal unit(s) this unit is attached to. */
  get principalUnits(): readonly string[] {
    return this.allJoinedUnits.map((unit) => unit.name);
  }

  /** The principal's address as Juju reports it, or null before the relation is joined. */
  get principalAddress(): string | null {
    const unit = this.allJoinedUnits[0];
    return unit?.receivedRaw['ingress-address'] || unit?.receivedRaw['private-address'] || null;
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
  }
}

/** `juju-info`, providing side (every charm has it implicitly; declared explicitly by stand-in charms). README.md. */
import { Endpoint } from '../../reactive/endpoint.js';

export class JujuInfoProvides extends Endpoint {
  static override readonly flagSuffixes = ['connected'] as const;

  /** Units attached through this endpoint (subordinates for a principal). */
  get attachedUnits(): readonly string[] {
    return this.allJoinedUnits.map((unit) => unit.name);
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
  }
}

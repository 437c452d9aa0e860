/**
 * The hacluster side of the `ha` endpoint (container scope): read the principal's resources (json_* keys, plain
 * strings, from the first related unit — as stock hacluster does) and answer `clustered`. Protocol: README.md.
 */
import { Endpoint } from '../../reactive/endpoint.js';

export class HaclusterProvides extends Endpoint {
  static override readonly flagSuffixes = ['connected', 'available'] as const;

  /** The principal unit's raw relation data, or null while no principal unit has joined. */
  principalData(): Readonly<Record<string, string>> | null {
    const unit = this.allJoinedUnits[0];
    return unit === undefined ? null : unit.receivedRaw;
  }

  /** Whether the principal sent any resource description yet. */
  hasResources(): boolean {
    const data = this.principalData();
    return data !== null && Object.keys(data).some((k) => k.startsWith('json_') || k === 'resources');
  }

  /** `clustered = yes` (plain) on every ha relation; null withdraws it. */
  setClustered(on: boolean): void {
    for (const relation of this.relations) relation.toPublishRaw.setRaw('clustered', on ? 'yes' : null);
  }

  /**
   * `stonith-enabled` = `true`/`false`: the cluster property as the leader last applied it (null withdraws it). The
   * principal gets a relation-changed hook when fencing is switched on or off, so what its status says about fencing
   * is recomputed then, not at the next update-status. Stock principals ignore the key.
   */
  setFencing(enabled: boolean | null): void {
    for (const relation of this.relations) relation.toPublishRaw.setRaw('stonith-enabled', enabled === null ? null : String(enabled));
  }

  /**
   * `recovery-hold` = the fencing holds in force (`budget`, `operator`, space separated; null withdraws it): while
   * held, the cluster fences no host, so nothing is evacuated behind a fence gate. Stock principals ignore the key.
   */
  setRecoveryHold(holds: string | null): void {
    for (const relation of this.relations) relation.toPublishRaw.setRaw('recovery-hold', holds);
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
    this.toggleFlag('available', this.hasResources());
  }
}

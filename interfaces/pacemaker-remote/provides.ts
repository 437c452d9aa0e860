/**
 * The remote side of `pacemaker-remote` (charm pacemaker-remote, endpoint `pacemaker-remote`): publishes what the
 * cluster needs to add this host as a remote node, and reads the cluster's authkey. Protocol: README.md.
 */
import { Endpoint } from '../../reactive/endpoint.js';
import { agreeOnKey, encodeRemoteNodeInfo, PACEMAKER_KEY, type KeyAgreement, type RemoteNodeInfo } from './protocol.js';

export class PacemakerRemoteProvides extends Endpoint {
  /** `endpoint.<name>.key.available`: every cluster unit that sent a key sent the same, valid one. */
  static override readonly flagSuffixes = ['key.available'] as const;
  /** The cluster's authkey: unit state keeps only its digest. */
  static override readonly secretKeys = [PACEMAKER_KEY];

  /** Publishes this unit's node info on one relation; values are JSON-encoded (the reactive upstream's bytes). */
  publishNodeInfo(relationId: string, info: RemoteNodeInfo): void {
    const relation = this.relations.find((r) => r.id === relationId);
    if (!relation) throw new Error(`relation ${relationId} is not a relation of endpoint ${this.name}`);
    // Raw bag with explicit JSON: `stonith-hostname` must be the JSON text null, not a deleted key.
    relation.toPublishRaw.setAllRaw(encodeRemoteNodeInfo(info));
  }

  /** The key the cluster units agree on, across every relation of this endpoint. */
  keyAgreement(): KeyAgreement {
    return agreeOnKey(this.allJoinedUnits.map((unit) => ({ unit: unit.name, value: unit.receivedRaw[PACEMAKER_KEY] })));
  }

  override manageFlags(): void {
    this.toggleFlag('key.available', this.isJoined && this.keyAgreement().kind === 'agreed');
  }
}

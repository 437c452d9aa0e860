/**
 * `keystone-credentials`, providing side (keystone's `identity-credentials`), for the functional suite's keystone
 * stand-in: reads each requirer's request and answers with the keys stock keystone sends.
 */
import { Endpoint } from '../../reactive/endpoint.js';
import { decodeRequest, encodeCredentials, type CredentialsRequest, type Credentials } from './protocol.js';

export interface PendingRequest {
  readonly relationId: string;
  readonly remoteApp: string;
  readonly unit: string;
  readonly request: CredentialsRequest;
}

export class KeystoneCredentialsProvides extends Endpoint {
  /** `endpoint.<name>.requested`: some related application asked for credentials. */
  static override readonly flagSuffixes = ['requested'] as const;

  /** One request per relation: the first unit (lowest number) that named a username. */
  requests(): readonly PendingRequest[] {
    const out: PendingRequest[] = [];
    for (const relation of this.relations) {
      for (const unit of relation.units) {
        const request = decodeRequest(unit.receivedRaw);
        if (request) {
          out.push({ relationId: relation.id, remoteApp: relation.remoteApp, unit: unit.name, request });
          break;
        }
      }
    }
    return out;
  }

  /** Answers one relation (plain strings, stock keystone's key names). */
  publishCredentials(relationId: string, credentials: Credentials): void {
    const relation = this.relations.find((r) => r.id === relationId);
    if (!relation) throw new Error(`relation ${relationId} is not a relation of endpoint ${this.name}`);
    for (const [key, value] of Object.entries(encodeCredentials(credentials))) relation.toPublishRaw.setRaw(key, value);
  }

  override manageFlags(): void {
    this.toggleFlag('requested', this.requests().length > 0);
  }
}

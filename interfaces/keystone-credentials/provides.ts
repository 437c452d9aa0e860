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
    return this.firstRequestPerRelation((unit) => decodeRequest(unit.receivedRaw))
      .map(({ relation, unit, request }) => ({ relationId: relation.id, remoteApp: relation.remoteApp, unit, request }));
  }

  /** Answers one relation (plain strings, stock keystone's key names). */
  publishCredentials(relationId: string, credentials: Credentials): void {
    const relation = this.relations.find((r) => r.id === relationId);
    if (!relation) throw new Error(`relation ${relationId} is not a relation of endpoint ${this.name}`);
    relation.toPublishRaw.setAllRaw(encodeCredentials(credentials));
  }

  override manageFlags(): void {
    this.toggleFlag('requested', this.requests().length > 0);
  }
}

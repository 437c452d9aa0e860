/** The keystone side of `keystone` (used by the stand-in keystone charm of the functional suite). */
import { Endpoint, type Relation, type UnitRequest } from '../../reactive/endpoint.js';
import { decodeRequest, encodeCredentials, type EndpointRequest, type ServiceCredentials } from './protocol.js';

export type PendingRegistration = UnitRequest<EndpointRequest>;

export class KeystoneProvides extends Endpoint {
  static override readonly flagSuffixes = ['registration-requested'] as const;

  /** One registration per relation: the first requirer unit with a complete request (all units send the same). */
  requests(): PendingRegistration[] {
    return this.firstRequestPerRelation((u) => decodeRequest(u.receivedRaw));
  }

  answer(relation: Relation, credentials: ServiceCredentials): void {
    relation.toPublishRaw.setAllRaw(encodeCredentials(credentials));
  }

  override manageFlags(): void {
    this.toggleFlag('registration-requested', this.requests().length > 0);
  }
}

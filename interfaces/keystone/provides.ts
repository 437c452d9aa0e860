/** The keystone side of `keystone` (used by the stand-in keystone charm of the functional suite). */
import { Endpoint, type Relation } from '../../reactive/endpoint.js';
import { decodeRequest, encodeCredentials, type EndpointRequest, type ServiceCredentials } from './protocol.js';

export interface PendingRegistration {
  readonly relation: Relation;
  readonly unit: string;
  readonly request: EndpointRequest;
}

export class KeystoneProvides extends Endpoint {
  static override readonly flagSuffixes = ['registration-requested'] as const;

  /** One registration per relation: the first requirer unit with a complete request (all units send the same). */
  requests(): PendingRegistration[] {
    const out: PendingRegistration[] = [];
    for (const relation of this.relations) {
      for (const u of relation.units) {
        const request = decodeRequest(u.receivedRaw);
        if (request) {
          out.push({ relation, unit: u.name, request });
          break;
        }
      }
    }
    return out;
  }

  answer(relation: Relation, credentials: ServiceCredentials): void {
    for (const [k, v] of Object.entries(encodeCredentials(credentials))) relation.toPublishRaw.setRaw(k, v);
  }

  override manageFlags(): void {
    this.toggleFlag('registration-requested', this.requests().length > 0);
  }
}

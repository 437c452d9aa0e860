/** The requirer side of `keystone` (a service registering its endpoints). Protocol: README.md. */
import { Endpoint } from '../../reactive/endpoint.js';
import { decodeCredentials, encodeRequest, type EndpointRequest, type ServiceCredentials } from './protocol.js';

export class KeystoneRequires extends Endpoint {
  static override readonly flagSuffixes = ['connected', 'available'] as const;

  registerEndpoints(request: EndpointRequest): void {
    for (const relation of this.relations) {
      for (const [k, v] of Object.entries(encodeRequest(request))) relation.toPublishRaw.setRaw(k, v);
    }
  }

  /** The first keystone unit that has answered with everything the stock interface requires. */
  credentials(): ServiceCredentials | null {
    for (const unit of this.allJoinedUnits) {
      const c = decodeCredentials(unit.receivedRaw);
      if (c) return c;
    }
    return null;
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
    this.toggleFlag('available', this.credentials() !== null);
  }
}

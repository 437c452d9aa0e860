/** The requirer side of `keystone` (a service registering its endpoints). Protocol: README.md. */
import { Endpoint } from '../../reactive/endpoint.js';
import { decodeCredentials, encodeRequest, type EndpointRequest, type ServiceCredentials } from './protocol.js';

export class KeystoneRequires extends Endpoint {
  static override readonly flagSuffixes = ['connected', 'available'] as const;

  registerEndpoints(request: EndpointRequest): void {
    this.publishRawToAll(encodeRequest(request));
  }

  /** The first keystone unit that has answered with everything the stock interface requires. */
  credentials(): ServiceCredentials | null {
    return this.firstDecoded((unit) => decodeCredentials(unit.receivedRaw));
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
    this.toggleFlag('available', this.credentials() !== null);
  }
}

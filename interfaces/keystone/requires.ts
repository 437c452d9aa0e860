/** The requirer side of `keystone` (a service registering its endpoints). Protocol: README.md. */
import { Endpoint } from '../../reactive/endpoint.js';
import { decodeUnits, type UnitProblems } from '../../reactive/decode/remote.js';
import { checkCredentials, encodeRequest, type EndpointRequest, type ServiceCredentials } from './protocol.js';

export class KeystoneRequires extends Endpoint {
  static override readonly flagSuffixes = ['connected', 'available'] as const;

  registerEndpoints(request: EndpointRequest): void {
    this.publishRawToAll(encodeRequest(request));
  }

  private decoded() {
    return decodeUnits(this.allJoinedUnits, (unit) => checkCredentials(unit.receivedRaw));
  }

  /**
   * The first keystone unit that has answered with everything the stock interface requires; null while none has,
   * and while a unit sent a value that breaks a rule (invalidData names it).
   */
  credentials(): ServiceCredentials | null {
    const { complete, invalid } = this.decoded();
    return invalid.length === 0 ? (complete[0]?.value ?? null) : null;
  }

  /** Units whose answer has values that break a rule, with the keys. */
  invalidData(): readonly UnitProblems[] {
    return this.decoded().invalid;
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
    this.toggleFlag('available', this.credentials() !== null);
  }
}

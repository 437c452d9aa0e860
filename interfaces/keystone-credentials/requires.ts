/**
 * `keystone-credentials`, requiring side (endpoint `identity-credentials`): asks keystone for a service user and
 * reads the answer. Plain strings both ways, as the classic keystone charm and the RelationBase layer use.
 */
import { Endpoint } from '../../reactive/endpoint.js';
import { decodeUnits, type UnitProblems } from '../../reactive/decode/remote.js';
import { checkCredentials, encodeRequest, hasEndpoint, type CredentialsRequest, type Credentials } from './protocol.js';

export class KeystoneCredentialsRequires extends Endpoint {
  /**
   * `connected`: keystone is related; `available`: it told us where it is; `available.auth`: it created our user
   * (the upstream layer's flag names).
   */
  static override readonly flagSuffixes = ['connected', 'available', 'available.auth'] as const;

  /** Asks on every relation; optional fields left out are deleted from our bag, so keystone applies its defaults. */
  requestCredentials(request: CredentialsRequest): void {
    this.publishRawToAll(encodeRequest(request));
  }

  private decoded() {
    return decodeUnits(this.allJoinedUnits, (unit) => checkCredentials(unit.receivedRaw));
  }

  /**
   * Keystone answers from its leader only, so the first unit (by relation, then unit number) with a complete answer
   * wins; null until some unit answered completely, and while a unit sent a value that breaks a rule.
   */
  credentials(): Credentials | null {
    const { complete, invalid } = this.decoded();
    return invalid.length === 0 ? (complete[0]?.value ?? null) : null;
  }

  /** Units whose answer has values that break a rule, with the keys. */
  invalidData(): readonly UnitProblems[] {
    return this.decoded().invalid;
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
    this.toggleFlag('available', this.allJoinedUnits.some((unit) => hasEndpoint(unit.receivedRaw)));
    this.toggleFlag('available.auth', this.credentials() !== null);
  }
}

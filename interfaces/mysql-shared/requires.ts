/** The requirer side of `mysql-shared` (a service asking for a database). Protocol: README.md. */
import { Endpoint } from '../../reactive/endpoint.js';
import { decodeUnits, type UnitProblems } from '../../reactive/decode/remote.js';
import { checkConnectionInfo, encodeRequest, type ConnectionInfo, type DatabaseRequest } from './protocol.js';

export class MysqlSharedRequires extends Endpoint {
  static override readonly flagSuffixes = ['connected', 'available'] as const;

  /** Publishes the request on every shared-db relation (plain strings, as the stock interface does). */
  requestDatabase(request: DatabaseRequest): void {
    this.publishRawToAll(encodeRequest(request));
  }

  private decoded(prefix?: string) {
    return decodeUnits(this.allJoinedUnits, (unit) => checkConnectionInfo(unit.receivedRaw, this.ctx.env.unitName, prefix));
  }

  /**
   * The first answering unit whose data is complete and lists this unit in allowed_units; null while none has, and
   * while any unit sent a value that breaks a rule (invalidData names it): the relation is then incomplete.
   */
  connection(prefix?: string): ConnectionInfo | null {
    const { complete, invalid } = this.decoded(prefix);
    return invalid.length === 0 ? (complete[0]?.value ?? null) : null;
  }

  /** Units whose answer has values that break a rule, with the keys. */
  invalidData(prefix?: string): readonly UnitProblems[] {
    return this.decoded(prefix).invalid;
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
    this.toggleFlag('available', this.connection() !== null);
  }
}

/** The requirer side of `mysql-shared` (a service asking for a database). Protocol: README.md. */
import { Endpoint } from '../../reactive/endpoint.js';
import { decodeConnectionInfo, encodeRequest, type ConnectionInfo, type DatabaseRequest } from './protocol.js';

export class MysqlSharedRequires extends Endpoint {
  static override readonly flagSuffixes = ['connected', 'available'] as const;

  /** Publishes the request on every shared-db relation (plain strings, as the stock interface does). */
  requestDatabase(request: DatabaseRequest): void {
    this.publishRawToAll(encodeRequest(request));
  }

  /** The first answering unit whose data is complete and lists this unit in allowed_units; else null. */
  connection(prefix?: string): ConnectionInfo | null {
    return this.firstDecoded((unit) => decodeConnectionInfo(unit.receivedRaw, this.ctx.env.unitName, prefix));
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
    this.toggleFlag('available', this.connection() !== null);
  }
}

/** The database side of `mysql-shared` (used by the stand-in database charm of the functional suite). */
import { Endpoint, type Relation, type UnitRequest } from '../../reactive/endpoint.js';
import type { Problem } from '../../reactive/decode/fields.js';
import { readRequests, encodeConnectionInfo, type ConnectionInfo, type DatabaseRequest } from './protocol.js';

export type PendingRequest = UnitRequest<DatabaseRequest>;

export class MysqlSharedProvides extends Endpoint {
  static override readonly flagSuffixes = ['database-requested'] as const;

  /** Every (unit, request) pair the requirers have published, in relation and unit order. */
  requests(): PendingRequest[] {
    return this.allJoinedUnits.flatMap((u) => readRequests(u.receivedRaw).requests.map((request) => ({ relation: u.relation, unit: u.name, request })));
  }

  /** The units whose requests broke a rule, with the keys and rules (never the values). */
  refused(): { relation: Relation; unit: string; problems: Problem[] }[] {
    return this.allJoinedUnits.flatMap((u) => {
      const { refused } = readRequests(u.receivedRaw);
      return refused.length > 0 ? [{ relation: u.relation, unit: u.name, problems: refused }] : [];
    });
  }

  setConnectionInfo(relation: Relation, info: ConnectionInfo, prefix?: string): void {
    relation.toPublishRaw.setAllRaw(encodeConnectionInfo(info, prefix));
  }

  override manageFlags(): void {
    this.toggleFlag('database-requested', this.requests().length > 0);
  }
}

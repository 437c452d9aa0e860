/** The broker side of `rabbitmq` (used by the stand-in rabbitmq charm of the functional suite). */
import { Endpoint, type Relation } from '../../reactive/endpoint.js';
import { decodeRequest, type AccessRequest } from './protocol.js';

export interface PendingAccess {
  readonly relation: Relation;
  readonly unit: string;
  readonly request: AccessRequest;
}

export interface BrokerAnswer {
  readonly password: string;
  /** This broker unit's address on the amqp binding (sent as both hostname and private-address). */
  readonly address: string;
  readonly sslPort?: number;
  readonly sslCaBase64?: string;
  readonly vip?: string;
}

export class RabbitMQProvides extends Endpoint {
  static override readonly flagSuffixes = ['access-requested'] as const;

  requests(): PendingAccess[] {
    const out: PendingAccess[] = [];
    for (const u of this.allJoinedUnits) {
      const request = decodeRequest(u.receivedRaw);
      if (request) out.push({ relation: u.relation, unit: u.name, request });
    }
    return out;
  }

  answer(relation: Relation, a: BrokerAnswer): void {
    const bag = relation.toPublishRaw;
    bag.setRaw('password', a.password);
    bag.setRaw('hostname', a.address);
    bag.setRaw('private-address', a.address);
    bag.setRaw('ssl_port', a.sslPort === undefined ? null : String(a.sslPort));
    bag.setRaw('ssl_ca', a.sslCaBase64 ?? null);
    bag.setRaw('clustered', a.vip ? 'true' : null);
    bag.setRaw('vip', a.vip ?? null);
    bag.setRaw('ha-vip-only', a.vip ? 'true' : null);
  }

  override manageFlags(): void {
    this.toggleFlag('access-requested', this.requests().length > 0);
  }
}

/** The requirer side of `rabbitmq` (a service asking for a vhost and user). Protocol: README.md. */
import { Endpoint } from '../../reactive/endpoint.js';
import { decodeUnits, type UnitProblems } from '../../reactive/decode/remote.js';
import { brokerAccess, checkBrokerUnit, encodeRequest, type AccessRequest, type BrokerAccess, type BrokerUnit } from './protocol.js';

export class RabbitMQRequires extends Endpoint {
  static override readonly flagSuffixes = ['connected', 'available'] as const;

  requestAccess(request: AccessRequest): void {
    this.publishRawToAll(encodeRequest(request));
  }

  /** What this unit asked for, read back from its own published data. */
  requested(): { username: string; vhost: string } | null {
    const relation = this.relations[0];
    const username = relation?.toPublishRaw.get('username');
    const vhost = relation?.toPublishRaw.get('vhost');
    return username && vhost ? { username, vhost } : null;
  }

  private decoded() {
    return decodeUnits(this.allJoinedUnits, (u) => checkBrokerUnit(u.name, u.receivedRaw));
  }

  /** Every broker unit that has answered (address and password), across all amqp relations. */
  brokers(): BrokerUnit[] {
    return this.decoded().complete.map((c) => c.value);
  }

  /** Units whose answer has values that break a rule, with the keys. */
  invalidData(): readonly UnitProblems[] {
    return this.decoded().invalid;
  }

  /** Null while nobody answered, and while a broker unit sent a value that breaks a rule (the relation is incomplete). */
  access(): BrokerAccess | null {
    const requested = this.requested();
    const { complete, invalid } = this.decoded();
    return requested && invalid.length === 0 ? brokerAccess(requested, complete.map((c) => c.value)) : null;
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
    this.toggleFlag('available', this.access() !== null);
  }
}

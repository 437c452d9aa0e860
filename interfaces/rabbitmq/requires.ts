/** The requirer side of `rabbitmq` (a service asking for a vhost and user). Protocol: README.md. */
import { Endpoint } from '../../reactive/endpoint.js';
import { brokerAccess, decodeBrokerUnit, encodeRequest, type AccessRequest, type BrokerAccess, type BrokerUnit } from './protocol.js';

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

  /** Every broker unit that has answered (address and password), across all amqp relations. */
  brokers(): BrokerUnit[] {
    return this.allJoinedUnits.map((u) => decodeBrokerUnit(u.name, u.receivedRaw)).filter((b): b is BrokerUnit => b !== null);
  }

  access(): BrokerAccess | null {
    const requested = this.requested();
    return requested ? brokerAccess(requested, this.brokers()) : null;
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
    this.toggleFlag('available', this.access() !== null);
  }
}

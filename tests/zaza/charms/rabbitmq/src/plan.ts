/** Which users and vhosts RabbitMQ must have for the amqp requests (pure). */
import type { AccessRequest } from '../../../../../interfaces/rabbitmq/protocol.js';
import { isSafeName } from '../../common/standin.js';

export interface Grant {
  readonly username: string;
  readonly vhost: string;
}

export class BadRequest extends Error {}

export function grantFor(request: AccessRequest): Grant {
  if (!isSafeName(request.username)) throw new BadRequest(`username '${request.username}' is not accepted: letters, digits, '_', '.', '-' (at most 64)`);
  if (!isSafeName(request.vhost.replace(/^\//, '') || 'root')) throw new BadRequest(`vhost '${request.vhost}' is not accepted: letters, digits, '_', '.', '-' (at most 64)`);
  return { username: request.username, vhost: request.vhost };
}

/** `rabbitmqctl list_users --silent` lines: `name\t[tags]`. */
export function parseUsers(stdout: string): Set<string> {
  return new Set(stdout.split('\n').map((l) => l.split('\t')[0]!.trim()).filter((n) => n && n !== 'user' && n !== 'name'));
}

export function parseVhosts(stdout: string): Set<string> {
  return new Set(stdout.split('\n').map((l) => l.trim()).filter((n) => n && n !== 'name'));
}

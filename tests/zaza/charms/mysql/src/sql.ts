/** What MariaDB must contain for the requests on shared-db, as SQL text (pure; fed to the client on stdin). */
import type { DatabaseRequest } from '../../../../../interfaces/mysql-shared/protocol.js';
import { isSafeName } from '../../common/standin.js';

export const SERVER_CONF_PATH = '/etc/mysql/mariadb.conf.d/99-standin.cnf';

export function serverConf(maxConnections: number): string {
  return [
    '# Written by the mysql stand-in charm; changes are overwritten.',
    '[mysqld]',
    'bind-address = 0.0.0.0',
    'skip-name-resolve',
    `max_connections = ${maxConnections}`,
    'character-set-server = utf8mb4',
    'collation-server = utf8mb4_general_ci',
    '',
  ].join('\n');
}

export class BadRequest extends Error {}

/**
 * Database and user for one request. Access is granted from any address of the model network ('%'): the model's
 * network exists only inside its namespace, and masakari connects from several units and the VIP holder.
 */
export function grantSql(request: DatabaseRequest, password: string): string {
  for (const [what, value] of [['database', request.database], ['username', request.username]] as const) {
    if (!isSafeName(value) || value.includes('.') || value.includes('-')) {
      throw new BadRequest(`${what} '${value}' is not accepted: letters, digits and '_' (at most 64)`);
    }
  }
  if (!/^[A-Za-z0-9_-]+$/.test(password)) throw new Error('generated password has unexpected characters');
  const user = `'${request.username}'@'%'`;
  return [
    `CREATE DATABASE IF NOT EXISTS \`${request.database}\`;`,
    `CREATE USER IF NOT EXISTS ${user} IDENTIFIED BY '${password}';`,
    `ALTER USER ${user} IDENTIFIED BY '${password}';`,
    `GRANT ALL PRIVILEGES ON \`${request.database}\`.* TO ${user};`,
    'FLUSH PRIVILEGES;',
    '',
  ].join('\n');
}

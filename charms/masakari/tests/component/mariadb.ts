/** Real MariaDB (mariadbd run directly, as root would under systemd) inside the test namespace. */
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { inNetns, type Netns } from './netns.js';
import { run, startDaemon, stopDaemon, waitFor, type Daemon } from './processes.js';
import { uidOf } from './users.js';

export interface MariaDb {
  readonly daemon: Daemon;
  readonly socket: string;
  sql(statement: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startMariaDb(ns: Netns, dir: string): Promise<MariaDb> {
  mkdirSync(dir, { recursive: true });
  chownSync(dir, uidOf('mysql'), uidOf('mysql', 'group'));
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  await run(['mariadb-install-db', '--user=mysql', `--datadir=${data}`, '--auth-root-authentication-method=socket', '--skip-test-db']);
  const daemon = startDaemon('mariadbd', inNetns(ns, {}, [
    'mariadbd', '--user=mysql', `--datadir=${data}`, `--socket=${socket}`, `--bind-address=${ns.nsAddress}`, '--port=3306',
    `--pid-file=${join(dir, 'mysqld.pid')}`, '--skip-name-resolve',
  ]), join(dir, 'mariadbd.log'));
  const sql = (statement: string): Promise<string> => run(['mariadb', '-S', socket, '-N', '-B', '-e', statement]);
  await waitFor('MariaDB', async () => (await sql('SELECT 1')).trim() === '1', 30_000, daemon);
  return { daemon, socket, sql, stop: () => stopDaemon(daemon) };
}

/** What mysql-router does for a shared-db request: the database, and the user with access from the unit. */
export async function grantDatabase(db: MariaDb, name: string, user: string, password: string): Promise<void> {
  await db.sql(`CREATE DATABASE IF NOT EXISTS \`${name}\`; CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED BY '${password}'; GRANT ALL PRIVILEGES ON \`${name}\`.* TO '${user}'@'%'; FLUSH PRIVILEGES;`);
}

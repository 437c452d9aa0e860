/** Real RabbitMQ inside the test namespace, run as the rabbitmq user with its state in the test's directory. */
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inNetns, type Netns } from './netns.js';
import { run, startDaemon, stopDaemon, waitFor, type Daemon } from './processes.js';
import { uidOf } from './users.js';

export interface RabbitMq {
  readonly daemon: Daemon;
  ctl(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

const NODE = 'rabbit@localhost';

export async function startRabbitMq(ns: Netns, dir: string): Promise<RabbitMq> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  chownSync(dir, uidOf('rabbitmq'), uidOf('rabbitmq', 'group'));
  chownSync(join(dir, 'enabled_plugins'), uidOf('rabbitmq'), uidOf('rabbitmq', 'group'));
  const env = [
    'HOME=/var/lib/rabbitmq', `RABBITMQ_NODENAME=${NODE}`, `RABBITMQ_NODE_IP_ADDRESS=${ns.nsAddress}`, 'RABBITMQ_NODE_PORT=5672',
    `RABBITMQ_MNESIA_BASE=${join(dir, 'mnesia')}`, `RABBITMQ_LOG_BASE=${join(dir, 'log')}`,
    `RABBITMQ_ENABLED_PLUGINS_FILE=${join(dir, 'enabled_plugins')}`, `RABBITMQ_PID_FILE=${join(dir, 'rabbit.pid')}`,
  ];
  const daemon = startDaemon('rabbitmq-server', inNetns(ns, {}, [
    'runuser', '-u', 'rabbitmq', '--', 'env', ...env, '/usr/lib/rabbitmq/bin/rabbitmq-server',
  ]), join(dir, 'rabbitmq-server.log'));
  const ctl = (...args: string[]): Promise<string> =>
    run(inNetns(ns, {}, ['runuser', '-u', 'rabbitmq', '--', 'env', 'HOME=/var/lib/rabbitmq', 'rabbitmqctl', '-n', NODE, ...args]));
  await waitFor('RabbitMQ', async () => (await ctl('await_startup', '--timeout', '5'), true), 180_000, daemon);
  return {
    daemon,
    ctl,
    stop: async () => {
      await ctl('stop').catch(() => undefined);
      await stopDaemon(daemon);
      // epmd daemonises out of our process group; ask the one in our namespace to go.
      await run(inNetns(ns, {}, ['epmd', '-kill'])).catch(() => undefined);
    },
  };
}

/** What rabbitmq-server does for an amqp request: vhost, user, full permissions on the vhost. */
export async function grantVhost(r: RabbitMq, vhost: string, user: string, password: string): Promise<void> {
  await r.ctl('add_vhost', vhost);
  await r.ctl('add_user', user, password);
  await r.ctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*');
}

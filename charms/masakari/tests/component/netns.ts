/**
 * A private network namespace for the component test: the daemons listen on their production ports (3306, 5672,
 * 5000, 15858, 15868) without colliding with anything else on this machine, and reach the test process (the
 * Nova emulator) through a veth pair. Commands run inside with the charm's directories bind-mounted from a
 * temporary tree, so rendered files sit at the paths the charm writes them to.
 */
import { run } from './processes.js';

export interface Netns {
  readonly name: string;
  /** Address of the test process's side (root namespace). */
  readonly hostAddress: string;
  /** Address of the daemons' side. */
  readonly nsAddress: string;
}

export async function createNetns(tag: string): Promise<Netns> {
  const name = `masakari-ct-${tag}`;
  const hostIf = `mct${tag}h`.slice(0, 15);
  const nsIf = `mct${tag}n`.slice(0, 15);
  const octet = 16 + (Number(tag) % 200);
  const ns: Netns = { name, hostAddress: `172.31.${octet}.1`, nsAddress: `172.31.${octet}.2` };
  await run(['ip', 'netns', 'add', name]);
  await run(['ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
  await run(['ip', 'link', 'set', nsIf, 'netns', name]);
  await run(['ip', 'addr', 'add', `${ns.hostAddress}/30`, 'dev', hostIf]);
  await run(['ip', 'link', 'set', hostIf, 'up']);
  await run(['ip', '-n', name, 'addr', 'add', `${ns.nsAddress}/30`, 'dev', nsIf]);
  await run(['ip', '-n', name, 'link', 'set', nsIf, 'up']);
  await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  return ns;
}

export async function deleteNetns(ns: Netns): Promise<void> {
  await run(['ip', 'netns', 'del', ns.name]).catch(() => undefined);
}

/** argv that runs `command` inside the namespace with `mounts` (target ← source) bind-mounted first. */
export function inNetns(ns: Netns, mounts: Readonly<Record<string, string>>, command: readonly string[]): string[] {
  const pairs = Object.entries(mounts);
  const script = [
    'set -e',
    ...pairs.map((_, i) => `mount --bind "\${${2 * i + 1}}" "\${${2 * i + 2}}"`),
    `shift ${2 * pairs.length}`,
    'exec "$@"',
  ].join('\n');
  return ['ip', 'netns', 'exec', ns.name, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', script, 'sh', ...pairs.flatMap(([target, source]) => [source, target]), ...command];
}

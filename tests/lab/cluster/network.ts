/**
 * The lab's network: a switch namespace holding a bridge, one namespace per node with a veth into the bridge,
 * and optionally a veth from the host's namespace (so an in-process emulator can listen on `<subnet>.254`).
 * The subnet exists only on these interfaces; nothing is forwarded anywhere.
 */
import { execa } from 'execa';

async function ip(args: readonly string[], reject = true): Promise<void> {
  await execa('ip', args, { reject });
}

export function switchNs(prefix: string): string {
  return `${prefix}-sw`;
}

export function nodeNs(prefix: string, node: string): string {
  return `${prefix}-${node}`;
}

export async function createSwitch(prefix: string, subnet: string, hostAddress: boolean): Promise<void> {
  const sw = switchNs(prefix);
  await ip(['netns', 'add', sw]);
  await ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
  await ip(['-n', sw, 'link', 'set', 'br0', 'up']);
  await ip(['-n', sw, 'link', 'set', 'lo', 'up']);
  if (hostAddress) {
    await ip(['link', 'add', `${prefix}-host`, 'type', 'veth', 'peer', 'name', 'hostport', 'netns', sw]);
    await ip(['-n', sw, 'link', 'set', 'hostport', 'master', 'br0', 'up']);
    await ip(['addr', 'add', `${subnet}.254/24`, 'dev', `${prefix}-host`]);
    await ip(['link', 'set', `${prefix}-host`, 'up']);
  }
}

/** A node namespace with eth0 = `address`/24 plugged into the switch. */
export async function createNodeNetwork(prefix: string, node: string, address: string): Promise<void> {
  const ns = nodeNs(prefix, node);
  const sw = switchNs(prefix);
  await ip(['netns', 'add', ns]);
  await ip(['-n', sw, 'link', 'add', `p-${node}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await ip(['-n', sw, 'link', 'set', `p-${node}`, 'master', 'br0', 'up']);
  await ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
  await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
  await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
}

/** Unplugs or re-plugs a node's cable (its switch port goes down/up). */
export async function setLink(prefix: string, node: string, up: boolean): Promise<void> {
  await ip(['-n', switchNs(prefix), 'link', 'set', `p-${node}`, up ? 'up' : 'down']);
}

/** Removes every namespace and the host veth of this lab; missing pieces are ignored. */
export async function destroyNetwork(prefix: string, nodes: readonly string[]): Promise<void> {
  for (const node of nodes) await ip(['netns', 'del', nodeNs(prefix, node)], false);
  await ip(['link', 'del', `${prefix}-host`], false);
  await ip(['netns', 'del', switchNs(prefix)], false);
}

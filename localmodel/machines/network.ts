/**
 * A model's network: a "switch" network namespace holding bridge br0 with the gateway address, and one
 * namespace per running machine joined to the bridge by a veth pair. The model's subnet exists only inside
 * these namespaces: the root namespace gets no address or route in it, so nothing leaves the model.
 */
import { stat } from 'node:fs/promises';
import { machineAddress, machineNetnsName, modelSubnet, switchNetnsName, switchPortName } from './naming.js';
import { run } from './run.js';

const bridge = 'br0';

export function netnsPath(name: string): string {
  return `/run/netns/${name}`;
}

export async function netnsExists(name: string): Promise<boolean> {
  return stat(netnsPath(name)).then(() => true, () => false);
}

async function linkExists(netns: string, link: string): Promise<boolean> {
  const result = await run(['ip', '-n', netns, 'link', 'show', 'dev', link], { allowFailure: true });
  return result.exitCode === 0;
}

/** Idempotent: creates whatever part of the switch is missing. */
export async function ensureSwitch(model: string, subnetIndex: number): Promise<void> {
  const netns = switchNetnsName(model);
  const subnet = modelSubnet(subnetIndex);
  if (!(await netnsExists(netns))) await run(['ip', 'netns', 'add', netns]);
  await run(['ip', '-n', netns, 'link', 'set', 'lo', 'up']);
  if (!(await linkExists(netns, bridge))) {
    // no STP: ports forward at once; a machine's link must work as soon as it boots
    await run(['ip', '-n', netns, 'link', 'add', bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
  }
  const addresses = await run(['ip', '-n', netns, '-o', '-4', 'addr', 'show', 'dev', bridge]);
  if (!addresses.stdout.includes(` ${subnet.gateway}/`)) {
    await run(['ip', '-n', netns, 'addr', 'add', `${subnet.gateway}/${subnet.prefixLength}`, 'dev', bridge]);
  }
  await run(['ip', '-n', netns, 'link', 'set', bridge, 'up']);
}

export async function removeSwitch(model: string): Promise<void> {
  const netns = switchNetnsName(model);
  if (await netnsExists(netns)) await run(['ip', 'netns', 'del', netns]);
}

/** A locally administered MAC derived from the address, so a machine keeps its identity across power cycles. */
export function machineMac(subnetIndex: number, hostNumber: number): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `02:4c:4d:00:${hex(subnetIndex)}:${hex(hostNumber)}`;
}

/** Creates (or recreates) the machine's namespace with eth0 configured and plugged into the switch. */
export async function plugMachine(model: string, id: string, subnetIndex: number, hostNumber: number): Promise<string> {
  const sw = switchNetnsName(model);
  const netns = machineNetnsName(model, id);
  const port = switchPortName(hostNumber);
  const subnet = modelSubnet(subnetIndex);
  await unplugMachine(model, id, hostNumber);
  await run(['ip', 'netns', 'add', netns]);
  await run(['ip', '-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  await run(['ip', '-n', sw, 'link', 'set', port, 'master', bridge, 'up']);
  await run(['ip', '-n', netns, 'link', 'set', 'eth0', 'address', machineMac(subnetIndex, hostNumber)]);
  await run(['ip', '-n', netns, 'addr', 'add', `${machineAddress(subnet, hostNumber)}/${subnet.prefixLength}`, 'dev', 'eth0']);
  await run(['ip', '-n', netns, 'link', 'set', 'lo', 'up']);
  await run(['ip', '-n', netns, 'link', 'set', 'eth0', 'up']);
  return netnsPath(netns);
}

/** Removes the machine's namespace and its switch port; harmless when they are already gone. */
export async function unplugMachine(model: string, id: string, hostNumber: number): Promise<void> {
  const sw = switchNetnsName(model);
  const netns = machineNetnsName(model, id);
  if (await netnsExists(netns)) await run(['ip', 'netns', 'del', netns]);
  // the port dies with its peer unless a process still pins the old namespace; remove it either way
  if ((await netnsExists(sw)) && (await linkExists(sw, switchPortName(hostNumber)))) {
    await run(['ip', '-n', sw, 'link', 'del', switchPortName(hostNumber)], { allowFailure: true });
  }
}

/** Namespaces of this model that exist on the host (for clean-up of leftovers). */
export async function modelNetnsNames(model: string): Promise<string[]> {
  const { stdout } = await run(['ip', 'netns', 'list']);
  const names = stdout.split('\n').map((line) => line.split(' ')[0] ?? '').filter(Boolean);
  return names.filter((name) => name === switchNetnsName(model) || name.startsWith(`${switchNetnsName(model)}.`));
}

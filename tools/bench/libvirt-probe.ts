/**
 * Feasibility probe for libvirt in a local-model machine (figures in tests/zaza/charms/nova-compute/README.md):
 * image, archive with a libvirt package set, a package layer with it and one machine booted from it, each timed.
 *
 *   node --import ./tools/ts-register.mjs tools/bench/libvirt-probe.ts qemu|lxc|both
 *
 * Then, inside (`nsenter` via execInMachine, or juju-local ssh on a model): `virsh define` + `virsh start` of an
 * LXC domain (<os><type>exe</type><init>/bin/sleep</init>) and of a disk-less QEMU domain, `kill -9` of its qemu
 * process with `virsh event --loop --all` running. Remove the machine with destroyModel('lvprobe').
 */
import { prepareArchive, prepareImage, preparePackageLayer, startMachine, type Progress } from '../../localmodel/machines/index.js';

const sets: Record<string, string[]> = {
  qemu: ['libvirt-daemon-system', 'libvirt-clients', 'qemu-system-x86'],
  lxc: ['libvirt-daemon-system', 'libvirt-clients', 'libvirt-daemon-driver-lxc'],
  both: ['libvirt-daemon-system', 'libvirt-clients', 'libvirt-daemon-driver-lxc', 'qemu-system-x86'],
};
const which = process.argv[2] ?? 'both';
const packages = sets[which]!;
const log: Progress = (e) => { if (e.detail) console.log(`  [${e.step}] ${e.detail}`); };
async function timed<T>(label: string, action: () => Promise<T>): Promise<T> {
  const start = Date.now();
  const result = await action();
  console.log(`${label}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
  return result;
}
const image = await timed('image', () => prepareImage(log));
const archive = await timed('archive', () => prepareArchive(log, [{ concern: `probe ${which}`, packages }]));
console.log(`archive: ${archive.packages} packages, ${(archive.bytes / 1e6).toFixed(0)} MB, downloaded ${archive.downloaded}`);
await timed('layer', () => preparePackageLayer(image, packages, log));
const m = await timed('machine', () => startMachine({ model: 'lvprobe', id: '0', hostname: 'lvprobe-0', packages }, log));
console.log(JSON.stringify(m));

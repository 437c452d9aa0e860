/**
 * Can a local-model machine run libvirt domains, and at what cost (figures in tests/zaza/charms/nova-compute/README.md)?
 * Builds (or reuses) a package layer with libvirt, QEMU and the LXC driver, boots one machine from it, and inside:
 * tries an LXC domain (/bin/sleep in its own namespaces) and a disk-less QEMU/TCG domain, with cgroups off for QEMU
 * as the nova-compute stand-in configures it; times virsh start/destroy, samples the running qemu's CPU and memory,
 * kills it with -9 and prints the lifecycle event libvirt reports. The machine is destroyed at the end.
 *
 *   node --import ./tools/ts-register.mjs tools/bench/libvirt-probe.ts
 */
import { destroyModel, execInMachine, prepareArchive, prepareImage, preparePackageLayer, startMachine, type Progress } from '../../localmodel/machines/index.js';

const PACKAGES = ['libvirt-daemon-system', 'libvirt-clients', 'libvirt-daemon-driver-lxc', 'qemu-system-x86'];
const MODEL = `lvprobe-${process.pid}`;
const quiet: Progress = () => {};

async function timed<T>(label: string, action: () => Promise<T>): Promise<T> {
  const start = Date.now();
  const result = await action();
  console.log(`${label.padEnd(52)} ${((Date.now() - start) / 1000).toFixed(1).padStart(7)} s`);
  return result;
}

const LXC = `<domain type='lxc'><name>probe-lxc</name><memory unit='MiB'>64</memory>
<os><type>exe</type><init>/bin/sleep</init><initarg>infinity</initarg></os><devices><console type='pty'/></devices></domain>`;
const QEMU = `<domain type='qemu'><name>probe-qemu</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator><memballoon model='none'/></devices></domain>`;

const SCRIPT = `
set -u
printf '%s' "$LXC" > /root/lxc.xml; printf '%s' "$QEMU" > /root/qemu.xml
echo "lxc: $(virsh -c lxc:///system define /root/lxc.xml >/dev/null && virsh -c lxc:///system start probe-lxc 2>&1 | tr '\\n' ' ')"
printf 'cgroup_controllers = [ ]\\n' > /etc/libvirt/qemu.conf && systemctl restart libvirtd && sleep 1
virsh define /root/qemu.xml >/dev/null
for i in 1 2 3; do
  a=$(date +%s%N); virsh start probe-qemu >/dev/null; b=$(date +%s%N); virsh destroy probe-qemu >/dev/null; c=$(date +%s%N)
  echo "qemu start/destroy: $(( (b-a)/1000000 )) ms / $(( (c-b)/1000000 )) ms"
done
virsh start probe-qemu >/dev/null; sleep 5
P=$(cat /run/libvirt/qemu/probe-qemu.pid)
t0=$(awk '{print $14+$15}' /proc/$P/stat); sleep 30; t1=$(awk '{print $14+$15}' /proc/$P/stat)
echo "qemu idle: $((t1-t0)) ticks of $(getconf CLK_TCK)/s in 30 s; $(grep VmRSS /proc/$P/status | tr -s ' \\t' ' ')"
virsh event --loop --all > /root/events.log 2>&1 & sleep 1
kill -9 $P; sleep 2
echo "after kill -9: $(virsh domstate --reason probe-qemu); events: $(tr '\\n' ';' < /root/events.log)"
`;

try {
  const image = await prepareImage(quiet);
  await prepareArchive(quiet, [{ concern: 'libvirt probe', packages: PACKAGES }]);
  await timed('package layer (cached after the first build)', () => preparePackageLayer(image, PACKAGES, quiet));
  const machine = await timed('machine from that layer, to running', () => startMachine({ model: MODEL, id: '0', hostname: 'lvprobe', packages: PACKAGES }, quiet));
  const r = await timed('probe inside the machine', () => execInMachine(machine, ['bash', '-c', SCRIPT], { env: { LXC, QEMU }, timeoutMs: 300_000 }));
  process.stdout.write(r.stdout);
  if (r.exitCode !== 0) console.log(`probe exited ${r.exitCode}: ${r.stderr.slice(-500)}`);
} finally {
  await destroyModel(MODEL);
}

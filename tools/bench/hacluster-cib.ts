/**
 * hacluster-ext: the leader's configuration hook for 3, 16, 100 and 500 pacemaker-remote nodes.
 *
 * A. The whole leader hook in the harness (RecordingHost; cibadmin answered in memory): wall time of the hook that
 *    applies the CIB and of the next hook with nothing changed, and the pacemaker CLI invocations each made.
 * B. The CIB step against a real pacemaker (a one-member cluster of the namespace lab, maintenance-mode so the
 *    unreachable remotes are not acted on): real cibadmin query/replace, counted through the Host seam.
 *
 * Goals: ≤ 3 pacemaker CLI invocations per hook whatever the count, 500 remotes < 5 s, zero writes when unchanged.
 * Needs root for part B (skipped otherwise).
 */
import { encodeRemoteNodeInfo } from '../../interfaces/pacemaker-remote/protocol.js';
import { RecordingHost } from '../../reactive/testing/recording-host.js';
import { Harness } from '../../reactive/testing/harness.js';
import { charm } from '../../charms/hacluster-ext/src/actions.js';
import { configureCluster } from '../../charms/hacluster-ext/src/cib/configure.js';
import { DEFAULT_CIB_CONFIG } from '../../charms/hacluster-ext/src/cib/desired.js';
import { parsePrincipal } from '../../charms/hacluster-ext/src/cib/principal.js';
import { FakePacemaker, pacemakerInvocations } from '../../charms/hacluster-ext/tests/support/fake-pacemaker.js';
import { MASAKARI_HA_DATA } from '../../charms/hacluster-ext/tests/support/fixtures.js';
import { ClusterLab } from '../../tests/lab/cluster/lab.js';
import { LabNodeHost } from '../../tests/lab/cluster/node-host.js';

const COUNTS = [3, 16, 100, 500];
const REPEAT = 3;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
const KEY = Buffer.alloc(256, 3).toString('base64');

function remoteAddress(i: number): string {
  return `10.80.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

interface Row {
  readonly remotes: number;
  readonly applyMs: number;
  readonly applyCalls: readonly string[];
  readonly unchangedMs: number;
  readonly unchangedCalls: readonly string[];
  readonly unchangedWrites: number;
}

async function harnessHook(n: number): Promise<Row> {
  const host = new RecordingHost({ hostname: 'api1' });
  const pacemaker = new FakePacemaker(['api1', 'api2', 'api3'], { verify: false }).install(host);
  const h = new Harness(charm, { charmDir: 'charms/hacluster-ext', unit: 'hacluster-ext/0', host });
  try {
    h.setNetwork('hanode', '10.0.0.1');
    await h.setLeader(true);
    await h.setLeaderData({ 'corosync-key': KEY, 'pacemaker-key': KEY });
    await h.updateConfig({ maas_url: 'http://10.0.0.254:5240/MAAS', maas_credentials: 'a:b:c' });
    await h.addRelation('hanode', 'hacluster-ext', { units: {
      'hacluster-ext/1': { 'private-address': '10.0.0.2', hostname: 'api2', ready: 'True' },
      'hacluster-ext/2': { 'private-address': '10.0.0.3', hostname: 'api3', ready: 'True' },
    } });
    await h.addRelation('ha', 'masakari', { units: { 'masakari/0': { ...MASAKARI_HA_DATA } } });
    const units = Object.fromEntries(Array.from({ length: n }, (_, i) => [`pacemaker-remote/${i}`, encodeRemoteNodeInfo({
      remoteHostname: `compute-${i}.maas`, remoteIp: remoteAddress(i), stonithHostname: `compute-${i}.maas`, enableResources: false,
    })]));
    const remotesId = await h.addRelation('pacemaker-remote', 'pacemaker-remote', { units });
    h.begin();
    await h.runHook('install'); // packages, keys, ring, first CIB: the model is prepared, so hooks run only from here
    host.clearRecords();
    await h.runHook('config-changed', {}); // same data: warm-up of the unchanged path
    host.clearRecords();
    // The measured hook: a remote's data changed (a new address), so the leader must rewrite the CIB; then the
    // same hook again with nothing changed. Median of REPEAT rounds (the address alternates).
    const apply: number[] = [];
    const unchanged: number[] = [];
    let applyCalls: string[] = [];
    let unchangedCalls: string[] = [];
    let unchangedWrites = 0;
    for (let round = 0; round < REPEAT; round++) {
      const address = `10.81.0.${(round % 2) + 1}`;
      let started = performance.now();
      await h.updateRelationData(remotesId, 'pacemaker-remote/0', { 'remote-ip': JSON.stringify(address) });
      apply.push(performance.now() - started);
      applyCalls = pacemakerInvocations(host);
      if (!pacemaker.configuration.includes(address)) throw new Error('the changed remote address did not reach the CIB');
      host.clearRecords();
      const replacedBefore = pacemaker.replaced;
      started = performance.now();
      await h.runHook('config-changed');
      unchanged.push(performance.now() - started);
      unchangedCalls = pacemakerInvocations(host);
      unchangedWrites += pacemaker.replaced - replacedBefore + host.writes.length;
      host.clearRecords();
    }
    return { remotes: n, applyMs: median(apply), applyCalls, unchangedMs: median(unchanged), unchangedCalls, unchangedWrites };
  } finally {
    h.cleanup();
    pacemaker.cleanup();
  }
}

async function liveStep(lab: ClusterLab, n: number): Promise<Row> {
  const principal = parsePrincipal(MASAKARI_HA_DATA).resources;
  const input = {
    members: [{ name: 'bench1', address: lab.address('bench1') }],
    remotes: Array.from({ length: n }, (_, i) => ({ name: `compute-${i}.maas`, address: remoteAddress(i), stonithHostname: `compute-${i}.maas`, enableResources: false })),
    principal,
    config: { ...DEFAULT_CIB_CONFIG, maintenanceMode: true, maas: { url: 'http://10.79.1.254:5240/MAAS', apiKey: 'a:b:c' } },
  };
  const apply: number[] = [];
  const unchanged: number[] = [];
  let first = new LabNodeHost(lab, 'bench1');
  let second = first;
  let writes = 0;
  for (let round = 0; round < REPEAT; round++) {
    const moved = { ...input, remotes: input.remotes.map((r, i) => (i === 0 ? { ...r, address: `10.81.0.${(round % 2) + 1}` } : r)) };
    first = new LabNodeHost(lab, 'bench1');
    let started = performance.now();
    const applied = await configureCluster(first, moved);
    apply.push(performance.now() - started);
    if (!applied.wrote) throw new Error(`expected a write for ${n} remotes`);
    second = new LabNodeHost(lab, 'bench1');
    started = performance.now();
    if ((await configureCluster(second, moved)).wrote) writes++;
    unchanged.push(performance.now() - started);
  }
  const applyMs = median(apply);
  const unchangedMs = median(unchanged);
  const live = await lab.exec('bench1', ['cibadmin', '--query', '--scope', 'resources']);
  const count = (live.stdout.match(/type="remote"/g) ?? []).length;
  if (count !== n) throw new Error(`live CIB has ${count} remote primitives, expected ${n}`);
  return {
    remotes: n, applyMs, applyCalls: first.invocations.map((a) => a.slice(0, 2).join(' ')), unchangedMs,
    unchangedCalls: second.invocations.map((a) => a.slice(0, 2).join(' ')), unchangedWrites: writes,
  };
}

function table(title: string, rows: readonly Row[]): void {
  const base = rows[0] as Row;
  console.log(`\n${title}`);
  console.log(`(median of ${REPEAT} rounds)`);
  console.log('remotes | apply hook ms (x vs 3) | CLI calls | unchanged hook ms (x vs 3) | CLI calls | writes when unchanged | goal');
  for (const r of rows) {
    const ok = r.applyCalls.length <= 3 && r.unchangedCalls.length <= 3 && r.unchangedWrites === 0 && (r.remotes < 500 || r.applyMs < 5000);
    console.log(`${String(r.remotes).padStart(7)} | ${r.applyMs.toFixed(0).padStart(8)} (${(r.applyMs / base.applyMs).toFixed(1)}x) | ${r.applyCalls.length} (${r.applyCalls.join(', ')}) | `
      + `${r.unchangedMs.toFixed(0).padStart(8)} (${(r.unchangedMs / base.unchangedMs).toFixed(1)}x) | ${r.unchangedCalls.length} | ${r.unchangedWrites} | ${ok ? 'met' : 'MISSED'}`);
  }
}

const harnessRows: Row[] = [];
for (const n of COUNTS) {
  console.log(`harness: leader hook with ${n} remotes ...`);
  harnessRows.push(await harnessHook(n));
}
table('A. whole leader hook (harness, in-memory cibadmin)', harnessRows);

if (process.getuid?.() === 0) {
  const lab = new ClusterLab({ prefix: 'haclb', subnet: '10.79.1', members: ['bench1'], remotes: [], baseDir: '/var/tmp/haclb-lab', log: (l) => console.log(l) });
  try {
    await lab.create();
    await lab.start();
    const liveRows: Row[] = [];
    for (const n of COUNTS) {
      console.log(`live: CIB step with ${n} remotes ...`);
      liveRows.push(await liveStep(lab, n));
    }
    table('B. CIB step against a real pacemaker (one-member lab cluster, real cibadmin)', liveRows);
  } finally {
    await lab.destroy();
  }
} else {
  console.log('\nB. skipped: the live pacemaker part needs root (network namespaces)');
}

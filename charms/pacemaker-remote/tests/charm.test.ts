import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../../reactive/testing/recording-host.js';
import { Harness } from '../../../reactive/testing/harness.js';
import { charm } from '../src/charm.js';
import { AUTHKEY_PATH, CONFLICT_MESSAGE, ROGUE_COROSYNC_CONF, SERVICE, WAITING_FOR_KEY } from '../src/remote-state.js';

const CHARM_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const KEY1 = randomBytes(128);
const KEY2 = randomBytes(128);
const b64 = (key: Buffer): string => key.toString('base64');

/** Published data, kept for the report when EVIDENCE_DIR is set. */
function saveEvidence(name: string, data: unknown): void {
  const dir = process.env.EVIDENCE_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `${JSON.stringify(data, null, 2)}\n`);
}

describe('pacemaker-remote charm', () => {
  let host: RecordingHost;
  let harness: Harness<string, typeof charm.endpointClasses>;

  beforeEach(async () => {
    host = new RecordingHost({ hostname: 'compute-1', fqdn: 'compute-1.maas' });
    // What the Debian packages create: users, the pacemaker config dir, and corosync's default config.
    await host.ensureUser('hacluster', { group: 'haclient', system: true });
    await host.seedFile(ROGUE_COROSYNC_CONF, 'totem { cluster_name: debian }\n');
    host.clearRecords();
    harness = new Harness(charm, { charmDir: CHARM_DIR, unit: 'pacemaker-remote/0', host });
    harness.setNetwork('pacemaker-remote', '10.5.0.31', '10.5.0.0/24', 'ens4');
  });
  afterEach(() => harness.cleanup());

  /** Installed and started as the package leaves it: the daemon runs (with the package's random key). */
  async function installed(): Promise<void> {
    await harness.beginWithInitialHooks();
    host.setServiceActive(SERVICE, true);
  }

  it('installs pacemaker-remote, removes corosync config and asks for the relation', async () => {
    await harness.beginWithInitialHooks();
    expect(host.packageActions).toEqual([{ action: 'install', packages: ['pacemaker-remote', 'resource-agents'] }]);
    expect(host.file(ROGUE_COROSYNC_CONF)).toBeNull();
    expect(harness.status).toEqual({ status: 'blocked', message: "Missing relation: pacemaker-remote (relate to hacluster's pacemaker-remote endpoint)" });
  });

  it('refuses to install on a cluster member (pacemaker would be removed)', async () => {
    host.setPackageVersion('pacemaker', '2.1.5-1');
    await harness.beginWithInitialHooks();
    expect(host.packageActions).toEqual([]);
    expect(harness.status).toEqual({ status: 'blocked', message: CONFLICT_MESSAGE });
  });

  it('publishes JSON-encoded node info exactly as stock hacluster parses it, then waits for the key', async () => {
    await installed();
    const rid = await harness.addRelation('pacemaker-remote', 'hacluster', { units: { 'hacluster/0': {}, 'hacluster/1': {} } });
    const published = harness.relationData(rid);
    expect(published).toEqual({
      'remote-hostname': '"compute-1.maas"',
      'remote-ip': '"10.5.0.31"',
      'stonith-hostname': 'null',
      'enable-resources': 'true',
    });
    saveEvidence('pacemaker-remote-published-default.json', published);
    expect(harness.status).toEqual({ status: 'waiting', message: WAITING_FOR_KEY });
    expect(host.file(AUTHKEY_PATH)).toBeNull();

    await harness.updateConfig({ 'enable-stonith': true, 'enable-resources': false });
    expect(harness.relationData(rid)).toEqual({
      'remote-hostname': '"compute-1.maas"',
      'remote-ip': '"10.5.0.31"',
      'stonith-hostname': '"compute-1.maas"',
      'enable-resources': 'false',
    });
    saveEvidence('pacemaker-remote-published-stonith.json', harness.relationData(rid));
  });

  it('waits (not blocked) while the relation exists but no hacluster unit has joined yet', async () => {
    await installed();
    await harness.addRelation('pacemaker-remote', 'hacluster');
    expect(harness.status).toEqual({ status: 'waiting', message: WAITING_FOR_KEY });
  });

  it('falls back to the ingress address when the binding has no bind address', async () => {
    await installed();
    harness.model.networks.set('pacemaker-remote', { bindAddresses: [], ingressAddresses: ['10.5.9.9'], egressSubnets: [] });
    const rid = await harness.addRelation('pacemaker-remote', 'hacluster', { units: { 'hacluster/0': {} } });
    expect(harness.relationData(rid)['remote-ip']).toBe('"10.5.9.9"');
  });

  it('writes the key hacluster sends on join, restarts once, and a second hook changes nothing', async () => {
    await installed();
    host.clearRecords();
    // Stock hacluster sets pacemaker-key (plain base64) in pacemaker-remote-relation-joined on every unit.
    const rid = await harness.addRelation('pacemaker-remote', 'hacluster', {
      units: { 'hacluster/0': { 'pacemaker-key': b64(KEY1) }, 'hacluster/1': { 'pacemaker-key': b64(KEY1) } },
    });
    expect(readFileSync(host.pathOnDisk(AUTHKEY_PATH))).toEqual(KEY1);
    expect(host.fileMeta(AUTHKEY_PATH)).toEqual({ owner: 'hacluster', group: 'haclient', mode: 0o440 });
    expect(host.serviceActions.filter((a) => a.action === 'restart')).toEqual([{ action: 'restart', name: SERVICE }]);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
    // The key is never logged, nor kept in unit state (only digests are: the running key's, the snapshot's).
    expect(JSON.stringify(harness.model.logs)).not.toContain(b64(KEY1));
    expect(JSON.stringify(harness.kv)).not.toContain(b64(KEY1));

    host.clearRecords();
    await harness.runHook('update-status');
    await harness.runHook('config-changed');
    await harness.runHook('pacemaker-remote-relation-changed', { relationId: rid }, 'hacluster', 'hacluster/1');
    expect(host.writes).toEqual([]);
    expect(host.serviceActions).toEqual([]);
    expect(harness.history.slice(-3).flatMap((h) => h.toolCalls.filter((c) => c.tool === 'relation-set' || c.tool === 'status-set'))).toEqual([]);
  });

  it('follows a key rotated after join, keeping the old key while the units disagree', async () => {
    await installed();
    const rid = await harness.addRelation('pacemaker-remote', 'hacluster', {
      units: { 'hacluster/0': { 'pacemaker-key': b64(KEY1) }, 'hacluster/1': { 'pacemaker-key': b64(KEY1) } },
    });
    host.clearRecords();

    await harness.updateRelationData(rid, 'hacluster/0', { 'pacemaker-key': b64(KEY2) });
    expect(harness.status.status).toBe('blocked');
    expect(harness.status.message).toBe('hacluster units disagree on pacemaker-key (hacluster/0 vs hacluster/1); keeping the current key until they agree');
    expect(host.writes).toEqual([]);
    expect(host.serviceActions).toEqual([]);

    await harness.updateRelationData(rid, 'hacluster/1', { 'pacemaker-key': b64(KEY2) });
    expect(host.writes.map((w) => w.path)).toEqual([AUTHKEY_PATH]);
    expect(host.serviceActions).toEqual([{ action: 'restart', name: SERVICE }]);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
  });

  it('blocks when a joining unit disagrees, keeping the first key, without failing the hook', async () => {
    await installed();
    const rid = await harness.addRelation('pacemaker-remote', 'hacluster', { units: { 'hacluster/0': { 'pacemaker-key': b64(KEY1) } } });
    host.clearRecords();
    await harness.addRelationUnit(rid, 'hacluster/1', { 'pacemaker-key': b64(KEY2) });
    await harness.addRelationUnit(rid, 'hacluster/2', { 'pacemaker-key': b64(KEY2) });
    expect(harness.history.every((h) => h.ok)).toBe(true);
    expect(harness.status).toEqual({
      status: 'blocked',
      message: 'hacluster units disagree on pacemaker-key (hacluster/0 vs hacluster/1,hacluster/2); keeping the current key until they agree',
    });
    expect(readFileSync(host.pathOnDisk(AUTHKEY_PATH))).toEqual(KEY1);
    expect(host.writes).toEqual([]);
    expect(host.serviceActions).toEqual([]);
  });

  it('names the unit that sent an unusable key, never the value', async () => {
    await installed();
    await harness.addRelation('pacemaker-remote', 'hacluster', { units: { 'hacluster/2': { 'pacemaker-key': 'not*base64!' } } });
    expect(harness.status).toEqual({ status: 'blocked', message: 'hacluster/2 sent an unusable pacemaker-key: pacemaker-key must be base64 of 128 to 4096 bytes' });
  });

  it('restarts on the next hook when a hook died between writing the key and restarting', async () => {
    await installed();
    const rid = await harness.addRelation('pacemaker-remote', 'hacluster', { units: { 'hacluster/0': { 'pacemaker-key': b64(KEY1) } } });
    const realService = host.service.bind(host);
    host.service = async (action, name) => {
      if (action === 'restart') throw new Error('killed');
      return realService(action, name);
    };
    await expect(harness.updateRelationData(rid, 'hacluster/0', { 'pacemaker-key': b64(KEY2) })).rejects.toThrow('killed');
    expect(readFileSync(host.pathOnDisk(AUTHKEY_PATH))).toEqual(KEY2); // written before the hook died
    host.service = realService;
    host.clearRecords();
    // Juju retries the failed hook; the key file is already right, but the daemon still runs the old key.
    await harness.runHook('pacemaker-remote-relation-changed', { relationId: rid }, 'hacluster', 'hacluster/0');
    expect(host.writes).toEqual([]);
    expect(host.serviceActions).toEqual([{ action: 'restart', name: SERVICE }]);
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });
  });

  it('restart-services action restarts the daemon', async () => {
    await installed();
    host.clearRecords();
    const out = await harness.runAction('restart-services');
    expect(out).toMatchObject({ failed: false, results: { restarted: SERVICE } });
    expect(host.serviceActions).toEqual([{ action: 'restart', name: SERVICE }]);
  });
});

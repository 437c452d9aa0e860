import { afterEach, describe, expect, it } from 'vitest';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, readdirSync, lstatSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';
import { charmMetaFromTexts, loadCharmMeta } from '../charm/metadata.js';
import { storeCharm } from '../charm/store.js';
import { statusDocument } from '../cli/status.js';
import { deployApps, emptyState, meta, settle } from './simulate.js';

const RECORDER = join(dirname(fileURLToPath(import.meta.url)), 'charms/recorder');
let dirs: string[] = [];
afterEach(() => {
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  dirs = [];
});

/** A .charm as charmcraft writes it: a zip of the tree, symlinks followed, unix modes kept. */
async function zipCharm(src: string, dest: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else zip.addFile(realpathSync(p), relative(src, p), { mode: st.mode });
    }
  };
  walk(src);
  zip.end();
  await new Promise<void>((resolve, reject) => zip.outputStream.pipe(createWriteStream(dest)).on('close', resolve).on('error', reject));
}

describe('.charm files', () => {
  it('reads metadata from the zip and unpacks it with exec bits kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jl-charm-'));
    dirs.push(dir);
    const file = join(dir, 'recorder.charm');
    await zipCharm(RECORDER, file);
    const m = loadCharmMeta(file);
    expect(m.name).toBe('recorder');
    expect(Object.keys(m.endpoints).sort()).toEqual(['cluster', 'data', 'juju-info', 'upstream']);
    expect(m.endpoints['juju-info']).toMatchObject({ role: 'provider', implicit: true });
    expect(m.config.count).toEqual({ type: 'int', default: 1, description: 'An integer option (type checks).' });
    expect(m.actions.echo!.additionalProperties).toBe(false);
    const stored = storeCharm(file, join(dir, 'charms'), 'rec', 1);
    expect(statSync(join(stored, 'dispatch')).mode & 0o111).not.toBe(0);
    expect(lstatSync(join(stored, 'hooks/install')).isFile()).toBe(true);
    expect(readFileSync(join(stored, 'hooks/install'), 'utf8')).toBe(readFileSync(join(RECORDER, 'dispatch'), 'utf8'));
  });

  it('names what is wrong with a file that is not a charm', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jl-charm-'));
    dirs.push(dir);
    expect(() => loadCharmMeta(join(dir, 'nope.charm'))).toThrow(`${dir}/nope.charm does not exist`);
    expect(() => loadCharmMeta(dir)).toThrow(`${dir} is not a charm: it has no metadata.yaml`);
  });

  it("reads metadata as the build checks it: Juju's shorthands spelled out, mistakes named with file and place", () => {
    const m = charmMetaFromTexts({ metadata: 'name: web\nrequires:\n  db: mysql\n', actions: 'pause:\n' }, 'web.charm');
    expect(m.endpoints.db).toEqual({ name: 'db', role: 'requirer', interface: 'mysql', scope: 'global' });
    expect(m.actions.pause).toEqual({ description: undefined, params: {}, required: [], additionalProperties: true });
    expect(() => charmMetaFromTexts({ metadata: 'name: web\npeers:\n  c: { interface: p, scope: unit }\n' }, 'web.charm'))
      .toThrow('web.charm/metadata.yaml: peers.c.scope must be global or container; found "unit"');
  });
});

describe('status document', () => {
  it('has juju status keys: units with workload/juju status, leader, subordinates, machines, relations', () => {
    const state = emptyState();
    const server = meta({ name: 'server', provides: { api: { interface: 'http' } } });
    const sub = meta({ name: 'sub', subordinate: true, requires: { host: { interface: 'juju-info', scope: 'container' } } });
    deployApps(state, [{ name: 'server', meta: server, units: 1 }, { name: 'sub', meta: sub, units: 0 }], [['sub', 'host', 'server', 'juju-info']]);
    settle(state, (ctx) => ctx.unit !== 'sub/0' || ctx.hook?.name !== 'install');
    const doc = statusDocument(state, true) as any;
    const unit = doc.applications.server.units['server/0'];
    expect(unit['workload-status'].current).toBe('unknown');
    expect(unit['juju-status'].current).toBe('allocating');
    expect(unit.leader).toBe(true);
    expect(unit.machine).toBe('0');
    expect(unit.subordinates['sub/0']['workload-status']).toMatchObject({ current: 'error', message: 'hook failed: "install"' });
    expect(doc.applications.sub['subordinate-to']).toEqual(['server']);
    expect(doc.applications.server.relations['juju-info']).toEqual([{ 'related-application': 'sub', interface: 'juju-info', scope: 'container' }]);
    expect(doc.machines['0']).toMatchObject({ 'dns-name': '10.0.0.1', 'juju-status': { current: 'started' } });
    expect(doc.applications.sub['application-status'].current).toBe('error');
  });
});

/**
 * The agent-semantics scenarios, run with the recorder test charms through the real CLI (in-process `main`, agent
 * as its own background process) on either backend: start sequence, relation ordering, transaction visibility,
 * error + resolved, leader re-election, subordinate placement, removal hooks, and a clean destroy.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { createBackend } from '../backend/factory.js';
import { modelPaths, readState } from '../model/store.js';
import { pidAlive } from '../cli/agent-client.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const RECORDER = join(HERE, 'charms/recorder');
const RECORDER_SUB = join(HERE, 'charms/recorder-sub');

export interface HookRecord {
  hook: string;
  env: Record<string, string>;
  relationList?: string[];
  relationGet?: Record<string, string>;
  leader?: string;
}

/** Parses recorder.log into one record per hook. */
export function parseRecorderLog(text: string): HookRecord[] {
  const out: HookRecord[] = [];
  let cur: HookRecord | undefined;
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    const tag = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    if (tag === 'HOOK') out.push((cur = { hook: rest, env: {} }));
    else if (!cur) continue;
    else if (tag === 'ENV') cur.env[rest.slice(0, rest.indexOf('='))] = rest.slice(rest.indexOf('=') + 1);
    else if (tag === 'RELATION-LIST') cur.relationList = JSON.parse(rest) as string[];
    else if (tag === 'RELATION-GET' || tag === 'RELATION-GET-APP') cur.relationGet = JSON.parse(rest) as Record<string, string>;
    else if (tag === 'LEADER') cur.leader = rest;
  }
  return out;
}

export function names(records: HookRecord[]): string[] {
  return records.map((r) => (r.env.JUJU_REMOTE_UNIT ? `${r.hook}:${r.env.JUJU_REMOTE_UNIT}` : r.hook));
}

export function defineRecorderSuite(backend: 'host' | 'nspawn', model: string): void {
  const home = mkdtempSync(join(tmpdir(), `jl-${backend}-`));
  let work = '';
  const cli = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const code = await main([...argv], { out: (t) => (out += t), err: (t) => (err += t), cwd: work });
    return { code, out, err };
  };
  const ok = async (...argv: string[]): Promise<string> => {
    const r = await cli(...argv);
    if (r.code !== 0) throw new Error(`juju-local ${argv.join(' ')} exited ${r.code}: ${r.err}${r.out}`);
    return r.out;
  };
  const log = async (unit: string): Promise<HookRecord[]> => parseRecorderLog(await ok('exec', '-m', model, '--unit', unit, '--', 'cat "$CHARM_DIR/../recorder.log"'));
  const status = async (): Promise<any> => JSON.parse(await ok('status', '-m', model, '--format', 'json'));
  const machineFile = async (machine: string, inner: string): Promise<string> => {
    const b = createBackend(backend, model, home);
    return readFileSync(await b.hostPath(machine, b.innerPath(machine, inner)), 'utf8');
  };
  let agentPid = 0;
  let relData = -1;

  beforeAll(async () => {
    process.env.JUJU_LOCAL_HOME = home;
    work = mkdtempSync(join(tmpdir(), 'jl-bundle-'));
    mkdirCharmLinks(work);
    writeFileSync(join(work, 'bundle.yaml'), [
      'applications:',
      '  a: { charm: ./charms/recorder, num_units: 2 }',
      '  b: { charm: ./charms/recorder, num_units: 1, options: { message: hello-b } }',
      '  sub: { charm: ./charms/recorder-sub }',
      'relations:',
      '  - [a:data, b:upstream]',
      '  - [sub, b]',
      '',
    ].join('\n'));
    await ok('add-model', model, '--backend', backend, '--config', 'update-status-hook-interval=1h');
    agentPid = Number(readFileSync(modelPaths(model, home).pid, 'utf8'));
    await ok('deploy', '-m', model, './bundle.yaml');
    await ok('wait', '-m', model, '--timeout', '10m', '--quiet');
    relData = Object.values(readState(model, home).relations).find((r) => r.key === 'a:data b:upstream')!.id;
    // A cold image cache means debootstrap and an apt archive download first.
  }, 3_600_000);

  afterAll(async () => {
    if (process.env.JL_KEEP) return;
    if (existsSync(modelPaths(model, home).state)) await cli('destroy-model', model, '-y');
    rmSync(home, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  }, 300_000);

  // Each step waits for hooks in real processes: allow for a loaded 2-core CI machine.
  describe(`recorder charms on the ${backend} backend`, { timeout: 600_000 }, () => {
    it('runs the start sequence with Juju\'s environment', async () => {
      const a0 = await log('a/0');
      const a1 = await log('a/1');
      expect(names(a0).slice(0, 6)).toEqual(['install', 'data-relation-created', 'cluster-relation-created', 'leader-elected', 'config-changed', 'start']);
      // The leader's leader-set in leader-elected may give a minion a second leader-settings-changed, and Juju's
      // resolver ranks leadership above a queued start, so it may land before start: keep only the first one.
      const a1Start = names(a1).filter((h, i, all) => !(h === 'leader-settings-changed' && all.indexOf(h) < i)).slice(0, 6);
      expect(a1Start).toEqual(['install', 'data-relation-created', 'cluster-relation-created', 'leader-settings-changed', 'config-changed', 'start']);
      const install = a0[0]!.env;
      expect(install.JUJU_DISPATCH_PATH).toBe('hooks/install');
      expect(install.JUJU_UNIT_NAME).toBe('a/0');
      expect(install.JUJU_MODEL_NAME).toBe(model);
      expect(install.JUJU_PRINCIPAL_UNIT).toBe('');
      expect(install.JUJU_CONTEXT_ID).toMatch(/^a\/0-install-[0-9a-f]{16}$/);
      expect(install.CHARM_DIR!.endsWith('/var/lib/juju/agents/unit-a-0/charm')).toBe(true);
      expect(install.JUJU_CHARM_DIR).toBe(install.CHARM_DIR);
      expect(install.JUJU_AGENT_SOCKET_NETWORK).toBe('unix');
      expect(a0.find((r) => r.hook === 'leader-elected')!.leader).toBe('True');
      expect(a1.find((r) => r.hook === 'start')!.leader).toBe('False');
      const created = a0.find((r) => r.hook === 'data-relation-created')!;
      expect(created.env.JUJU_REMOTE_UNIT).toBe('');
      expect(created.env.JUJU_REMOTE_APP).toBe('b');
      expect(created.env.JUJU_RELATION_ID).toBe(`data:${relData}`);
    });

    it('orders relation hooks: joined then changed for the same unit, with the remote data', async () => {
      const b0 = names(await log('b/0'));
      const joinedA0 = b0.indexOf('upstream-relation-joined:a/0');
      expect(joinedA0).toBeGreaterThan(b0.indexOf('start'));
      expect(b0[joinedA0 + 1]).toBe('upstream-relation-changed:a/0');
      expect(b0.indexOf('upstream-relation-joined:a/1')).toBeGreaterThan(joinedA0);
      const rec = (await log('b/0')).find((r) => r.hook === 'upstream-relation-joined' && r.env.JUJU_REMOTE_UNIT === 'a/0')!;
      expect(rec.relationList).toEqual(['a/0']);
      const st = await status();
      expect(rec.relationGet!['private-address']).toBe(st.applications.a.units['a/0']['public-address']);
    });

    it('places a subordinate unit beside its principal; it sees only that unit', async () => {
      const st = await status();
      const b0 = st.applications.b.units['b/0'];
      expect(Object.keys(b0.subordinates)).toEqual(['sub/0']);
      expect(b0.subordinates['sub/0']['workload-status']).toEqual(expect.objectContaining({ current: 'active', message: `on ${b0['public-address']}` }));
      const sub = await log('sub/0');
      expect(sub[0]!.env.JUJU_PRINCIPAL_UNIT).toBe('b/0');
      expect(sub[0]!.env.JUJU_DISPATCH_PATH).toBe('hooks/install');
      expect(sub.find((r) => r.hook === 'host-relation-joined')!.relationList).toEqual(['b/0']);
    });

    it('never shows data or ports set by a failing hook; the unit stays in error until resolved', async () => {
      await ok('exec', '-m', model, '--unit', 'a/0', '--', 'touch "$CHARM_DIR/../fail-config-changed"');
      await ok('config', '-m', model, 'a', 'message=changed');
      const r = await cli('wait', '-m', model, '--timeout', '2m', '--quiet');
      expect(r.code).toBe(1);
      expect(r.err).toContain('a/0: hook failed: "config-changed"');
      const st = await status();
      expect(st.applications.a.units['a/0']['workload-status']).toEqual(expect.objectContaining({ current: 'error', message: 'hook failed: "config-changed"' }));
      expect(st.applications.a.units['a/0']['juju-status'].current).toBe('idle');
      expect(st.applications.a.units['a/0']['open-ports']).toBeUndefined();
      const seen = await ok('exec', '-m', model, '--unit', 'b/0', '--', `relation-get -r ${relData} --format=json - a/0`);
      expect(JSON.parse(seen)['failed-write']).toBeUndefined();
      await ok('exec', '-m', model, '--unit', 'a/0', '--', 'rm "$CHARM_DIR/../fail-config-changed"');
      await ok('resolved', '-m', model, 'a/0');
      await ok('wait', '-m', model, '--timeout', '2m', '--quiet');
      const after = await status();
      expect(after.applications.a.units['a/0']['workload-status']).toEqual(expect.objectContaining({ current: 'active', message: 'changed' }));
      const hooks = names(await log('a/0'));
      expect(hooks.filter((h) => h === 'config-changed').length).toBe(3);
    });

    it('answers hook tools in the machine: files, -o, exit codes, context ids', async () => {
      const script = [
        'cd "$CHARM_DIR/.."',
        'printf "k: from-file\\n" > settings.yaml',
        'state-set --file settings.yaml',
        'echo "state=$(state-get k)"',
        'config-get message -o out.txt; echo "out=$(cat out.txt)"',
        'relation-get >/dev/null 2>err.txt; echo "rc=$? $(cat err.txt)"',
        'JUJU_CONTEXT_ID=bogus is-leader 2>&1; echo "rc=$?"',
        'echo "addr=$(unit-get private-address) $(network-get data --ingress-address)"',
      ].join('; ');
      const out = await ok('exec', '-m', model, '--unit', 'a/1', '--', script);
      const st = await status();
      const addr = st.applications.a.units['a/1']['public-address'];
      expect(out.split('\n')).toEqual([
        'state=from-file',
        'out=changed',
        'rc=2 ERROR no relation id specified',
        'ERROR bad request: wrong context ID "bogus"',
        'rc=1',
        `addr=${addr} ${addr}`,
        '',
      ]);
    });

    it('runs actions with results, logs and output', async () => {
      const out = await ok('run', '-m', model, 'a/1', 'echo', 'message=hey', '--format', 'json');
      const doc = JSON.parse(out)['a/1'];
      expect(doc.status).toBe('completed');
      expect(doc.results).toEqual({ echoed: 'hey', nested: { unit: 'a/1' }, 'return-code': '0', stdout: 'stdout of echo\n' });
      expect(doc.log[0]).toMatch(/ echoing$/);
      const failed = await cli('run', '-m', model, 'a/1', 'fail');
      expect(failed.code).toBe(1);
      expect(failed.err).toContain('asked to fail');
    });

    it('re-elects a leader and runs the removal hooks when the leader unit goes', async () => {
      await ok('remove-unit', '-m', model, 'a/0');
      await ok('wait', '-m', model, '--timeout', '2m', '--quiet');
      const st = await status();
      expect(Object.keys(st.applications.a.units)).toEqual(['a/1']);
      expect(st.applications.a.units['a/1'].leader).toBe(true);
      expect(names(await log('a/1'))).toContain('leader-elected');
      const gone = parseRecorderLog(await machineFile('0', '/var/lib/juju/agents/unit-a-0/recorder.log'));
      const tail = names(gone).slice(-5);
      expect(tail).toEqual(['data-relation-departed:b/0', 'data-relation-broken', 'cluster-relation-departed:a/1', 'stop', 'remove']);
      expect(gone.find((r) => r.hook === 'data-relation-departed')!.env.JUJU_DEPARTING_UNIT).toBe('a/0');
      const b0 = await log('b/0');
      const departed = b0.find((r) => r.hook === 'upstream-relation-departed')!;
      expect(departed.env.JUJU_DEPARTING_UNIT).toBe('a/0');
      expect(departed.relationList).toEqual(['a/1']);
    });

    it('refresh runs upgrade-charm then config-changed; update-status follows the model setting', async () => {
      expect(await ok('refresh', '-m', model, 'a')).toContain('revision 2');
      await ok('wait', '-m', model, '--timeout', '2m', '--quiet');
      expect(names(await log('a/1')).slice(-2)).toEqual(['upgrade-charm', 'config-changed']);
      await ok('model-config', '-m', model, 'update-status-hook-interval=1s');
      const deadline = Date.now() + 60_000;
      while (!names(await log('a/1')).includes('update-status') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
      await ok('model-config', '-m', model, 'update-status-hook-interval=1h');
      const rec = (await log('a/1')).find((r) => r.hook === 'update-status')!;
      expect(rec.env.JUJU_DISPATCH_PATH).toBe('hooks/update-status');
      const st = await status();
      expect(st.applications.a['charm-rev']).toBe(2);
    });

    it.runIf(backend === 'nspawn')('holds hooks while a machine is powered off and carries on when it is back', async () => {
      const machines = await import('../machines/index.js');
      const before = (await log('b/0')).length; // read while the machine runs: the log lives in it
      await machines.powerOff({ model, id: '2' });
      await ok('config', '-m', model, 'b', 'message=after-power');
      const deadline = Date.now() + 60_000;
      let st = await status();
      while (st.applications.b.units['b/0']['juju-status'].current !== 'lost' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        st = await status();
      }
      expect(st.machines['2']['juju-status'].current).toBe('down');
      expect(st.applications.b.units['b/0']['juju-status'].current).toBe('lost');
      await machines.powerOn({ model, id: '2' });
      await ok('wait', '-m', model, '--timeout', '5m', '--quiet');
      st = await status();
      expect(st.applications.b.units['b/0']['workload-status']).toEqual(expect.objectContaining({ current: 'active', message: 'after-power' }));
      // As Juju does after a reboot: start again, before the config change that waited.
      expect(names((await log('b/0')).slice(before)).filter((h) => h !== 'update-status')).toEqual(['start', 'config-changed']);
    });

    it('destroys the model and leaves nothing running', async () => {
      const paths = modelPaths(model, home);
      const hookPids = existsSync(join(paths.dir, 'hook.pids')) ? readFileSync(join(paths.dir, 'hook.pids'), 'utf8').split('\n').map((l) => Number(l.split(' ')[0])).filter(Boolean) : [];
      await ok('destroy-model', model, '-y');
      expect(pidAlive(agentPid)).toBe(false);
      for (const p of hookPids) expect(pidAlive(p)).toBe(false);
      expect(existsSync(paths.dir)).toBe(false);
      if (backend === 'nspawn') {
        expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(`lm.${model}`);
        expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(`/machines/${model}/`);
        expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toMatch(new RegExp(`--machine[= ]${model}-`));
      }
    });
  });
}

/** Bundle-relative charm paths: the bundle names ./charms/<name>, as a real bundle beside its charms would. */
function mkdirCharmLinks(dir: string): void {
  execFileSync('mkdir', ['-p', join(dir, 'charms')]);
  execFileSync('ln', ['-s', RECORDER, join(dir, 'charms/recorder')]);
  execFileSync('ln', ['-s', RECORDER_SUB, join(dir, 'charms/recorder-sub')]);
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../cli/main.js';
import { listModels, modelPaths, readState } from '../model/store.js';
import { pidAlive } from '../cli/agent-client.js';

const RECORDER = join(dirname(fileURLToPath(import.meta.url)), 'charms/recorder');
const home = mkdtempSync(join(tmpdir(), 'jl-cli-'));
const work = mkdtempSync(join(tmpdir(), 'jl-cli-work-'));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t), cwd: work });
  return { code, out, err };
}

beforeAll(() => {
  process.env.JUJU_LOCAL_HOME = home;
});
afterAll(async () => {
  for (const m of listModels(home)) await cli('destroy-model', m, '-y');
  rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('juju-local usage errors exit 2, run errors exit 1', () => {
  it('unknown verbs and missing arguments', async () => {
    expect(await cli('frobnicate')).toMatchObject({ code: 2, err: expect.stringContaining('ERROR unknown command "frobnicate"') });
    expect(await cli('deploy')).toMatchObject({ code: 2, err: 'ERROR no charm or bundle specified: juju-local deploy <bundle.yaml|charm dir|file.charm> [application name]\n' });
    expect(await cli('add-model', 'Bad_Name')).toMatchObject({ code: 2, err: expect.stringContaining('ERROR invalid model name "Bad_Name"') });
    expect(await cli('status', '--format', 'xml')).toMatchObject({ code: 2, err: 'ERROR invalid --format "xml": tabular, yaml or json\n' });
    expect(await cli('status', '-m', 'ghost')).toMatchObject({ code: 1, err: 'ERROR model "ghost" not found (see: juju-local models)\n' });
  });

  it('a bad bundle fails before anything is created, listing every problem', async () => {
    writeFileSync(join(work, 'bad.yaml'), `applications:\n  a:\n    charm: ${RECORDER}\n    num_units: 1\n    options: { count: many }\n  b:\n    charm: ./missing\nrelations: [[a, c]]\n`);
    const r = await cli('deploy', './bad.yaml', '-m', 'nomodel');
    expect(r.code).toBe(1);
    expect(r.err).toBe([
      'ERROR cannot deploy bundle: 3 problem(s); nothing was deployed',
      '  bad.yaml: applications.b.charm: ' + join(work, 'missing') + ' does not exist',
      '  bad.yaml: applications.a.options.count: option "count" expects an integer, got "many"',
      '  bad.yaml: relations[0][1]: application "c" is not defined in the bundle',
      '',
    ].join('\n'));
    expect(listModels(home)).toEqual([]);
  });
});

describe('agent lifecycle on the host backend', () => {
  it('restarts a killed agent on the next change and destroys a model whose agent is dead', async () => {
    expect((await cli('add-model', 'life', '--backend', 'host', '--config', 'update-status-hook-interval=1h')).code).toBe(0);
    expect((await cli('deploy', RECORDER, 'rec', '-n', '2')).code).toBe(0);
    expect(await cli('wait', '--timeout', '2m', '--quiet')).toMatchObject({ code: 0 });
    const pid = Number(readFileSync(modelPaths('life', home).pid, 'utf8'));
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    expect(pidAlive(pid)).toBe(false);
    const st = JSON.parse((await cli('status', '--format', 'json')).out);
    expect(st.model['model-status'].current).toBe('suspended');
    expect((await cli('config', 'rec', 'message=again')).code).toBe(0);
    const pid2 = Number(readFileSync(modelPaths('life', home).pid, 'utf8'));
    expect(pid2).not.toBe(pid);
    expect(await cli('wait', '--timeout', '2m', '--quiet')).toMatchObject({ code: 0 });
    expect(readState('life', home).units['rec/1']!.workload.message).toBe('again');
    expect((await cli('run', 'rec/leader', 'echo', 'message=x', '--format', 'json')).out).toContain('"echoed":"x"');
    process.kill(pid2, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const r = await cli('destroy-model', 'life', '-y');
    expect(r).toMatchObject({ code: 0, out: expect.stringContaining('Model "life" destroyed') });
    expect(existsSync(modelPaths('life', home).dir)).toBe(false);
  }, 300_000);
});

describe('concurrent CLI calls', () => {
  it('one of two identical add-model calls wins; parallel changes all land; a dead agent is restarted once', async () => {
    const [x, y] = await Promise.all([cli('add-model', 'race', '--backend', 'host', '--no-switch'), cli('add-model', 'race', '--backend', 'host', '--no-switch')]);
    expect([x.code, y.code].sort()).toEqual([0, 1]);
    expect([x.err, y.err].join('')).toBe('ERROR model "race" already exists\n');
    expect((await cli('deploy', '-m', 'race', RECORDER, 'rec', '-n', '1')).code).toBe(0);
    const results = await Promise.all([
      cli('add-unit', '-m', 'race', 'rec'),
      cli('add-unit', '-m', 'race', 'rec', '-n', '2'),
      cli('config', '-m', 'race', 'rec', 'count=7'),
      cli('config', '-m', 'race', 'rec', 'flag=true'),
    ]);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const state = readState('race', home);
    expect(Object.keys(state.units).sort()).toEqual(['rec/0', 'rec/1', 'rec/2', 'rec/3']);
    expect(state.applications.rec!.config).toEqual({ count: 7, flag: true });
    const pid = Number(readFileSync(modelPaths('race', home).pid, 'utf8'));
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    await Promise.all([cli('config', '-m', 'race', 'rec', 'message=a'), cli('config', '-m', 'race', 'rec', 'count=8')]);
    const agents = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => /agent\/(launch\.mjs|main\.ts) race$/.test(l.trim()));
    expect(agents.length).toBe(1);
    expect((await cli('wait', '-m', 'race', '--timeout', '3m', '--quiet')).code).toBe(0);
    expect(readState('race', home).applications.rec!.config).toEqual({ count: 8, flag: true, message: 'a' });
  }, 300_000);
});

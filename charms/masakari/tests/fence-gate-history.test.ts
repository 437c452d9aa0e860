/**
 * The fence gate's history module (templates/masakari_fence_gate/history.py) run by a real python3 against tiny
 * scripts that answer with stonith_admin's command line: what counts as a confirmed fence and what does not.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHARM_DIR } from './fixtures.js';
import { historyXml } from './stonith-history.js';

const dir = mkdtempSync(join(tmpdir(), 'fence-gate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stonith_admin stand-in: answers per node name from a table, logs its argv. */
function fencer(name: string, answers: Record<string, string>, exitCode = 0, stderr = ''): string {
  const path = join(dir, name);
  const cases = Object.entries(answers).map(([node, out]) => `  ${node}) printf '%s' '${out}' ;;`).join('\n');
  writeFileSync(path, `#!/bin/sh\necho "$*" >> ${path}.calls\ncase "$2" in\n${cases}\nesac\necho '${stderr}' >&2\nexit ${exitCode}\n`, { mode: 0o755 });
  return path;
}

function gate(script: string, host: string, detectedAt: number, window = 300, earlier: [number, string] | null = null): { confirmed?: boolean; why?: string; error?: string; fencedAt?: number | null } {
  const code = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(join(CHARM_DIR, 'templates'))})`,
    'from masakari_fence_gate import history',
    'try:',
    `    at = history.last_fenced(${JSON.stringify(host)}, ${JSON.stringify(script)})`,
    `    ok, why = history.verdict(at, ${detectedAt}, ${window}, ${earlier ? `(${earlier[0]}, ${JSON.stringify(earlier[1])})` : 'None'})`,
    '    print(json.dumps({"confirmed": ok, "why": why, "fencedAt": at}))',
    'except history.FenceHistoryError as e:',
    '    print(json.dumps({"error": str(e)}))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', code], { encoding: 'utf8' })) as never;
}

describe('fence gate: history', () => {
  const now = 1_790_000_000;
  const fqdnCalls = '--history cmp1.maas --verbose --output-as=xml\n--history cmp1 --verbose --output-as=xml\n';

  it('confirms the newest successful fence around the failure, under the FQDN or the short name', () => {
    // Pacemaker lists the newest first; the old fence must not hide the new one (as --quiet's answer does).
    const fqdn = fencer('fqdn', {
      'cmp1.maas': historyXml('cmp1.maas', [{ target: 'cmp1.maas', status: 'success', completed: now - 20 }, { target: 'cmp1.maas', status: 'success', completed: now - 3600 }]),
      cmp1: historyXml('cmp1', []),
    });
    expect(gate(fqdn, 'cmp1.maas', now)).toEqual({ confirmed: true, why: `fenced at ${new Date((now - 20) * 1000).toISOString().replace('.000', '')}`, fencedAt: now - 20 });
    expect(readFileSync(`${fqdn}.calls`, 'utf8')).toBe(fqdnCalls);
    const short = fencer('short', { 'cmp1.maas': historyXml('cmp1.maas', []), cmp1: historyXml('cmp1', [{ target: 'cmp1', action: 'reboot', status: 'success', completed: now + 5 }]) });
    expect(gate(short, 'cmp1.maas', now)).toMatchObject({ confirmed: true, fencedAt: now + 5 });
  });

  it('refuses a fence from before the end of the host\'s previous failure, however recent', () => {
    const answers = { 'cmp1.maas': historyXml('cmp1.maas', [{ target: 'cmp1.maas', status: 'success', completed: now - 60 }]), cmp1: historyXml('cmp1', []) };
    const refused = gate(fencer('returned', answers), 'cmp1.maas', now, 300, [now - 30, 'the recovery of its previous failure, finished']);
    expect(refused.confirmed).toBe(false);
    expect(refused.why).toMatch(/^its newest successful fence \(.*\) is older than the recovery of its previous failure, finished \(.*\): it belongs to an earlier failure$/);
    expect(gate(fencer('returned-before', answers), 'cmp1.maas', now, 300, [now - 90, 'its return to service, reported'])).toMatchObject({ confirmed: true, fencedAt: now - 60 });
  });

  it('finds the end of the previous failure: a finished recovery or a STARTED report, whichever is newer', () => {
    const run = (others: object[]) => JSON.parse(execFileSync('python3', ['-c', [
      'import json, sys', `sys.path.insert(0, ${JSON.stringify(join(CHARM_DIR, 'templates'))})`,
      'from masakari_fence_gate import history',
      `print(json.dumps(history.earlier_incident('this', ${now}, json.loads(sys.argv[1]))))`,
    ].join('\n'), JSON.stringify(others)], { encoding: 'utf8' })) as [number, string] | null;
    const n = (uuid: string, event: string, status: string, generated: number, updated: number | null = generated) => ({ uuid, event, status, generated, updated });
    // What the suite's database held: a STARTED 4 min ago, the previous failure's recovery finished 2 min ago; the
    // STARTED after that recovery was dropped by masakari-api as a duplicate, so only the finished recovery tells.
    expect(run([n('this', 'STOPPED', 'running', now), n('prev', 'STOPPED', 'finished', now - 200, now - 150), n('up', 'STARTED', 'finished', now - 240)]))
      .toEqual([now - 150, 'the recovery of its previous failure, finished']);
    expect(run([n('up', 'STARTED', 'ignored', now - 20), n('prev', 'STOPPED', 'finished', now - 200, now - 150)])).toEqual([now - 20, 'its return to service, reported']);
    // A recovery that did not finish consumed no fence; reports after this one do not count; none at all: null.
    expect(run([n('prev', 'STOPPED', 'error', now - 200, now - 150), n('later', 'STARTED', 'new', now + 5)])).toBeNull();
    expect(run([])).toBeNull();
  });

  it('cooldown: the newest recovery the gate let through (or that ran without it) holds a new evacuation back', () => {
    const run = (others: object[], gate: Record<string, boolean | null>, cooldown = 3600) => JSON.parse(execFileSync('python3', ['-c', [
      'import json, sys', `sys.path.insert(0, ${JSON.stringify(join(CHARM_DIR, 'templates'))})`,
      'from masakari_fence_gate import history',
      'asked = []',
      'gate = json.loads(sys.argv[2])',
      'def passed(uuid):',
      '    asked.append(uuid)',
      '    return gate.get(uuid)',
      `recovered = history.last_recovery('this', ${now}, ${cooldown}, json.loads(sys.argv[1]), passed)`,
      `print(json.dumps({"recovered": recovered, "asked": asked, "why": history.cooldown_reason('cmp1.maas', recovered, ${now}, ${cooldown})}))`,
    ].join('\n'), JSON.stringify(others), JSON.stringify(gate)], { encoding: 'utf8' })) as { recovered: [number, string] | null; asked: string[]; why: string | null };
    const n = (uuid: string, event: string, status: string, generated: number, updated: number | null = generated) => ({ uuid, event, status, generated, updated });
    const recovered = n('first', 'STOPPED', 'finished', now - 1300, now - 1200);
    const withheld = n('second', 'STOPPED', 'finished', now - 620, now - 600);
    // A flapping host: recovered 20 min ago, withheld 10 min ago; the withheld one does not restart the clock.
    const flapping = run([n('this', 'STOPPED', 'running', now), withheld, recovered, n('up', 'STARTED', 'finished', now - 700)], { first: true, second: false });
    expect(flapping.recovered).toEqual([now - 1200, 'first']);
    expect(flapping.asked).toEqual(['second', 'first']);
    const at = (s: number) => new Date(s * 1000).toISOString().replace('.000', '');
    expect(flapping.why).toBe(`recovery cooldown: host 'cmp1.maas' was recovered at ${at(now - 1200)} (notification first); it is not evacuated again before ${at(now + 2400)} (recovery-cooldown 3600 s). Its instances are left where they are: look at the host, then evacuate them by hand (openstack server evacuate) if they must run elsewhere`);
    // A recovery without the gate (require-fencing was off) counts too.
    expect(run([recovered], {}).recovered).toEqual([now - 1200, 'first']);
    // Older than the cooldown, not finished, or the gate stopped every one: nothing holds it back, nothing asked late.
    expect(run([recovered], { first: true }, 1200)).toEqual({ recovered: null, asked: [], why: null });
    expect(run([n('failed', 'STOPPED', 'error', now - 300, now - 200), withheld], { second: false })).toEqual({ recovered: null, asked: ['second'], why: null });
    // Off: the history is not even read.
    expect(run([recovered], { first: true }, 0)).toEqual({ recovered: null, asked: [], why: null });
  });

  it('reads times with an offset as Pacemaker writes them outside UTC', () => {
    const code = `import sys; sys.path.insert(0, ${JSON.stringify(join(CHARM_DIR, 'templates'))}); from masakari_fence_gate import history; print(history.parse_completed('2026-11-22 12:49:54 +01:00'), history.parse_completed('2026-11-22 11:49:54Z'))`;
    const [plus, z] = execFileSync('python3', ['-c', code], { encoding: 'utf8' }).trim().split(' ');
    expect(plus).toBe(z);
    expect(Number(z)).toBe(Date.UTC(2026, 10, 22, 11, 49, 54) / 1000);
  });

  it('refuses without a success, with failed or pending attempts only, with a fence older than the window, and on odd output', () => {
    expect(gate(fencer('none', { 'cmp1.maas': historyXml('cmp1.maas', []), cmp1: historyXml('cmp1', []) }), 'cmp1.maas', now))
      .toEqual({ confirmed: false, why: 'no successful fence of this host in the fencing history', fencedAt: null });
    const attempts = historyXml('cmp1.maas', [{ target: 'cmp1.maas', status: 'pending' }, { target: 'cmp1.maas', status: 'failed', completed: now - 2 }]);
    expect(gate(fencer('attempts', { 'cmp1.maas': attempts, cmp1: historyXml('cmp1', []) }), 'cmp1.maas', now)).toMatchObject({ confirmed: false, fencedAt: null });
    // An "on" (unfencing) is no fence.
    const on = historyXml('cmp1.maas', [{ target: 'cmp1.maas', action: 'on', status: 'success', completed: now }]);
    expect(gate(fencer('on', { 'cmp1.maas': on, cmp1: historyXml('cmp1', []) }), 'cmp1.maas', now)).toMatchObject({ confirmed: false, fencedAt: null });
    const stale = gate(fencer('stale', { 'cmp1.maas': historyXml('cmp1.maas', [{ target: 'cmp1.maas', status: 'success', completed: now - 301 }]), cmp1: historyXml('cmp1', []) }), 'cmp1.maas', now);
    expect(stale.confirmed).toBe(false);
    expect(stale.why).toMatch(/^its newest successful fence \(.*\) is more than 300 s older than the failure \(detected .*\)$/);
    expect(gate(fencer('odd', { 'cmp1.maas': '1790000000\n0 events found\n' }), 'cmp1.maas', now).error).toMatch(/^stonith_admin printed no XML/);
  });

  it('reports a fencer that cannot answer with the command, exit code and its message', () => {
    const down = fencer('down', {}, 102, 'Could not connect to fencer: Transport endpoint is not connected');
    expect(gate(down, 'cmp1.maas', now).error).toBe(`${down} --history cmp1.maas --verbose --output-as=xml exited 102: Could not connect to fencer: Transport endpoint is not connected`);
    expect(gate(join(dir, 'missing'), 'cmp1.maas', now).error).toMatch(/missing: \[Errno 2\] No such file or directory/);
  });
});

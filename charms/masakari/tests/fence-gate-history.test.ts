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

const dir = mkdtempSync(join(tmpdir(), 'fence-gate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stonith_admin stand-in: answers per node name from a table, logs its argv. */
function fencer(name: string, answers: Record<string, string>, exitCode = 0, stderr = ''): string {
  const path = join(dir, name);
  const cases = Object.entries(answers).map(([node, out]) => `  ${node}) printf '%s' '${out}' ;;`).join('\n');
  writeFileSync(path, `#!/bin/sh\necho "$*" >> ${path}.calls\ncase "$2" in\n${cases}\nesac\necho '${stderr}' >&2\nexit ${exitCode}\n`, { mode: 0o755 });
  return path;
}

function gate(script: string, host: string, detectedAt: number, window = 300): { confirmed?: boolean; why?: string; error?: string; fencedAt?: number | null } {
  const code = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(join(CHARM_DIR, 'templates'))})`,
    'from masakari_fence_gate import history',
    'try:',
    `    at = history.last_fenced(${JSON.stringify(host)}, ${JSON.stringify(script)})`,
    `    ok, why = history.verdict(at, ${detectedAt}, ${window})`,
    '    print(json.dumps({"confirmed": ok, "why": why, "fencedAt": at}))',
    'except history.FenceHistoryError as e:',
    '    print(json.dumps({"error": str(e)}))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', code], { encoding: 'utf8' })) as never;
}

describe('fence gate: history', () => {
  const now = 1_790_000_000;

  it('confirms a fence that completed around the failure, under the FQDN or the short name', () => {
    // Pacemaker 2.1.5's answers, as seen on the local model: the epoch and a footer; only the footer without a fence.
    const fqdn = fencer('fqdn', { 'cmp1.maas': `${now - 20}\n0 events found\n`, cmp1: '0 events found\n' });
    expect(gate(fqdn, 'cmp1.maas', now)).toEqual({ confirmed: true, why: `fenced at ${new Date((now - 20) * 1000).toISOString().replace('.000', '')}`, fencedAt: now - 20 });
    expect(readFileSync(`${fqdn}.calls`, 'utf8')).toBe('--history cmp1.maas --quiet\n--history cmp1 --quiet\n');
    const short = fencer('short', { 'cmp1.maas': '0 events found\n', cmp1: `${now + 5}\n1 event found\n` });
    expect(gate(short, 'cmp1.maas', now)).toMatchObject({ confirmed: true, fencedAt: now + 5 });
  });

  it('refuses without a fence, with a fence older than the window, and on output it does not understand', () => {
    expect(gate(fencer('none', { 'cmp1.maas': '0 events found\n', cmp1: '' }), 'cmp1.maas', now)).toEqual({ confirmed: false, why: 'no successful fence of this host in the fencing history', fencedAt: null });
    const stale = gate(fencer('stale', { 'cmp1.maas': `${now - 301}\n` }), 'cmp1.maas', now);
    expect(stale.confirmed).toBe(false);
    expect(stale.why).toMatch(/^its newest successful fence \(.*\) is more than 300 s older than the failure \(detected .*\)$/);
    expect(gate(fencer('odd', { 'cmp1.maas': 'reboot of cmp1.maas successful\n' }), 'cmp1.maas', now).error).toMatch(/printed 'reboot of cmp1.maas successful\\n', not an epoch second/);
  });

  it('reports a fencer that cannot answer with the command, exit code and its message', () => {
    const down = fencer('down', {}, 102, 'Could not connect to fencer: Transport endpoint is not connected');
    expect(gate(down, 'cmp1.maas', now).error).toBe(`${down} --history cmp1.maas exited 102: Could not connect to fencer: Transport endpoint is not connected`);
    expect(gate(join(dir, 'missing'), 'cmp1.maas', now).error).toMatch(/missing: \[Errno 2\] No such file or directory/);
  });
});

/** Overlay rendering into files, the model judge's target forms, and blockUntil's waiting, without a model. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { blockUntil, ModelTimeout, pendingAgainst } from '../model.js';
import { renderOverlays } from '../overlays.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('overlays', () => {
  it('renders the local-charm overlay then the bundle\'s own, private to the owner, skipping templates that do not exist', () => {
    dir = mkdtempSync(join(tmpdir(), 'overlays-'));
    mkdirSync(join(dir, 'bundles', 'overlays'), { recursive: true });
    writeFileSync(join(dir, 'bundles', 'overlays', 'local-charm-overlay.yaml.j2'), 'applications:\n  masakari:\n    options:\n      vip: {{ TEST_VIP00 }}\n');
    writeFileSync(join(dir, 'bundles', 'overlays', 'b.yaml.j2'), 'applications: {}\n');
    const out = renderOverlays(dir, 'b', { TEST_VIP00: '10.0.0.250' }, join(dir, 'out'));
    expect(out).toEqual([join(dir, 'out', 'local-charm-overlay.yaml'), join(dir, 'out', 'b.yaml')]);
    expect(readFileSync(out[0]!, 'utf8')).toContain('vip: 10.0.0.250');
    expect(statSync(out[0]!).mode & 0o777).toBe(0o600);
    expect(renderOverlays(dir, 'other', { TEST_VIP00: 'x' }, join(dir, 'out2'))).toEqual([join(dir, 'out2', 'local-charm-overlay.yaml')]);
    expect(existsSync(join(dir, 'out2', 'other.yaml'))).toBe(false);
    expect(() => renderOverlays(dir, 'b', {}, join(dir, 'out3'))).toThrow(/needs TEST_VIP00/);
  });
});

const unit = (workload: string, message: string, agent = 'idle') => ({ 'workload-status': { current: workload, message }, 'juju-status': { current: agent } });

describe('model targets', () => {
  it('takes the message prefix, regex and unit count a target names; active wants a ready message by default', () => {
    const status = { applications: {
      a: { units: { 'a/0': unit('active', 'Unit is ready') } },
      b: { units: { 'b/0': unit('blocked', 'Missing relation: db') } },
      c: { units: { 'c/0': unit('active', 'something else') } },
    } };
    expect(pendingAgainst(status, { b: { 'workload-status': 'blocked', 'workload-status-message-regex': '^Missing' } }).waiting).toEqual(['c/0: idle/active "something else"']);
    expect(pendingAgainst(status, { b: { 'workload-status': 'blocked' }, c: { 'workload-status-message-prefix': 'something' } }).waiting).toEqual([]);
    expect(pendingAgainst(status, { a: { 'num-expected-units': 2 }, b: { 'workload-status': 'blocked' }, c: { 'workload-status-message-prefix': '' } }).waiting).toEqual(['a: 1 unit(s), 2 expected']);
  });
});

describe('blockUntil', () => {
  it('returns the first value the probe gives, and on timeout says what it waited for and the last error', async () => {
    let calls = 0;
    expect(await blockUntil('third call', async () => (++calls === 3 ? 'ok' : undefined), 5_000, 1)).toBe('ok');
    const waiting = blockUntil('the VIP to answer', async () => {
      throw new Error('fetch failed');
    }, 20, 5);
    await expect(waiting).rejects.toThrow(ModelTimeout);
    await expect(waiting).rejects.toThrow('the VIP to answer: not reached within 0 s (last error: fetch failed)');
  });
});

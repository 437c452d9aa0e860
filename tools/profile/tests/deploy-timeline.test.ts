import { describe, expect, it } from 'vitest';
import { parseTimings, renderTimeline, timeline } from '../deploy-timeline.js';

const t0 = Date.UTC(2026, 11, 3, 7, 0, 0);
const line = (unit: string, machine: string, hook: string, start: number, end: number) =>
  JSON.stringify({ unit, machine, hook, startedAt: t0 + start * 1000, exitedAt: t0 + end * 1000, tools: [] });

describe('deploy timeline', () => {
  const text = [
    line('mysql/0', '0', 'install', 0, 60),
    line('keystone/0', '0', 'install', 60, 100),
    line('nova-compute/0', '1', 'install', 2, 12),
    line('nova-compute/0', '1', 'config-changed', 20, 22),
    // a line from an agent without unit names (older format) is skipped, not miscounted
    JSON.stringify({ hook: 'install', queueToSpawn: 1, run: 5 }),
    '',
  ].join('\n');

  it('sums busy time per machine over the span from first start to last end', () => {
    const t = timeline(parseTimings(text));
    expect(t.hooks).toBe(4);
    expect(t.spanSeconds).toBe(100);
    expect(t.machines.map((m) => [m.machine, m.hooks, m.busySeconds, m.busyShare])).toEqual([['0', 2, 100, 1], ['1', 2, 12, 0.12]]);
    expect(t.machines[0]!.units).toEqual(['keystone/0', 'mysql/0']);
  });

  it('ranks hook kinds by total time and lists the longest hooks', () => {
    const t = timeline(parseTimings(text), 2);
    expect(t.byHook[0]).toEqual({ hook: 'install', count: 3, seconds: 110 });
    expect(t.longest.map((h) => h.unit)).toEqual(['mysql/0', 'keystone/0']);
    expect(renderTimeline(t, 2)).toContain('| 0 | 2 | 100 s | 100% | keystone/0 mysql/0 |');
  });

  it('an empty file gives an empty timeline', () => {
    expect(timeline(parseTimings(''))).toEqual({ spanSeconds: 0, hooks: 0, machines: [], byHook: [], longest: [] });
  });
});

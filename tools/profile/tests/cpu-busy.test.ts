import { describe, expect, it } from 'vitest';
import { BusyRecorder, busyAt, busySeconds, parallelFloor, parseProcStat } from '../cpu-busy.js';

const stat = (user: number, idle: number) => `cpu  ${user} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n`;

describe('cpu-busy', () => {
  it('reads the aggregate cpu line of /proc/stat in seconds', () => {
    const text = 'cpu  2987829 0 2022584 2204945 28758 0 38144 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 1\n';
    expect(parseProcStat(text)).toEqual({ user: 29878.29, nice: 0, system: 20225.84, idle: 22049.45, iowait: 287.58, irq: 0, softirq: 381.44, steal: 0 });
    expect(() => parseProcStat('intr 1\n')).toThrow(/no aggregate "cpu" line/);
  });

  it('counts every state but idle and I/O wait as busy', () => {
    expect(busySeconds({ user: 1, nice: 2, system: 3, idle: 100, iowait: 50, irq: 4, softirq: 5, steal: 6 })).toBe(21);
  });

  it('interpolates the busy CPU-seconds at a moment between two samples, and holds at the ends', () => {
    const samples = [{ at: 0, busy: 0 }, { at: 1, busy: 2 }, { at: 3, busy: 4 }];
    expect(busyAt(samples, 0.5)).toBe(1);
    expect(busyAt(samples, 2)).toBe(3);
    expect(busyAt(samples, 3)).toBe(4);
    expect(busyAt(samples, 10)).toBe(4);
    expect(() => busyAt([], 1)).toThrow(/no samples/);
  });

  it('records busy CPU-seconds relative to its first reading', async () => {
    const readings = [stat(1000, 5000), stat(1150, 5050), stat(1300, 5100)];
    let next = 0;
    const recorder = new BusyRecorder(5, () => readings[Math.min(next++, readings.length - 1)]!);
    await new Promise((r) => setTimeout(r, 8));
    const samples = recorder.stop();
    expect(samples[0]).toEqual({ at: 0, busy: 0 });
    expect(samples.at(-1)!.busy).toBe(3);
    expect(samples.every((s, i) => i === 0 || s.at >= samples[i - 1]!.at)).toBe(true);
  });

  it('puts a floor under two models when one deploy already fills the cores', () => {
    // One deploy: 400 CPU-s in 210 s on 2 cores, then 360 s of tests. Two deploys need 400 s of both cores before
    // the second model's tests can start: (400 + 360) / 570.
    expect(parallelFloor({ cores: 2, deployCpu: 400, deploy: 210, wall: 570 })).toBeCloseTo(760 / 570, 6);
    // On 8 cores the same deploys fit side by side: the floor is 1, no time added.
    expect(parallelFloor({ cores: 8, deployCpu: 400, deploy: 210, wall: 570 })).toBe(1);
    expect(parallelFloor({ cores: 2, deployCpu: 400, deploy: 210, wall: 570 }, 3)).toBeCloseTo(960 / 570, 6);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuByCommand, decodeCompT, parseAccounting, parseProcessStat } from '../deploy-cpu.js';

/** One struct acct_v3 record as Linux writes it. */
function acctRecord(comm: string, utimeCompT: number, stimeCompT: number): Buffer {
  const record = Buffer.alloc(64);
  record.writeUInt8(3, 1);
  record.writeUInt16LE(utimeCompT, 32);
  record.writeUInt16LE(stimeCompT, 34);
  record.write(comm, 48, 'utf8');
  return record;
}

describe('deploy-cpu', () => {
  it('reads a process line whose command holds spaces and parentheses', () => {
    const line = '4242 (uwsgi (py) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 50 3 1 20 0 9 0 777 0 0';
    expect(parseProcessStat(line)).toEqual({ pid: 4242, comm: 'uwsgi (py) x', start: 777, cpuSeconds: 2 });
  });

  it('reads this process from the real /proc', () => {
    const self = parseProcessStat(readFileSync('/proc/self/stat', 'utf8'));
    expect(self.pid).toBeGreaterThan(0);
    expect(self.start).toBeGreaterThan(0);
    expect(self.cpuSeconds).toBeGreaterThanOrEqual(0);
  });

  it('decodes comp_t: a 13-bit mantissa times 8 to a 3-bit exponent', () => {
    expect(decodeCompT(0)).toBe(0);
    expect(decodeCompT(100)).toBe(100);
    expect(decodeCompT((1 << 13) | 1000)).toBe(8000);
    expect(decodeCompT((2 << 13) | 0x1fff)).toBe(0x1fff * 64);
  });

  it('reads version 3 accounting records and refuses another layout', () => {
    const data = Buffer.concat([acctRecord('node', 40, 20), acctRecord('systemctl', 1, 0), acctRecord('a-very-long-comm', 0, 0)]);
    expect(parseAccounting(data)).toEqual([
      { comm: 'node', cpuSeconds: 0.6 },
      { comm: 'systemctl', cpuSeconds: 0.01 },
      { comm: 'a-very-long-comm', cpuSeconds: 0 },
    ]);
    const v2 = acctRecord('old', 1, 1);
    v2.writeUInt8(2, 1);
    expect(() => parseAccounting(v2)).toThrow(/version 2; only version 3/);
  });

  it('adds ended processes and what running ones used since the start, most CPU first', () => {
    const before = [
      { pid: 10, comm: 'beam.smp', start: 5, cpuSeconds: 3 },
      { pid: 11, comm: 'node', start: 6, cpuSeconds: 1 },
    ];
    const after = [
      { pid: 10, comm: 'beam.smp', start: 5, cpuSeconds: 9 },
      { pid: 11, comm: 'node', start: 6, cpuSeconds: 1 },
      { pid: 12, comm: 'node', start: 90, cpuSeconds: 0.5 },
      // the same pid reused by a later process counts in full
      { pid: 13, comm: 'mariadbd', start: 95, cpuSeconds: 2 },
    ];
    const ended = [{ comm: 'node', cpuSeconds: 0.6 }, { comm: 'node', cpuSeconds: 0.7 }];
    const lines = cpuByCommand(ended, [...before, { pid: 13, comm: 'sh', start: 7, cpuSeconds: 1 }], after);
    expect(lines.map((l) => ({ ...l, cpuSeconds: Math.round(l.cpuSeconds * 100) / 100 }))).toEqual([
      { comm: 'beam.smp', processes: 1, cpuSeconds: 6 },
      { comm: 'mariadbd', processes: 1, cpuSeconds: 2 },
      { comm: 'node', processes: 3, cpuSeconds: 1.8 },
    ]);
  });
});

/**
 * Where a command's CPU went, machine-wide: runs it (typically a deploy) and prints how busy the cores were (from
 * /proc/stat) and which programs used the CPU: the processes that ended (from the kernel's process accounting, when
 * `accton` from Debian's acct package is installed) and those still running (from /proc). Needs root for the
 * accounting. On 2 cores a deploy that keeps both busy cannot run twice in parallel in much less than twice its time;
 * this shows what to make cheaper.
 *
 *   node --import ./tools/ts-register.mjs tools/profile/deploy-cpu.ts [--top N] -- bin/functest-deploy -m M -b local-masakari
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { busySeconds, type CpuTimes, parseProcStat, TICKS_PER_SECOND } from './cpu-busy.js';

export interface ProcessSample {
  pid: number;
  comm: string;
  /** Jiffies since boot at which the process started: with pid, tells a process from a later one with its pid. */
  start: number;
  cpuSeconds: number;
}

/** One /proc/<pid>/stat line; the command name may hold spaces and parentheses. */
export function parseProcessStat(text: string): ProcessSample {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).trim().split(/\s+/);
  // fields[0] is the state (field 3 of proc(5)); utime, stime are fields 14, 15 and starttime is field 22.
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    start: Number(fields[19]),
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
  };
}

/** The 13-bit mantissa, 3-bit base-8 exponent `comp_t` of <linux/acct.h>. */
export function decodeCompT(value: number): number {
  return (value & 0x1fff) << (3 * ((value >> 13) & 0x7));
}

export interface AccountingRecord {
  comm: string;
  cpuSeconds: number;
}

const ACCT_V3_SIZE = 64;

/** Records of an `acct` file in the version 3 layout Linux writes (struct acct_v3, 64 bytes each). */
export function parseAccounting(data: Buffer): AccountingRecord[] {
  const records: AccountingRecord[] = [];
  for (let offset = 0; offset + ACCT_V3_SIZE <= data.length; offset += ACCT_V3_SIZE) {
    const version = data.readUInt8(offset + 1) & 0x7f;
    if (version !== 3) throw new Error(`accounting record at byte ${offset} has version ${version}; only version 3 (Linux) is read`);
    const utime = decodeCompT(data.readUInt16LE(offset + 32));
    const stime = decodeCompT(data.readUInt16LE(offset + 34));
    const commBytes = data.subarray(offset + 48, offset + 64);
    const end = commBytes.indexOf(0);
    records.push({ comm: commBytes.subarray(0, end === -1 ? 16 : end).toString('utf8'), cpuSeconds: (utime + stime) / TICKS_PER_SECOND });
  }
  return records;
}

export interface CommandLine {
  comm: string;
  processes: number;
  cpuSeconds: number;
}

/** CPU per command name, most first: ended processes plus what running ones used since `before`. */
export function cpuByCommand(ended: readonly AccountingRecord[], before: readonly ProcessSample[], after: readonly ProcessSample[]): CommandLine[] {
  const lines = new Map<string, CommandLine>();
  const add = (comm: string, cpuSeconds: number) => {
    const line = lines.get(comm) ?? { comm, processes: 0, cpuSeconds: 0 };
    line.processes += 1;
    line.cpuSeconds += cpuSeconds;
    lines.set(comm, line);
  };
  for (const record of ended) add(record.comm, record.cpuSeconds);
  const earlier = new Map(before.map((p) => [`${p.pid}/${p.start}`, p.cpuSeconds]));
  for (const p of after) {
    const used = p.cpuSeconds - (earlier.get(`${p.pid}/${p.start}`) ?? 0);
    if (used > 0) add(p.comm, used);
  }
  return [...lines.values()].sort((a, b) => b.cpuSeconds - a.cpuSeconds || a.comm.localeCompare(b.comm));
}

function sampleProcesses(): ProcessSample[] {
  const samples: ProcessSample[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      samples.push(parseProcessStat(readFileSync(`/proc/${entry}/stat`, 'utf8')));
    } catch {
      // the process ended while we looked
    }
  }
  return samples;
}

function accountingAvailable(): boolean {
  return spawnSync('accton', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '20' } }, allowPositionals: true });
  if (positionals.length === 0) {
    console.error('usage: deploy-cpu.ts [--top N] -- <command> [args...]   (e.g. -- bin/functest-deploy -m m1 -b local-masakari)');
    process.exit(2);
  }
  const top = Number(values.top);
  const work = mkdtempSync(join(tmpdir(), 'deploy-cpu-'));
  const acctFile = join(work, 'acct');
  const accounting = accountingAvailable();
  let accountingOn = false;
  if (!accounting) console.error('deploy-cpu: accton not found (apt-get install acct): ended processes are not counted, only running ones');
  try {
    if (accounting) {
      writeFileSync(acctFile, '');
      execFileSync('accton', [acctFile], { stdio: 'ignore' });
      accountingOn = true;
    }
    const cpuBefore = parseProcStat(readFileSync('/proc/stat', 'utf8'));
    const processesBefore = sampleProcesses();
    const started = performance.now();
    const run = spawnSync(positionals[0]!, positionals.slice(1), { stdio: 'inherit' });
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = parseProcStat(readFileSync('/proc/stat', 'utf8'));
    const processesAfter = sampleProcesses();
    if (accountingOn) {
      execFileSync('accton', ['off'], { stdio: 'ignore' });
      accountingOn = false;
    }
    const ended = accounting ? parseAccounting(readFileSync(acctFile)) : [];

    const delta = Object.fromEntries(Object.keys(cpuBefore).map((k) => [k, cpuAfter[k as keyof CpuTimes] - cpuBefore[k as keyof CpuTimes]])) as unknown as CpuTimes;
    const total = Object.values(delta).reduce((a, b) => a + b, 0);
    const busy = busySeconds(delta);
    console.log(`\ndeploy-cpu: "${positionals.join(' ')}" exited ${run.status ?? run.signal} after ${seconds.toFixed(1)} s`);
    console.log(`  CPU busy ${busy.toFixed(1)} CPU-s of ${total.toFixed(1)} (${((100 * busy) / total).toFixed(0)}%): user ${(delta.user + delta.nice).toFixed(1)}, system ${delta.system.toFixed(1)}, irq+softirq ${(delta.irq + delta.softirq).toFixed(1)}, steal ${delta.steal.toFixed(1)}`);
    console.log(`  by program (${accounting ? 'ended + still running' : 'still running only'}):`);
    for (const line of cpuByCommand(ended, processesBefore, processesAfter).slice(0, top)) {
      console.log(`  ${line.cpuSeconds.toFixed(1).padStart(8)} CPU-s ${String(line.processes).padStart(6)} processes  ${line.comm}`);
    }
    process.exitCode = run.status ?? 1;
  } finally {
    // Never leave the machine accounting every process when something above failed.
    if (accountingOn) spawnSync('accton', ['off'], { stdio: 'ignore' });
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

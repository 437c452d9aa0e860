/**
 * Processes recorded by PID plus kernel start time, so that a recycled PID is never mistaken for ours and
 * nothing is ever looked up or killed by name.
 */
import { readFile, readdir } from 'node:fs/promises';

export interface ProcessRecord {
  pid: number;
  /** field 22 of /proc/<pid>/stat: start time in clock ticks since boot */
  startTime: string;
}

interface ProcStat {
  state: string;
  ppid: number;
  startTime: string;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields follow the last ')'. */
export function parseProcStat(text: string): ProcStat {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  return { state: rest[0] ?? '?', ppid: Number(rest[1]), startTime: rest[19] ?? '' };
}

async function procStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

export async function recordProcess(pid: number): Promise<ProcessRecord> {
  const stat = await procStat(pid);
  if (!stat) throw new Error(`process ${pid} exited before it could be recorded`);
  return { pid, startTime: stat.startTime };
}

/** True while the recorded process exists, is not a zombie, and is the same process (start time). */
export async function isAlive(record: ProcessRecord | undefined): Promise<boolean> {
  if (!record || record.pid <= 0) return false;
  const stat = await procStat(record.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X' && stat.startTime === record.startTime;
}

export async function signalRecorded(record: ProcessRecord | undefined, signal: NodeJS.Signals): Promise<boolean> {
  if (!(await isAlive(record)) || !record) return false;
  try {
    process.kill(record.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Signals the process group the recorded process leads (commands we spawned get their own group). */
export async function signalRecordedGroup(record: ProcessRecord | undefined, signal: NodeJS.Signals): Promise<boolean> {
  if (!(await isAlive(record)) || !record) return false;
  try {
    process.kill(-record.pid, signal);
    return true;
  } catch {
    return signalRecorded(record, signal);
  }
}

export async function waitForExit(record: ProcessRecord | undefined, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await isAlive(record)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** PIDs of all descendants of `pid` (one pass over /proc). */
export async function descendants(pid: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await procStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    for (const child of children.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** The innermost namespace pid of a process (last NSpid field); 1 means it is the init of its pid namespace. */
export async function innermostPid(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const line = status.split('\n').find((l) => l.startsWith('NSpid:'));
    const fields = line?.split(/\s+/).slice(1).filter(Boolean) ?? [];
    const last = fields[fields.length - 1];
    return last === undefined ? undefined : Number(last);
  } catch {
    return undefined;
  }
}

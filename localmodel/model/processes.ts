/**
 * Recorded processes are identified by PID and start time (field 22 of /proc/<pid>/stat), so a PID reused by
 * someone else's process after a crash is never signalled.
 */
import { readFileSync } from 'node:fs';

export function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

/** `pid starttime` for a record file. */
export function processRecord(pid: number): string {
  return `${pid} ${startTime(pid) ?? '?'}`;
}

/** The PID of a record line, if that very process still runs. */
export function stillRunning(line: string): number | undefined {
  const [pidText, start] = line.trim().split(' ');
  const pid = Number(pidText);
  if (!(pid > 0) || !start) return undefined;
  return startTime(pid) === start ? pid : undefined;
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

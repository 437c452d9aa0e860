/**
 * The notification queue on one member: one file per event in the spool directory, written to a temporary name
 * and renamed (a sender never reads half an event), named so that sorting the names gives the order the events
 * were queued in. Whoever queues an event (the alert agent, the plugin, an action) starts a detached sender and
 * returns at once; one sender at a time drains the queue (a lock directory), so events reach a webhook in order.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isEvent, type NotifyEvent } from './event.js';

export interface SpoolEntry {
  readonly event: NotifyEvent;
  /** Seen by every member (Pacemaker's node and fencing alerts): only the DC sends it. */
  readonly clusterWide: boolean;
  /** A failed fence: dropped when a fencing hold explains it (the plugin reported the refusal). */
  readonly failedFence: boolean;
}

/** A burst beyond this (a flood of alerts with every webhook down) is dropped rather than filling the disk. */
export const MAX_QUEUED = 500;
const LOCK = '.sender';

let counter = 0;

/** Queues one event; false when the queue is full. Never throws for a full queue, only for an unwritable spool. */
export function enqueue(dir: string, entry: SpoolEntry, now: number = Date.now()): boolean {
  if (queued(dir).length >= MAX_QUEUED) return false;
  counter += 1;
  const name = `${String(now).padStart(15, '0')}-${String(process.pid).padStart(7, '0')}-${String(counter).padStart(4, '0')}.json`;
  const tmp = join(dir, `.tmp-${name}`);
  writeFileSync(tmp, `${JSON.stringify(entry)}\n`, { mode: 0o644 });
  renameSync(tmp, join(dir, name));
  return true;
}

/** The queued event files, oldest first. */
export function queued(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => /^\d{15}-\d{7}-\d{4}\.json$/.test(n)).sort();
  } catch {
    return [];
  }
}

/** The entry in a queued file, or null when it is damaged or from another schema (the caller drops it). */
export function readEntry(dir: string, name: string): SpoolEntry | null {
  try {
    const value = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Partial<SpoolEntry>;
    if (!isEvent(value.event)) return null;
    return { event: value.event, clusterWide: value.clusterWide === true, failedFence: value.failedFence === true };
  } catch {
    return null;
  }
}

export function remove(dir: string, name: string): void {
  rmSync(join(dir, name), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user (a root sender seen from the hacluster agent).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the sender lock (mkdir is atomic); a lock left by a process that died is taken over. */
export function lock(dir: string): boolean {
  const path = join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(path);
      // Senders run as root (plugin, actions) or hacluster (alert agent): either must be able to clear a dead one's lock.
      chmodSync(path, 0o777);
      writeFileSync(join(path, 'pid'), String(process.pid), { mode: 0o666 });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(path, 'pid'), 'utf8'));
      } catch {
        // created but the pid not written yet: a live sender is starting
        return false;
      }
      if (Number.isSafeInteger(holder) && alive(holder)) return false;
      rmSync(path, { recursive: true, force: true });
    }
  }
  return false;
}

export function unlock(dir: string): void {
  rmSync(join(dir, LOCK), { recursive: true, force: true });
}

/**
 * Starts `agent send` detached from the caller (its own session, no inherited descriptors, a minimal
 * environment: the plugin's environment holds the MAAS key), so the caller's exit never waits for delivery.
 */
export function startSender(agent: string, dir: string, config: string): void {
  if (!existsSync(agent)) return;
  const child = spawn(process.execPath, [agent, 'send', dir, config], {
    detached: true, stdio: 'ignore', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
  });
  child.on('error', () => undefined);
  child.unref();
}

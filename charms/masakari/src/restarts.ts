/**
 * Restarts owed, kept so that no hook can lose one. A service reads its files when it starts, so what counts is not
 * whether a file changed in this hook but whether the service has been (re)started since its files last changed:
 * per service, a digest of every file it reads (and of anything else it picks up only at start, such as group
 * membership) is recorded in unit state once a restart or start succeeded. Unit state is committed only when the
 * hook succeeds, so a hook killed after a write and before the restart leaves the old digest behind, and the next
 * hook finds the restart still owed; a restart that fails leaves it owed too.
 */
import { createHash } from 'node:crypto';
import type { DesiredFile } from '../../../reactive/restart-map.js';

/** Unit-state key: service → digest of the configuration it was last started with. */
export const STARTED_WITH = 'masakari.started-with';

export interface ServiceInputs {
  readonly files: readonly DesiredFile[];
  readonly removals: readonly string[];
  readonly restartMap: Readonly<Record<string, readonly string[]>>;
  /** Facts a service picks up only at start, besides its files: service → lines. */
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** Per service the digest of what it reads at start: its files' paths and contents (or their absence), and extras. */
export function serviceDigests(i: ServiceInputs): Record<string, string> {
  const content = new Map(i.files.map((f) => [f.path, f.content]));
  const removed = new Set(i.removals);
  const readers = new Map<string, string[]>();
  for (const [path, services] of Object.entries(i.restartMap)) {
    for (const s of services) readers.set(s, [...(readers.get(s) ?? []), path]);
  }
  for (const s of Object.keys(i.extra ?? {})) if (!readers.has(s)) readers.set(s, []);
  const digests: Record<string, string> = {};
  for (const [service, paths] of readers) {
    const hash = createHash('sha256');
    for (const path of [...new Set(paths)].sort()) {
      const body = content.get(path);
      hash.update(`${path}\0`);
      if (body !== undefined) hash.update(body).update('\0');
      else hash.update(removed.has(path) ? 'absent\0' : 'unmanaged\0');
    }
    for (const line of i.extra?.[service] ?? []) hash.update(`extra ${line}\0`);
    digests[service] = hash.digest('hex');
  }
  return digests;
}

/** Services whose recorded digest is not the current one, in the order of `services`. */
export function owedRestarts(services: readonly string[], current: Readonly<Record<string, string>>, startedWith: Readonly<Record<string, string>>): string[] {
  return services.filter((s) => current[s] !== undefined && startedWith[s] !== current[s]);
}

/** Unit-state key of the leader's failed schema syncs: { failures, nextAttemptMs, exitCode }. */
export const DB_SYNC_FAILURES = 'masakari.db-sync-failures';

export interface SyncFailures {
  readonly failures: number;
  readonly nextAttemptMs: number;
  readonly exitCode: number;
}

const SYNC_RETRY_FIRST_MS = 60_000;
const SYNC_RETRY_MAX_MS = 30 * 60_000;

/**
 * When to try the schema sync again after `failures` failures in a row: 1, 2, 4 ... minutes, at most 30. A database
 * that does not answer makes masakari-manage retry for about 100 s before it gives up; without a pause every hook
 * of the leader (update-status included) would spend that long on it.
 */
export function nextSyncAttempt(nowMs: number, failures: number): number {
  const delay = Math.min(SYNC_RETRY_MAX_MS, SYNC_RETRY_FIRST_MS * 2 ** Math.max(0, Math.min(failures - 1, 20)));
  return nowMs + delay;
}

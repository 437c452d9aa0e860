/**
 * Host-wide locks between processes (a CLI call, the agent, the MAAS emulator, parallel test models), as lock
 * directories kept fresh while held. On a very loaded host the freshness update can come late and the lock be
 * declared compromised; that is reported instead of crashing the process (proper-lockfile's default).
 */
import lockfile from 'proper-lockfile';

export interface LockOptions {
  /** where the lock directory lives; default `${path}.lock` */
  lockfilePath?: string;
  /** a lock not refreshed for this long is taken over (its holder died) */
  staleMs: number;
  /** how long to wait for the lock before giving up */
  waitMs: number;
}

export async function withHostLock<T>(path: string, options: LockOptions, action: () => Promise<T>): Promise<T> {
  const maxTimeout = Math.min(1_000, Math.max(50, Math.floor(options.waitMs / 100)));
  // proper-lockfile keeps its in-process records (refresh timer, release) by the first argument: give each lock
  // its own, or two locks on one path with different lock files (the image's and a package layer's, both under
  // the cache root) overwrite each other's records and are taken over as stale while still held.
  const lockfilePath = options.lockfilePath ?? `${path}.lock`;
  const release = await lockfile.lock(lockfilePath, {
    realpath: false,
    lockfilePath,
    stale: options.staleMs,
    retries: { retries: Math.ceil(options.waitMs / maxTimeout), minTimeout: 20, maxTimeout },
    onCompromised: (error) => {
      console.warn(`localmodel/machines: lock ${options.lockfilePath ?? `${path}.lock`} was taken over while held (${error.message}); carrying on`);
    },
  });
  try {
    return await action();
  } finally {
    await release().catch(() => undefined);
  }
}

/**
 * The sender: drains the spool in order, one event at a time, each to every webhook at once with its own timeout
 * and retries. An event is removed once every webhook took it or gave up, so a webhook that is down delays the
 * events behind it by at most one retry cycle and never blocks the queue for good. It runs detached from
 * whatever queued the event: Pacemaker's alert agent and the fencing plugin return before anything is sent.
 */
import { renderPayload, type PayloadFormat } from './event.js';
import { deliver, type Attempt, type RetryPolicy } from './deliver.js';
import { lock, queued, readEntry, remove, unlock } from './spool.js';

export interface SenderConfig {
  readonly urls: readonly string[];
  readonly format: PayloadFormat;
  readonly cluster: string;
}

export interface SenderDeps {
  readonly policy: RetryPolicy;
  sleep(ms: number): Promise<void>;
  /** Whether this member is the DC now; null when that cannot be told (then it sends). */
  isDc(): Promise<boolean | null>;
  /** Whether a fencing hold (budget or operator) stands; null when the fence log cannot be read. */
  holdStands(): Promise<boolean | null>;
  log(message: string): void;
  post?: (url: string, body: string, timeoutMs: number) => Promise<Attempt>;
}

export interface DrainReport {
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
}

/** Sends what is queued; returns at once when another sender holds the queue (it will pick up what is new). */
export async function drain(dir: string, config: SenderConfig | null, deps: SenderDeps): Promise<DrainReport | null> {
  if (!lock(dir)) return null;
  const report = { sent: 0, skipped: 0, failed: 0 };
  try {
    for (;;) {
      const names = queued(dir);
      if (names.length === 0) {
        // An event queued after the listing but before the unlock found the lock taken: look once more after it.
        unlock(dir);
        if (queued(dir).length === 0 || !lock(dir)) return report;
        continue;
      }
      for (const name of names) {
        await sendOne(dir, name, config, deps, report);
        remove(dir, name);
      }
    }
  } finally {
    unlock(dir);
  }
}

async function sendOne(dir: string, name: string, config: SenderConfig | null, deps: SenderDeps, report: { sent: number; skipped: number; failed: number }): Promise<void> {
  const entry = readEntry(dir, name);
  if (entry === null || config === null || config.urls.length === 0) {
    report.skipped += 1;
    return;
  }
  if (entry.clusterWide && (await deps.isDc()) === false) {
    report.skipped += 1;
    return;
  }
  if (entry.failedFence && (await deps.holdStands()) === true) {
    // The plugin refused this fence because a hold stands and has said so (fence-refused, once per host).
    report.skipped += 1;
    return;
  }
  const body = renderPayload({ ...entry.event, cluster: config.cluster }, config.format);
  const results = await Promise.all(config.urls.map((url) => deliver(url, body, deps.policy, deps.sleep, deps.post)));
  results.forEach((r, i) => {
    const which = `webhook ${i + 1} of ${config.urls.length}`;
    if (r.delivered) report.sent += 1;
    else {
      report.failed += 1;
      deps.log(`${entry.event.event} ${entry.event.host ?? ''} not delivered to ${which} after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}: ${r.why}`);
    }
  });
}

/**
 * One POST with a deadline, and bounded retries with back-off around it. A webhook's URL may carry its token, so
 * nothing here puts a URL (or the server's reply) into an error message: outcomes name the webhook by position.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface RetryPolicy {
  /** Milliseconds one attempt may take, connection included. */
  readonly timeoutMs: number;
  /** Waits before the 2nd, 3rd, ... attempt; its length + 1 is the number of attempts. */
  readonly backoffMs: readonly number[];
}

export const DEFAULT_POLICY: RetryPolicy = { timeoutMs: 5_000, backoffMs: [1_000, 3_000, 9_000] };

export type Attempt = { readonly ok: true; readonly status: number } | { readonly ok: false; readonly retry: boolean; readonly why: string };

/** POSTs `body` as JSON; never follows redirects (a redirect is an answer, not a delivery). */
export function postJson(url: string, body: string, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: Attempt): void => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(a);
      }
    };
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      resolve({ ok: false, retry: false, why: 'not a URL' });
      return;
    }
    const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(parsed, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'hacluster-ext-notify/1' },
    }, (res) => {
      res.resume();
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) done({ ok: true, status });
        // 408 and 429 are "try later"; another 4xx will not change by retrying the same request.
        else done({ ok: false, retry: status >= 500 || status === 408 || status === 429, why: `HTTP ${status}` });
      });
      res.on('error', () => done({ ok: false, retry: true, why: 'reply cut off' }));
    });
    const timer = setTimeout(() => {
      done({ ok: false, retry: true, why: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => done({ ok: false, retry: true, why: error.code ?? 'connection failed' }));
    req.end(body);
  });
}

export interface Delivery {
  readonly delivered: boolean;
  readonly attempts: number;
  /** The last failure, when not delivered (no URL, no reply body). */
  readonly why: string | null;
}

export async function deliver(
  url: string, body: string, policy: RetryPolicy, sleep: (ms: number) => Promise<void>,
  post: (url: string, body: string, timeoutMs: number) => Promise<Attempt> = postJson,
): Promise<Delivery> {
  let why = '';
  for (let attempt = 1; attempt <= policy.backoffMs.length + 1; attempt++) {
    if (attempt > 1) await sleep(policy.backoffMs[attempt - 2] ?? 0);
    const result = await post(url, body, policy.timeoutMs);
    if (result.ok) return { delivered: true, attempts: attempt, why: null };
    why = result.why;
    if (!result.retry) return { delivered: false, attempts: attempt, why };
  }
  return { delivered: false, attempts: policy.backoffMs.length + 1, why };
}

/**
 * Riding out an endpoint that is briefly gone. The API is reached through the VIP, and the VIP moves between the
 * hacluster members whenever pacemaker reshuffles resources (a member joins, fencing is switched on): for a few
 * seconds nothing answers on it, and an operator action failing then is noise, not news. So an attempt that failed
 * before the request reached a server is repeated with growing pauses until a time budget is spent, and every
 * pause is told through `onRetry`, naming what is awaited. Requests that may already have been received (a reset
 * or a timeout after sending) are repeated only for reading methods, so a POST is never made twice.
 */
type FetchLike = typeof fetch;

export interface RetryPolicy {
  /** How long to keep trying, from the first attempt; 0 makes one attempt. */
  readonly waitMs: number;
  /** Told before each pause: what did not answer, why, and how long the wait goes on. */
  readonly onRetry?: (message: string) => unknown;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export const NO_RETRY: RetryPolicy = { waitMs: 0 };

/** Connection errors that mean the request never reached a server: any method may be repeated. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);
/** Errors after which a reading request may be repeated (the server may have seen it). */
const MAYBE_SENT = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'TimeoutError', 'AbortError']);
/** haproxy's answers while no backend is up: the request reached no API. */
const NO_BACKEND = new Set([502, 503, 504]);
const READING = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The code of a fetch failure: undici puts it on `cause`, a time-out is a DOMException named TimeoutError. */
export function failureCode(error: unknown): string {
  const e = error as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  return e?.cause?.code ?? e?.code ?? e?.cause?.name ?? (e?.name === 'TimeoutError' || e?.name === 'AbortError' ? e.name : 'unknown');
}

export class EndpointUnreachable extends Error {
  override readonly name = 'EndpointUnreachable';
  constructor(readonly code: string, readonly attempts: number, readonly elapsedMs: number, cause: unknown) {
    super(`${(cause as Error)?.message ?? String(cause)} (${code}${attempts > 1 ? `; ${attempts} attempts in ${Math.round(elapsedMs / 1000)} s` : ''})`);
  }
}

function repeatable(method: string, outcome: { code?: string; status?: number }): boolean {
  if (outcome.status !== undefined) return NO_BACKEND.has(outcome.status) && READING.has(method);
  return NOT_SENT.has(outcome.code!) || (READING.has(method) && MAYBE_SENT.has(outcome.code!));
}

/**
 * `fetch` with the policy: resolves with the first response that is not a repeatable failure (the last 5xx when
 * the budget ran out), rejects with EndpointUnreachable when no attempt got an answer.
 */
export async function fetchRiding(fetchImpl: FetchLike, target: string, input: string, init: RequestInit & { method: string }, timeoutMs: number, policy: RetryPolicy): Promise<Response> {
  const now = policy.now ?? Date.now;
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = now();
  let pauseMs = 1000;
  for (let attempt = 1; ; attempt++) {
    let outcome: { code?: string; status?: number; response?: Response; error?: unknown };
    try {
      const response = await fetchImpl(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      outcome = { status: response.status, response };
    } catch (error) {
      outcome = { code: failureCode(error), error };
    }
    const elapsed = now() - started;
    const left = policy.waitMs - elapsed;
    if (!repeatable(init.method, outcome) || left <= 0) {
      if (outcome.response) return outcome.response;
      throw new EndpointUnreachable(outcome.code!, attempt, elapsed, outcome.error);
    }
    await outcome.response?.body?.cancel();
    const pause = Math.min(pauseMs, left);
    const why = outcome.status !== undefined ? `HTTP ${outcome.status}` : outcome.code;
    await policy.onRetry?.(`${target} did not answer (${why}); trying again in ${Math.ceil(pause / 1000)} s, for up to ${Math.ceil(left / 1000)} s more (a VIP that moves between units is back within seconds)`);
    await sleep(pause);
    pauseMs = Math.min(pauseMs * 2, 8000);
  }
}

/**
 * fetchRiding against real sockets on loopback: a port nobody listens on yet (the VIP not up), a server that
 * answers 503 as haproxy does without a backend, and one that drops the connection after reading a request.
 * The clock is virtual (each pause advances it) so the test does not wait out the real pauses.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointUnreachable, fetchRiding, type RetryPolicy } from '../src/api/retry.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

function listen(handler: Parameters<typeof createServer>[1], port = 0): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** A port that was free a moment ago: connecting to it is refused until something listens. */
async function freePort(): Promise<number> {
  const port = await listen(() => undefined);
  await new Promise<void>((r) => servers.pop()!.close(() => r()));
  return port;
}

function virtualClock(waitMs: number, onPause: (n: number) => Promise<void> = async () => undefined) {
  let t = 0;
  let pauses = 0;
  const told: string[] = [];
  const policy: RetryPolicy = {
    waitMs,
    now: () => t,
    sleep: async (ms) => { t += ms; await onPause(++pauses); },
    onRetry: (m) => told.push(m),
  };
  return { policy, told };
}

describe('fetchRiding', () => {
  it('keeps trying a refused endpoint until it answers, telling each pause', async () => {
    const port = await freePort();
    const { policy, told } = virtualClock(60_000, async (n) => {
      if (n === 2) await listen((_req, res) => res.end('{"segments":[]}'), port);
    });
    const response = await fetchRiding(fetch, 'the masakari API', `http://127.0.0.1:${port}/v1/segments`, { method: 'GET' }, 5000, policy);
    expect(await response.text()).toBe('{"segments":[]}');
    expect(told).toHaveLength(2);
    expect(told[0]).toMatch(/^the masakari API did not answer \(ECONNREFUSED\); trying again in 1 s, for up to 60 s more/);
    expect(told[1]).toMatch(/trying again in 2 s, for up to 59 s more/);
  });

  it('repeats a read answered 503 (haproxy without a backend) and returns the first real answer', async () => {
    let calls = 0;
    const port = await listen((_req, res) => {
      calls++;
      res.writeHead(calls < 3 ? 503 : 200).end(calls < 3 ? 'no server is available' : 'ok');
    });
    const { policy, told } = virtualClock(60_000);
    const response = await fetchRiding(fetch, 'api', `http://127.0.0.1:${port}/`, { method: 'GET' }, 5000, policy);
    expect([response.status, calls, told.length]).toEqual([200, 3, 2]);
    expect(told[0]).toContain('(HTTP 503)');
  });

  it('never repeats a write the server may have received', async () => {
    let received = 0;
    const port = await listen((req) => { received++; req.socket.destroy(); });
    const { policy, told } = virtualClock(60_000);
    const error = await fetchRiding(fetch, 'api', `http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }, 5000, policy).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointUnreachable);
    expect((error as EndpointUnreachable).code).toMatch(/ECONNRESET|UND_ERR_SOCKET/);
    expect([received, told.length]).toEqual([1, 0]);
    const answered503 = await listen((_req, res) => { received++; res.writeHead(503).end(); });
    const last = await fetchRiding(fetch, 'api', `http://127.0.0.1:${answered503}/`, { method: 'POST', body: '{}' }, 5000, policy);
    expect([last.status, received]).toEqual([503, 2]);
  });

  it('gives up when the budget is spent, saying how often it tried; a zero budget tries once', async () => {
    const port = await freePort();
    const { policy, told } = virtualClock(10_000);
    const error = (await fetchRiding(fetch, 'api', `http://127.0.0.1:${port}/`, { method: 'POST' }, 5000, policy).catch((e: unknown) => e)) as EndpointUnreachable;
    expect(error.code).toBe('ECONNREFUSED');
    expect(told.map((m) => m.match(/in (\d+) s/)![1])).toEqual(['1', '2', '4', '3']);
    expect(error.message).toMatch(/^fetch failed \(ECONNREFUSED; 5 attempts in 10 s\)$/);
    const once = (await fetchRiding(fetch, 'api', `http://127.0.0.1:${port}/`, { method: 'GET' }, 5000, { waitMs: 0 }).catch((e: unknown) => e)) as EndpointUnreachable;
    expect([once.attempts, once.message]).toEqual([1, 'fetch failed (ECONNREFUSED)']);
  });
});

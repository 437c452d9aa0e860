/**
 * The few MAAS 2.0 API calls the fencing plugin needs, authenticated with OAuth 1.0 PLAINTEXT built from the
 * `consumer:token:secret` API key. Errors never carry the key: only method, path and status.
 */

export interface MaasCredentials {
  readonly consumerKey: string;
  readonly tokenKey: string;
  readonly tokenSecret: string;
}

export class MaasError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** `consumer:token:secret` → its parts; throws without echoing the value. */
export function parseApiKey(apiKey: string): MaasCredentials {
  const parts = apiKey.trim().split(':');
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    throw new MaasError('apikey is not a MAAS API key (expected three parts: consumer:token:secret)');
  }
  const [consumerKey, tokenKey, tokenSecret] = parts as [string, string, string];
  return { consumerKey, tokenKey, tokenSecret };
}

export function oauthHeader(c: MaasCredentials, nonce: string, timestamp: number): string {
  const params: [string, string][] = [
    ['oauth_version', '1.0'],
    ['oauth_signature_method', 'PLAINTEXT'],
    ['oauth_consumer_key', c.consumerKey],
    ['oauth_token', c.tokenKey],
    // PLAINTEXT signature: consumer secret (empty for MAAS) & token secret, percent-encoded as a whole.
    ['oauth_signature', encodeURIComponent(`&${c.tokenSecret}`)],
    ['oauth_nonce', nonce],
    ['oauth_timestamp', String(timestamp)],
  ];
  return `OAuth ${params.map(([k, v]) => `${k}="${v}"`).join(', ')}`;
}

export interface MaasMachine {
  readonly system_id: string;
  readonly hostname: string;
  readonly fqdn?: string;
  readonly power_state: string;
}

export type PowerState = 'on' | 'off' | 'unknown' | 'error';

export class MaasClient {
  private readonly base: string;
  constructor(url: string, private readonly credentials: MaasCredentials, private readonly requestTimeoutMs = 10_000) {
    this.base = url.replace(/\/+$/, '');
  }

  private async request(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<unknown> {
    const nonce = Math.random().toString(36).slice(2) + Date.now().toString(36);
    const headers: Record<string, string> = {
      Authorization: oauthHeader(this.credentials, nonce, Math.floor(Date.now() / 1000)),
      Accept: 'application/json',
    };
    let body: string | undefined;
    if (form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const where = `${method} ${path.split('?')[0]}`;
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, { method, headers, body, signal: AbortSignal.timeout(this.requestTimeoutMs) });
    } catch (error) {
      const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new MaasError(`${where}: MAAS not reachable at ${new URL(this.base).host} (${cause})`);
    }
    const text = await response.text();
    if (response.status === 401 || response.status === 403) {
      throw new MaasError(`${where}: MAAS refused the API key (HTTP ${response.status})`, response.status);
    }
    if (!response.ok) throw new MaasError(`${where}: HTTP ${response.status} ${text.slice(0, 200)}`, response.status);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new MaasError(`${where}: MAAS answered with something that is not JSON`);
    }
  }

  /** An authenticated call: fails on a bad key, unlike /version/ which MAAS serves to anyone. */
  async whoami(): Promise<string> {
    const me = (await this.request('GET', '/api/2.0/users/?op=whoami')) as { username?: string };
    return me.username ?? '';
  }

  /** The one machine whose host name is `host` (short name or FQDN). */
  async findMachine(host: string): Promise<MaasMachine> {
    const short = host.split('.')[0] as string;
    const list = (await this.request('GET', `/api/2.0/machines/?hostname=${encodeURIComponent(short)}`)) as MaasMachine[];
    const matches = Array.isArray(list) ? list.filter((m) => m.hostname === short || m.fqdn === host) : [];
    if (matches.length !== 1) throw new MaasError(`${matches.length === 0 ? 'no' : matches.length} MAAS machines named ${host}`);
    return matches[0] as MaasMachine;
  }

  async powerOff(systemId: string): Promise<void> {
    await this.request('POST', `/api/2.0/machines/${encodeURIComponent(systemId)}/?op=power_off`, { stop_mode: 'hard' });
  }

  async powerOn(systemId: string): Promise<void> {
    await this.request('POST', `/api/2.0/machines/${encodeURIComponent(systemId)}/?op=power_on`, {});
  }

  /** Asks MAAS to query the BMC now, rather than trusting the last recorded power_state. */
  async queryPowerState(systemId: string): Promise<PowerState> {
    const r = (await this.request('GET', `/api/2.0/machines/${encodeURIComponent(systemId)}/?op=query_power_state`)) as { state?: string };
    const s = r.state ?? 'unknown';
    return s === 'on' || s === 'off' || s === 'error' ? s : 'unknown';
  }
}

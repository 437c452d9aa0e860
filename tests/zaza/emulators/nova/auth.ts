/**
 * Who is calling: Nova trusts keystonemiddleware, which validates the X-Auth-Token against Keystone. The emulator
 * does the same against a configured Keystone (a token may validate itself: Keystone's policy lets the token's
 * subject read it, so the emulator needs no service account), or, at the component tier where no Keystone runs,
 * accepts one shared secret as an admin token.
 */
import { createHash } from 'node:crypto';

export interface Caller {
  userId: string;
  projectId: string;
  roles: string[];
  isAdmin: boolean;
}

export type AuthMode =
  | { kind: 'keystone'; url: string; cacheMs?: number }
  | { kind: 'shared-secret'; secret: string };

export class AuthFailure extends Error {
  constructor(readonly code: 401 | 403 | 503, message: string) {
    super(message);
  }
}

type Fetch = typeof fetch;

export class TokenValidator {
  private readonly cache = new Map<string, { caller: Caller; until: number }>();

  constructor(private readonly mode: AuthMode, private readonly doFetch: Fetch = fetch, private readonly now: () => number = Date.now) {}

  async validate(token: string | undefined): Promise<Caller> {
    if (!token) throw new AuthFailure(401, 'Authentication required');
    if (this.mode.kind === 'shared-secret') {
      if (!constantTimeEqual(token, this.mode.secret)) throw new AuthFailure(401, 'The request you have made requires authentication.');
      return { userId: 'emulator-admin', projectId: 'admin', roles: ['admin'], isAdmin: true };
    }
    // The cache key is a digest so the token itself is never kept as a map key in memory dumps or logs.
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return hit.caller;
    const caller = await this.askKeystone(token);
    this.cache.set(key, { caller, until: this.now() + (this.mode.cacheMs ?? 60_000) });
    return caller;
  }

  private async askKeystone(token: string): Promise<Caller> {
    if (this.mode.kind !== 'keystone') throw new Error('unreachable');
    const url = `${this.mode.url.replace(/\/+$/, '')}/auth/tokens`;
    let response: Response;
    try {
      response = await this.doFetch(url, {
        headers: { 'X-Auth-Token': token, 'X-Subject-Token': token, Accept: 'application/json' },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new AuthFailure(503, `Keystone at ${url} is unreachable: ${(err as Error).message}`);
    }
    if (response.status === 401 || response.status === 404) throw new AuthFailure(401, 'The request you have made requires authentication.');
    if (!response.ok) throw new AuthFailure(503, `Keystone answered ${response.status} while validating a token`);
    const body = (await response.json()) as {
      token?: { user?: { id?: string }; project?: { id?: string }; roles?: { name?: string }[]; is_admin_project?: boolean };
    };
    const roles = (body.token?.roles ?? []).map((r) => String(r.name ?? '').toLowerCase()).filter(Boolean);
    return {
      userId: body.token?.user?.id ?? '',
      projectId: body.token?.project?.id ?? '',
      roles,
      isAdmin: roles.includes('admin'),
    };
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  let diff = 0;
  for (let i = 0; i < da.length; i++) diff |= da[i]! ^ db[i]!;
  return diff === 0;
}

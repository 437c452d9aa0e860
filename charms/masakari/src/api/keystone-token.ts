/**
 * Password authentication against keystone v3 (POST /v3/auth/tokens) and catalog look-up: enough for the charm's
 * operator actions to call the Masakari API without a Python client. Errors name the URL and the HTTP status,
 * never the password or the token.
 */
import { fetchRiding, NO_RETRY, type RetryPolicy } from './retry.js';

export interface PasswordAuth {
  /** Keystone v3 base URL, e.g. http://10.5.0.40:5000/v3 */
  readonly authUrl: string;
  readonly username: string;
  readonly password: string;
  readonly projectName: string;
  readonly userDomainName: string;
  readonly projectDomainName: string;
}

export interface CatalogEndpoint {
  readonly interface: string;
  readonly region?: string;
  readonly region_id?: string;
  readonly url: string;
}

export interface CatalogService {
  readonly type: string;
  readonly name?: string;
  readonly endpoints: readonly CatalogEndpoint[];
}

export interface Token {
  readonly token: string;
  readonly projectId: string | undefined;
  readonly catalog: readonly CatalogService[];
}

export class OpenStackApiError extends Error {
  override readonly name = 'OpenStackApiError';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

export type FetchLike = typeof fetch;

const TIMEOUT_MS = 30_000;

export async function issueToken(auth: PasswordAuth, fetchImpl: FetchLike = fetch, retry: RetryPolicy = NO_RETRY): Promise<Token> {
  const url = `${auth.authUrl.replace(/\/+$/, '')}/auth/tokens`;
  const body = {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: auth.username, domain: { name: auth.userDomainName }, password: auth.password } },
      },
      scope: { project: { name: auth.projectName, domain: { name: auth.projectDomainName } } },
    },
  };
  let response: Response;
  try {
    response = await fetchRiding(fetchImpl, `keystone at ${url}`, url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    }, TIMEOUT_MS, retry);
  } catch (error) {
    throw new OpenStackApiError(`keystone at ${url} did not answer: ${(error as Error).message}`);
  }
  if (response.status !== 201) {
    throw new OpenStackApiError(`keystone at ${url} refused the service credentials: HTTP ${response.status}`, response.status);
  }
  const token = response.headers.get('x-subject-token');
  if (!token) throw new OpenStackApiError(`keystone at ${url} answered without an X-Subject-Token header`);
  const data = (await response.json()) as { token?: { project?: { id?: string }; catalog?: CatalogService[] } };
  return { token, projectId: data.token?.project?.id, catalog: data.token?.catalog ?? [] };
}

/** The URL of a service type's endpoint for an interface (and region, when the catalog names regions). */
export function findEndpoint(catalog: readonly CatalogService[], type: string, iface: string, region?: string): string | null {
  for (const service of catalog) {
    if (service.type !== type) continue;
    const matches = service.endpoints.filter((e) => e.interface === iface);
    const inRegion = matches.find((e) => !region || e.region === region || e.region_id === region) ?? null;
    if (inRegion) return inRegion.url;
  }
  return null;
}

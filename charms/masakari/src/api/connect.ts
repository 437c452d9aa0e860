/**
 * How the operator actions reach the Masakari API: a token for the masakari service user (from the
 * identity-service relation), then the catalog's instance-ha endpoint for the configured interface and region;
 * the unit's own API backend when the catalog has none yet or the endpoint is TLS (the charm's CA is not
 * Node's).
 */
import { internalAuthUrl, serviceBaseUrl, type ServiceCredentials } from '../../../../interfaces/keystone/protocol.js';
import { findEndpoint, issueToken, type FetchLike } from './keystone-token.js';
import { MasakariClient } from './masakari-client.js';
import { NO_RETRY, type RetryPolicy } from './retry.js';

export interface ConnectOptions {
  readonly region: string;
  readonly useInternalEndpoints: boolean;
  /** Base of the unit's own API, e.g. http://127.0.0.1:15858/v1 */
  readonly localApi: string;
  readonly fetch?: FetchLike;
  /** For keystone and the API alike: ride out an endpoint that is moving. */
  readonly retry?: RetryPolicy;
}

export interface Connection {
  readonly client: MasakariClient;
  readonly endpoint: string;
  readonly via: 'catalog' | 'local';
}

export async function connectAsService(c: ServiceCredentials, o: ConnectOptions): Promise<Connection> {
  const authBase = o.useInternalEndpoints ? internalAuthUrl(c) : serviceBaseUrl(c);
  const token = await issueToken({
    authUrl: `${authBase}/v3`,
    username: c.serviceUsername,
    password: c.servicePassword,
    projectName: c.serviceTenant,
    userDomainName: c.serviceDomain ?? 'default',
    projectDomainName: c.serviceDomain ?? 'default',
  }, o.fetch, o.retry ?? NO_RETRY);
  const fromCatalog = findEndpoint(token.catalog, 'instance-ha', o.useInternalEndpoints ? 'internal' : 'public', o.region);
  if (fromCatalog && fromCatalog.startsWith('http://')) {
    return { client: new MasakariClient(fromCatalog, token.token, o.fetch, o.retry), endpoint: fromCatalog, via: 'catalog' };
  }
  const local = token.projectId ? `${o.localApi.replace(/\/+$/, '')}/${token.projectId}` : o.localApi;
  return { client: new MasakariClient(local, token.token, o.fetch, o.retry), endpoint: local, via: 'local' };
}

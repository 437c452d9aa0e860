import { describe, expect, it } from 'vitest';
import { authUrl, decodeCredentials, decodeRequest, encodeCredentials, encodeRequest, hasEndpoint, type Credentials } from '../protocol.js';

const CREDENTIALS: Credentials = {
  authHost: 'fd00::10', authPort: '35357', authProtocol: 'https',
  credentialsHost: '10.5.0.10', credentialsPort: '5000', credentialsProtocol: 'https',
  apiVersion: '3', username: 'masakari-monitors', password: 'secret', project: 'services', projectId: 'p1',
  region: 'RegionOne', domain: 'service_domain', userDomainName: 'service_domain', userDomainId: 'd1',
  projectDomainName: 'service_domain', projectDomainId: 'd1',
};

describe('keystone-credentials protocol', () => {
  it('round-trips a request; absent optional fields are deleted, not emptied', () => {
    expect(encodeRequest({ username: 'masakari-monitors', project: 'services' })).toEqual({
      username: 'masakari-monitors', project: 'services', requested_roles: null, requested_grants: null, domain: null,
    });
    expect(decodeRequest({ username: 'u', requested_roles: 'a, b', requested_grants: '' })).toEqual({
      username: 'u', project: undefined, requestedRoles: ['a', 'b'], requestedGrants: undefined, domain: undefined,
    });
    expect(decodeRequest({ 'private-address': '10.0.0.1' })).toBeNull();
  });

  it("uses stock keystone's key names and needs every auth key before answering", () => {
    const bag = encodeCredentials(CREDENTIALS);
    expect(Object.keys(bag).sort()).toEqual([
      'api_version', 'auth_host', 'auth_port', 'auth_protocol', 'credentials_host', 'credentials_password',
      'credentials_port', 'credentials_project', 'credentials_project_domain_id', 'credentials_project_domain_name',
      'credentials_project_id', 'credentials_protocol', 'credentials_user_domain_id', 'credentials_user_domain_name',
      'credentials_username', 'domain', 'region',
    ]);
    expect(decodeCredentials(bag)).toEqual(CREDENTIALS);
    const { credentials_password: _omit, ...partial } = bag;
    expect(hasEndpoint(partial)).toBe(true);
    expect(decodeCredentials(partial)).toBeNull();
  });

  it('brackets IPv6 hosts in the auth URL', () => {
    expect(authUrl(CREDENTIALS)).toBe('https://[fd00::10]:35357');
  });
});

import { describe, expect, it } from 'vitest';
import { adminAuthUrl, decodeCredentials, decodeRequest, encodeCredentials, encodeRequest, internalAuthUrl, serviceAuthUrl, serviceBaseUrl } from '../protocol.js';

// What stock keystone answers on identity-service for masakari (plain strings; TLS keys as __null__).
export const keystoneAnswer = {
  admin_domain_id: 'f3c2a1', admin_project_id: 'a9b8c7', admin_role: 'Admin', admin_user_id: 'e5d4c3', api_version: '3',
  auth_host: '10.5.0.40', auth_port: '35357', auth_protocol: 'http', ca_cert: '__null__', created_roles: '',
  https_keystone: '__null__', internal_host: '10.5.0.40', internal_port: '5000', internal_protocol: 'http',
  service_domain: 'service_domain', service_domain_id: 'd1d1d1', service_host: '10.5.0.40', service_password: 'Tq9xK2',
  service_port: '5000', service_protocol: 'http', service_tenant: 'services', service_tenant_id: 'b2b2b2',
  service_type: 'instance-ha', service_user_id: 'c3c3c3', service_username: 'masakari', ssl_cert: '__null__', ssl_key: '__null__',
  'private-address': '10.5.0.40',
};

describe('keystone protocol', () => {
  it('registers the endpoint with the five plain keys', () => {
    expect(encodeRequest({ service: 'masakari', region: 'RegionOne', publicUrl: 'http://10.5.100.1:15868/v1/%(tenant_id)s', internalUrl: 'i', adminUrl: 'a' })).toEqual({
      service: 'masakari', region: 'RegionOne', public_url: 'http://10.5.100.1:15868/v1/%(tenant_id)s', internal_url: 'i', admin_url: 'a',
      requested_roles: null, add_role_to_admin: null, subscribe_ep_change: null,
    });
  });

  it('reads None as unset on the keystone side', () => {
    expect(decodeRequest({ service: 'None', region: 'None', public_url: 'None', internal_url: 'None', admin_url: 'None' })).toBeNull();
    expect(decodeRequest({ service: 'masakari', region: 'RegionOne', public_url: 'p', internal_url: 'i', admin_url: 'a', requested_roles: 'Member,reader' }))
      .toEqual({ service: 'masakari', region: 'RegionOne', publicUrl: 'p', internalUrl: 'i', adminUrl: 'a', requestedRoles: ['Member', 'reader'] });
  });

  it('is available only when every required key is there', () => {
    const c = decodeCredentials(keystoneAnswer);
    expect(c).toMatchObject({ serviceUsername: 'masakari', servicePassword: 'Tq9xK2', serviceTenant: 'services', serviceDomain: 'service_domain', serviceType: 'instance-ha' });
    expect(c?.caCert).toBeUndefined();
    expect(serviceAuthUrl(c!)).toBe('http://10.5.0.40:5000/v3');
    for (const k of ['service_host', 'service_password', 'service_tenant_id', 'auth_port']) {
      expect(decodeCredentials({ ...keystoneAnswer, [k]: '' })).toBeNull();
    }
  });

  it('round-trips the answer', () => {
    const c = decodeCredentials(keystoneAnswer)!;
    expect(decodeCredentials(Object.fromEntries(Object.entries(encodeCredentials(c)).filter(([, v]) => v !== null)) as Record<string, string>)).toEqual(c);
  });

  it('builds the service, admin and internal URLs, an IPv6 host in brackets', () => {
    const c = decodeCredentials({ ...keystoneAnswer, service_host: 'fd00::40', auth_host: 'fd00::41', internal_host: 'keystone.internal', internal_protocol: 'https' })!;
    expect(serviceBaseUrl(c)).toBe('http://[fd00::40]:5000');
    expect(serviceAuthUrl(c)).toBe('http://[fd00::40]:5000/v3');
    expect(adminAuthUrl(c)).toBe('http://[fd00::41]:35357');
    expect(internalAuthUrl(c)).toBe('https://keystone.internal:5000');
  });
});

import { describe, expect, it } from 'vitest';
import { compareUnitNames, decodePeer, encodeAddresses } from '../protocol.js';

describe('openstack-ha protocol', () => {
  it('publishes the three endpoint addresses as plain keys', () => {
    expect(encodeAddresses({ publicAddress: '1.1.1.1', internalAddress: '10.0.0.1', adminAddress: '10.1.0.1' })).toEqual({
      'public-address': '1.1.1.1', 'internal-address': '10.0.0.1', 'admin-address': '10.1.0.1',
    });
  });

  it('falls back to private-address and needs it', () => {
    expect(decodePeer('masakari/1', { 'private-address': '10.5.0.12', 'public-address': '1.2.3.4' })).toEqual({
      unit: 'masakari/1', privateAddress: '10.5.0.12', publicAddress: '1.2.3.4', internalAddress: '10.5.0.12', adminAddress: '10.5.0.12',
    });
    expect(decodePeer('masakari/1', { 'public-address': '1.2.3.4' })).toBeNull();
  });

  it('orders units by number', () => {
    expect(['masakari/10', 'masakari/2', 'masakari/0'].sort(compareUnitNames)).toEqual(['masakari/0', 'masakari/2', 'masakari/10']);
  });
});

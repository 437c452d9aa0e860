import { describe, expect, it } from 'vitest';
import { assessRemoteStatus, daemonAction, keyDigest, remoteNodeInfo, WAITING_FOR_KEY } from '../src/remote-state.js';

describe('remote state', () => {
  it('publishes the FQDN as stonith name only when fencing is wanted', () => {
    expect(remoteNodeInfo('c1.maas', '10.0.0.5', { enableStonith: false, enableResources: true }).stonithHostname).toBeNull();
    expect(remoteNodeInfo('c1.maas', '10.0.0.5', { enableStonith: true, enableResources: false })).toEqual({
      remoteHostname: 'c1.maas', remoteIp: '10.0.0.5', stonithHostname: 'c1.maas', enableResources: false,
    });
  });

  it('restarts only for a key the daemon was not started with', () => {
    const d = keyDigest(Buffer.from('k'));
    expect(daemonAction({ runningDigest: d, desiredDigest: d, active: true })).toBe('none');
    expect(daemonAction({ runningDigest: d, desiredDigest: d, active: false })).toBe('start');
    expect(daemonAction({ runningDigest: null, desiredDigest: d, active: true })).toBe('restart');
    expect(daemonAction({ runningDigest: 'old', desiredDigest: d, active: false })).toBe('start');
  });

  it('is active only when the daemon runs with the agreed key', () => {
    const base = { installed: true, clusterMemberHere: false, related: true, runningWithKey: false };
    expect(assessRemoteStatus({ ...base, agreement: { kind: 'none' } })).toEqual({ status: 'waiting', message: WAITING_FOR_KEY });
    const agreed = { kind: 'agreed', key: Buffer.from('k'), units: ['h/0'] } as const;
    expect(assessRemoteStatus({ ...base, agreement: agreed }).status).toBe('blocked');
    expect(assessRemoteStatus({ ...base, agreement: agreed, runningWithKey: true })).toEqual({ status: 'active', message: 'Unit is ready' });
  });
});

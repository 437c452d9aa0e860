import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Relation, type EndpointContext } from '../../../reactive/endpoint.js';
import { PacemakerRemoteProvides } from '../provides.js';
import { PacemakerRemoteRequires } from '../requires.js';

// Only relation data is exercised; flags and kv are not touched by the methods under test.
const NO_CONTEXT = {} as EndpointContext;

function relation(id: string, remoteApp: string, units: Record<string, Record<string, string>>): Relation {
  return new Relation({ id, remoteApp, units, app: {} }, { unit: {}, app: {} }, false);
}

describe('pacemaker-remote, both sides', () => {
  it('what a remote publishes is what the cluster side reads, and the cluster key reaches the remote', () => {
    const remoteSide = new PacemakerRemoteProvides('pacemaker-remote', [relation('pacemaker-remote:3', 'hacluster', { 'hacluster/0': {} })], NO_CONTEXT);
    const info = { remoteHostname: 'compute-1.maas', remoteIp: '10.5.0.31', stonithHostname: 'compute-1.maas', enableResources: false };
    remoteSide.publishNodeInfo('pacemaker-remote:3', info);
    const published = remoteSide.relations[0]!.toPublishRaw.snapshot();

    const clusterSide = new PacemakerRemoteRequires(
      'pacemaker-remote',
      [relation('pacemaker-remote:7', 'pacemaker-remote', { 'pacemaker-remote/0': { 'private-address': '10.5.0.31', ...published } })],
      NO_CONTEXT,
    );
    expect(clusterSide.remotes()).toEqual({ remotes: [{ unit: 'pacemaker-remote/0', ...info }], problems: [] });

    const key = randomBytes(256);
    clusterSide.offerKey(key.toString('base64'));
    const offered = clusterSide.relations[0]!.toPublishRaw.snapshot();
    const remoteWithKey = new PacemakerRemoteProvides('pacemaker-remote', [relation('pacemaker-remote:3', 'hacluster', { 'hacluster/0': offered })], NO_CONTEXT);
    expect(remoteWithKey.keyAgreement()).toEqual({ kind: 'agreed', key, units: ['hacluster/0'] });
  });
});

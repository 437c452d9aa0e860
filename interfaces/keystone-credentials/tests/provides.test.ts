import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { defineCharm } from '../../../reactive/charm.js';
import { Relation } from '../../../reactive/endpoint.js';
import { Harness } from '../../../reactive/testing/harness.js';
import { KeystoneCredentialsProvides } from '../provides.js';
import { KeystoneCredentialsRequires } from '../requires.js';

/** A keystone stand-in: answers every request with a user named as asked, in the asked (or default) project. */
const keystone = defineCharm({
  name: 'fixture-keystone',
  flags: [] as const,
  endpoints: { 'identity-credentials': KeystoneCredentialsProvides },
});
keystone.when('endpoint.identity-credentials.requested').do('answer', (ctx) => {
  const endpoint = ctx.endpoint('identity-credentials');
  for (const pending of endpoint.requests()) {
    endpoint.publishCredentials(pending.relationId, {
      authHost: '10.5.0.10', authPort: '35357', authProtocol: 'http',
      credentialsHost: '10.5.0.10', credentialsPort: '5000', credentialsProtocol: 'http', apiVersion: '3',
      username: pending.request.username, password: 'generated', project: pending.request.project ?? 'services',
      projectId: 'p1', region: 'RegionOne', domain: 'service_domain',
      userDomainName: 'service_domain', userDomainId: 'd1', projectDomainName: 'service_domain', projectDomainId: 'd1',
    });
  }
});

describe('keystone-credentials provides', () => {
  let harness: Harness<string, typeof keystone.endpointClasses> | undefined;
  afterEach(() => harness?.cleanup());

  it('answers a requirer with the bag a requirer decodes into credentials', async () => {
    harness = new Harness(keystone, { charmDir: join(dirname(fileURLToPath(import.meta.url)), 'fixture-keystone'), unit: 'keystone/0' });
    await harness.beginWithInitialHooks();
    const rid = await harness.addRelation('identity-credentials', 'masakari-monitors', {
      units: { 'masakari-monitors/0': { username: 'masakari-monitors', project: 'services' } },
    });
    const bag = harness.relationData(rid);
    expect(bag).toMatchObject({ credentials_username: 'masakari-monitors', credentials_project: 'services', auth_port: '35357', api_version: '3' });

    // The requiring side reads exactly this bag (credentials() needs only the relations, not the hook context).
    const snapshot = { id: 'identity-credentials:9', remoteApp: 'keystone', units: { 'keystone/0': bag }, app: {} };
    const requires = new KeystoneCredentialsRequires('identity-credentials', [new Relation(snapshot, { unit: {}, app: {} }, false)], {} as never);
    expect(requires.credentials()).toMatchObject({ username: 'masakari-monitors', password: 'generated', projectDomainName: 'service_domain' });
  });

  it('stays silent until a requirer names a username', async () => {
    harness = new Harness(keystone, { charmDir: join(dirname(fileURLToPath(import.meta.url)), 'fixture-keystone'), unit: 'keystone/0' });
    await harness.beginWithInitialHooks();
    const rid = await harness.addRelation('identity-credentials', 'masakari-monitors', { units: { 'masakari-monitors/0': {} } });
    expect(harness.relationData(rid)).toEqual({});
    expect(harness.isFlagSet('endpoint.identity-credentials.requested')).toBe(false);
  });
});

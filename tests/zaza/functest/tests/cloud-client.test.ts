import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module without declarations: it runs as is on units and in the model's network
import { createCloudClient, parseOpenrc } from '../cloud-client.mjs';

/** A tiny Keystone + compute service: tokens by password, a catalog, and a switch to refuse the current token. */
interface FakeCloud {
  url: string;
  server: Server;
  authentications: number;
  revoked: Set<string>;
  seen: { path: string; token?: string; microversion?: string }[];
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });
}

async function startCloud(expiresInMs = 3_600_000): Promise<FakeCloud> {
  const cloud = { authentications: 0, revoked: new Set<string>(), seen: [] } as unknown as FakeCloud;
  cloud.server = createServer(async (req, res) => {
    const text = await body(req);
    if (req.url === '/v3/auth/tokens' && req.method === 'POST') {
      const doc = JSON.parse(text);
      if (doc.auth.identity.password.user.password !== 's3cret') {
        res.writeHead(401).end('{}');
        return;
      }
      cloud.authentications += 1;
      const token = `tok-${cloud.authentications}`;
      res.writeHead(201, { 'X-Subject-Token': token, 'Content-Type': 'application/json' }).end(JSON.stringify({
        token: {
          expires_at: new Date(Date.now() + expiresInMs).toISOString(),
          project: { id: 'p1' },
          catalog: [{ type: 'compute', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${cloud.url}/compute/v2.1/%(tenant_id)s` }] }],
        },
      }));
      return;
    }
    const token = req.headers['x-auth-token'] as string | undefined;
    cloud.seen.push({ path: req.url ?? '', token, microversion: req.headers['x-openstack-nova-api-version'] as string | undefined });
    if (req.url?.startsWith('/plain')) {
      res.writeHead(200).end('not json');
      return;
    }
    if (!token || cloud.revoked.has(token)) {
      res.writeHead(401).end('{"error":"unauthorised"}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ path: req.url, echo: text ? JSON.parse(text) : null }));
  });
  await new Promise<void>((resolve) => cloud.server.listen(0, '127.0.0.1', resolve));
  cloud.url = `http://127.0.0.1:${(cloud.server.address() as AddressInfo).port}`;
  return cloud;
}

function openrcFor(cloud: FakeCloud, password = 's3cret'): string {
  return [
    `export OS_AUTH_URL=${cloud.url}/v3`,
    'export OS_USERNAME=admin',
    `export OS_PASSWORD='${password}'`,
    'export OS_PROJECT_NAME=admin',
    'export OS_USER_DOMAIN_NAME=Default',
    'export OS_PROJECT_DOMAIN_NAME=Default',
    'export OS_REGION_NAME=RegionOne',
  ].join('\n');
}

describe('cloud-client', () => {
  let cloud: FakeCloud;
  beforeEach(async () => {
    cloud = await startCloud();
  });
  afterEach(() => new Promise<void>((resolve) => cloud.server.close(() => resolve())));

  it('reads an openrc file and names what it lacks', () => {
    expect(parseOpenrc(openrcFor(cloud))).toMatchObject({ OS_USERNAME: 'admin', OS_PASSWORD: 's3cret', OS_REGION_NAME: 'RegionOne' });
    expect(() => parseOpenrc('export OS_USERNAME=admin')).toThrow('the openrc file lacks OS_AUTH_URL, OS_PASSWORD, OS_PROJECT_NAME');
  });

  it('authenticates once for many calls and finds the service in the catalog', async () => {
    const client = createCloudClient(parseOpenrc(openrcFor(cloud)));
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await client.call({ service: 'compute', method: 'GET', path: `/servers/${i}`, microversion: '2.53' }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[4].body.path).toBe('/compute/v2.1/p1/servers/4');
    expect(cloud.authentications).toBe(1);
    expect(client.authentications).toBe(1);
    expect(cloud.seen.every((s) => s.token === 'tok-1' && s.microversion === '2.53')).toBe(true);
  });

  it('authenticates again, once, when a kept token is refused', async () => {
    const client = createCloudClient(parseOpenrc(openrcFor(cloud)));
    await client.call({ service: 'compute', method: 'GET', path: '/a' });
    cloud.revoked.add('tok-1');
    const answer = await client.call({ service: 'compute', method: 'POST', path: '/b', body: { x: 1 } });
    expect(answer).toEqual({ status: 200, body: { path: '/compute/v2.1/p1/b', echo: { x: 1 } } });
    expect(cloud.authentications).toBe(2);
    // A token refused right after it was issued is an answer, not a loop.
    cloud.revoked.add('tok-2');
    cloud.revoked.add('tok-3');
    expect((await client.call({ service: 'compute', method: 'GET', path: '/c' })).status).toBe(401);
    expect(cloud.authentications).toBe(3);
  });

  it('renews a token before Keystone expires it', async () => {
    let clock = Date.now();
    const client = createCloudClient(parseOpenrc(openrcFor(cloud)), fetch, () => clock);
    await client.call({ service: 'compute', method: 'GET', path: '/a' });
    clock += 56 * 60_000; // within five minutes of the hour-long token's end
    await client.call({ service: 'compute', method: 'GET', path: '/b' });
    expect(cloud.authentications).toBe(2);
  });

  it('answers status 0 with the reason for refused credentials, unreachable services and plain URLs work', async () => {
    const refused = createCloudClient(parseOpenrc(openrcFor(cloud, 'wrong')));
    expect(await refused.call({ service: 'compute', method: 'GET', path: '/a' })).toEqual({ status: 0, body: 'Keystone refused the admin credentials: HTTP 401' });
    const client = createCloudClient(parseOpenrc(openrcFor(cloud)));
    expect(await client.call({ service: 'volume', method: 'GET', path: '/a' })).toEqual({ status: 0, body: 'no volume service in the catalog' });
    expect(await client.call({ url: `${cloud.url}/plain/x`, method: 'GET' })).toEqual({ status: 200, body: 'not json' });
    expect(cloud.authentications).toBe(1);
  });

  it('relays JSON lines as a process: the openrc comes on stdin, answers carry their request ids', async () => {
    const source = readFileSync(new URL('../cloud-client.mjs', import.meta.url), 'utf8');
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], { env: { ...process.env, CLOUD_CLIENT_MODE: 'relay' } });
    const answers: Record<number, { status: number; body: any }> = {};
    const done = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const a = JSON.parse(line);
        answers[a.id] = { status: a.status, body: a.body };
        if (Object.keys(answers).length === 3) resolve();
      });
    });
    child.stdin.write(`${JSON.stringify({ openrc: openrcFor(cloud) })}\n`);
    child.stdin.write(`${JSON.stringify({ id: 7, request: { service: 'compute', method: 'GET', path: '/x' } })}\n`);
    child.stdin.write(`${JSON.stringify({ id: 8, request: { service: 'identity', method: 'GET', path: '/auth/catalog' } })}\n`);
    child.stdin.write(`${JSON.stringify({ id: 9, request: { url: `${cloud.url}/plain/y`, method: 'GET' } })}\n`);
    await done;
    child.stdin.end();
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(answers[7]).toEqual({ status: 200, body: { path: '/compute/v2.1/p1/x', echo: null } });
    expect(answers[8]).toEqual({ status: 200, body: { path: '/v3/auth/catalog', echo: null } }); // identity is the auth URL itself
    expect(answers[9]).toEqual({ status: 200, body: 'not json' });
  });
});

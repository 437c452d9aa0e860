/**
 * The far edge of the host monitor for component tests: keystone v3 (version discovery, password auth with a
 * catalog holding an `instance-ha` endpoint) and masakari's notification API, on one port. It accepts the
 * credentials it is started with, answers as the real services do, and appends every request to a JSON-lines file.
 *
 *   node --import tools/ts-register.mjs fake-openstack.ts <listen-ip> <port> <record-file> <username> <password>
 */
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface RecordedRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly status: number;
}

export interface FakeOpenStackOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly projectId: string;
  readonly region: string;
  readonly record: (request: RecordedRequest) => void;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
  return status;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function startFakeOpenStack(options: FakeOpenStackOptions): ReturnType<typeof createServer> {
  const base = `http://${options.host}:${options.port}`;
  const keystoneVersion = { id: 'v3.14', status: 'stable', updated: '2020-04-07T00:00:00Z', links: [{ rel: 'self', href: `${base}/v3/` }] };
  const masakariVersion = {
    id: 'v1.0', status: 'CURRENT', version: '1.2', min_version: '1.0', updated: '2016-07-01T11:33:21Z',
    links: [{ rel: 'self', href: `${base}/v1/` }],
  };
  const domain = { id: 'default', name: 'service_domain' };
  const endpoint = (iface: string) => ({ id: `ep-${iface}`, interface: iface, region: options.region, region_id: options.region, url: `${base}/v1/${options.projectId}` });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<{ status: number; body: unknown }> => {
    const path = (req.url ?? '/').split('?')[0]!;
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    if (method === 'GET' && (path === '/' || path === '')) {
      // Keystone's and masakari's unversioned documents differ; keystoneauth reads the first, the SDK the second.
      const status = send(res, 300, { versions: { values: [keystoneVersion] } });
      return { status, body };
    }
    if (method === 'GET' && path === '/v3/') return { status: send(res, 200, { version: keystoneVersion }), body };
    if (method === 'POST' && path === '/v3/auth/tokens') {
      const identity = (body as { auth?: { identity?: { password?: { user?: { name?: string; password?: string } } } } })?.auth?.identity;
      const user = identity?.password?.user;
      if (user?.name !== options.username || user?.password !== options.password) {
        return { status: send(res, 401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } }), body: { user: user?.name } };
      }
      const now = new Date();
      const token = {
        methods: ['password'],
        user: { id: 'u-monitors', name: options.username, domain },
        project: { id: options.projectId, name: 'services', domain },
        roles: [{ id: 'r-admin', name: 'Admin' }],
        issued_at: now.toISOString(),
        expires_at: new Date(now.getTime() + 3_600_000).toISOString(),
        catalog: [{ id: 's-masakari', type: 'instance-ha', name: 'masakari', endpoints: ['public', 'internal', 'admin'].map(endpoint) }],
      };
      return { status: send(res, 201, { token }, { 'X-Subject-Token': 'fake-token' }), body: { user: user.name } };
    }
    if (req.headers['x-auth-token'] !== 'fake-token') {
      return { status: send(res, 401, { error: { code: 401, message: 'missing or wrong token' } }), body };
    }
    if (method === 'GET' && /^\/v1\/?([0-9a-z-]+\/?)?$/.test(path)) return { status: send(res, 200, { version: masakariVersion }), body };
    if (method === 'POST' && path.endsWith('/notifications')) {
      const notification = (body as { notification?: Record<string, unknown> })?.notification ?? {};
      const answer = { ...notification, notification_uuid: `n-${Date.now()}`, status: 'new', source_host_uuid: 'h-1' };
      return { status: send(res, 202, { notification: answer }), body };
    }
    return { status: send(res, 404, { error: { code: 404, message: `no route for ${method} ${path}` } }), body };
  };

  const server = createServer((req, res) => {
    handle(req, res)
      .then(({ status, body }) => options.record({ at: Date.now(), method: req.method ?? '', path: req.url ?? '', body, status }))
      .catch((error: unknown) => {
        send(res, 500, { error: String(error) });
      });
  });
  server.listen(options.port, options.host);
  return server;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [host, port, recordFile, username, password] = process.argv.slice(2);
  if (!host || !port || !recordFile || !username || !password) {
    console.error('usage: fake-openstack.ts <listen-ip> <port> <record-file> <username> <password>');
    process.exit(2);
  }
  startFakeOpenStack({
    host, port: Number(port), username, password, projectId: 'p-services', region: 'RegionOne',
    record: (request) => appendFileSync(recordFile, `${JSON.stringify(request)}\n`),
  });
  console.log(`fake openstack listening on ${host}:${port}`);
}

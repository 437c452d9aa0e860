/**
 * The functional tests' OpenStack client, as one plain ES module so that the same code runs where the cloud is
 * reachable: inside the local model's network as a long-lived relay (CLOUD_CLIENT_MODE=relay: JSON lines in on stdin,
 * one answer line out per request), or on a unit of a real model for one call (CLOUD_CLIENT_MODE=once). Imported
 * without a mode it only exports, which is how its unit test uses it.
 *
 * It authenticates as the admin of an openrc file once and keeps the token and catalog until Keystone refuses them
 * (401) or they are about to expire, as keystoneauth's sessions do: a token per call cost Keystone a password
 * hash and the machine a Node start each time.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const REQUEST_TIMEOUT_MS = 120_000;
/** Renew this long before Keystone's expiry, so that a token never expires between a check and its use. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

/** The `export NAME=value` lines of an openrc file. */
export function parseOpenrc(text) {
  const env = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z_]+)=(?:'([^']*)'|"([^"]*)"|(\S*))$/.exec(line.trim());
    if (m) env[m[1]] = m[2] ?? m[3] ?? m[4] ?? '';
  }
  const missing = ['OS_AUTH_URL', 'OS_USERNAME', 'OS_PASSWORD', 'OS_PROJECT_NAME'].filter((k) => !env[k]);
  if (missing.length > 0) throw new Error(`the openrc file lacks ${missing.join(', ')}`);
  return env;
}

async function send(fetchImpl, url, method, headers, body) {
  const res = await fetchImpl(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: the text itself is the answer
  }
  return { status: res.status, body: parsed, token: res.headers.get('x-subject-token') };
}

/**
 * `call({ service, method, path, body?, microversion? })` for a catalog service (`identity` is the auth URL itself);
 * `call({ url, method, body? })` for a plain unauthenticated URL (the Nova emulator's control API).
 * Answers `{ status, body }`; a failure to reach the service is status 0 with the reason as the body.
 */
export function createCloudClient(env, fetchImpl = fetch, now = Date.now) {
  let session;
  let authentications = 0;

  async function authenticate() {
    const scope = { project: { name: env.OS_PROJECT_NAME, domain: { name: env.OS_PROJECT_DOMAIN_NAME || 'Default' } } };
    const user = { name: env.OS_USERNAME, domain: { name: env.OS_USER_DOMAIN_NAME || 'Default' }, password: env.OS_PASSWORD };
    const auth = await send(fetchImpl, `${env.OS_AUTH_URL}/auth/tokens`, 'POST', { 'Content-Type': 'application/json' },
      { auth: { identity: { methods: ['password'], password: { user } }, scope } });
    authentications += 1;
    if (auth.status !== 201 || !auth.token) throw new Error(`Keystone refused the admin credentials: HTTP ${auth.status}`);
    const expires = Date.parse(auth.body?.token?.expires_at ?? '');
    session = { token: auth.token, doc: auth.body.token, renewAt: Number.isFinite(expires) ? expires - EXPIRY_MARGIN_MS : Infinity };
  }

  function baseUrl(service) {
    if (service === 'identity') return env.OS_AUTH_URL.replace(/\/$/, '');
    const svc = (session.doc.catalog ?? []).find((s) => s.type === service);
    if (!svc) throw new Error(`no ${service} service in the catalog`);
    const ep = svc.endpoints.find((e) => e.interface === 'public' && e.region_id === env.OS_REGION_NAME) ?? svc.endpoints[0];
    const project = session.doc.project.id;
    return ep.url.replace('%(tenant_id)s', project).replace('$(tenant_id)s', project).replace(/\/$/, '');
  }

  async function authorised(req) {
    for (let attempt = 0; ; attempt++) {
      if (!session || now() >= session.renewAt) await authenticate();
      const headers = { 'X-Auth-Token': session.token, 'Content-Type': 'application/json', Accept: 'application/json' };
      if (req.microversion) {
        headers['OpenStack-API-Version'] = `${req.service} ${req.microversion}`;
        headers['X-OpenStack-Nova-API-Version'] = req.microversion;
      }
      const answer = await send(fetchImpl, baseUrl(req.service) + req.path, req.method, headers, req.body);
      // A 401 on a kept token means Keystone dropped it (restart, revocation): authenticate again, once.
      if (answer.status === 401 && attempt === 0) {
        session = undefined;
        continue;
      }
      return { status: answer.status, body: answer.body };
    }
  }

  return {
    async call(req) {
      try {
        if (req.url) {
          const answer = await send(fetchImpl, req.url, req.method, { 'Content-Type': 'application/json' }, req.body);
          return { status: answer.status, body: answer.body };
        }
        return await authorised(req);
      } catch (error) {
        return { status: 0, body: String(error?.message ?? error) };
      }
    },
    get authentications() {
      return authentications;
    },
  };
}

/** Relay: the first stdin line is the openrc text (so the password is never in an argv), then one request per line. */
async function relay() {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let client;
  for await (const line of lines) {
    if (!line.trim()) continue;
    const message = JSON.parse(line);
    if (!client) {
      client = createCloudClient(parseOpenrc(message.openrc));
      continue;
    }
    // Requests are answered as they finish, each tagged with its id, so a slow call does not hold up the others.
    void client.call(message.request).then((answer) => process.stdout.write(`${JSON.stringify({ id: message.id, ...answer })}\n`));
  }
}

async function once() {
  const request = JSON.parse(Buffer.from(process.argv[1] ?? '', 'base64').toString());
  const env = request.url ? {} : parseOpenrc(readFileSync('/root/admin-openrc', 'utf8'));
  console.log(JSON.stringify(await createCloudClient(env).call(request)));
}

if (process.env.CLOUD_CLIENT_MODE === 'relay') await relay();
else if (process.env.CLOUD_CLIENT_MODE === 'once') await once();

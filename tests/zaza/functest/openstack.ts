/**
 * Calls to the cloud's APIs from inside the model (its network is not reachable from the host): a small Node
 * script runs on the keystone unit, authenticates with /root/admin-openrc (the admin secret never leaves the
 * machine), finds the service in the catalog and makes the call. The Nova emulator's control API is called on
 * the nova-cloud-controller unit, where it listens.
 */
import type { SuiteContext } from '../runner/context.js';
import { appUnits } from '../runner/model.js';

export interface ApiAnswer {
  status: number;
  body: any;
}

const CLIENT = String.raw`
const fs = require('fs');
const req = JSON.parse(Buffer.from(process.argv[1], 'base64').toString());
const env = {};
for (const line of fs.readFileSync('/root/admin-openrc', 'utf8').split('\n')) {
  const m = /^export ([A-Z_]+)='?([^']*)'?$/.exec(line.trim());
  if (m) env[m[1]] = m[2];
}
(async () => {
  const auth = await fetch(env.OS_AUTH_URL + '/auth/tokens', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: env.OS_USERNAME, domain: { name: env.OS_USER_DOMAIN_NAME }, password: env.OS_PASSWORD } } },
      scope: { project: { name: env.OS_PROJECT_NAME, domain: { name: env.OS_PROJECT_DOMAIN_NAME } } } } }) });
  const token = auth.headers.get('x-subject-token');
  const doc = await auth.json();
  let base = env.OS_AUTH_URL;
  if (req.service !== 'identity') {
    const svc = (doc.token.catalog || []).find((s) => s.type === req.service);
    if (!svc) throw new Error('no ' + req.service + ' in the catalog');
    const ep = svc.endpoints.find((e) => e.interface === 'public' && e.region_id === env.OS_REGION_NAME) || svc.endpoints[0];
    base = ep.url.replace('%(tenant_id)s', doc.token.project.id).replace('$(tenant_id)s', doc.token.project.id).replace(/\/$/, '');
  }
  const headers = { 'X-Auth-Token': token, 'Content-Type': 'application/json', Accept: 'application/json' };
  if (req.microversion) { headers['OpenStack-API-Version'] = req.service + ' ' + req.microversion; headers['X-OpenStack-Nova-API-Version'] = req.microversion; }
  const res = await fetch(base + req.path, { method: req.method, headers, body: req.body === undefined ? undefined : JSON.stringify(req.body) });
  const text = await res.text();
  let body = text;
  try { body = JSON.parse(text); } catch {}
  console.log(JSON.stringify({ status: res.status, body }));
})().catch((e) => { console.log(JSON.stringify({ status: 0, body: String(e && e.message || e) })); });
`;

const CONTROL = String.raw`
const req = JSON.parse(Buffer.from(process.argv[1], 'base64').toString());
fetch('http://127.0.0.1:8774/emulator' + req.path, { method: req.method, headers: { 'Content-Type': 'application/json' },
  body: req.body === undefined ? undefined : JSON.stringify(req.body) })
  .then(async (r) => { const t = await r.text(); let b = t; try { b = JSON.parse(t); } catch {} console.log(JSON.stringify({ status: r.status, body: b })); })
  .catch((e) => console.log(JSON.stringify({ status: 0, body: String(e.message) })));
`;

function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}

async function runScript(ctx: SuiteContext, unit: string, script: string, request: unknown): Promise<ApiAnswer> {
  const command = `node -e "$(echo ${b64(script)} | base64 -d)" ${b64(JSON.stringify(request))}`;
  const r = await ctx.cli.exec(ctx.model, unit, command, 120_000);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ApiAnswer;
  } catch {
    throw new Error(`API call on ${unit} gave no answer (exit ${r.code}): ${(r.stderr || r.stdout).slice(0, 500)}`);
  }
}

async function firstUnit(ctx: SuiteContext, app: string): Promise<string> {
  const unit = appUnits(await ctx.cli.status(ctx.model), app)[0];
  if (!unit) throw new Error(`no ${app} unit in model ${ctx.model}`);
  return unit.name;
}

/** An authenticated call to a catalog service (`compute`, `instance-ha`, `identity`) as the cloud admin. */
export async function openstack(ctx: SuiteContext, service: string, method: string, path: string, body?: unknown, microversion?: string): Promise<ApiAnswer> {
  return runScript(ctx, await firstUnit(ctx, 'keystone'), CLIENT, { service, method, path, body, microversion });
}

export async function ok(answer: Promise<ApiAnswer>, what: string): Promise<any> {
  const a = await answer;
  if (a.status < 200 || a.status >= 300) throw new Error(`${what}: HTTP ${a.status} ${JSON.stringify(a.body).slice(0, 500)}`);
  return a.body;
}

/** The Nova emulator's control API (create instances, read events). */
export async function novaControl(ctx: SuiteContext, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  return runScript(ctx, await firstUnit(ctx, 'nova-cloud-controller'), CONTROL, { method, path, body });
}

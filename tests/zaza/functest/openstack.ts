/**
 * Calls to the cloud's APIs from the functional tests. The cloud's network is not reachable from the host, so the
 * client (cloud-client.mjs, plain JS) runs where it is:
 *
 * - juju-local: one relay per model and runner process, started in the model's network namespace and fed JSON
 *   lines; it authenticates once with the keystone unit's /root/admin-openrc and keeps the token, as zaza's
 *   keystoneauth session does. The openrc text reaches it over its stdin, never an argv or a log.
 * - a real controller: one `juju exec` per call on the keystone unit, where the script reads /root/admin-openrc
 *   itself (the admin secret stays on that machine).
 *
 * The Nova emulator's control API is plain HTTP on the nova-cloud-controller unit's address.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { runInModelNetwork, stopModelProcess } from '../../../localmodel/machines/index.js';
import type { SuiteContext } from '../../../deploy/context.js';
import { appUnits } from '../../../deploy/model.js';

export interface ApiAnswer {
  status: number;
  body: any;
}

type CloudRequest =
  | { service: string; method: string; path: string; body?: unknown; microversion?: string }
  | { url: string; method: string; body?: unknown };

interface CloudTransport {
  call(request: CloudRequest): Promise<ApiAnswer>;
}

const CLIENT_SOURCE = readFileSync(new URL('./cloud-client.mjs', import.meta.url), 'utf8');
const SESSION_FACT = 'openstack.session';

function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}

/** A real model: each call is one `juju exec` of the client on the keystone unit. */
function execTransport(ctx: SuiteContext, unit: string): CloudTransport {
  return {
    async call(request) {
      const command = `CLOUD_CLIENT_MODE=once node --input-type=module -e "$(echo ${b64(CLIENT_SOURCE)} | base64 -d)" ${b64(JSON.stringify(request))}`;
      const r = await ctx.cli.exec(ctx.model, unit, command, 120_000);
      const line = r.stdout.trim().split('\n').pop() ?? '';
      try {
        return JSON.parse(line) as ApiAnswer;
      } catch {
        throw new Error(`API call on ${unit} gave no answer (exit ${r.code}): ${(r.stderr || r.stdout).slice(0, 500)}`);
      }
    },
  };
}

/** The local model: one relay process in the model's network, answering requests by id. */
async function relayTransport(ctx: SuiteContext, keystoneUnit: string, onEnd: () => void): Promise<CloudTransport> {
  const openrc = await ctx.cli.exec(ctx.model, keystoneUnit, 'cat /root/admin-openrc', 60_000);
  if (openrc.code !== 0) throw new Error(`cannot read /root/admin-openrc on ${keystoneUnit} (exit ${openrc.code}): ${openrc.stderr.slice(0, 300)}`);
  const { pid, child } = await runInModelNetwork(ctx.model, [process.execPath, '--input-type=module', '-e', CLIENT_SOURCE], {
    env: { CLOUD_CLIENT_MODE: 'relay' },
  });
  const pending = new Map<number, (answer: ApiAnswer) => void>();
  let nextId = 1;
  let exited: string | undefined;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  // The relay must not keep the runner alive: its pipes hold the event loop only while a call is waiting.
  const hold = (on: boolean) => {
    for (const stream of [child.stdout, child.stderr] as unknown as { ref(): void; unref(): void }[]) (on ? stream.ref() : stream.unref());
  };
  child.unref();
  hold(false);
  child.on('exit', (code, signal) => {
    exited = `the API relay (pid ${pid}) ended (${signal ?? `exit ${code}`}): ${stderr.trim().slice(-500)}`;
    for (const resolve of pending.values()) resolve({ status: 0, body: exited });
    pending.clear();
    onEnd();
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const answer = JSON.parse(line) as ApiAnswer & { id: number };
    const resolve = pending.get(answer.id);
    pending.delete(answer.id);
    if (pending.size === 0) hold(false);
    resolve?.({ status: answer.status, body: answer.body });
  });
  child.stdin!.write(`${JSON.stringify({ openrc: openrc.stdout })}\n`);
  ctx.cleanups.push(async () => {
    child.stdin!.end();
    await stopModelProcess(ctx.model, pid).catch(() => undefined);
  });
  ctx.log(`API relay (pid ${pid}) in the network of model ${ctx.model}, authenticated as the admin of ${keystoneUnit}`);
  return {
    call(request) {
      if (exited) return Promise.resolve({ status: 0, body: exited });
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        hold(true);
        child.stdin!.write(`${JSON.stringify({ id, request })}\n`);
      });
    },
  };
}

interface Cloud {
  transport: CloudTransport;
  /** The Nova emulator's control API, on the nova-cloud-controller unit. */
  controlUrl: string;
}

/** One per suite context, from one status: the first call sets it up, later calls reuse it. */
function cloud(ctx: SuiteContext): Promise<Cloud> {
  const known = ctx.facts[SESSION_FACT] as Promise<Cloud> | undefined;
  if (known) return known;
  const forget = () => {
    if (ctx.facts[SESSION_FACT] === created) delete ctx.facts[SESSION_FACT];
  };
  const created = (async (): Promise<Cloud> => {
    const status = await ctx.cli.status(ctx.model);
    const first = (app: string) => {
      const unit = appUnits(status, app)[0];
      if (!unit) throw new Error(`no ${app} unit in model ${ctx.model}`);
      return unit;
    };
    const keystone = first('keystone').name;
    const ncc = first('nova-cloud-controller');
    if (!ncc.address) throw new Error(`${ncc.name} has no address in the status`);
    // A relay that ends is forgotten too, so the next call starts another.
    const transport = ctx.cli.backend === 'juju-local' ? await relayTransport(ctx, keystone, forget) : execTransport(ctx, keystone);
    return { transport, controlUrl: `http://${ncc.address}:8774/emulator` };
  })();
  // A failed start is not kept: the next call tries again.
  created.catch(forget);
  ctx.facts[SESSION_FACT] = created;
  return created;
}

/** An authenticated call to a catalog service (`compute`, `instance-ha`, `identity`) as the cloud admin. */
export async function openstack(ctx: SuiteContext, service: string, method: string, path: string, body?: unknown, microversion?: string): Promise<ApiAnswer> {
  return (await cloud(ctx)).transport.call({ service, method, path, body, microversion });
}

export async function ok(answer: Promise<ApiAnswer>, what: string): Promise<any> {
  const a = await answer;
  if (a.status < 200 || a.status >= 300) throw new Error(`${what}: HTTP ${a.status} ${JSON.stringify(a.body).slice(0, 500)}`);
  return a.body;
}

/** The Nova emulator's control API (create instances, read events), on the nova-cloud-controller unit. */
export async function novaControl(ctx: SuiteContext, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const { transport, controlUrl } = await cloud(ctx);
  return transport.call({ url: controlUrl + path, method, body });
}

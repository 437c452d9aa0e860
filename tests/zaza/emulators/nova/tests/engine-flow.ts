/**
 * A replica of the HTTP calls masakari-engine 14 (Zed) makes through python-novaclient at microversion 2.53,
 * step by step as in masakari/engine/drivers/taskflow/host_failure.py and masakari/compute/nova.py:
 * services.list(host, binary) → PUT /os-services/<uuid>; servers.list(detailed, all_tenants, host);
 * get_server; lock; evacuate; poll get_server until the hypervisor changed; unlock. Used by the unit tests
 * (the call sequence is what the emulator must accept) and by the component test's smoke check.
 */
export interface NovaClient {
  get(path: string): Promise<{ status: number; body: any }>;
  put(path: string, body: unknown): Promise<{ status: number; body: any }>;
  post(path: string, body: unknown): Promise<{ status: number; body: any }>;
}

export function novaClient(baseUrl: string, token: string, microversion = '2.53'): NovaClient {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        'X-Auth-Token': token, 'Content-Type': 'application/json', Accept: 'application/json',
        'X-OpenStack-Nova-API-Version': microversion, 'OpenStack-API-Version': `compute ${microversion}`,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return { get: (p) => call('GET', p), put: (p, b) => call('PUT', p, b), post: (p, b) => call('POST', p, b) };
}

async function ok(p: Promise<{ status: number; body: any }>, what: string): Promise<any> {
  const r = await p;
  if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export const SERVICE_DISABLE_REASON = 'Masakari detected host failed.';

export interface FlowOptions {
  reservedHost?: string;
  verifyIntervalMs: number;
  evacuationTimeoutMs: number;
  haKey?: string;
}

/** Returns the evacuated instance ids; throws like the engine's HostRecoveryFailureException. */
export async function hostFailureFlow(nova: NovaClient, hostName: string, opts: FlowOptions): Promise<string[]> {
  // DisableComputeServiceTask
  const services = await ok(nova.get(`/v2.1/os-services?host=${encodeURIComponent(hostName)}&binary=nova-compute`), 'services.list');
  const service = services.services[0];
  if (!service) throw new Error(`no nova-compute service on ${hostName}`);
  await ok(nova.put(`/v2.1/os-services/${service.id}`, { status: 'disabled', disabled_reason: SERVICE_DISABLE_REASON }), 'disable');
  // PrepareHAEnabledInstancesTask
  const list = await ok(nova.get(`/v2.1/servers/detail?all_tenants=True&host=${encodeURIComponent(hostName)}`), 'servers.list');
  const key = opts.haKey ?? 'HA_Enabled';
  const ha = (list.servers as any[]).filter((s) => ['true', '1', 'yes', 'on'].includes(String(s.metadata?.[key] ?? '').toLowerCase()))
    .filter((s) => s['OS-EXT-STS:vm_state'] !== 'error');
  if (ha.length === 0) return [];
  // EvacuateInstancesTask
  if (opts.reservedHost) {
    const aggs = await ok(nova.get('/v2.1/os-aggregates'), 'aggregates.list');
    for (const agg of aggs.aggregates as any[]) {
      if (!agg.hosts.includes(hostName)) continue;
      const r = await nova.post(`/v2.1/os-aggregates/${agg.id}/action`, { add_host: { host: opts.reservedHost } });
      if (r.status !== 200 && r.status !== 409) throw new Error(`add_host: HTTP ${r.status}`);
    }
    const reserved = await ok(nova.get(`/v2.1/os-services?host=${encodeURIComponent(opts.reservedHost)}&binary=nova-compute`), 'services.list');
    await ok(nova.put(`/v2.1/os-services/${reserved.services[0].id}`, { status: 'enabled' }), 'enable');
  }
  const failed: string[] = [];
  for (const summary of ha) {
    const instance = (await ok(nova.get(`/v2.1/servers/${summary.id}`), 'get_server')).server;
    const alreadyLocked = (await ok(nova.get(`/v2.1/servers/${instance.id}`), 'get_server')).server.locked;
    if (!alreadyLocked) await ok(nova.post(`/v2.1/servers/${instance.id}/action`, { lock: null }), 'lock');
    try {
      const oldVm = instance['OS-EXT-STS:vm_state'];
      if (instance['OS-EXT-STS:task_state'] !== null && instance['OS-EXT-STS:task_state'] !== undefined) {
        await ok(nova.post(`/v2.1/servers/${instance.id}/action`, { 'os-resetState': { state: 'error' } }), 'reset_state');
        await ok(nova.get(`/v2.1/servers/${instance.id}`), 'get_server');
      }
      const evac = opts.reservedHost ? { host: opts.reservedHost } : {};
      await ok(nova.post(`/v2.1/servers/${instance.id}/action`, { evacuate: evac }), 'evacuate');
      const deadline = Date.now() + opts.evacuationTimeoutMs;
      for (;;) {
        await new Promise((r) => setTimeout(r, opts.verifyIntervalMs));
        const now = (await ok(nova.get(`/v2.1/servers/${instance.id}`), 'get_server')).server;
        const newVm = now['OS-EXT-STS:vm_state'];
        if (newVm === 'error' && newVm !== oldVm) throw new Error(`evacuation of ${instance.id} failed`);
        if (now['OS-EXT-SRV-ATTR:hypervisor_hostname'] !== hostName && (oldVm === newVm || (oldVm === 'error' && newVm === 'active'))) break;
        if (Date.now() > deadline) throw new Error(`timeout evacuating ${instance.id}`);
      }
    } catch {
      failed.push(instance.id);
    } finally {
      if (!alreadyLocked) await ok(nova.post(`/v2.1/servers/${instance.id}/action`, { unlock: null }), 'unlock');
    }
  }
  if (failed.length > 0) throw new Error(`Failed to evacuate instances '${failed.join(',')}' from host '${hostName}'`);
  return ha.map((s) => s.id as string);
}

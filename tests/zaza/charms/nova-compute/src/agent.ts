/**
 * The nova-compute stand-in's daemon: registers the hypervisor, then reports every interval. Report failures
 * are logged and retried (Nova's compute keeps running when the conductor is away); SIGTERM stops it.
 * With hypervisor=qemu it also keeps this host's libvirt domains in step with Nova's record of the instances
 * placed here (domains.ts), every DOMAIN_PASS_MS: spawns, rebuilds after evacuation, stop/start, power state.
 */
import { readFileSync } from 'node:fs';
import { parseAgentConfig, type AgentConfig } from './agent-config.js';
import { planDomains, type NovaInstance } from './domains.js';
import { applyDomainStep, listDomains } from './libvirt.js';

const DOMAIN_PASS_MS = 2_000;

async function post(url: string, body?: unknown): Promise<number> {
  const res = await fetch(url, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(5_000),
  });
  await res.text();
  return res.status;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function instancesHere(config: AgentConfig): Promise<NovaInstance[]> {
  const res = await fetch(`${config.novaApiUrl}/emulator/computes/${encodeURIComponent(config.host)}/instances`, { signal: AbortSignal.timeout(5_000) });
  if (res.status !== 200) throw new Error(`instance list answered HTTP ${res.status}`);
  const body = (await res.json()) as { instances?: Array<Record<string, unknown>> };
  return (body.instances ?? []).map((i) => ({
    id: String(i['id']), name: String(i['name']), vmState: String(i['vm_state']),
    taskState: typeof i['task_state'] === 'string' ? i['task_state'] : null, powerState: Number(i['power_state']),
  }));
}

/** One pass: Nova's record against libvirt's domains. Nothing is destroyed when Nova cannot be asked. */
async function domainPass(config: AgentConfig): Promise<void> {
  const steps = planDomains(await instancesHere(config), await listDomains());
  for (const step of steps) {
    if (step.kind === 'report') {
      const status = await post(`${config.novaApiUrl}/emulator/servers/${step.uuid}/power`, { host: config.host, power_state: step.powerState, task_done: step.taskDone });
      if (status !== 204) console.error(`power report for ${step.uuid} answered HTTP ${status}`);
      else console.log(`reported ${step.uuid}: power_state ${step.powerState}${step.taskDone ? `, ${step.taskDone} done` : ''}`);
      continue;
    }
    console.log(`${step.kind} ${step.kind === 'define' ? step.instance.id : step.uuid}`);
    await applyDomainStep(step);
  }
}

async function runDomains(config: AgentConfig, stopping: () => boolean): Promise<void> {
  while (!stopping()) {
    try {
      await domainPass(config);
    } catch (err) {
      console.error(`domain pass: ${(err as Error).message}; retrying`);
    }
    await sleep(DOMAIN_PASS_MS);
  }
}

async function run(configPath: string): Promise<void> {
  const config = parseAgentConfig(readFileSync(configPath, 'utf8'));
  const base = `${config.novaApiUrl}/emulator/computes`;
  const registration = {
    host: config.host, hypervisor_hostname: config.host, host_ip: config.hostIp, vcpus: config.vcpus, memory_mb: config.memoryMb,
    hypervisor_type: config.hypervisor === 'qemu' ? 'QEMU' : 'fake',
  };
  let registered = false;
  let stopping = false;
  process.on('SIGTERM', () => { stopping = true; process.exit(0); });
  let domains: Promise<void> | null = null;
  for (;;) {
    try {
      if (!registered) {
        const status = await post(base, registration);
        if (status !== 200 && status !== 201) throw new Error(`registration answered HTTP ${status}`);
        registered = true;
        console.log(`registered ${config.host} with ${config.novaApiUrl}`);
        if (config.hypervisor === 'qemu' && !domains) domains = runDomains(config, () => stopping);
      } else {
        const status = await post(`${base}/${encodeURIComponent(config.host)}/heartbeat`);
        if (status === 404) registered = false;  // the service record was deleted: register again
        else if (status !== 204) throw new Error(`report answered HTTP ${status}`);
      }
    } catch (err) {
      console.error(`report to ${config.novaApiUrl} failed: ${(err as Error).message}; retrying`);
    }
    if (stopping) return;
    await sleep(registered ? config.reportIntervalS * 1000 : 2000);
  }
}

run(process.argv[2] ?? '/etc/nova/standin-compute.json').catch((err: Error) => {
  console.error(`nova-compute agent: ${err.message}`);
  process.exit(1);
});

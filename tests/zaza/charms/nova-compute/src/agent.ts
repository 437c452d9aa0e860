/**
 * The nova-compute stand-in's daemon: registers the hypervisor, then reports every interval. Report failures
 * are logged and retried (Nova's compute keeps running when the conductor is away); SIGTERM stops it.
 */
import { readFileSync } from 'node:fs';
import { parseAgentConfig } from './agent-config.js';

async function post(url: string, body?: unknown): Promise<number> {
  const res = await fetch(url, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(5_000),
  });
  await res.text();
  return res.status;
}

async function run(configPath: string): Promise<void> {
  const config = parseAgentConfig(readFileSync(configPath, 'utf8'));
  const base = `${config.novaApiUrl}/emulator/computes`;
  const registration = { host: config.host, hypervisor_hostname: config.host, host_ip: config.hostIp, vcpus: config.vcpus, memory_mb: config.memoryMb };
  let registered = false;
  let stopping = false;
  process.on('SIGTERM', () => { stopping = true; process.exit(0); });
  for (;;) {
    try {
      if (!registered) {
        const status = await post(base, registration);
        if (status !== 200 && status !== 201) throw new Error(`registration answered HTTP ${status}`);
        registered = true;
        console.log(`registered ${config.host} with ${config.novaApiUrl}`);
      } else {
        const status = await post(`${base}/${encodeURIComponent(config.host)}/heartbeat`);
        if (status === 404) registered = false;  // the service record was deleted: register again
        else if (status !== 204) throw new Error(`report answered HTTP ${status}`);
      }
    } catch (err) {
      console.error(`report to ${config.novaApiUrl} failed: ${(err as Error).message}; retrying`);
    }
    if (stopping) return;
    await new Promise((r) => setTimeout(r, registered ? config.reportIntervalS * 1000 : 2000));
  }
}

run(process.argv[2] ?? '/etc/nova/standin-compute.json').catch((err: Error) => {
  console.error(`nova-compute agent: ${err.message}`);
  process.exit(1);
});

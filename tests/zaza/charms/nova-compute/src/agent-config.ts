/** What the nova-compute agent reads: written by the charm, read by the agent (pure parse/format). */
export const AGENT_CONFIG = '/etc/nova/standin-compute.json';
export const PROGRAM = '/usr/local/lib/nova-standin/nova-compute-agent';
export const UNIT_FILE = '/etc/systemd/system/nova-compute.service';

export interface AgentConfig {
  novaApiUrl: string;
  host: string;
  hostIp: string;
  reportIntervalS: number;
  vcpus: number;
  memoryMb: number;
  /** 'qemu': instances run as libvirt domains on this host; 'none': the host only reports (no libvirt). */
  hypervisor: 'qemu' | 'none';
}

export function formatAgentConfig(c: AgentConfig): string {
  return `${JSON.stringify(c, null, 2)}\n`;
}

export function parseAgentConfig(text: string): AgentConfig {
  const c = JSON.parse(text) as Partial<AgentConfig>;
  for (const key of ['novaApiUrl', 'host', 'hostIp'] as const) {
    if (typeof c[key] !== 'string' || !c[key]) throw new Error(`${AGENT_CONFIG}: '${key}' must be a non-empty string`);
  }
  for (const key of ['reportIntervalS', 'vcpus', 'memoryMb'] as const) {
    if (typeof c[key] !== 'number' || !(c[key]! > 0)) throw new Error(`${AGENT_CONFIG}: '${key}' must be a positive number`);
  }
  if (c.hypervisor === undefined) c.hypervisor = 'none';
  if (c.hypervisor !== 'qemu' && c.hypervisor !== 'none') throw new Error(`${AGENT_CONFIG}: 'hypervisor' must be 'qemu' or 'none'`);
  return c as AgentConfig;
}

export function agentUnit(): string {
  return [
    '[Unit]',
    'Description=nova-compute (functional-suite stand-in: reports this hypervisor to the Nova emulator)',
    // libvirtd first when it is here (a missing unit in After= is ignored), so the first pass finds it up
    'After=network-online.target libvirtd.service',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=/usr/bin/node ${PROGRAM} ${AGENT_CONFIG}`,
    'Restart=on-failure',
    'RestartSec=2',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** /etc/hosts of a model's machines: every machine of the model, plus the switch. Pure rendering. */

export interface HostsEntry {
  address: string;
  fqdn: string;
  hostname: string;
}

export const gatewayHostname = 'localmodel-gateway';

export function renderHostsFile(gateway: string, domain: string, machines: readonly HostsEntry[]): string {
  const lines = [
    '# Written by the local model; lists every machine of the model. Changes here are overwritten.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    `${gateway}\t${gatewayHostname}.${domain} ${gatewayHostname}`,
  ];
  const sorted = [...machines].sort((a, b) => compareAddresses(a.address, b.address));
  for (const machine of sorted) lines.push(`${machine.address}\t${machine.fqdn} ${machine.hostname}`);
  return `${lines.join('\n')}\n`;
}

function compareAddresses(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * /etc/hosts of a model's machines: a managed block listing the switch and every machine of the model, inside
 * an otherwise ordinary file that charms may still edit outside the block. Pure rendering and merging.
 */

export interface HostsEntry {
  address: string;
  fqdn: string;
  hostname: string;
}

export const gatewayHostname = 'localmodel-gateway';
export const hostsBlockBegin = '# BEGIN local model machines (managed: edits inside this block are overwritten)';
export const hostsBlockEnd = '# END local model machines';

export const defaultHostsFile = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n';

export function renderHostsBlock(gateway: string, domain: string, machines: readonly HostsEntry[]): string {
  const lines = [hostsBlockBegin, `${gateway}\t${gatewayHostname}.${domain} ${gatewayHostname}`];
  const sorted = [...machines].sort((a, b) => compareAddresses(a.address, b.address));
  for (const machine of sorted) lines.push(`${machine.address}\t${machine.fqdn} ${machine.hostname}`);
  lines.push(hostsBlockEnd);
  return `${lines.join('\n')}\n`;
}

/** Replaces the managed block in `existing` (or appends it), keeping every other line as it was. */
export function mergeHostsFile(existing: string, block: string): string {
  const lines = existing.split('\n');
  const begin = lines.indexOf(hostsBlockBegin);
  const end = lines.indexOf(hostsBlockEnd, Math.max(begin, 0));
  if (begin >= 0 && end > begin) {
    const before = lines.slice(0, begin).join('\n');
    const after = lines.slice(end + 1).join('\n');
    return `${before}${before ? '\n' : ''}${block}${after}`;
  }
  const base = existing.trim() === '' ? defaultHostsFile : existing.endsWith('\n') ? existing : `${existing}\n`;
  return `${base}${block}`;
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

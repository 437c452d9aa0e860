/**
 * The shell around libvirt for the nova-compute agent: `virsh` against qemu:///system, one command per step.
 * Domain XML goes through a file in a private temporary directory (virsh define reads a path).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { domainXml, parseDomState, type Domain, type DomainStep } from './domains.js';

export const LIBVIRT_URI = 'qemu:///system';

function virsh(args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('virsh', ['-q', '-c', LIBVIRT_URI, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`virsh ${args[0]}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

export async function listDomains(): Promise<Domain[]> {
  const names = (await virsh(['list', '--all', '--name'])).split('\n').map((l) => l.trim()).filter(Boolean);
  const domains: Domain[] = [];
  for (const name of names) {
    const uuid = (await virsh(['domuuid', name])).trim();
    domains.push({ uuid, name, ...parseDomState(await virsh(['domstate', name])) });
  }
  return domains;
}

/** Carries out one step; `report` steps are the caller's (they go to Nova, not libvirt). */
export async function applyDomainStep(step: Exclude<DomainStep, { kind: 'report' }>): Promise<void> {
  switch (step.kind) {
    case 'define': {
      const dir = await mkdtemp(join(tmpdir(), 'nova-domain-'));
      try {
        const file = join(dir, 'domain.xml');
        await writeFile(file, domainXml(step.instance), { mode: 0o600 });
        await virsh(['define', file]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      return;
    }
    case 'start':
      await virsh(['start', step.uuid], 120_000);
      return;
    case 'destroy':
      await virsh(['destroy', step.uuid]);
      return;
    case 'undefine':
      await virsh(['undefine', step.uuid]);
      return;
  }
}

/**
 * What nova-compute's libvirt driver would do with this host's domains, as a pure plan: Nova's record of the
 * instances placed here (the emulator's answer) against the domains libvirt has. Domains are matched by UUID, the
 * instance's, as Nova's driver defines them; only domains named like ours are ever touched.
 */

export const POWER_RUNNING = 1;
export const POWER_PAUSED = 3;
export const POWER_SHUTDOWN = 4;

export interface NovaInstance {
  readonly id: string;
  readonly name: string;
  readonly vmState: string;
  readonly taskState: string | null;
  readonly powerState: number;
}

/** libvirt's view of one domain: `virsh domstate` words reduced to Nova's power states. */
export interface Domain {
  readonly uuid: string;
  readonly name: string;
  readonly running: boolean;
  readonly paused: boolean;
}

export type DomainStep =
  | { readonly kind: 'define'; readonly instance: NovaInstance }
  | { readonly kind: 'start'; readonly uuid: string }
  | { readonly kind: 'destroy'; readonly uuid: string }
  | { readonly kind: 'undefine'; readonly uuid: string }
  | { readonly kind: 'report'; readonly uuid: string; readonly powerState: number; readonly taskDone: string | null };

const DOMAIN_PREFIX = 'instance-';

/** Nova names domains `instance-%08x` from a database id the emulator does not have; the UUID's head stands in. */
export function domainName(instanceId: string): string {
  return `${DOMAIN_PREFIX}${instanceId.replace(/-/g, '').slice(0, 8)}`;
}

export function isOurs(domain: Domain): boolean {
  return domain.name.startsWith(DOMAIN_PREFIX);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function powerOf(domain: Domain | undefined): number {
  if (!domain || !domain.running) return POWER_SHUTDOWN;
  return domain.paused ? POWER_PAUSED : POWER_RUNNING;
}

/**
 * Steps for one pass, in order. A domain that is missing is a spawn or a rebuild after evacuation: defined, and
 * started when the instance should run. A domain that went down by itself is reported, never restarted: bringing
 * it back is masakari's decision, through Nova's stop/start. Domains of instances no longer placed here (evacuated
 * away while this host was down, or deleted) are destroyed and undefined, as Nova does when the host comes back.
 */
export function planDomains(instances: readonly NovaInstance[], domains: readonly Domain[]): DomainStep[] {
  const steps: DomainStep[] = [];
  const byUuid = new Map(domains.map((d) => [d.uuid.toLowerCase(), d]));
  const placed = new Set<string>();
  for (const instance of instances) {
    const uuid = instance.id.toLowerCase();
    if (!UUID.test(uuid)) continue;
    placed.add(uuid);
    if (instance.taskState === 'rebuilding') continue;  // the rebuild lands when the emulator moves the instance
    let domain = byUuid.get(uuid);
    if (!domain) {
      steps.push({ kind: 'define', instance });
      domain = { uuid, name: domainName(uuid), running: false, paused: false };
      if (instance.vmState === 'active' && instance.taskState === null) {
        steps.push({ kind: 'start', uuid });
        domain = { ...domain, running: true };
      }
    }
    if (instance.taskState === 'powering-off') {
      if (domain.running) steps.push({ kind: 'destroy', uuid });
      steps.push({ kind: 'report', uuid, powerState: POWER_SHUTDOWN, taskDone: 'powering-off' });
    } else if (instance.taskState === 'powering-on') {
      if (!domain.running) steps.push({ kind: 'start', uuid });
      steps.push({ kind: 'report', uuid, powerState: POWER_RUNNING, taskDone: 'powering-on' });
    } else if (powerOf(domain) !== instance.powerState) {
      steps.push({ kind: 'report', uuid, powerState: powerOf(domain), taskDone: null });
    }
  }
  for (const domain of domains) {
    if (!isOurs(domain) || placed.has(domain.uuid.toLowerCase())) continue;
    if (domain.running) steps.push({ kind: 'destroy', uuid: domain.uuid });
    steps.push({ kind: 'undefine', uuid: domain.uuid });
  }
  return steps;
}

function xmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The domain Nova's libvirt driver would define, cut to what runs here (no KVM, no disk, no network): QEMU with
 * TCG, 32 MiB, SeaBIOS with nothing to boot (it idles in `hlt`, 0.8 % of a core). Nova's metadata element carries
 * the instance's name as on a real compute.
 */
export function domainXml(instance: NovaInstance): string {
  const uuid = instance.id.toLowerCase();
  if (!UUID.test(uuid)) throw new Error('instance id is not a UUID');
  return [
    "<domain type='qemu'>",
    `  <name>${domainName(uuid)}</name>`,
    `  <uuid>${uuid}</uuid>`,
    '  <metadata>',
    "    <nova:instance xmlns:nova='http://openstack.org/xmlns/libvirt/nova/1.1'>",
    `      <nova:name>${xmlText(instance.name)}</nova:name>`,
    '    </nova:instance>',
    '  </metadata>',
    "  <memory unit='MiB'>32</memory>",
    '  <vcpu>1</vcpu>',
    "  <os><type arch='x86_64' machine='pc'>hvm</type></os>",
    '  <on_poweroff>destroy</on_poweroff>',
    '  <on_reboot>restart</on_reboot>',
    '  <on_crash>destroy</on_crash>',
    '  <devices>',
    '    <emulator>/usr/bin/qemu-system-x86_64</emulator>',
    "    <memballoon model='none'/>",
    '  </devices>',
    '</domain>',
    '',
  ].join('\n');
}

/** `virsh domstate` output → running/paused (libvirt's state words; anything else is off). */
export function parseDomState(text: string): { running: boolean; paused: boolean } {
  const state = text.trim().split('\n')[0]?.trim() ?? '';
  if (state === 'running' || state === 'idle' || state === 'in shutdown') return { running: true, paused: false };
  if (state === 'paused' || state === 'pmsuspended') return { running: true, paused: true };
  return { running: false, paused: false };
}

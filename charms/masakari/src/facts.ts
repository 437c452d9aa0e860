/**
 * Gathering the facts the pure parts need, through the seams: the unit's addresses (network-get per binding),
 * the operating system, package versions and the read_deleted probe, whether services run and ports listen.
 */
import type { HookTools } from '../../../reactive/hookenv/tools.js';
import type { Host } from '../../../reactive/host/host.js';
import type { KeyValueStore } from '../../../reactive/kv.js';
import type { Bindings, UnitAddress } from './addresses.js';
import { detectOs, platformFor, type Platform } from './platform.js';
import { knownAffected, parseProbe, PROBE_SCRIPT, versionKey, WATCHED_PACKAGES } from './read-deleted-workaround.js';
import { listeningPorts } from './status.js';

export async function bindingAddresses(tools: HookTools, binding: string): Promise<UnitAddress[]> {
  const info = await tools.networkGet(binding);
  const out: UnitAddress[] = [];
  for (const b of info.bindAddresses) {
    for (const a of b.addresses) out.push({ address: a.value, cidr: a.cidr, iface: b.interfaceName });
  }
  // Juju lists the ingress address first; keep it first when it is also a bind address.
  const ingress = info.ingressAddresses[0];
  out.sort((x, y) => Number(y.address === ingress) - Number(x.address === ingress));
  if (out.length === 0 && ingress) out.push({ address: ingress, cidr: `${ingress}/32`, iface: '' });
  return out;
}

export async function collectBindings(tools: HookTools): Promise<Bindings> {
  return {
    public: await bindingAddresses(tools, 'public'),
    internal: await bindingAddresses(tools, 'internal'),
    admin: await bindingAddresses(tools, 'admin'),
    cluster: await bindingAddresses(tools, 'cluster'),
  };
}

export async function detectPlatform(host: Host): Promise<Platform | null> {
  const os = detectOs(await host.readFile('/etc/os-release'));
  return os ? platformFor(os) : null;
}

export interface WorkaroundDecision {
  readonly needed: boolean;
  readonly versions: string;
  /** Set when this hook re-evaluated the decision (first time, or the package versions changed). */
  readonly changedMessage?: string;
}

const KV_KEY = 'masakari.read-deleted';

/**
 * Whether the read_deleted workaround is needed. The probe runs masakari's own code and is re-run only when
 * dpkg-query reports different versions of the watched packages; its answer is kept in the unit's kv.
 */
export async function readDeletedDecision(host: Host, kv: KeyValueStore): Promise<WorkaroundDecision> {
  const versions: Record<string, string | null> = {};
  for (const p of WATCHED_PACKAGES) versions[p] = await host.packageVersion(p);
  const key = versionKey(versions);
  const saved = kv.get<{ versions: string; needed: boolean }>(KV_KEY);
  if (saved && saved.versions === key) return { needed: saved.needed, versions: key };
  let needed = false;
  let how = 'not installed';
  if (versions['python3-masakari'] && versions['python3-oslo.messaging']) {
    const result = await host.run(['/usr/bin/python3', '-c', PROBE_SCRIPT], { timeoutMs: 60_000 });
    const probe = result.exitCode === 0 ? parseProbe(result.stdout) : null;
    // A probe that cannot run decides nothing: fall back to the list of versions known to be affected.
    needed = probe ?? knownAffected(versions);
    how = probe === null ? `probe failed (exit ${result.exitCode}); known-affected list says ${needed ? 'affected' : 'unaffected'}` : `probe says ${probe ? 'affected' : 'unaffected'}`;
  }
  kv.set(KV_KEY, { versions: key, needed });
  const action = needed
    ? 'the API and engine start through the charm wrappers in /usr/local/lib/masakari-charm (RequestContext.from_dict defaults read_deleted to "no")'
    : saved?.needed ? 'the workaround is removed and the packaged entry points are used again' : 'no workaround needed';
  return { needed, versions: key, changedMessage: `masakari read_deleted bug check for ${key}: ${how}; ${action}` };
}

export async function servicesDown(host: Host, services: readonly string[]): Promise<string[]> {
  const down: string[] = [];
  for (const s of services) if (!(await host.serviceIsActive(s))) down.push(s);
  return down;
}

/** Ports not listening; empty when /proc/net/tcp cannot be read (nothing can be said then). */
export async function portsClosed(host: Host, ports: readonly number[]): Promise<number[]> {
  const v4 = await host.readFile('/proc/net/tcp');
  const v6 = await host.readFile('/proc/net/tcp6');
  if (v4 === null && v6 === null) return [];
  const open = listeningPorts(v4, v6);
  return ports.filter((p) => !open.has(p));
}

/**
 * Gathering the facts the pure parts need, through the seams: the unit's addresses (network-get per binding),
 * the operating system, package versions and the read_deleted probe, whether services run and ports listen.
 */
import type { HookTools } from '../../../reactive/hookenv/tools.js';
import type { Host } from '../../../reactive/host/host.js';
import type { KeyValueStore } from '../../../reactive/kv.js';
import type { Bindings, UnitAddress } from './addresses.js';
import { detectOs, platformFor, type Platform } from './platform.js';
import {
  describe, knownAffected, NONE, parseProbe, PROBE_SCRIPT, versionKey, WATCHED_PACKAGES, WORKAROUND_DIR, type Workarounds,
} from './debian-workarounds.js';
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
  readonly workarounds: Workarounds;
  readonly versions: string;
  /** Set when this hook re-evaluated the decision (first time, or the package versions changed). */
  readonly changedMessage?: string;
}

const KV_KEY = 'masakari.debian-workarounds';

/**
 * Which Debian package workarounds are needed (debian-workarounds.ts). The probe runs masakari's own code and is
 * re-run only when dpkg-query reports different versions of the watched packages; its answer is kept in kv.
 */
export async function workaroundDecision(host: Host, kv: KeyValueStore): Promise<WorkaroundDecision> {
  const versions: Record<string, string | null> = {};
  for (const p of WATCHED_PACKAGES) versions[p] = await host.packageVersion(p);
  const key = versionKey(versions);
  const saved = kv.get<{ versions: string; readDeleted: boolean; taskflowAlembic: boolean }>(KV_KEY);
  const savedWorkarounds: Workarounds | null = saved ? { readDeleted: saved.readDeleted, taskflowAlembic: saved.taskflowAlembic } : null;
  if (saved && savedWorkarounds && saved.versions === key) return { workarounds: savedWorkarounds, versions: key };
  let workarounds = NONE;
  let how = 'masakari not installed';
  if (versions['python3-masakari']) {
    const result = await host.run(['/usr/bin/python3', '-c', PROBE_SCRIPT], { timeoutMs: 60_000 });
    const probe = result.exitCode === 0 ? parseProbe(result.stdout) : null;
    // A probe that cannot run decides nothing by itself: fall back to the versions known to be affected.
    workarounds = probe ?? knownAffected(versions);
    how = probe ? 'probe' : `probe failed (exit ${result.exitCode}), known-affected versions`;
  }
  kv.set(KV_KEY, { versions: key, readDeleted: workarounds.readDeleted, taskflowAlembic: workarounds.taskflowAlembic });
  const before = savedWorkarounds ? describe(savedWorkarounds) : 'none';
  return {
    workarounds,
    versions: key,
    changedMessage: `Debian package bug check for ${key} (${how}): workarounds ${describe(workarounds)} (was ${before}); see ${WORKAROUND_DIR}`,
  };
}

export async function servicesDown(host: Host, services: readonly string[]): Promise<string[]> {
  const states = await host.serviceStates(services);
  return services.filter((s) => states.get(s)?.active !== true);
}

export interface RuntimeFacts {
  readonly servicesDown: readonly string[];
  readonly portsClosed: readonly number[];
}

/**
 * Services down and ports closed, looked at again (up to `attempts` times, `pauseMs` apart) while anything is
 * missing: pacemaker restarts haproxy through its clone on its own schedule, and a status computed in the second
 * that takes would stay blocked until the next hook.
 */
export async function settledRuntimeFacts(
  host: Host, services: readonly string[], ports: readonly number[], { attempts = 3, pauseMs = 2_000 } = {},
): Promise<RuntimeFacts> {
  for (let attempt = 1; ; attempt++) {
    const facts = { servicesDown: await servicesDown(host, services), portsClosed: await portsClosed(host, ports) };
    if ((facts.servicesDown.length === 0 && facts.portsClosed.length === 0) || attempt >= attempts) return facts;
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

/** Ports not listening; empty when /proc/net/tcp cannot be read (nothing can be said then). */
export async function portsClosed(host: Host, ports: readonly number[]): Promise<number[]> {
  const v4 = await host.readFile('/proc/net/tcp');
  const v6 = await host.readFile('/proc/net/tcp6');
  if (v4 === null && v6 === null) return [];
  const open = listeningPorts(v4, v6);
  return ports.filter((p) => !open.has(p));
}

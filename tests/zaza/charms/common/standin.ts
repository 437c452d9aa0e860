/**
 * Helpers shared by the functional suite's stand-in charms: the unit's address on a binding, generated secrets
 * kept in unit state, and waiting for a daemon to answer. Stand-ins are single-unit charms, so unit-local state
 * is enough where the stock charms use peer or leader data.
 */
import { randomBytes } from 'node:crypto';
import type { HookTools } from '../../../../reactive/hookenv/tools.js';
import type { KeyValueStore } from '../../../../reactive/kv.js';

/** The binding's address; without a bind address Juju's ingress address, then the unit's private address. */
export async function bindAddress(tools: HookTools, binding: string, relationId?: string): Promise<string> {
  const info = await tools.networkGet(binding, relationId ? { relationId } : undefined);
  const bound = info.bindAddresses.flatMap((b) => b.addresses).find((a) => a.value);
  return bound?.value ?? info.ingressAddresses[0] ?? (await tools.unitGet('private-address'));
}

/** A password generated once per key and kept in unit state: the same across hooks, never logged. */
export function stableSecret(kv: KeyValueStore, key: string): string {
  const existing = kv.get<string>(`secret.${key}`);
  if (typeof existing === 'string' && existing.length > 0) return existing;
  const fresh = randomBytes(24).toString('base64url');
  kv.set(`secret.${key}`, fresh);
  return fresh;
}

/** Polls `probe` until it returns true or the time is up; says what it waited for when it gives up. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 120_000, intervalMs = 1_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** SQL and rabbitmq names the stand-ins accept: what the stock charms' requirers send. */
export function isSafeName(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/.test(name);
}

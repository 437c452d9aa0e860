/**
 * The hook entry point every bundled charm calls: `void runCharm(charm)` (it never rejects). Real seams (hook tools on PATH, the
 * local machine); the unit state is committed only when the hook succeeded, so a failed hook changes no flag.
 */
import { join } from 'node:path';
import type { Charm, EndpointMap } from './charm.js';
import { loadCharmMeta } from './charm-meta.js';
import { readHookEnvironment } from './hookenv/environment.js';
import { ProcessHookTools } from './hookenv/process-tools.js';
import { LocalHost } from './host/local-host.js';
import { commitStore, loadStore } from './kv.js';
import { runHook } from './runtime.js';
import { PRECOMPILED_TEMPLATES_FILE } from './templating.js';

export async function runCharm<F extends string, EM extends EndpointMap>(charm: Charm<F, EM>): Promise<void> {
  const env = readHookEnvironment();
  const tools = new ProcessHookTools();
  const what = env.actionName ? `action ${env.actionName}` : `hook ${env.hookName}`;
  try {
    const meta = await loadCharmMeta(env.charmDir);
    const statePath = process.env.UNIT_STATE_FILE || join(env.charmDir, '.unit-state.json');
    const store = loadStore(statePath);
    await runHook(charm, {
      env,
      tools,
      host: new LocalHost(),
      meta,
      store,
      templatesDir: join(env.charmDir, 'templates'),
      precompiledTemplates: join(env.charmDir, PRECOMPILED_TEMPLATES_FILE),
      debug: (line) => process.stdout.write(`${line}\n`),
    });
    commitStore(statePath, store);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${what} failed: ${error instanceof Error ? (error.stack ?? message) : message}\n`);
    await tools.jujuLog(`${what} failed: ${message}`, 'ERROR').catch(() => undefined);
    if (env.actionName) {
      // An action that throws fails the action, never the unit; its flag changes are discarded like a hook's.
      await tools.actionFail(message).catch(() => undefined);
    } else {
      process.exitCode = 1;
    }
  } finally {
    process.stdout.write(`${hookCost(what)}\n`);
  }
}

/**
 * What this hook cost the machine, for the debug log: the CPU of this node process since it started (start-up and
 * bundle load included, the programs it ran not) and its wall time. Summed over a deploy it shows which hooks to
 * make cheaper.
 */
export function hookCost(what: string, cpu = process.cpuUsage(), uptimeSeconds = process.uptime()): string {
  const ms = (micros: number) => Math.round(micros / 1000);
  return `${what}: ${ms(cpu.user + cpu.system)} ms CPU (user ${ms(cpu.user)}, system ${ms(cpu.system)}), ${Math.round(uptimeSeconds * 1000)} ms wall`;
}

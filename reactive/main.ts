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
  }
}

/**
 * Runs the MAAS emulator as a process: `main.ts <config.json>`. The config names machines, API keys, where to
 * listen, and optionally `powerCommand`: argv run as `<powerCommand...> <on|off> <hostname>` for every power
 * change (exit 0 = done), which is how the functional suite makes power-off stop a local-model machine, and as
 * `<powerCommand...> query <hostname>` (prints on or off) for query_power_state.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { startMaasEmulator, type MaasEmulatorOptions } from './server.js';

interface FileConfig extends MaasEmulatorOptions {
  readonly powerCommand?: readonly string[];
}

const path = process.argv[2];
if (!path) {
  console.error('usage: main.ts <config.json>  (machines, apiKeys, host, port, powerCommand)');
  process.exit(2);
}
const config = JSON.parse(readFileSync(path, 'utf8')) as FileConfig;
const run = promisify(execFile);
const command = config.powerCommand;
const emulator = await startMaasEmulator({
  ...config,
  ...(command && command.length > 0
    ? {
        powerDriver: async (m, action) => { await run(command[0] as string, [...command.slice(1), action, m.hostname]); },
        powerQuery: async (m) => {
          const state = (await run(command[0] as string, [...command.slice(1), 'query', m.hostname])).stdout.trim();
          if (state !== 'on' && state !== 'off') throw new Error(`power query printed '${state}'`);
          return state;
        },
      }
    : {}),
});
console.log(`MAAS emulator listening at ${emulator.url} with ${emulator.machines.length} machines`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void emulator.stop().then(() => process.exit(0)));

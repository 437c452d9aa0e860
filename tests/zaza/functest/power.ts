/**
 * The MAAS emulator's power command for the local model: `power.ts <model> <log> <on|off> <hostname>`.
 * Powers the machine with that host name off (hard, like a BMC) or on, and appends what it did, with the time,
 * to <log> so the failover test can place "fenced" on its timeline.
 */
import { appendFileSync } from 'node:fs';
import { listMachines, powerOff, powerOn } from '../../../localmodel/machines/index.js';

async function main(): Promise<void> {
  const [model, log, action, hostname] = process.argv.slice(2);
  if (!model || !log || (action !== 'on' && action !== 'off') || !hostname) {
    throw new Error('usage: power.ts <model> <log file> <on|off> <hostname>');
  }
  const short = hostname.split('.')[0];
  const machine = (await listMachines(model)).find((m) => m.hostname === short || m.fqdn === hostname);
  if (!machine) throw new Error(`no machine named ${hostname} in model ${model}`);
  const started = Date.now();
  if (action === 'off') await powerOff(machine, { graceful: false });
  else await powerOn(machine);
  appendFileSync(log, `${JSON.stringify({ action, hostname, machine: machine.id, requested: started, done: Date.now() })}\n`);
}

main().catch((err: Error) => {
  console.error(`power: ${err.message}`);
  process.exit(1);
});

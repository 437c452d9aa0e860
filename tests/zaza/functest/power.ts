/**
 * The MAAS emulator's power command for the local model: `power.ts <model> <log> <on|off|query> <hostname>`.
 * Powers the machine with that host name off (hard, like a BMC) or on, and appends what it did, with the time,
 * to <log> so the failover test can place "fenced" on its timeline.
 * "on" answers at once, as a BMC does, but the machine comes up only after ZAZA_BOOT_SECONDS (default 120):
 * a server's firmware and OS take minutes, a container seconds. Without that delay a fencing "reboot" brings
 * the failed host back before any monitor has seen it down, and nothing is evacuated.
 * A host with a dead-BMC marker (bmc.ts) fails every power change, as when the BMC lost power with the host.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { bmcDeadMarker } from './bmc.js';
import { isRunning, listMachines, powerOff, powerOn } from '../../../localmodel/machines/index.js';

async function main(): Promise<void> {
  const [model, log, action, hostname] = process.argv.slice(2);
  if (!model || !log || (action !== 'on' && action !== 'off' && action !== 'query') || !hostname) {
    throw new Error('usage: power.ts <model> <log file> <on|off|query> <hostname>');
  }
  const short = hostname.split('.')[0];
  const machine = (await listMachines(model)).find((m) => m.hostname === short || m.fqdn === hostname);
  if (!machine) throw new Error(`no machine named ${hostname} in model ${model}`);
  const started = Date.now();
  if (existsSync(bmcDeadMarker(log, hostname))) {
    appendFileSync(log, `${JSON.stringify({ action: `${action}-failed`, hostname, machine: machine.id, requested: started, done: Date.now() })}\n`);
    throw new Error(`the BMC of ${hostname} does not answer`);
  }
  if (action === 'query') {
    console.log((await isRunning(machine)) ? 'on' : 'off');
    return;
  }
  if (action === 'off') {
    await powerOff(machine, { graceful: false });
  } else if (process.env.ZAZA_POWER_NOW !== '1') {
    const bootSeconds = Number(process.env.ZAZA_BOOT_SECONDS ?? 120);
    // The detached copy of this command does the power-on once the "boot" time has passed.
    spawn(process.execPath, [process.argv[1]!, model, log, 'on', hostname], {
      detached: true, stdio: 'ignore', env: { ...process.env, ZAZA_POWER_NOW: '1', ZAZA_BOOT_DELAY_MS: String(bootSeconds * 1000) },
    }).unref();
    appendFileSync(log, `${JSON.stringify({ action: 'on-requested', hostname, machine: machine.id, requested: started, bootSeconds })}\n`);
    return;
  } else {
    await new Promise((r) => setTimeout(r, Number(process.env.ZAZA_BOOT_DELAY_MS ?? 0)));
    if (await isRunning(machine)) return;
    await powerOn(machine);
  }
  appendFileSync(log, `${JSON.stringify({ action, hostname, machine: machine.id, requested: started, done: Date.now() })}\n`);
}

main().catch((err: Error) => {
  console.error(`power: ${err.message}`);
  process.exit(1);
});

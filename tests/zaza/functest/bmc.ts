/**
 * Dead BMCs for the MAAS emulator's power command: a marker file named after a host, in a folder next to the
 * power log, makes every power change of that host fail (MAAS then reports the power state `error`).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function bmcDeadMarker(powerLog: string, hostname: string): string {
  return join(dirname(powerLog), 'bmc-dead', hostname.split('.')[0]!);
}

/** From now on every MAAS power call for the host fails, until reviveBmc. */
export function killBmc(powerLog: string, hostname: string): void {
  const marker = bmcDeadMarker(powerLog, hostname);
  mkdirSync(dirname(marker), { recursive: true });
  writeFileSync(marker, 'the BMC does not answer\n');
}

export function reviveBmc(powerLog: string, hostname: string): void {
  rmSync(bmcDeadMarker(powerLog, hostname), { force: true });
}

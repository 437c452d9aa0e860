/**
 * Dead BMCs for the MAAS emulator's power command: a marker file named after a host, in a folder next to the
 * power log, makes every power change of that host fail (MAAS then reports the power state `error`).
 */
import { dirname, join } from 'node:path';

export function bmcDeadMarker(powerLog: string, hostname: string): string {
  return join(dirname(powerLog), 'bmc-dead', hostname.split('.')[0]!);
}

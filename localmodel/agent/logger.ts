/** The model's debug log: one line per entry, shaped like `juju debug-log` (`unit-app-0: 12:00:01 INFO ...`). */
import { appendFileSync } from 'node:fs';

export class DebugLog {
  constructor(private readonly file: string) {}

  write(entity: string, level: string, logger: string, message: string): void {
    const time = new Date().toISOString().slice(11, 19);
    const lines = message.replace(/\n+$/, '').split('\n');
    appendFileSync(this.file, lines.map((l) => `${entity}: ${time} ${level} ${logger} ${l}\n`).join(''));
  }
}

export function entityOfUnit(unit: string): string {
  return `unit-${unit.replace('/', '-')}`;
}

/**
 * One lab per prefix at a time: another process (a CI run next to a developer's) may hold a lab, so a second one
 * waits for it rather than tearing its lab down. The lock is a file holding the owner's PID; a lock whose owner
 * died is a leftover and is taken over.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { alive, sleep } from './node-process.js';

export class LabLock {
  constructor(private readonly file: string, private readonly what: string, private readonly progress: (line: string) => void) {}

  async acquire(timeoutMs = 15 * 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let said = false;
    for (;;) {
      try {
        writeFileSync(this.file, String(process.pid), { flag: 'wx' });
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = Number(readFileSync(this.file, 'utf8').trim());
      if (!Number.isInteger(owner) || owner === process.pid || !alive(owner)) {
        rmSync(this.file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${this.what}: process ${owner} holds ${this.file} for too long; stop it or remove the file`);
      if (!said) this.progress(`${this.what} is in use by process ${owner}; waiting for it to finish`);
      said = true;
      await sleep(2000);
    }
  }

  /** Removes the lock if this process holds it. */
  release(): void {
    if (existsSync(this.file) && readFileSync(this.file, 'utf8').trim() === String(process.pid)) rmSync(this.file, { force: true });
  }
}

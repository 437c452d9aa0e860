/**
 * Entry point of the bundled `external/maas` plugin (installed at /usr/lib/stonith/plugins/external/maas).
 * Logs go to the cluster's log through cluster-glue's ha_log.sh (syslog, daemon facility); errors are also
 * written to stderr, which the fencer records. Nothing is written to files of our own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runPlugin } from './plugin.js';
import { queueEvent } from '../notify/queue.js';

function findHaLog(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/share/cluster-glue'];
  for (const dir of dirs) {
    const candidate = join(dir, 'ha_log.sh');
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

const haLog = findHaLog();

/** cibadmin from the fencer's environment (its PATH may lack /usr/sbin); the API key is not passed on. */
function runCibadmin(argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.apikey;
  const [command = 'cibadmin', ...args] = argv;
  const path = ['/usr/sbin', '/usr/bin'].map((d) => join(d, command)).find((p) => existsSync(p)) ?? command;
  const r = spawnSync(path, args, { env, encoding: 'utf8', timeout: 30_000 });
  return Promise.resolve({ exitCode: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error?.message ?? '') });
}

function log(level: 'err' | 'warn' | 'info' | 'debug', message: string): void {
  const env: NodeJS.ProcessEnv = { ...process.env, HA_LOGTAG: process.env.HA_LOGTAG || 'external/maas' };
  delete env.apikey; // the logger child does not need the key in its environment
  if (haLog !== null) spawnSync(haLog, [level, message], { env, stdio: ['ignore', 'ignore', 'ignore'] });
  else spawnSync('logger', ['-t', 'external/maas', '-p', `daemon.${level}`, message], { env, stdio: 'ignore' });
  if (level === 'err' || level === 'warn') process.stderr.write(`external/maas: ${level}: ${message}\n`);
}

void runPlugin(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  log,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  cib: runCibadmin,
  notify: (event) => {
    queueEvent(event);
  },
}).then((code) => {
  process.exitCode = code;
});

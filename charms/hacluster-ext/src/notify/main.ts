/**
 * Entry point of the bundled `hacluster-notify` (installed at NOTIFY_AGENT on every member). Three ways in:
 *  - Pacemaker's alert agent (CRM_alert_* in the environment; the recipient is the spool directory): queue the
 *    event and start a sender, then exit 0 at once. It runs as the hacluster user and never waits on the network.
 *  - `emit <event JSON> [spool [list]]`: the charm's hold actions and masakari's evacuation tasks (on the same
 *    units, masakari's user in the haclient group) queue an event the same way.
 *  - `send [spool [list]]`: the detached sender drains the queue.
 * Delivery problems go to syslog (daemon facility) naming the webhook by position, never by URL.
 */
import { spawnSync } from 'node:child_process';
import { eventFromAlert } from './alert.js';
import { readNotifyConfig } from './config-file.js';
import { DEFAULT_POLICY } from './deliver.js';
import { EVENT_KINDS, type EventInput } from './event.js';
import { NOTIFY_CONFIG, NOTIFY_SPOOL } from './paths.js';
import { DEFAULT_PLACE, queueEvent } from './queue.js';
import { drain } from './sender.js';
import { foldLog } from '../fencing/budget.js';
import { readLog } from '../fencing/cib-log.js';

const TOOL_DIRS = ['/usr/sbin', '/usr/bin'];

function run(argv: string[]): { exitCode: number; stdout: string; stderr: string } {
  const [command = '', ...args] = argv;
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000, env: { PATH: `${TOOL_DIRS.join(':')}:/sbin:/bin` } });
  return { exitCode: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function log(message: string): void {
  spawnSync('logger', ['-t', 'hacluster-notify', '-p', 'daemon.warning', message], { stdio: 'ignore', env: { PATH: '/usr/bin:/bin' } });
}

/** crmadmin names the DC ("Designated Controller is: api1", or the name alone with -q). */
async function isDc(): Promise<boolean | null> {
  const dc = run(['crmadmin', '--dc_lookup', '--quiet']);
  const self = run(['crm_node', '--name']);
  const name = (/Designated Controller is: (\S+)/.exec(`${dc.stdout}\n${dc.stderr}`)?.[1] ?? `${dc.stdout}\n${dc.stderr}`.trim().split(/\s+/).pop() ?? '').trim();
  const me = self.stdout.trim();
  if (dc.exitCode !== 0 || self.exitCode !== 0 || name === '' || me === '') return null;
  return name === me;
}

async function holdStands(): Promise<boolean | null> {
  try {
    const state = foldLog(await readLog((argv) => Promise.resolve(run(argv))), Math.floor(Date.now() / 1000), 3600);
    return state.budgetHold !== null || state.operatorHold !== null;
  } catch {
    return null;
  }
}

function emitted(text: string | undefined): EventInput | null {
  try {
    const v = JSON.parse(text ?? '') as Partial<EventInput>;
    if (!(EVENT_KINDS as readonly unknown[]).includes(v.event) || (v.host !== null && typeof v.host !== 'string')) return null;
    const details = typeof v.details === 'object' && v.details !== null ? v.details : {};
    return { event: v.event as EventInput['event'], host: v.host ?? null, at: typeof v.at === 'number' ? v.at : Date.now(), details };
  } catch {
    return null;
  }
}

/** This file (the installed agent, or a bundle a test made): the sender it starts is itself. */
const SELF = process.argv[1] ?? DEFAULT_PLACE.agent;

async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv[0] === 'send') {
    await drain(argv[1] ?? NOTIFY_SPOOL, readNotifyConfig(argv[2] ?? NOTIFY_CONFIG), {
      policy: DEFAULT_POLICY, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), isDc, holdStands, log,
    });
    return 0;
  }
  if (argv[0] === 'emit') {
    const input = emitted(argv[1]);
    if (input === null) {
      process.stderr.write('hacluster-notify emit: expects one event as JSON ({"event", "host", "details"})\n');
      return 2;
    }
    // Another spool and list may be named (tests); the sender reads the list, so the caller needs no access to it.
    const place = { spool: argv[2] ?? DEFAULT_PLACE.spool, config: argv[3] ?? DEFAULT_PLACE.config, agent: SELF };
    process.stdout.write(queueEvent(input, {}, place) ? 'queued\n' : 'not queued (notifications are off)\n');
    return 0;
  }
  if (env.CRM_alert_version !== undefined) {
    // An alert agent must not fail Pacemaker's alert for our sake: whatever happens, exit 0.
    const alert = eventFromAlert(env, Date.now());
    if (alert !== null) {
      // The alert's recipient is the spool; an instance attribute may name another list (a path, not a secret).
      const spool = env.CRM_alert_recipient?.startsWith('/') ? env.CRM_alert_recipient : NOTIFY_SPOOL;
      const config = env.notify_config?.startsWith('/') ? env.notify_config : NOTIFY_CONFIG;
      queueEvent(alert.input, alert, { spool, config, agent: SELF });
    }
    return 0;
  }
  process.stderr.write(`usage: hacluster-notify send [spool [list]] | emit <event JSON> [spool [list]] (or run by Pacemaker as an alert agent)\n`);
  return 2;
}

void main(process.argv.slice(2), process.env).then((code) => {
  process.exitCode = code;
}, () => {
  process.exitCode = process.env.CRM_alert_version !== undefined ? 0 : 1;
});

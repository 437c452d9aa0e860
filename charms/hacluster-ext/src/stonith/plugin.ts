/**
 * The cluster-glue `external/maas` STONITH plugin: the command is argv[0] (gethosts, on, off, reset, status,
 * getconfignames, getinfo-*), the device parameters arrive as environment variables (url, apikey, hostnames,
 * power_timeout, poll_interval). `off` and `reset` return success only once MAAS reports the machine off.
 */
import { MaasClient, MaasError, parseApiKey, type PowerState } from './maas-client.js';
import { budgetParameters, BUDGET_CONFIG_NAMES, budgetInfoXml, fenceGate } from './budget-gate.js';
import type { Runner } from '../fencing/cib-log.js';
import type { EventInput } from '../notify/event.js';

export interface PluginIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  out(line: string): void;
  log(level: 'err' | 'warn' | 'info' | 'debug', message: string): void;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** Runs cibadmin against the cluster's CIB (the fence log); needed only when fence_budget is set. */
  readonly cib?: Runner;
  /** Queues an operator notification (notify/queue.ts); returns at once and never fails the fence. */
  readonly notify?: (event: EventInput) => void;
}

export const CONFIG_NAMES = ['url', 'apikey', 'hostnames', 'power_timeout', 'poll_interval', ...BUDGET_CONFIG_NAMES] as const;
const DEFAULT_POWER_TIMEOUT_S = 60;
const DEFAULT_POLL_INTERVAL_S = 1;

function parameter(name: string, required: boolean, description: string, defaultValue?: string): string {
  const type = defaultValue === undefined ? '<content type="string"/>' : `<content type="integer" default="${defaultValue}"/>`;
  return `<parameter name="${name}" unique="0" required="${required ? 1 : 0}">\n${type}\n`
    + `<shortdesc lang="en">${name}</shortdesc>\n<longdesc lang="en">${description}</longdesc>\n</parameter>`;
}

export const INFO_XML = ['<parameters>',
  parameter('url', true, 'MAAS API endpoint, e.g. http://maas.example:5240/MAAS'),
  parameter('apikey', true, 'MAAS API key (consumer:token:secret). Keep it out of the CIB with cibsecret.'),
  parameter('hostnames', true, 'Space separated host names this device fences (FQDN and short names)'),
  parameter('power_timeout', false, 'Seconds to wait for MAAS to report the new power state', String(DEFAULT_POWER_TIMEOUT_S)),
  parameter('poll_interval', false, 'Seconds between power state queries', String(DEFAULT_POLL_INTERVAL_S)),
  ...budgetInfoXml(parameter),
  '</parameters>'].join('\n');

const INFO: Readonly<Record<string, string>> = {
  'getinfo-devid': 'MAAS STONITH device',
  'getinfo-devname': 'MAAS machine power control',
  'getinfo-devdescr': 'Powers machines off and on through the MAAS 2.0 API and waits for MAAS to confirm the power state',
  'getinfo-devurl': 'https://maas.io/',
  'getinfo-xml': INFO_XML,
};

/** Replaces the API key and each of its parts in a message, whatever produced it. */
export function redactor(apiKey: string | undefined): (text: string) => string {
  const secrets = apiKey ? [apiKey, ...apiKey.split(':').filter((p) => p.length >= 4)] : [];
  return (text) => secrets.reduce((t, s) => t.split(s).join('***'), text);
}

function seconds(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new MaasError(`${name} must be a positive number of seconds`);
  return n;
}

async function waitForState(client: MaasClient, systemId: string, host: string, want: PowerState, io: PluginIo, timeoutS: number, pollS: number): Promise<boolean> {
  const deadline = io.now() + timeoutS * 1000;
  let last: string = 'not queried';
  for (;;) {
    try {
      last = await client.queryPowerState(systemId);
      if (last === want) return true;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (io.now() + pollS * 1000 > deadline) break;
    await io.sleep(pollS * 1000);
  }
  io.log('err', `${host}: MAAS did not report power ${want} within ${timeoutS}s (last: ${last})`);
  return false;
}

export async function runPlugin(argv: readonly string[], io: PluginIo): Promise<number> {
  const [command, target] = argv;
  if (command === 'getconfignames') {
    io.out(CONFIG_NAMES.join(' '));
    return 0;
  }
  const info = command === undefined ? undefined : INFO[command];
  if (info !== undefined) {
    io.out(info);
    return 0;
  }
  const redact = redactor(io.env.apikey);
  const log = (level: 'err' | 'warn' | 'info' | 'debug', message: string): void => io.log(level, redact(message));
  const hostnames = (io.env.hostnames ?? '').split(/\s+/).filter(Boolean);
  if (command === 'gethosts') {
    for (const h of hostnames) io.out(h);
    return 0;
  }
  try {
    if (!io.env.url || !io.env.apikey) throw new MaasError('url and apikey are required parameters');
    const client = new MaasClient(io.env.url, parseApiKey(io.env.apikey));
    const timeoutS = seconds(io.env.power_timeout, 'power_timeout', DEFAULT_POWER_TIMEOUT_S);
    const pollS = seconds(io.env.poll_interval, 'poll_interval', DEFAULT_POLL_INTERVAL_S);
    if (command === 'status') {
      await client.whoami();
      return 0;
    }
    if (command !== 'on' && command !== 'off' && command !== 'reset') {
      log('err', `unknown command "${command ?? ''}"`);
      return 1;
    }
    if (target === undefined || target === '') throw new MaasError(`${command} needs a host name`);
    if (!hostnames.includes(target)) throw new MaasError(`${target} is not in this device's hostnames`);
    const budget = budgetParameters(io.env);
    if (command !== 'on' && budget !== null && !(await fenceGate(target, budget, io, log))) return 1;
    if (command !== 'on' && budget === null) io.notify?.({ event: 'fence-started', host: target, at: io.now(), details: { action: command } });
    const machine = await client.findMachine(target);
    log('info', `${command} ${target} (MAAS ${machine.system_id}, power ${machine.power_state})`);
    const started = io.now();
    if (command === 'on') {
      await client.powerOn(machine.system_id);
      if (!(await waitForState(client, machine.system_id, target, 'on', io, timeoutS, pollS))) return 1;
    } else {
      if ((await client.queryPowerState(machine.system_id)) !== 'off') await client.powerOff(machine.system_id);
      if (!(await waitForState(client, machine.system_id, target, 'off', io, timeoutS, pollS))) return 1;
      log('info', `${target} is powered off (confirmed by MAAS after ${((io.now() - started) / 1000).toFixed(1)}s)`);
      if (command === 'reset') {
        // The host is fenced once it is off; a failed power-on must not turn a successful fence into a failure.
        try {
          await client.powerOn(machine.system_id);
        } catch (error) {
          log('warn', `${target}: fenced, but the power-on request failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
    log('info', `${command} ${target} done in ${((io.now() - started) / 1000).toFixed(1)}s`);
    return 0;
  } catch (error) {
    log('err', `${command ?? ''}${target ? ` ${target}` : ''} failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

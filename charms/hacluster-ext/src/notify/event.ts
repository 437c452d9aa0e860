/**
 * Operator notifications: the events, their stable JSON schema, and the two payload formats (a generic event and
 * Slack/Mattermost's `{"text": ...}`). Pure functions; nothing here reads a URL or touches the machine.
 *
 * An event carries host names, times, counts and the fence log's own words, never a credential: the MAAS key
 * stays in the plugin, the webhook URLs in the sender, and details are bounded printable text.
 */
import { randomUUID } from 'node:crypto';

export const SCHEMA = 'hacluster-ext.notify/1';

export const EVENT_KINDS = [
  'host-lost', 'host-joined', 'fence-started', 'fence-succeeded', 'fence-failed', 'fence-refused', 'hold-entered', 'hold-released',
  'evacuation-started', 'evacuation-finished', 'evacuation-failed',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export type Detail = string | number | boolean | null;

/** What a source knows about an event; `toEvent` adds the id, the cluster and the reporting member. */
export interface EventInput {
  readonly event: EventKind;
  /** The host the event is about (a pacemaker node or MAAS host name); null for cluster-wide events (holds). */
  readonly host: string | null;
  /** Epoch milliseconds. */
  readonly at: number;
  readonly details: Readonly<Record<string, Detail>>;
}

/** The generic payload, as POSTed: field names and meanings are stable within a schema version. */
export interface NotifyEvent {
  readonly schema: typeof SCHEMA;
  readonly id: string;
  readonly event: EventKind;
  readonly host: string | null;
  /** ISO 8601, UTC. */
  readonly time: string;
  /** The hacluster-ext application name. */
  readonly cluster: string;
  /** The member that saw the event. */
  readonly reporter: string;
  /** One line for humans (the Slack text without the cluster prefix). */
  readonly summary: string;
  readonly details: Readonly<Record<string, Detail>>;
}

export type PayloadFormat = 'generic' | 'slack';

const MAX_TEXT = 500;
/** Control characters (line breaks included) and lone surrogates have no place in a one-line detail. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text from Pacemaker's environment or the fence log as an event carries it: one bounded, printable line. */
export function clean(text: string, max = MAX_TEXT): string {
  const line = text.replace(UNPRINTABLE, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

function cleanDetails(details: Readonly<Record<string, Detail>>): Record<string, Detail> {
  const out: Record<string, Detail> = {};
  for (const key of Object.keys(details).sort()) {
    const value = details[key];
    if (!/^[a-z][a-z0-9_]{0,39}$/.test(key) || value === undefined) continue;
    out[key] = typeof value === 'string' ? clean(value) : typeof value === 'number' && !Number.isFinite(value) ? null : value;
  }
  return out;
}

const str = (v: Detail | undefined): string => (v === null || v === undefined ? '' : String(v));

const count = (n: Detail | undefined): string => (typeof n === 'number' ? `${n} instance${n === 1 ? '' : 's'}` : 'its instances');

/** The human line for an event (also the Slack text). */
export function summarise(e: Pick<NotifyEvent, 'event' | 'host' | 'details' | 'reporter'>): string {
  const host = e.host ?? 'the cluster';
  const d = e.details;
  switch (e.event) {
    case 'host-lost': return `host ${host} lost: the cluster no longer reaches it (seen by ${e.reporter})`;
    case 'host-joined': return `host ${host} is back in the cluster`;
    case 'fence-started': return `fencing ${host}${d.action ? ` (${str(d.action)})` : ''}: ${str(d.why) || 'started'}`;
    case 'fence-succeeded': return `${host} fenced${d.action ? ` (${str(d.action)})` : ''}; masakari may now evacuate its instances`;
    case 'fence-failed': return `fencing ${host} failed (${str(d.result) || `rc ${str(d.rc)}`}); Pacemaker retries a bounded number of times, its instances are not evacuated`;
    case 'fence-refused': return `${host} NOT fenced: ${str(d.why) || 'refused'}; it stays powered and is not evacuated`;
    case 'hold-entered': return d.scope === 'operator'
      ? `recovery held by an operator${d.note ? ` (${str(d.note)})` : ''}: no host is fenced or evacuated until release-recovery`
      : `fencing held by the budget: ${str(d.note) || 'budget spent'}; check the hosts, then run release-fencing-hold`;
    case 'hold-released': return d.scope === 'operator' ? 'recovery released by an operator' : 'fencing hold released: the budget starts afresh';
    case 'evacuation-started': return `evacuating ${count(d.instances)} from ${host}`;
    case 'evacuation-finished': return `evacuation from ${host} finished: ${count(d.instances)} moved`;
    case 'evacuation-failed': return `evacuation from ${host} failed (${count(d.instances)} to move${d.error ? `: ${str(d.error)}` : ''}); masakari retries the notification`;
  }
}

export function toEvent(input: EventInput, cluster: string, reporter: string, id: string = randomUUID()): NotifyEvent {
  const details = cleanDetails(input.details);
  const host = input.host === null ? null : clean(input.host, 255);
  const base = { event: input.event, host, details, reporter: clean(reporter, 255) };
  return {
    schema: SCHEMA, id, event: input.event, host, time: new Date(input.at).toISOString(),
    cluster: clean(cluster, 64), reporter: base.reporter, summary: summarise(base), details,
  };
}

/** Slack and Mattermost give `&`, `<` and `>` meaning (links, mentions): escaped, a host name cannot ping @channel. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The request body for one webhook. */
export function renderPayload(event: NotifyEvent, format: PayloadFormat): string {
  if (format === 'slack') return JSON.stringify({ text: slackEscape(`[${event.cluster}] ${event.summary} (${event.time})`) });
  return JSON.stringify(event);
}

/** Whether a parsed spool file is an event this version can send (a damaged file is dropped, not retried). */
export function isEvent(value: unknown): value is NotifyEvent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.schema === SCHEMA && typeof v.id === 'string' && (EVENT_KINDS as readonly unknown[]).includes(v.event)
    && (v.host === null || typeof v.host === 'string') && typeof v.time === 'string' && typeof v.cluster === 'string'
    && typeof v.reporter === 'string' && typeof v.summary === 'string' && typeof v.details === 'object' && v.details !== null;
}

/**
 * The operator actions that call the Masakari API: parameter checks (bad input → a message naming the parameter
 * and what is accepted), then the API calls through MasakariClient. Results are flat keys Juju accepts; lists are
 * JSON text so scripts can parse them.
 */
import type { MasakariClient, Notification } from './api/masakari-client.js';

export class ActionParamError extends Error {
  override readonly name = 'ActionParamError';
}

export const OPERATOR_ACTIONS = ['create-segment', 'add-host', 'list-segments', 'list-hosts', 'list-notifications', 'set-maintenance'] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

const RECOVERY_METHODS = ['auto', 'reserved_host', 'auto_priority', 'rh_priority'];
const NOTIFICATION_STATUSES = ['new', 'running', 'error', 'failed', 'ignored', 'finished'];
/** Masakari's own limits: names up to 255 characters, printable. */
const NAME = /^[^\s\p{C}](?:[^\p{C}]{0,253}[^\s\p{C}])?$/u;

type Params = Readonly<Record<string, unknown>>;

function text(params: Params, key: string, options: { required?: boolean; default?: string; pattern?: RegExp; accepted?: string } = {}): string {
  const value = params[key];
  if (value === undefined || value === null || value === '') {
    if (options.default !== undefined) return options.default;
    if (options.required) throw new ActionParamError(`${key} is required (${options.accepted ?? 'a non-empty string'})`);
    return '';
  }
  if (typeof value !== 'string') throw new ActionParamError(`${key} must be a string (${options.accepted ?? 'a non-empty string'}), got ${typeof value}`);
  const trimmed = value.trim();
  if (options.pattern && !options.pattern.test(trimmed)) {
    throw new ActionParamError(`${key}: ${JSON.stringify(value.slice(0, 80))} is not accepted (${options.accepted ?? 'a name of up to 255 printable characters'})`);
  }
  return trimmed;
}

function oneOf(params: Params, key: string, allowed: readonly string[], fallback?: string): string {
  const value = text(params, key, fallback === undefined ? { required: true, accepted: `one of ${allowed.join(', ')}` } : { default: fallback });
  if (!allowed.includes(value)) throw new ActionParamError(`${key}: "${value}" is not accepted (one of ${allowed.join(', ')})`);
  return value;
}

function bool(params: Params, key: string, fallback: boolean): boolean {
  const value = params[key];
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ActionParamError(`${key} must be true or false, got ${JSON.stringify(value)}`);
}

function integer(params: Params, key: string, fallback: number, min: number, max: number): number {
  const value = params[key];
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new ActionParamError(`${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** How long the action rides out keystone or the API not answering (`api-wait`, seconds). */
export function apiWaitMs(params: Params): number {
  return integer(params, 'api-wait', 45, 0, 600) * 1000;
}

/** Checks parameters before anything is called; throws ActionParamError. */
export function validateParams(action: OperatorAction, params: Params): Record<string, unknown> {
  switch (action) {
    case 'create-segment':
      return {
        name: text(params, 'name', { required: true, pattern: NAME }),
        recoveryMethod: oneOf(params, 'recovery-method', RECOVERY_METHODS, 'auto'),
        serviceType: text(params, 'service-type', { default: 'COMPUTE', pattern: NAME }),
        description: text(params, 'description', { pattern: /^[^\p{C}]{0,255}$/u, accepted: 'up to 255 printable characters' }),
      };
    case 'add-host':
      return {
        segment: text(params, 'segment', { required: true, pattern: NAME }),
        host: text(params, 'host', { required: true, pattern: /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/, accepted: 'a host name as nova knows it, e.g. compute-1.maas' }),
        reserved: bool(params, 'reserved', false),
        type: text(params, 'type', { default: 'COMPUTE', pattern: NAME }),
        controlAttributes: text(params, 'control-attributes', { default: 'SSH', pattern: NAME }),
      };
    case 'list-segments':
      return {};
    case 'list-hosts':
      return { segment: text(params, 'segment', { required: true, pattern: NAME }) };
    case 'list-notifications': {
      const status = text(params, 'status');
      if (status && !NOTIFICATION_STATUSES.includes(status)) {
        throw new ActionParamError(`status: "${status}" is not accepted (one of ${NOTIFICATION_STATUSES.join(', ')})`);
      }
      return { status, limit: integer(params, 'limit', 20, 1, 1000) };
    }
    case 'set-maintenance':
      return {
        host: text(params, 'host', { required: true, pattern: NAME }),
        state: oneOf(params, 'state', ['on', 'off']),
        segment: text(params, 'segment', { pattern: NAME }),
      };
  }
}

/** Statuses after which a notification's recovery flow has said its last word. */
const FLOW_ENDED = new Set(['finished', 'error', 'failed']);

/**
 * The newest progress message of a notification's recovery flow: why it ended as it did (evacuated, nothing to
 * evacuate, no confirmed fence, recovery held, recovery cooldown); null when masakari recorded none.
 */
export function lastMessage(n: Notification): string | null {
  let newest: { timestamp: string; message: string } | null = null;
  for (const step of n.recovery_workflow_details ?? []) {
    for (const d of step.progress_details ?? []) {
      if (typeof d.message !== 'string' || d.message === '') continue;
      const timestamp = typeof d.timestamp === 'string' ? d.timestamp : '';
      if (newest === null || timestamp >= newest.timestamp) newest = { timestamp, message: d.message };
    }
  }
  return newest?.message ?? null;
}

/** Runs a validated action; returns the results to action-set. */
export async function runOperatorAction(action: OperatorAction, p: Record<string, unknown>, client: MasakariClient): Promise<Record<string, unknown>> {
  switch (action) {
    case 'create-segment': {
      const s = await client.createSegment({
        name: p.name as string, recoveryMethod: p.recoveryMethod as string, serviceType: p.serviceType as string,
        ...(p.description ? { description: p.description as string } : {}),
      });
      return { segment: { uuid: s.uuid, name: s.name, 'recovery-method': s.recovery_method, 'service-type': s.service_type } };
    }
    case 'add-host': {
      const segment = await client.findSegment(p.segment as string);
      const h = await client.addHost(segment.uuid, {
        name: p.host as string, type: p.type as string, controlAttributes: p.controlAttributes as string, reserved: p.reserved as boolean,
      });
      return { host: { uuid: h.uuid, name: h.name, segment: segment.name, reserved: h.reserved, 'on-maintenance': h.on_maintenance } };
    }
    case 'list-segments': {
      const segments = await client.listSegments();
      return {
        count: segments.length,
        segments: JSON.stringify(segments.map((s) => ({ uuid: s.uuid, name: s.name, recovery_method: s.recovery_method, service_type: s.service_type }))),
      };
    }
    case 'list-hosts': {
      const segment = await client.findSegment(p.segment as string);
      const hosts = await client.listHosts(segment.uuid);
      return {
        segment: segment.name,
        count: hosts.length,
        hosts: JSON.stringify(hosts.map((h) => ({ uuid: h.uuid, name: h.name, type: h.type, reserved: h.reserved, on_maintenance: h.on_maintenance }))),
      };
    }
    case 'list-notifications': {
      const list = await client.listNotifications({ ...(p.status ? { status: p.status as string } : {}), limit: p.limit as number });
      const rows = [];
      for (const n of list) {
        const outcome = FLOW_ENDED.has(n.status) ? lastMessage(await client.getNotificationDetails(n.notification_uuid)) : null;
        rows.push({ uuid: n.notification_uuid, type: n.type, status: n.status, source_host_uuid: n.source_host_uuid, generated_time: n.generated_time, ...(outcome ? { outcome } : {}) });
      }
      return { count: list.length, notifications: JSON.stringify(rows) };
    }
    case 'set-maintenance': {
      const segments = p.segment ? [await client.findSegment(p.segment as string)] : await client.listSegments();
      const matches: { segment: string; segmentId: string; hostId: string }[] = [];
      for (const s of segments) {
        for (const h of await client.listHosts(s.uuid)) if (h.name === p.host) matches.push({ segment: s.name, segmentId: s.uuid, hostId: h.uuid });
      }
      if (matches.length === 0) throw new ActionParamError(`host: "${p.host as string}" is in no segment${p.segment ? ` named ${p.segment as string}` : ''}`);
      if (matches.length > 1) {
        throw new ActionParamError(`host: "${p.host as string}" is in several segments (${matches.map((m) => m.segment).join(', ')}); give segment`);
      }
      const m = matches[0]!;
      const h = await client.updateHost(m.segmentId, m.hostId, { on_maintenance: p.state === 'on' });
      return { host: { name: h.name, segment: m.segment, 'on-maintenance': h.on_maintenance } };
    }
  }
}

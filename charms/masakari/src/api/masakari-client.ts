/**
 * A small client of the Masakari v1 REST API (segments, hosts, notifications) over fetch. Error messages carry
 * Masakari's own explanation (its fault body), the method, path and status, never the token.
 */
import { OpenStackApiError, type FetchLike } from './keystone-token.js';
import { fetchRiding, NO_RETRY, type RetryPolicy } from './retry.js';

export interface Segment {
  readonly uuid: string;
  readonly name: string;
  readonly recovery_method: string;
  readonly service_type: string;
  readonly description?: string | null;
  readonly enabled?: boolean;
}

export interface Host {
  readonly uuid: string;
  readonly name: string;
  readonly type: string;
  readonly control_attributes: string;
  readonly reserved: boolean;
  readonly on_maintenance: boolean;
  readonly failover_segment_id?: string;
}

export interface Notification {
  readonly notification_uuid: string;
  readonly type: string;
  readonly status: string;
  readonly source_host_uuid: string;
  readonly generated_time: string;
  readonly created_at?: string;
  readonly payload?: unknown;
  /** Microversion 1.1 and later, on GET /notifications/<id> only: the recovery flow's tasks and their messages. */
  readonly recovery_workflow_details?: readonly WorkflowStep[];
}

export interface WorkflowStep {
  readonly name: string;
  readonly state?: string;
  readonly progress_details?: readonly { readonly timestamp?: string; readonly progress?: number; readonly message?: string }[];
}

/** The microversion that adds recovery_workflow_details (masakari 7 and later). */
const WORKFLOW_DETAILS_VERSION = 'instance-ha 1.1';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class MasakariClient {
  /** `baseUrl` is the catalog URL (…/v1/<project_id>) or …/v1. */
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly fetchImpl: FetchLike = fetch,
    private readonly retry: RetryPolicy = NO_RETRY,
  ) {}

  async request<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}${path}`;
    let response: Response;
    try {
      response = await fetchRiding(this.fetchImpl, `the masakari API at ${url}`, url, {
        method,
        headers: { 'X-Auth-Token': this.token, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...extraHeaders },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }, 30_000, this.retry);
    } catch (error) {
      throw new OpenStackApiError(`masakari API at ${url} did not answer: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok) throw new OpenStackApiError(`${method} ${path}: HTTP ${response.status}: ${faultMessage(text)}`, response.status);
    return (text ? JSON.parse(text) : {}) as T;
  }

  async listSegments(): Promise<Segment[]> {
    return (await this.request<{ segments: Segment[] }>('GET', '/segments')).segments;
  }

  async createSegment(s: { name: string; recoveryMethod: string; serviceType: string; description?: string }): Promise<Segment> {
    const segment: Record<string, string> = { name: s.name, recovery_method: s.recoveryMethod, service_type: s.serviceType };
    if (s.description) segment.description = s.description;
    return (await this.request<{ segment: Segment }>('POST', '/segments', { segment })).segment;
  }

  /** A segment by UUID or by name; a clear error when there is none. */
  async findSegment(nameOrId: string): Promise<Segment> {
    const segments = await this.listSegments();
    const found = segments.find((s) => (UUID.test(nameOrId) && s.uuid === nameOrId) || s.name === nameOrId);
    if (!found) {
      const known = segments.map((s) => s.name).join(', ') || 'none';
      throw new OpenStackApiError(`no segment named or with UUID "${nameOrId}" (segments: ${known})`);
    }
    return found;
  }

  async listHosts(segmentId: string): Promise<Host[]> {
    return (await this.request<{ hosts: Host[] }>('GET', `/segments/${segmentId}/hosts`)).hosts;
  }

  async addHost(segmentId: string, h: { name: string; type: string; controlAttributes: string; reserved: boolean }): Promise<Host> {
    const host = { name: h.name, type: h.type, control_attributes: h.controlAttributes, reserved: h.reserved };
    return (await this.request<{ host: Host }>('POST', `/segments/${segmentId}/hosts`, { host })).host;
  }

  async updateHost(segmentId: string, hostId: string, changes: { on_maintenance?: boolean; reserved?: boolean }): Promise<Host> {
    return (await this.request<{ host: Host }>('PUT', `/segments/${segmentId}/hosts/${hostId}`, { host: changes })).host;
  }

  async listNotifications(filter: { status?: string; limit?: number } = {}): Promise<Notification[]> {
    const query = new URLSearchParams({ sort_key: 'generated_time', sort_dir: 'desc' });
    if (filter.status) query.set('status', filter.status);
    if (filter.limit) query.set('limit', String(filter.limit));
    return (await this.request<{ notifications: Notification[] }>('GET', `/notifications?${query.toString()}`)).notifications;
  }

  async getNotification(id: string): Promise<Notification> {
    return (await this.request<{ notification: Notification }>('GET', `/notifications/${id}`)).notification;
  }

  /** The notification with its recovery flow's progress messages (what `openstack notification show` prints). */
  async getNotificationDetails(id: string): Promise<Notification> {
    return (await this.request<{ notification: Notification }>('GET', `/notifications/${id}`, undefined, { 'OpenStack-API-Version': WORKFLOW_DETAILS_VERSION })).notification;
  }

  /** What masakari-hostmonitor sends when a host goes down (used by tests and by operators to rehearse). */
  createHostDownNotification(hostname: string, generatedTime: Date): Promise<Notification> {
    return this.hostNotification(hostname, generatedTime, { event: 'STOPPED', host_status: 'NORMAL', cluster_status: 'OFFLINE' });
  }

  /** What masakari-hostmonitor sends when a host is back online. */
  createHostUpNotification(hostname: string, generatedTime: Date): Promise<Notification> {
    return this.hostNotification(hostname, generatedTime, { event: 'STARTED', host_status: 'NORMAL', cluster_status: 'ONLINE' });
  }

  private async hostNotification(hostname: string, generatedTime: Date, payload: Record<string, string>): Promise<Notification> {
    const notification = { type: 'COMPUTE_HOST', hostname, generated_time: generatedTime.toISOString().replace(/\.\d{3}Z$/, ''), payload };
    return (await this.request<{ notification: Notification }>('POST', '/notifications', { notification })).notification;
  }
}

/** Masakari (like nova) wraps errors as {"<kind>": {"message": "...", "code": N}}. */
export function faultMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, { message?: string }>;
    for (const value of Object.values(parsed)) if (value && typeof value.message === 'string') return value.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.trim().slice(0, 300) || '(no body)';
}

/**
 * Keystone v3 administration over its REST API (what `openstack` would do, without a Python start per call):
 * every operation is "ensure", so running it again changes nothing.
 */

export class KeystoneApiError extends Error {}

type Fetch = typeof fetch;

interface Named {
  id: string;
  name: string;
}

export class IdentityAdmin {
  private token: string | null = null;

  constructor(
    private readonly baseUrl: string,
    private readonly adminPassword: string,
    private readonly doFetch: Fetch = fetch,
  ) {}

  private async call(method: string, path: string, body?: unknown, okStatuses: number[] = [200, 201, 204]): Promise<any> {
    if (this.token === null) this.token = await this.login();
    const res = await this.doFetch(`${this.baseUrl}${path}`, {
      method,
      headers: { 'X-Auth-Token': this.token, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!okStatuses.includes(res.status)) {
      // Keystone's error bodies never echo passwords; the request body is not included here.
      throw new KeystoneApiError(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    }
    return text ? JSON.parse(text) : undefined;
  }

  private async login(): Promise<string> {
    const res = await this.doFetch(`${this.baseUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: this.adminPassword } } },
          scope: { project: { name: 'admin', domain: { id: 'default' } } },
        },
      }),
      signal: AbortSignal.timeout(30_000),
    });
    const token = res.headers.get('x-subject-token');
    if (res.status !== 201 || !token) throw new KeystoneApiError(`admin login failed: HTTP ${res.status}`);
    return token;
  }

  /** The admin user and project ids (published as admin_user_id / admin_project_id). */
  async adminIds(): Promise<{ userId: string; projectId: string; domainId: string }> {
    const users = (await this.call('GET', '/users?name=admin&domain_id=default')).users as Named[];
    const projects = (await this.call('GET', '/projects?name=admin&domain_id=default')).projects as Named[];
    if (!users[0] || !projects[0]) throw new KeystoneApiError('admin user or project missing: keystone-manage bootstrap has not run');
    return { userId: users[0].id, projectId: projects[0].id, domainId: 'default' };
  }

  async ensureDomain(name: string): Promise<string> {
    const found = (await this.call('GET', `/domains?name=${encodeURIComponent(name)}`)).domains as Named[];
    if (found[0]) return found[0].id;
    return (await this.call('POST', '/domains', { domain: { name, enabled: true } })).domain.id;
  }

  async ensureProject(name: string, domainId: string): Promise<string> {
    const found = (await this.call('GET', `/projects?name=${encodeURIComponent(name)}&domain_id=${domainId}`)).projects as Named[];
    if (found[0]) return found[0].id;
    return (await this.call('POST', '/projects', { project: { name, domain_id: domainId, enabled: true } })).project.id;
  }

  async ensureRole(name: string): Promise<string> {
    const found = (await this.call('GET', `/roles?name=${encodeURIComponent(name)}`)).roles as Named[];
    if (found[0]) return found[0].id;
    return (await this.call('POST', '/roles', { role: { name } })).role.id;
  }

  /** Creates the user or resets its password to the one we hand out (the relation is the source of truth). */
  async ensureUser(name: string, domainId: string, password: string, projectId: string): Promise<string> {
    const found = (await this.call('GET', `/users?name=${encodeURIComponent(name)}&domain_id=${domainId}`)).users as Named[];
    if (found[0]) {
      await this.call('PATCH', `/users/${found[0].id}`, { user: { password, enabled: true, default_project_id: projectId } });
      return found[0].id;
    }
    return (await this.call('POST', '/users', { user: { name, domain_id: domainId, password, default_project_id: projectId, enabled: true } })).user.id;
  }

  async grant(projectId: string, userId: string, roleId: string): Promise<void> {
    await this.call('PUT', `/projects/${projectId}/users/${userId}/roles/${roleId}`, undefined, [200, 201, 204]);
  }

  async ensureRegion(id: string): Promise<void> {
    const found = await this.call('GET', `/regions/${encodeURIComponent(id)}`, undefined, [200, 404]);
    if (!found?.region) await this.call('POST', '/regions', { region: { id } });
  }

  async ensureService(name: string, type: string): Promise<string> {
    const found = ((await this.call('GET', `/services?type=${encodeURIComponent(type)}`)).services as Named[]).filter((s) => s.name === name);
    if (found[0]) return found[0].id;
    return (await this.call('POST', '/services', { service: { name, type, enabled: true, description: `${name} (${type})` } })).service.id;
  }

  /** One endpoint per interface; an existing one gets its URL corrected. */
  async ensureEndpoint(serviceId: string, iface: 'public' | 'internal' | 'admin', url: string, region: string): Promise<void> {
    const found = (await this.call('GET', `/endpoints?service_id=${serviceId}&interface=${iface}&region_id=${encodeURIComponent(region)}`)).endpoints as { id: string; url: string }[];
    if (found[0]) {
      if (found[0].url !== url) await this.call('PATCH', `/endpoints/${found[0].id}`, { endpoint: { url } });
      for (const extra of found.slice(1)) await this.call('DELETE', `/endpoints/${extra.id}`);
      return;
    }
    await this.call('POST', '/endpoints', { endpoint: { service_id: serviceId, interface: iface, url, region_id: region, enabled: true } });
  }
}

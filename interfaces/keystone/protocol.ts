/**
 * The `keystone` relation protocol (endpoint `identity-service`) as data; see README.md.
 * Both directions are classic plain strings (the stock requirer publishes raw, keystone is a classic charm).
 */

import { decodeFields, field, type BagResult, type FieldSpec } from '../../reactive/decode/fields.js';
import { pemCertificates } from '../../reactive/decode/pem.js';
import { withoutPlaceholders } from '../../reactive/decode/remote.js';
import { accountName, asText, bracketHost, type Decoder, hostOrAddress, identifier, line, nonEmptyLine, oneOf, port, secret, yesNo } from '../../reactive/decode/values.js';

export type RawBag = Readonly<Record<string, string>>;

/** An endpoint registration. Without a service the request only asks for service credentials. */
export interface EndpointRequest {
  readonly service: string;
  readonly region: string;
  readonly publicUrl: string;
  readonly internalUrl: string;
  readonly adminUrl: string;
  readonly requestedRoles?: readonly string[];
  readonly addRoleToAdmin?: readonly string[];
  /** Services whose endpoint changes this requirer wants to hear about (`ep_changed`). */
  readonly subscribeTo?: readonly string[];
}

export function encodeRequest(request: EndpointRequest): Record<string, string | null> {
  const list = (values: readonly string[] | undefined, sep: string): string | null =>
    values && values.length > 0 ? values.join(sep) : null;
  return {
    service: request.service,
    region: request.region,
    public_url: request.publicUrl,
    internal_url: request.internalUrl,
    admin_url: request.adminUrl,
    requested_roles: list(request.requestedRoles, ','),
    add_role_to_admin: list(request.addRoleToAdmin, ','),
    subscribe_ep_change: list(request.subscribeTo, ' '),
  };
}

/** A requirer bag as keystone reads it: the literal string `None` means "not given" (charm-helpers' habit). */
export function decodeRequest(raw: RawBag): EndpointRequest | null {
  const value = (k: string): string | undefined => {
    const v = raw[k]?.trim();
    return v && v !== 'None' ? v : undefined;
  };
  const service = value('service');
  const region = value('region');
  const publicUrl = value('public_url');
  const internalUrl = value('internal_url');
  const adminUrl = value('admin_url');
  if (!service || !region || !publicUrl || !internalUrl || !adminUrl) return null;
  const list = (k: string, sep: RegExp): string[] | undefined => {
    const items = (value(k) ?? '').split(sep).map((s) => s.trim()).filter((s) => s !== '');
    return items.length > 0 ? items : undefined;
  };
  const requestedRoles = list('requested_roles', /,/);
  const addRoleToAdmin = list('add_role_to_admin', /,/);
  const subscribeTo = list('subscribe_ep_change', /\s+/);
  return {
    service, region, publicUrl, internalUrl, adminUrl,
    ...(requestedRoles ? { requestedRoles } : {}),
    ...(addRoleToAdmin ? { addRoleToAdmin } : {}),
    ...(subscribeTo ? { subscribeTo } : {}),
  };
}

/** What keystone answers, under the names stock keystone uses (see FIELDS for the keys). */
export interface ServiceCredentials {
  readonly authHost: string;
  readonly authPort: string;
  readonly authProtocol: string;
  readonly serviceHost: string;
  readonly servicePort: string;
  readonly serviceProtocol: string;
  readonly internalHost?: string;
  readonly internalPort?: string;
  readonly internalProtocol?: string;
  readonly serviceUsername: string;
  readonly servicePassword: string;
  readonly serviceTenant: string;
  readonly serviceTenantId: string;
  readonly serviceDomain?: string;
  readonly serviceDomainId?: string;
  readonly serviceUserId?: string;
  readonly apiVersion?: string;
  readonly adminDomainId?: string;
  readonly adminProjectId?: string;
  readonly adminUserId?: string;
  readonly adminRole?: string;
  readonly createdRoles?: string;
  readonly serviceType?: string;
  readonly region?: string;
  readonly httpsKeystone?: string;
  /** Keystone's CA certificates as PEM text (parsed; keystone sends them base64-encoded). */
  readonly caCert?: string;
}

export const FIELDS: readonly (readonly [keyof ServiceCredentials, string])[] = [
  ['authHost', 'auth_host'],
  ['authPort', 'auth_port'],
  ['authProtocol', 'auth_protocol'],
  ['serviceHost', 'service_host'],
  ['servicePort', 'service_port'],
  ['serviceProtocol', 'service_protocol'],
  ['internalHost', 'internal_host'],
  ['internalPort', 'internal_port'],
  ['internalProtocol', 'internal_protocol'],
  ['serviceUsername', 'service_username'],
  ['servicePassword', 'service_password'],
  ['serviceTenant', 'service_tenant'],
  ['serviceTenantId', 'service_tenant_id'],
  ['serviceDomain', 'service_domain'],
  ['serviceDomainId', 'service_domain_id'],
  ['serviceUserId', 'service_user_id'],
  ['apiVersion', 'api_version'],
  ['adminDomainId', 'admin_domain_id'],
  ['adminProjectId', 'admin_project_id'],
  ['adminUserId', 'admin_user_id'],
  ['adminRole', 'admin_role'],
  ['createdRoles', 'created_roles'],
  ['serviceType', 'service_type'],
  ['region', 'region'],
  ['httpsKeystone', 'https_keystone'],
  ['caCert', 'ca_cert'],
];

/** The keys the stock requirer needs before it calls the relation available. */
export const REQUIRED_KEYS = [
  'service_host', 'service_protocol', 'service_port', 'auth_host', 'auth_protocol', 'auth_port',
  'service_tenant', 'service_username', 'service_password', 'service_tenant_id',
] as const;

const protocol = oneOf(['http', 'https']);
const id = identifier(64);

/** Each key's rule: hosts, ports and protocols go into URLs, names and the password into masakari.conf. */
const RULES: Readonly<Record<string, Decoder<string>>> = {
  auth_host: hostOrAddress, auth_port: asText(port), auth_protocol: protocol,
  service_host: hostOrAddress, service_port: asText(port), service_protocol: protocol,
  internal_host: hostOrAddress, internal_port: asText(port), internal_protocol: protocol,
  service_username: accountName(), service_password: secret(), service_tenant: accountName(), service_tenant_id: id,
  service_domain: accountName(), service_domain_id: id, service_user_id: id, api_version: id,
  admin_domain_id: id, admin_project_id: id, admin_user_id: id, admin_role: accountName(),
  created_roles: line(4096), service_type: id, region: nonEmptyLine(1024), https_keystone: asText(yesNo),
  ca_cert: pemCertificates(),
};

/**
 * Keystone's answer, every key checked by its rule. Keystone writes `__null__` for TLS keys it has no value for
 * (and charm-helpers `None`); those count as absent.
 */
export function checkCredentials(raw: RawBag): BagResult<ServiceCredentials> {
  const required = new Set<string>(REQUIRED_KEYS);
  const specs = Object.fromEntries(FIELDS.map(([name, k]) => [name, required.has(k) ? field(k, RULES[k]!) : field<string | null>(k, RULES[k]!, null)]));
  const decoded = decodeFields(withoutPlaceholders(raw), specs as { [K in keyof ServiceCredentials]-?: FieldSpec<string | null> });
  if (!decoded.ok) return decoded;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(decoded.value)) if (value !== null) out[name] = value;
  return { ok: true, value: out as unknown as ServiceCredentials };
}

export function decodeCredentials(raw: RawBag): ServiceCredentials | null {
  const checked = checkCredentials(raw);
  return checked.ok ? checked.value : null;
}

export function encodeCredentials(credentials: ServiceCredentials): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [field, k] of FIELDS) out[k] = credentials[field] ?? null;
  return out;
}

/** Keystone's public base URL as the relation gives it (`<proto>://<host>:<port>`, an IPv6 host in brackets). */
export function serviceBaseUrl(c: ServiceCredentials): string {
  return `${c.serviceProtocol}://${bracketHost(c.serviceHost)}:${c.servicePort}`;
}

/** Keystone v3 URL for password authentication as the service user (`<proto>://<host>:<port>/v3`). */
export function serviceAuthUrl(c: ServiceCredentials): string {
  return `${serviceBaseUrl(c)}/v3`;
}

export function adminAuthUrl(c: ServiceCredentials): string {
  return `${c.authProtocol}://${bracketHost(c.authHost)}:${c.authPort}`;
}

export function internalAuthUrl(c: ServiceCredentials): string {
  return `${c.internalProtocol ?? c.serviceProtocol}://${bracketHost(c.internalHost ?? c.serviceHost)}:${c.internalPort ?? c.servicePort}`;
}


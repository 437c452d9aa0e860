/**
 * The `keystone-credentials` relation protocol (endpoint `identity-credentials`) as data; see README.md.
 * Both directions are classic plain strings (keystone is a classic charm, the requirer a RelationBase layer).
 */
import { decodeFields, field, type BagResult, type FieldSpec } from '../../reactive/decode/fields.js';
import { withoutPlaceholders } from '../../reactive/decode/remote.js';
import { accountName, asText, bracketHost, type Decoder, hostOrAddress, identifier, nonEmptyLine, oneOf, port, secret } from '../../reactive/decode/values.js';

/** What a requirer asks for. Optional fields are left unset on the relation when absent. */
export interface CredentialsRequest {
  readonly username: string;
  readonly project?: string;
  readonly requestedRoles?: readonly string[];
  readonly requestedGrants?: readonly string[];
  readonly domain?: string;
}

export function encodeRequest(request: CredentialsRequest): Record<string, string | null> {
  const list = (values?: readonly string[]): string | null => (values && values.length > 0 ? values.join(',') : null);
  return {
    username: request.username,
    project: request.project ?? null,
    requested_roles: list(request.requestedRoles),
    requested_grants: list(request.requestedGrants),
    domain: request.domain ?? null,
  };
}

/** Reads a requirer's bag on the keystone side; null until it has asked for a username. */
export function decodeRequest(raw: Readonly<Record<string, string>>): CredentialsRequest | null {
  const username = raw.username?.trim();
  if (!username || !accountName()(username).ok) return null;
  const list = (value?: string): string[] | undefined => {
    const items = (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    return items.length > 0 ? items : undefined;
  };
  const optional = (value?: string): string | undefined => (value && value.trim() !== '' ? value.trim() : undefined);
  return {
    username,
    project: optional(raw.project),
    requestedRoles: list(raw.requested_roles),
    requestedGrants: list(raw.requested_grants),
    domain: optional(raw.domain),
  };
}

/** What keystone answers (its leader only), under the exact key names stock keystone uses. */
export interface Credentials {
  readonly authHost: string;
  readonly authPort: string;
  readonly authProtocol: string;
  readonly credentialsHost: string;
  readonly credentialsPort: string;
  readonly credentialsProtocol: string;
  readonly apiVersion: string;
  readonly username: string;
  readonly password: string;
  readonly project: string;
  readonly projectId: string;
  readonly region?: string;
  /** Keystone v3 only: the user's domain (also the project's). */
  readonly domain?: string;
  readonly userDomainName?: string;
  readonly userDomainId?: string;
  readonly projectDomainName?: string;
  readonly projectDomainId?: string;
}

const FIELDS: readonly (readonly [keyof Credentials, string])[] = [
  ['authHost', 'auth_host'],
  ['authPort', 'auth_port'],
  ['authProtocol', 'auth_protocol'],
  ['credentialsHost', 'credentials_host'],
  ['credentialsPort', 'credentials_port'],
  ['credentialsProtocol', 'credentials_protocol'],
  ['apiVersion', 'api_version'],
  ['username', 'credentials_username'],
  ['password', 'credentials_password'],
  ['project', 'credentials_project'],
  ['projectId', 'credentials_project_id'],
  ['region', 'region'],
  ['domain', 'domain'],
  ['userDomainName', 'credentials_user_domain_name'],
  ['userDomainId', 'credentials_user_domain_id'],
  ['projectDomainName', 'credentials_project_domain_name'],
  ['projectDomainId', 'credentials_project_domain_id'],
];

/** Keys the upstream requirer needs for `.available` (endpoint reachable, no credentials yet). */
export const ENDPOINT_KEYS = [
  'credentials_host', 'credentials_protocol', 'credentials_port', 'api_version',
  'auth_host', 'auth_protocol', 'auth_port',
] as const;
/** Keys additionally needed for `.available.auth`. */
export const AUTH_KEYS = [
  'credentials_project', 'credentials_username', 'credentials_password', 'credentials_project_id',
] as const;

export function encodeCredentials(credentials: Credentials): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, key] of FIELDS) {
    const value = credentials[field];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

const protocol = oneOf(['http', 'https']);
const id = identifier(64);

/** Each key's rule: hosts, ports and protocols go into auth_url, names and the password into masakarimonitors.conf. */
const RULES: Readonly<Record<string, Decoder<string>>> = {
  auth_host: hostOrAddress, auth_port: asText(port), auth_protocol: protocol,
  credentials_host: hostOrAddress, credentials_port: asText(port), credentials_protocol: protocol,
  api_version: id, credentials_username: accountName(), credentials_password: secret(), credentials_project: accountName(),
  credentials_project_id: id, region: nonEmptyLine(1024), domain: accountName(),
  credentials_user_domain_name: accountName(), credentials_user_domain_id: id,
  credentials_project_domain_name: accountName(), credentials_project_domain_id: id,
};

/** Keystone's answer, every key checked by its rule; complete once the keys of `.available.auth` are there. */
export function checkCredentials(raw: Readonly<Record<string, string>>): BagResult<Credentials> {
  const required = new Set<string>([...ENDPOINT_KEYS, ...AUTH_KEYS]);
  const specs = Object.fromEntries(FIELDS.map(([name, k]) => [name, required.has(k) ? field(k, RULES[k]!) : field<string | null>(k, RULES[k]!, null)]));
  const decoded = decodeFields(withoutPlaceholders(raw), specs as { [K in keyof Credentials]-?: FieldSpec<string | null> });
  if (!decoded.ok) return decoded;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(decoded.value)) if (value !== null) out[name] = value;
  return { ok: true, value: out as unknown as Credentials };
}

/** True when the bag names a reachable keystone (upstream `.available`), every one of those keys valid. */
export function hasEndpoint(raw: Readonly<Record<string, string>>): boolean {
  const specs = Object.fromEntries(ENDPOINT_KEYS.map((k) => [k, field(k, RULES[k]!)]));
  return decodeFields(withoutPlaceholders(raw), specs).ok;
}

/** The full answer, or null while keystone has not (completely) answered or sent a value that breaks a rule. */
export function decodeCredentials(raw: Readonly<Record<string, string>>): Credentials | null {
  const checked = checkCredentials(raw);
  return checked.ok ? checked.value : null;
}

/** The identity URL clients authenticate against: keystone's admin/auth endpoint, as upstream renders it. */
export function authUrl(credentials: Credentials): string {
  return `${credentials.authProtocol}://${bracketHost(credentials.authHost)}:${credentials.authPort}`;
}

/** The public (credentials) endpoint. */
export function credentialsUrl(credentials: Credentials): string {
  return `${credentials.credentialsProtocol}://${bracketHost(credentials.credentialsHost)}:${credentials.credentialsPort}`;
}


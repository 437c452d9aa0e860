/**
 * The `pacemaker-remote` relation protocol as data, shared by both sides (see README.md).
 *
 * Remote unit → cluster unit: four keys, each value JSON-encoded (what charms.reactive's `to_publish` writes and
 * what stock hacluster's `parse_data` reads with `json.loads`). Cluster unit → remote unit: `pacemaker-key`, plain
 * base64 text (classic `relation-set`).
 */

export const REMOTE_HOSTNAME = 'remote-hostname';
export const REMOTE_IP = 'remote-ip';
export const STONITH_HOSTNAME = 'stonith-hostname';
export const ENABLE_RESOURCES = 'enable-resources';
export const PACEMAKER_KEY = 'pacemaker-key';

/** What a remote node tells the cluster about itself. */
export interface RemoteNodeInfo {
  /** The host FQDN: the pacemaker node name, equal to nova's hypervisor name and masakari's host name. */
  readonly remoteHostname: string;
  /** Address the cluster connects to (the relation binding's address, not private-address: LP#1824514). */
  readonly remoteIp: string;
  /** Name to fence through MAAS, or null when this remote does not want fencing. */
  readonly stonithHostname: string | null;
  /** Whether cluster resources may run on this remote (false makes the cluster opt-in). */
  readonly enableResources: boolean;
}

/** The remote unit's relation bag: every value JSON-encoded, byte for byte what the reactive upstream sends. */
export function encodeRemoteNodeInfo(info: RemoteNodeInfo): Record<string, string> {
  return {
    [REMOTE_HOSTNAME]: JSON.stringify(info.remoteHostname),
    [REMOTE_IP]: JSON.stringify(info.remoteIp),
    [STONITH_HOSTNAME]: JSON.stringify(info.stonithHostname),
    [ENABLE_RESOURCES]: JSON.stringify(info.enableResources),
  };
}

/** JSON first, the raw string as fallback (charms.reactive `received` semantics). */
function decodeValue(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/**
 * Reads a remote unit's bag. Returns `ok: false` with the offending key while the unit has not published yet or
 * published something unusable; plain (non-JSON) strings are accepted as well, so older or hand-written remotes work.
 */
export function decodeRemoteNodeInfo(raw: Readonly<Record<string, string>>): DecodeResult<RemoteNodeInfo> {
  const hostname = raw[REMOTE_HOSTNAME] === undefined ? undefined : decodeValue(raw[REMOTE_HOSTNAME]);
  if (typeof hostname !== 'string' || hostname === '') {
    return { ok: false, reason: `${REMOTE_HOSTNAME} is missing or not a host name` };
  }
  const ip = raw[REMOTE_IP] === undefined ? undefined : decodeValue(raw[REMOTE_IP]);
  if (typeof ip !== 'string' || ip === '') return { ok: false, reason: `${REMOTE_IP} is missing or not an address` };
  const stonithRaw = raw[STONITH_HOSTNAME];
  const stonith = stonithRaw === undefined || stonithRaw === '' ? null : decodeValue(stonithRaw);
  if (stonith !== null && typeof stonith !== 'string') {
    return { ok: false, reason: `${STONITH_HOSTNAME} must be a host name or null` };
  }
  const resourcesRaw = raw[ENABLE_RESOURCES];
  const resources = resourcesRaw === undefined ? true : decodeValue(resourcesRaw.toLowerCase());
  if (typeof resources !== 'boolean') return { ok: false, reason: `${ENABLE_RESOURCES} must be true or false` };
  return {
    ok: true,
    value: { remoteHostname: hostname, remoteIp: ip, stonithHostname: stonith || null, enableResources: resources },
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Encodes a key for the `pacemaker-key` value (plain base64, no line breaks). */
export function encodePacemakerKey(key: Uint8Array): string {
  return Buffer.from(key).toString('base64');
}

/**
 * Decodes a `pacemaker-key` value. Whitespace is ignored (a key pasted into hacluster's config may carry line
 * breaks, and Python's b64decode ignores them too); anything else outside the base64 alphabet is refused.
 * The reason never contains the value.
 */
export function decodePacemakerKey(value: string): DecodeResult<Buffer> {
  const compact = value.replace(/\s+/g, '');
  if (compact === '') return { ok: false, reason: `${PACEMAKER_KEY} is empty` };
  if (!BASE64.test(compact)) return { ok: false, reason: `${PACEMAKER_KEY} is not valid base64` };
  return { ok: true, value: Buffer.from(compact, 'base64') };
}

/** One cluster unit's offer of a key, as received. */
export interface KeyOffer {
  readonly unit: string;
  readonly value: string | undefined;
}

export type KeyAgreement =
  | { readonly kind: 'none' }
  | { readonly kind: 'agreed'; readonly key: Buffer; readonly units: readonly string[] }
  | { readonly kind: 'inconsistent'; readonly groups: readonly (readonly string[])[] }
  | { readonly kind: 'invalid'; readonly unit: string; readonly reason: string };

/**
 * The key every cluster unit that sent one agrees on. Units that have not sent a key yet are ignored; two units
 * sending different keys (after decoding) is `inconsistent` — the remote must then keep whatever it runs with.
 */
export function agreeOnKey(offers: readonly KeyOffer[]): KeyAgreement {
  const byKey = new Map<string, { key: Buffer; units: string[] }>();
  for (const offer of offers) {
    if (offer.value === undefined || offer.value.trim() === '') continue;
    const decoded = decodePacemakerKey(offer.value);
    if (!decoded.ok) return { kind: 'invalid', unit: offer.unit, reason: decoded.reason };
    const id = decoded.value.toString('hex');
    const entry = byKey.get(id);
    if (entry) entry.units.push(offer.unit);
    else byKey.set(id, { key: decoded.value, units: [offer.unit] });
  }
  const groups = [...byKey.values()];
  if (groups.length === 0) return { kind: 'none' };
  if (groups.length > 1) return { kind: 'inconsistent', groups: groups.map((g) => g.units) };
  return { kind: 'agreed', key: groups[0]!.key, units: groups[0]!.units };
}

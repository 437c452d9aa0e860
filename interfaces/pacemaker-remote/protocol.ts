/**
 * The `pacemaker-remote` relation protocol as data, shared by both sides (see README.md).
 *
 * Remote unit → cluster unit: four keys, each value JSON-encoded (what charms.reactive's `to_publish` writes and
 * what stock hacluster's `parse_data` reads with `json.loads`). Cluster unit → remote unit: `pacemaker-key`, plain
 * base64 text (classic `relation-set`).
 */
import { decodeFields, field, type BagResult, type Problem } from '../../reactive/decode/fields.js';
import { accept, base64Bytes, boolean, hostname, ipAddress, jsonString, refuse, type Decoded, type Decoder } from '../../reactive/decode/values.js';

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

/** `null` or `""` (JSON texts) or nothing: no value; otherwise `inner`. */
function nullable<T>(inner: Decoder<T>): Decoder<T | null> {
  return (raw) => (raw.trim() === 'null' || raw.trim() === '""' ? accept(null) : inner(raw));
}

/**
 * What each key must hold. Host names and the address are checked here, at the boundary, because they end up in
 * the CIB as a node name, `server=` and the fence device's host list: a space in `stonith-hostname` would add a
 * host to that list, so anything but one RFC 1123 name is refused.
 */
const NODE_INFO = {
  remoteHostname: field(REMOTE_HOSTNAME, jsonString(hostname)),
  remoteIp: field(REMOTE_IP, jsonString(ipAddress)),
  stonithHostname: field<string | null>(STONITH_HOSTNAME, nullable(jsonString(hostname)), null),
  enableResources: field(ENABLE_RESOURCES, boolean, true),
};

export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/**
 * Reads a remote unit's bag: every key checked, every problem kept with its key (`missing` while the unit has not
 * published it, `invalid` with the rule it broke — never the value). JSON values and plain strings are both
 * accepted, so older or hand-written remotes work; a missing `stonith-hostname` is null, a missing
 * `enable-resources` true.
 */
export function decodeRemoteNodeInfo(raw: Readonly<Record<string, string | undefined>>): BagResult<RemoteNodeInfo> {
  return decodeFields<RemoteNodeInfo>(raw, NODE_INFO);
}

/** One line naming every missing and invalid key, e.g. `remote-ip must be an IPv4 or IPv6 address; missing remote-hostname`. */
export function nodeInfoProblems(result: Extract<BagResult<RemoteNodeInfo>, { ok: false }>): Problem[] {
  return [...result.invalid, ...result.missing.map((key) => ({ key, rule: 'is missing' }))];
}

/**
 * Key size limits of both ends of the exchange: corosync 3 and pacemaker refuse authkeys under 128 bytes (1024
 * bits) and read at most 4096. The cluster side (`pacemaker_key` option) and the remote side apply the same ones.
 */
export const KEY_MIN_BYTES = 128;
export const KEY_MAX_BYTES = 4096;
const KEY_BYTES = base64Bytes(KEY_MIN_BYTES, KEY_MAX_BYTES);

/** Encodes a key for the `pacemaker-key` value (plain base64, no line breaks). */
export function encodePacemakerKey(key: Uint8Array): string {
  return Buffer.from(key).toString('base64');
}

/**
 * Decodes an authkey given as base64 text (`pacemaker-key`, the `corosync_key`/`pacemaker_key` options). White
 * space is ignored (a key pasted into hacluster's config may carry line breaks, and Python's b64decode ignores them
 * too); anything else outside the base64 alphabet, and a key outside the size limits, is refused. The reason never
 * contains the value.
 */
export function decodeAuthKey(value: string): Decoded<Buffer> {
  const compact = value.replace(/\s+/g, '');
  if (compact === '') return refuse('is empty');
  return KEY_BYTES(compact);
}

/** `decodeAuthKey` for the relation value, the reason naming the key. */
export function decodePacemakerKey(value: string): DecodeResult<Buffer> {
  const decoded = decodeAuthKey(value);
  return decoded.ok ? decoded : { ok: false, reason: `${PACEMAKER_KEY} ${decoded.rule}` };
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

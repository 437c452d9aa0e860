/**
 * Where this unit serves its API and what it registers in keystone: per endpoint type the unit's address
 * (os-*-network, else the binding's), the VIP of that network when vip is set, a hostname override above both;
 * and the hacluster resources for the VIPs. Pure: the shell collects the unit's addresses with network-get.
 */
import { isIP } from 'node:net';
import type { ConfigValues } from '../../../reactive/config.js';
import { bracketHost } from '../../../reactive/decode/values.js';
import { addInitService, addVip, emptyCrm, group, vipResourceName, type Crm } from '../../../interfaces/hacluster/principal.js';
import { inCidr, parseCidr, parseVips, tlsEnabled } from './options.js';

export const SERVICE = 'masakari';
/** haproxy (and the registered endpoints) listen here; the API itself 10 below, as the stock charms do. */
export const API_PORT = 15868;
export const BACKEND_PORT = 15858;

export type EndpointType = 'public' | 'internal' | 'admin';
export const ENDPOINT_TYPES: readonly EndpointType[] = ['public', 'internal', 'admin'];

export interface UnitAddress {
  readonly address: string;
  /** The network the address is on, e.g. 10.5.0.0/16. */
  readonly cidr: string;
  readonly iface: string;
}

/** network-get results: the first address of each binding is the one Juju advertises. */
export type Bindings = Readonly<Record<EndpointType | 'cluster', readonly UnitAddress[]>>;

export class AddressError extends Error {}

function allAddresses(bindings: Bindings): UnitAddress[] {
  return Object.values(bindings).flat();
}

function inNetwork(address: string, cidrText: string): boolean {
  const cidr = parseCidr(cidrText);
  return cidr !== null && inCidr(address, cidr);
}

/** The unit's own address for an endpoint type; throws AddressError when os-<type>-network matches none. */
export function unitAddress(type: EndpointType, config: ConfigValues, bindings: Bindings): UnitAddress {
  const network = typeof config[`os-${type}-network`] === 'string' ? String(config[`os-${type}-network`]).trim() : '';
  if (network) {
    const found = allAddresses(bindings).find((a) => inNetwork(a.address, network));
    if (!found) throw new AddressError(`os-${type}-network: this unit has no address in that network`);
    return found;
  }
  const primary = bindings[type][0] ?? bindings.cluster[0];
  if (!primary) throw new AddressError(`no address for the ${type} binding (network-get returned none)`);
  return primary;
}

/** The VIP serving an endpoint type: the one in the endpoint's network, else the only one; undefined without vip. */
export function vipFor(type: EndpointType, config: ConfigValues, bindings: Bindings): string | undefined {
  const vips = parseVips(config.vip);
  if (vips.length === 0) return undefined;
  const own = unitAddress(type, config, bindings);
  const network = typeof config[`os-${type}-network`] === 'string' && String(config[`os-${type}-network`]).trim() !== ''
    ? String(config[`os-${type}-network`]).trim()
    : own.cidr;
  return vips.find((v) => inNetwork(v, network)) ?? (vips.length === 1 ? vips[0] : undefined);
}

/** The keystone registration (https when TLS is served, from the options or the certificates relation): `<scheme>://<hostname override | VIP | address>:15868/v1/%(tenant_id)s`. */
export function endpointUrls(config: ConfigValues, bindings: Bindings, https = tlsEnabled(config)): Record<EndpointType, string> {
  const scheme = https ? 'https' : 'http';
  const out = {} as Record<EndpointType, string>;
  for (const type of ENDPOINT_TYPES) {
    const override = typeof config[`os-${type}-hostname`] === 'string' ? String(config[`os-${type}-hostname`]).trim() : '';
    const host = override || vipFor(type, config, bindings) || unitAddress(type, config, bindings).address;
    out[type] = `${scheme}://${bracketHost(host)}:${API_PORT}/v1/%(tenant_id)s`;
  }
  return out;
}

/**
 * The hacluster resources: one VIP primitive per VIP, grouped, and haproxy cloned on every unit. A VIP inside one
 * of the unit's networks gets the hashed name (IPaddr2 finds NIC and netmask); any other falls back to vip_iface
 * and vip_cidr. Like the stock charm, a VIP found locally also asks hacluster to delete the NIC-named resource an
 * older deployment may have created for it.
 */
export function haResources(config: ConfigValues, bindings: Bindings, previouslyManaged: readonly string[] = []): Crm {
  const crm = emptyCrm();
  const vipResources: string[] = [];
  const deletes: string[] = [];
  const iface = typeof config['vip_iface'] === 'string' ? config['vip_iface'] : 'eth0';
  const cidr = typeof config['vip_cidr'] === 'number' ? config['vip_cidr'] : 24;
  for (const vip of parseVips(config.vip)) {
    const local = allAddresses(bindings).find((a) => inNetwork(vip, a.cidr));
    if (local && isIP(vip) === 4) {
      vipResources.push(addVip(crm, SERVICE, vip));
      deletes.push(vipResourceName(SERVICE, vip, local.iface));
    } else {
      vipResources.push(addVip(crm, SERVICE, vip, local?.iface ?? iface, local ? Number(local.cidr.split('/')[1]) : cidr));
    }
  }
  addInitService(crm, SERVICE, 'haproxy');
  group(crm, `grp_${SERVICE}_vips`, [...vipResources].sort());
  // Resources we handed to hacluster before and no longer want (a VIP that was removed from config).
  for (const name of previouslyManaged) if (!(name in crm.resources)) deletes.push(name);
  crm.delete_resources = [...new Set(deletes)].filter((n) => !(n in crm.resources)).sort();
  return crm;
}

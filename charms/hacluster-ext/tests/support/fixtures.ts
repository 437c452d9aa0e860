/** Inputs shaped like what the charm receives: the masakari principal's ha data, members and remotes. */
import type { Member, Remote } from '../../src/cib/model.js';

/** What charm-masakari's ha interface sends (upstream-charms.md §2.1 worked example), VIP on the lab network. */
export const MASAKARI_HA_DATA: Readonly<Record<string, string>> = {
  corosync_bindiface: 'eth0',
  corosync_mcastport: '4440',
  json_resources: JSON.stringify({ res_masakari_242d562_vip: 'ocf:heartbeat:IPaddr2', res_masakari_haproxy: 'lsb:haproxy' }),
  json_resource_params: JSON.stringify({
    res_masakari_242d562_vip: '  params ip="10.5.100.1"  meta migration-threshold="INFINITY" failure-timeout="5s"  op monitor timeout="20s" interval="10s" depth="0"',
    res_masakari_haproxy: '  meta migration-threshold="INFINITY" failure-timeout="5s"  op monitor interval="5s"',
  }),
  json_groups: JSON.stringify({ grp_masakari_vips: 'res_masakari_242d562_vip' }),
  json_clones: JSON.stringify({ cl_res_masakari_haproxy: 'res_masakari_haproxy' }),
  json_init_services: '["haproxy"]',
  json_colocations: '{}', json_locations: '{}', json_ms: '{}', json_orders: '{}',
  json_delete_resources: '[]', json_systemd_services: '[]',
};

export function members(n: number): Member[] {
  return Array.from({ length: n }, (_, i) => ({ name: `api${i + 1}`, address: `10.77.0.${i + 1}` }));
}

export function remotes(n: number, options: { stonith?: boolean; enableResources?: boolean } = {}): Remote[] {
  return Array.from({ length: n }, (_, i) => {
    const name = `cmp${i + 1}.lab`;
    return {
      name,
      address: `10.77.${1 + Math.floor((i + 11) / 250)}.${(i + 11) % 250}`,
      stonithHostname: options.stonith === false ? null : name,
      enableResources: options.enableResources ?? false,
    };
  });
}

export const MAAS = { url: 'http://10.77.0.254:18080/MAAS', apiKey: 'ck123:tk456:secret789' };

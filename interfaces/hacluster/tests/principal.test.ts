import { describe, expect, it } from 'vitest';
import { addInitService, addVip, emptyCrm, encodeBinding, encodeCrm, group, isClusteredValue, pythonJsonDumps } from '../principal.js';

describe('hacluster principal protocol', () => {
  it('reproduces the stock interface output for masakari byte for byte', () => {
    const crm = emptyCrm();
    const vip = addVip(crm, 'masakari', '10.5.100.1');
    addInitService(crm, 'masakari', 'haproxy');
    group(crm, 'grp_masakari_vips', [vip]);
    const data = encodeCrm(crm);
    expect(data.json_resources).toBe('{"res_masakari_242d562_vip": "ocf:heartbeat:IPaddr2", "res_masakari_haproxy": "lsb:haproxy"}');
    expect(data.json_resource_params).toBe(
      '{"res_masakari_242d562_vip": "  params ip=\\"10.5.100.1\\"  meta migration-threshold=\\"INFINITY\\" failure-timeout=\\"5s\\"  op monitor timeout=\\"20s\\" interval=\\"10s\\" depth=\\"0\\"", ' +
        '"res_masakari_haproxy": "  meta migration-threshold=\\"INFINITY\\" failure-timeout=\\"5s\\"  op monitor interval=\\"5s\\""}',
    );
    expect(data.json_groups).toBe('{"grp_masakari_vips": "res_masakari_242d562_vip"}');
    expect(data.json_clones).toBe('{"cl_res_masakari_haproxy": "res_masakari_haproxy"}');
    expect(data.json_init_services).toBe('["haproxy"]');
    expect(data.json_colocations).toBeNull();
    expect(data.json_delete_resources).toBeNull();
    expect(encodeBinding('eth0')).toEqual({ corosync_bindiface: 'eth0', corosync_mcastport: '4440' });
  });

  it('names a fallback VIP after the NIC and passes nic and netmask', () => {
    const crm = emptyCrm();
    expect(addVip(crm, 'masakari', '192.168.9.9', 'eth1', 24)).toBe('res_masakari_eth1_vip');
    expect(crm.resource_params.res_masakari_eth1_vip).toContain('params ip="192.168.9.9" nic="eth1" cidr_netmask="24"');
    expect(addVip(crm, 'masakari', 'fd00::9', 'eth1', 64)).toBe('res_masakari_eth1_ipv6addr_vip');
    expect(crm.resources.res_masakari_eth1_ipv6addr_vip).toBe('ocf:heartbeat:IPv6addr');
  });

  it('accepts clustered as yes/true in any case', () => {
    for (const v of ['yes', 'YES', 'true', 'True', '"yes"']) expect(isClusteredValue(v)).toBe(true);
    for (const v of [undefined, '', 'no', 'false']) expect(isClusteredValue(v)).toBe(false);
  });

  it('dumps JSON the way CPython does', () => {
    expect(pythonJsonDumps({ b: [1, 'x'], a: { d: null, c: true } })).toBe('{"a": {"c": true, "d": null}, "b": [1, "x"]}');
    expect(pythonJsonDumps('caf\u00e9 \u{1F600}')).toBe('"caf\\u00e9 \\ud83d\\ude00"');
  });
});

import { describe, expect, it } from 'vitest';
import { parseCrmMon } from '../crm.js';

describe('crm_mon', () => {
  it('parses crm_mon XML: members, remotes, clone instances and where resources run', () => {
    const xml = `<pacemaker-result api-version="2.22" request="crm_mon --output-as=xml"><nodes>
      <node name="m1" id="1" online="true" standby="false" unclean="false" type="member"/>
      <node name="cmp1.x" id="cmp1.x" online="false" unclean="true" type="remote"/></nodes>
      <resources><clone id="cl_res_masakari_haproxy" multi_state="false"><resource id="res_masakari_haproxy" resource_agent="lsb:haproxy" role="Started"><node name="m1" id="1"/></resource>
      <resource id="res_masakari_haproxy" resource_agent="lsb:haproxy" role="Stopped"/></clone>
      <group id="grp_masakari_vips"><resource id="res_vip" resource_agent="ocf:heartbeat:IPaddr2" role="Started"><node name="m1" id="1"/></resource></group>
      <resource id="cmp1.x" resource_agent="ocf:pacemaker:remote" role="Started"><node name="m1" id="1"/></resource></resources></pacemaker-result>`;
    const { nodes, resources } = parseCrmMon(xml);
    expect(nodes).toEqual([{ name: 'm1', online: true, type: 'member', unclean: false }, { name: 'cmp1.x', online: false, type: 'remote', unclean: true }]);
    expect(resources.filter((r) => r.clone === 'cl_res_masakari_haproxy' && r.role === 'Started')).toHaveLength(1);
    expect(resources.find((r) => r.id === 'res_vip')).toMatchObject({ nodes: ['m1'], clone: null });
  });
});

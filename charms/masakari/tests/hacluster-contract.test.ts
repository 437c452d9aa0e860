/**
 * Contract with the project's hacluster-ext: the ha data this charm publishes (taken from a harness run) parses
 * without a single error in hacluster-ext's reader, into the resources the upstream charm would create.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrincipal } from '../../hacluster-ext/src/cib/principal.js';
import { masakariHarness, relateAll } from './fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => { while (cleanups.length) cleanups.pop()!(); });

describe('ha data as hacluster-ext reads it', () => {
  it('parses into two VIPs in a group and a cloned lsb:haproxy', async () => {
    const { harness } = await masakariHarness();
    cleanups.push(() => harness.cleanup());
    await harness.beginWithInitialHooks();
    await relateAll(harness);
    await harness.updateConfig({ vip: '10.5.100.1 192.168.9.9', vip_iface: 'ens4', vip_cidr: 24 });
    const ha = await harness.addRelation('ha', 'hacluster', { units: { 'hacluster/0': {} } });
    const { resources, errors } = parsePrincipal(harness.relationData(ha));
    expect(errors).toEqual([]);
    expect(resources.primitives.map((p) => p.id).sort()).toEqual(['res_masakari_242d562_vip', 'res_masakari_ens4_vip', 'res_masakari_haproxy']);
    expect(resources.groups.map((g) => [g.id, g.members])).toEqual([['grp_masakari_vips', ['res_masakari_242d562_vip', 'res_masakari_ens4_vip']]]);
    expect(resources.clones.map((c) => [c.id, c.child])).toEqual([['cl_res_masakari_haproxy', 'res_masakari_haproxy']]);
    expect(resources.initServices).toEqual(['haproxy']);
    expect(resources.deleteResources).toEqual(['res_masakari_eth0_vip']);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CIB_CONFIG, desiredCib, spreadRemotes, type CibInput } from '../src/cib/desired.js';
import { parsePrincipal } from '../src/cib/principal.js';
import { validateDocument } from '../src/cib/validate.js';
import { renderConfiguration } from '../src/cib/xml.js';
import { MAAS, MASAKARI_HA_DATA, members, remotes } from './support/fixtures.js';
import { crmSimulate, crmVerify, placements, simulationCib, Workdir } from './support/pacemaker-tools.js';

const work = new Workdir();
afterAll(() => work.remove());

function input(memberCount: number, remoteCount: number, overrides: Partial<CibInput> = {}): CibInput {
  const principal = parsePrincipal(MASAKARI_HA_DATA);
  expect(principal.errors).toEqual([]);
  return {
    members: members(memberCount), remotes: remotes(remoteCount), principal: principal.resources,
    config: { ...DEFAULT_CIB_CONFIG, maas: MAAS }, ...overrides,
  };
}

describe('desired CIB checked by real crm_verify and crm_simulate', () => {
  it.each([[3, 2], [3, 16], [2, 1], [5, 20]])('%i members, %i remotes: valid, members host everything, remotes nothing', async (m, r) => {
    const d = desiredCib(input(m, r));
    expect(d.errors).toEqual([]);
    expect(d.optIn).toBe(true);
    expect(d.stonithEnabled).toBe(true);
    const file = work.file(`ok-${m}-${r}.xml`, simulationCib(d.document, members(m).map((x) => x.name)));
    const verify = await crmVerify(file);
    expect(verify.output).toBe('');
    expect(verify.exitCode).toBe(0);

    const after = work.path + `/after-${m}-${r}.xml`;
    const sim = await crmSimulate(file, after);
    expect(sim.exitCode).toBe(0);
    expect(sim.output).toMatch(new RegExp(`RemoteOnline: \\[ ${remotes(r).map((x) => x.name.replace('.', '\\.')).join(' ')} \\]`));
    const placed = await placements(after);
    const memberNames = new Set(members(m).map((x) => x.name));
    const remoteNames = remotes(r).map((x) => x.name);
    for (const id of ['st-maas', 'st-null', 'res_masakari_242d562_vip', ...remoteNames]) {
      expect(placed.get(id), id).toHaveLength(1);
      expect(memberNames.has(placed.get(id)?.[0] as string), `${id} on ${placed.get(id)?.[0]}`).toBe(true);
    }
    const haproxy = placed.get('res_masakari_haproxy') ?? [];
    expect(new Set(haproxy)).toEqual(memberNames); // one instance per member, none on remotes
    for (const hosts of placed.values()) for (const h of hosts) expect(remoteNames).not.toContain(h);
    // each remote connection runs on the member preferred with score 200
    for (const rn of remoteNames) expect(placed.get(rn)?.[0]).toBe(d.remotePlacement[rn]);
  }, 60_000);

  it.each([['off', undefined], ['off', 'off'], ['reboot', 'reboot']] as const)(
    'a failed remote connection monitor schedules fencing (%s) of that remote only (stonith_action %s)', async (action, configured) => {
      const config = { ...DEFAULT_CIB_CONFIG, maas: MAAS, ...(configured ? { stonithAction: configured } : {}) };
      const d = desiredCib(input(3, 2, { config }));
      expect(d.document.properties).toContainEqual({ name: 'stonith-action', value: action });
      const file = work.file(`fence-${action}.xml`, simulationCib(d.document, ['api1', 'api2', 'api3']));
      const settled = `${work.path}/fence-${action}-settled.xml`;
      expect((await crmSimulate(file, settled)).exitCode).toBe(0);
      const host = d.remotePlacement['cmp2.lab'] as string;
      const sim = await crmSimulate(settled, `${work.path}/fence-${action}-after.xml`, ['--op-inject', `cmp2.lab_monitor_30000@${host}=7`]);
      expect(sim.output).toContain(`Fence (${action}) cmp2.lab 'remote connection is unrecoverable'`);
      expect(sim.output).not.toMatch(/Fence \(\w+\) (cmp1\.lab|api\d)/);
    });

  it('the missing-location case is caught by our validator and by crm_verify (rc 78)', async () => {
    const d = desiredCib(input(3, 2));
    const stripped = { ...d.document, constraints: d.document.constraints.filter((c) => !(c.kind === 'location' && (c.rsc.startsWith('cmp') || c.rsc === 'st-maas'))) };
    const errors = validateDocument(stripped, { members: ['api1', 'api2', 'api3'], remotes: ['cmp1.lab', 'cmp2.lab'], optIn: true });
    expect(errors.map((e) => e.path).sort()).toEqual(['constraints.loc-cmp1.lab', 'constraints.loc-cmp2.lab', 'constraints.loc-st-maas']);
    expect(errors[0]?.message).toMatch(/no location rule on any cluster member/);
    const verify = await crmVerify(work.file('missing.xml', simulationCib(stripped, ['api1', 'api2', 'api3'])));
    expect(verify.exitCode).toBe(78);
    expect(verify.output).toMatch(/config may not be valid/i);
  });

  it('without remotes: symmetric cluster, no stonith, still valid', async () => {
    const d = desiredCib(input(3, 0));
    expect(d.errors).toEqual([]);
    expect(d.optIn).toBe(false);
    expect(d.document.properties).toContainEqual({ name: 'stonith-enabled', value: 'false' });
    expect(d.document.properties).toContainEqual({ name: 'symmetric-cluster', value: 'true' });
    expect(d.document.resources.map((r) => r.id)).toEqual(['cl_res_masakari_haproxy', 'grp_masakari_vips']);
    expect((await crmVerify(work.file('plain.xml', simulationCib(d.document, ['api1', 'api2', 'api3'])))).exitCode).toBe(0);
  });

  it('monitor_host adds the ping clone and Ping-<res> rules; the document stays valid', async () => {
    const d = desiredCib(input(3, 2, { config: { ...DEFAULT_CIB_CONFIG, maas: MAAS, monitorHosts: ['10.77.0.254'] } }));
    expect(d.errors).toEqual([]);
    expect(d.document.constraints.map((c) => c.id)).toContain('Ping-grp_masakari_vips');
    expect((await crmVerify(work.file('ping.xml', simulationCib(d.document, ['api1', 'api2', 'api3'])))).exitCode).toBe(0);
  });
});

describe('desired CIB contents', () => {
  it('keeps the MAAS API key out of the document and hands it over as a CIB secret', () => {
    const d = desiredCib(input(3, 2));
    const xml = renderConfiguration(d.document);
    expect(xml).not.toContain(MAAS.apiKey);
    expect(xml).toContain('name="apikey" value="lrm://"');
    expect(d.secrets).toEqual([{ resource: 'st-maas', parameter: 'apikey', value: MAAS.apiKey }]);
    expect(xml).toContain('name="hostnames" value="cmp1 cmp1.lab cmp2 cmp2.lab"');
    expect(xml).toContain('name="hostlist" value="api1 api2 api3"');
  });

  it('is deterministic: shuffled inputs give the same bytes', () => {
    const a = input(3, 10);
    const b = { ...a, members: [...a.members].reverse(), remotes: [...a.remotes].reverse() };
    expect(renderConfiguration(desiredCib(b).document)).toBe(renderConfiguration(desiredCib(a).document));
  });

  it('a departed remote leaves no primitive, rule or stonith host name behind', () => {
    const before = renderConfiguration(desiredCib(input(3, 3)).document);
    const after = renderConfiguration(desiredCib({ ...input(3, 3), remotes: remotes(3).filter((r) => r.name !== 'cmp2.lab') }).document);
    expect(before).toContain('cmp2');
    expect(after).not.toContain('cmp2');
  });

  it('updates the connection when a remote address changes', () => {
    const moved = remotes(2).map((r) => (r.name === 'cmp1.lab' ? { ...r, address: '10.77.5.5' } : r));
    const xml = renderConfiguration(desiredCib({ ...input(3, 2), remotes: moved }).document);
    expect(xml).toContain('<nvpair id="cmp1.lab-instance_attributes-server" name="server" value="10.77.5.5"/>');
  });

  it('spreads remote connections evenly and moves few when a member leaves', () => {
    const names = remotes(30).map((r) => r.name);
    const three = spreadRemotes(names, ['api1', 'api2', 'api3']);
    const counts = Object.values(three).reduce<Record<string, number>>((acc, m) => ({ ...acc, [m]: (acc[m] ?? 0) + 1 }), {});
    expect(Object.values(counts)).toEqual([10, 10, 10]);
    const four = spreadRemotes(names, ['api1', 'api2', 'api3', 'api4']);
    const moved = names.filter((n) => three[n] !== four[n]).length;
    expect(moved).toBeLessThanOrEqual(12); // round-robin over a sorted list would move ~22 of 30
  });

  it('collects every problem at once, each with its path', () => {
    const principal = parsePrincipal({
      json_resources: JSON.stringify({ res_a: 'ocf:heartbeat:IPaddr2', res_b: 'nonsense', res_c: 'lsb:x' }),
      json_resource_params: JSON.stringify({ res_a: 'params ip="1.2.3.4" op monitor bogus="1" interval="5s"', res_c: 'fubar x=1' }),
      json_groups: JSON.stringify({ grp: 'res_a res_missing' }),
      json_colocations: '{not json',
      json_orders: JSON.stringify({ ord: 'inf: res_a' }),
    });
    const d = desiredCib({
      members: members(3),
      remotes: [...remotes(2), { name: '9bad', address: '10.77.0.99', stonithHostname: '9bad', enableResources: true }],
      principal: principal.resources, config: DEFAULT_CIB_CONFIG,
    });
    const paths = [...principal.errors, ...d.errors].map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining([
      'ha.json_resources.res_b', 'ha.json_resource_params.res_c', 'ha.json_colocations', 'ha.json_orders.ord',
      'ha.json_groups.grp.members[1]', 'resources.res_a.op.monitor.bogus', 'pacemaker-remote.enable-resources',
      'config.maas_url', 'nodes.9bad',
    ]));
  });

  it('honours json_delete_resources and sets clone-max to the member count', () => {
    const d = desiredCib({ ...input(4, 2), principal: parsePrincipal({ ...MASAKARI_HA_DATA, json_delete_resources: '["grp_masakari_vips"]' }).resources });
    const xml = renderConfiguration(d.document);
    expect(xml).not.toContain('grp_masakari_vips');
    expect(xml).toContain('name="clone-max" value="4"');
    expect(d.errors).toEqual([]);
  });
});

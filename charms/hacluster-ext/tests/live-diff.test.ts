import { describe, expect, it } from 'vitest';
import { DEFAULT_CIB_CONFIG, desiredCib } from '../src/cib/desired.js';
import { compareWithLive } from '../src/cib/live.js';
import { parsePrincipal } from '../src/cib/principal.js';
import { MAAS, MASAKARI_HA_DATA, members, remotes } from './support/fixtures.js';
import { simulationCib } from './support/pacemaker-tools.js';

const principal = parsePrincipal(MASAKARI_HA_DATA).resources;
const doc = (remoteCount: number) =>
  desiredCib({ members: members(3), remotes: remotes(remoteCount), principal, config: { ...DEFAULT_CIB_CONFIG, maas: MAAS } }).document;

/** What pacemaker shows after it took our configuration: plus its own properties and node attributes. */
function liveFrom(xml: string): string {
  return xml
    .replace('<cluster_property_set id="cib-bootstrap-options">', '<cluster_property_set id="cib-bootstrap-options">\n<nvpair id="cib-bootstrap-options-dc-version" name="dc-version" value="2.1.5-a3f44794f94"/>')
    .replace('<node id="1002" uname="api2"/>', '<node id="1002" uname="api2"><instance_attributes id="nodes-1002"><nvpair id="nodes-1002-standby" name="standby" value="on"/></instance_attributes></node>')
    .replace('</configuration>', '<op_defaults><meta_attributes id="op-options"><nvpair id="op-options-timeout" name="timeout" value="30s"/></meta_attributes></op_defaults></configuration>');
}

describe('comparison with the live CIB', () => {
  it('finds nothing to write when our part is unchanged, whatever pacemaker added', () => {
    const live = liveFrom(simulationCib(doc(2), ['api1', 'api2', 'api3']));
    expect(compareWithLive(doc(2), live).changed).toEqual([]);
  });

  it('names the changed parts and keeps live nodes, properties and other sections in what it writes', () => {
    const live = liveFrom(simulationCib(doc(2), ['api1', 'api2', 'api3']));
    const result = compareWithLive(doc(3), live);
    expect(result.changed).toEqual(['resources', 'constraints']);
    expect(result.configuration).toContain('name="dc-version" value="2.1.5-a3f44794f94"');
    expect(result.configuration).toContain('<nvpair id="nodes-1002-standby" name="standby" value="on"/>');
    expect(result.configuration).toContain('<op_defaults>');
    expect(result.configuration).toContain('id="cmp3.lab"');
    // what we write is itself unchanged on the next comparison
    const next = simulationCib(doc(3), ['api1', 'api2', 'api3']).replace(/<configuration>[\s\S]*<\/configuration>/, result.configuration.trim());
    expect(compareWithLive(doc(3), next).changed).toEqual([]);
  });

  it('notices a property changed by hand', () => {
    const live = simulationCib(doc(2), ['api1', 'api2', 'api3']).replace('name="stonith-enabled" value="true"', 'name="stonith-enabled" value="false"');
    expect(compareWithLive(doc(2), live).changed).toEqual(['properties']);
  });

  it('names departed remotes pacemaker still remembers once their connection left the configuration', () => {
    const remembered = (xml: string) => xml.replace('  </status>', '    <node_state id="cmp2.lab" uname="cmp2.lab" remote_node="true" in_ccm="false" crm-debug-origin="x"/>\n  </status>');
    // departure hook: the live configuration still has cmp2's connection, so nothing is purged yet
    expect(compareWithLive(doc(1), remembered(simulationCib(doc(2), ['api1', 'api2', 'api3']))).staleRemotes).toEqual([]);
    // next hook: the connection is gone from the live configuration, the node state is not
    expect(compareWithLive(doc(1), remembered(simulationCib(doc(1), ['api1', 'api2', 'api3']))).staleRemotes).toEqual(['cmp2.lab']);
    // a remote that is still wanted is never purged
    expect(compareWithLive(doc(2), remembered(simulationCib(doc(1), ['api1', 'api2', 'api3']))).staleRemotes).toEqual([]);
  });

  it('waits to purge a departed remote while a member still has history of its connection', () => {
    const cib = simulationCib(doc(1), ['api1', 'api2', 'api3']);
    const state = '    <node_state id="cmp2.lab" uname="cmp2.lab" remote_node="true" in_ccm="false"/>\n';
    const member = /<node_state (id="(\d+)"[^>]*)\/>/.exec(cib)!;
    const history = `<lrm id="${member[2]}"><lrm_resources><lrm_resource id="cmp2.lab" class="ocf" provider="pacemaker" type="remote"/></lrm_resources></lrm>`;
    const withHistory = cib.replace('  </status>', `${state}  </status>`).replace(member[0], `<node_state ${member[1]}>${history}</node_state>`);
    expect(withHistory).toContain('<lrm_resource id="cmp2.lab"');
    expect(compareWithLive(doc(1), withHistory).staleRemotes).toEqual([]);
    expect(compareWithLive(doc(1), cib.replace('  </status>', `${state}  </status>`)).staleRemotes).toEqual(['cmp2.lab']);
  });

  it('purges a departed remote recorded again without remote_node, never a member', () => {
    const cib = simulationCib(doc(1), ['api1', 'api2', 'api3']);
    const rewritten = cib.replace('  </status>', '    <node_state id="cmp2.lab" uname="cmp2.lab" in_ccm="false"/>\n  </status>');
    expect(compareWithLive(doc(1), rewritten).staleRemotes).toEqual(['cmp2.lab']);
    const memberIds = [...cib.matchAll(/<node_state id="(\d+)"/g)].map((m) => m[1]);
    expect(memberIds.length).toBeGreaterThan(0);
    expect(compareWithLive(doc(1), cib).staleRemotes).toEqual([]);
  });
});

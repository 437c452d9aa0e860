/**
 * CIB documents as the labs and CIB tests need them: an empty configuration with a few cluster properties (what a
 * fresh cluster boots from, or what a scripted `cibadmin --query` answers before the charm wrote anything), and
 * a whole document whose members are all online (what crm_verify / crm_simulate judge a configuration against).
 */

/** `<configuration>` with the given `crm_config` properties and no nodes, resources or constraints. */
export function emptyConfiguration(properties: Readonly<Record<string, string>>): string {
  const nvpairs = Object.entries(properties)
    .map(([name, value]) => `        <nvpair id="cib-bootstrap-options-${name}" name="${name}" value="${value}"/>\n`).join('');
  return '  <configuration>\n    <crm_config>\n      <cluster_property_set id="cib-bootstrap-options">\n'
    + `${nvpairs}      </cluster_property_set>\n    </crm_config>\n    <nodes/>\n    <resources/>\n    <constraints/>\n  </configuration>\n`;
}

/** `<nodes>` of cluster members, node ids counted from `idBase`. */
function memberNodes(members: readonly string[], idBase: number): string {
  return `    <nodes>\n${members.map((m, i) => `      <node id="${idBase + i}" uname="${m}"/>\n`).join('')}    </nodes>\n`;
}

/** `<status>` in which every member is in the membership and online. */
function onlineStatus(members: readonly string[], idBase: number): string {
  const states = members.map((m, i) => `    <node_state id="${idBase + i}" uname="${m}" in_ccm="true" crmd="online" join="member" expected="member"/>\n`);
  return `  <status>\n${states.join('')}  </status>\n`;
}

/** Replaces the `<nodes>` element of a rendered configuration. */
function withNodes(configuration: string, nodes: string): string {
  return configuration.replace(/ *<nodes\/>\n| *<nodes>[\s\S]*?<\/nodes>\n/, nodes);
}

/** A CIB with no status section: what a new cluster's first member starts from. */
export function seedCib(properties: Readonly<Record<string, string>>): string {
  return `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">\n${emptyConfiguration(properties)}  <status/>\n</cib>\n`;
}

/**
 * A standalone CIB around `configuration` (its `<nodes>` replaced by the members) in which every member is
 * online and the first one is the DC with quorum; no daemon is needed to verify or simulate it.
 */
export function onlineCib(configuration: string, members: readonly string[], options: { idBase: number; epoch?: number }): string {
  const conf = withNodes(configuration, memberNodes(members, options.idBase));
  return `<cib validate-with="pacemaker-3.9" epoch="${options.epoch ?? 1}" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="${options.idBase}">\n`
    + `${conf}${onlineStatus(members, options.idBase)}</cib>\n`;
}

/**
 * Compares the desired document with the live CIB (the output of one `cibadmin --query`) and, when they differ,
 * builds the `<configuration>` to write: our sections, plus the live sections and properties we do not own
 * (nodes with their attributes such as standby, dc-version, op_defaults, alerts, ...), copied verbatim.
 */
import { XMLParser } from 'fast-xml-parser';
import type { CibDocument, NvPair } from './model.js';
import { escapeXml, PROPERTY_SET_ID, renderConfiguration, renderSections } from './xml.js';

/** Ids of the alerts the charm owns start with this; an operator's alerts must use another id. */
export const ALERT_PREFIX = 'hacluster-ext-';

type XNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', trimValues: true,
  parseAttributeValue: false, parseTagValue: false, processEntities: true,
  // decodes character references (`&#10;`), which libxml2 writes for line breaks and tabs in attribute values
  htmlEntities: true,
});

function tagOf(n: XNode): string {
  return Object.keys(n).find((k) => k !== ':@') ?? '';
}
function kids(n: XNode): XNode[] {
  return (n[tagOf(n)] as XNode[] | undefined) ?? [];
}
function attrsOf(n: XNode): Record<string, string> {
  return (n[':@'] as Record<string, string> | undefined) ?? {};
}
function child(n: XNode | undefined, tag: string): XNode | undefined {
  return n === undefined ? undefined : kids(n).find((k) => tagOf(k) === tag);
}

/** Canonical text: attributes sorted, children in order, whitespace dropped. Equal text ⇔ equal meaning for us. */
export function canonical(n: XNode | undefined): string {
  if (n === undefined) return '';
  const tag = tagOf(n);
  if (tag === '#text') return escapeXml(String(n['#text']));
  const a = Object.entries(attrsOf(n)).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  const inner = kids(n).map(canonical).join('');
  return inner === '' ? `<${tag}${a}/>` : `<${tag}${a}>${inner}</${tag}>`;
}

/** Verbatim (re-serialised) XML of a live element, indented for the configuration we write back. */
function serialise(n: XNode, indent: string): string {
  const tag = tagOf(n);
  if (tag === '#text') return `${indent}${escapeXml(String(n['#text']))}\n`;
  const a = Object.entries(attrsOf(n)).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  const inner = kids(n);
  if (inner.length === 0) return `${indent}<${tag}${a}/>\n`;
  return `${indent}<${tag}${a}>\n${inner.map((k) => serialise(k, `${indent}  `)).join('')}${indent}</${tag}>\n`;
}

function parseOne(xml: string): XNode | undefined {
  const doc = parser.parse(xml) as XNode[];
  return doc.find((n) => !tagOf(n).startsWith('?'));
}

export interface LiveCib {
  readonly configuration: XNode | undefined;
  readonly status: XNode | undefined;
  readonly epoch: string;
}

export function parseLiveCib(xml: string): LiveCib {
  const root = parseOne(xml);
  if (root === undefined || tagOf(root) !== 'cib') throw new Error('cibadmin --query did not return a <cib> document');
  return {
    configuration: child(root, 'configuration'), status: child(root, 'status'),
    epoch: `${attrsOf(root).admin_epoch ?? '0'}.${attrsOf(root).epoch ?? '0'}`,
  };
}

/**
 * Remote nodes pacemaker still remembers (status node_state or a nodes entry) although neither the desired nor the
 * live configuration has their connection resource, and no member has history of that connection any more: a
 * departed remote whose connection has been stopped and forgotten. Pacemaker only ignores them ("no longer in the
 * configuration"); `crm_node --force --remove` purges them.
 */
function staleRemotes(live: LiveCib, desiredRemotes: ReadonlySet<string>): string[] {
  const configured = new Set<string>();
  const visit = (n: XNode): void => {
    if (tagOf(n) === 'primitive' && attrsOf(n).type === 'remote' && attrsOf(n).provider === 'pacemaker') configured.add(attrsOf(n).id ?? '');
    kids(n).forEach(visit);
  };
  const resources = child(live.configuration, 'resources');
  if (resources) visit(resources);
  const remembered = new Set<string>();
  for (const n of kids(live.status ?? { status: [] })) {
    if (tagOf(n) !== 'node_state') continue;
    const { id = '', uname = id, remote_node: remote } = attrsOf(n);
    // Corosync members are recorded under their numeric node id; a remote under its name. The controller can write
    // a remote's state back without remote_node="true" after a purge, and the scheduler then warns about it.
    if (remote === 'true' || (id !== '' && !/^\d+$/.test(id))) remembered.add(uname);
  }
  for (const n of kids(child(live.configuration, 'nodes') ?? { nodes: [] })) {
    if (tagOf(n) === 'node' && attrsOf(n).type === 'remote') remembered.add(attrsOf(n).uname ?? attrsOf(n).id ?? '');
  }
  // While any member still has history of the connection (its stop is not recorded yet, or the orphan's history
  // is not yet cleared), purging the node makes the scheduler see a connection to an unknown node and fence it.
  const connectionHistory = new Set<string>();
  const history = (n: XNode): void => {
    if (tagOf(n) === 'lrm_resource') connectionHistory.add(attrsOf(n).id ?? '');
    else kids(n).forEach(history);
  };
  if (live.status) history(live.status);
  return [...remembered]
    .filter((name) => name !== '' && !configured.has(name) && !desiredRemotes.has(name) && !connectionHistory.has(name))
    .sort();
}

function liveProperties(configuration: XNode | undefined): NvPair[] {
  const set = kids(child(configuration, 'crm_config') ?? { crm_config: [] })
    .find((k) => tagOf(k) === 'cluster_property_set' && attrsOf(k).id === PROPERTY_SET_ID);
  if (set === undefined) return [];
  return kids(set).filter((k) => tagOf(k) === 'nvpair').map((k) => ({ name: attrsOf(k).name ?? '', value: attrsOf(k).value ?? '' }));
}

const OWNED = new Set(['crm_config', 'rsc_defaults', 'nodes', 'resources', 'constraints', 'alerts']);

export interface CibComparison {
  /** Names of the parts that differ (`properties`, `rsc_defaults`, `resources`, `constraints`); empty ⇒ no write. */
  readonly changed: readonly string[];
  /** The `<configuration>` element to replace the live one with (only meaningful when something changed). */
  readonly configuration: string;
  /** Departed remote nodes whose connection is already gone from the live configuration: purge them. */
  readonly staleRemotes: readonly string[];
}

function remoteIds(doc: CibDocument): Set<string> {
  return new Set(doc.resources.filter((r) => r.kind === 'primitive' && r.provider === 'pacemaker' && r.type === 'remote').map((r) => r.id));
}

export function compareWithLive(doc: CibDocument, liveXml: string): CibComparison {
  const live = parseLiveCib(liveXml);
  const conf = live.configuration;
  const desired = renderSections(doc);
  const changed: string[] = [];

  const current = new Map(liveProperties(conf).map((p) => [p.name, p.value]));
  if (doc.properties.some((p) => current.get(p.name) !== p.value)) changed.push('properties');
  for (const section of ['rsc_defaults', 'resources', 'constraints'] as const) {
    const key = section === 'rsc_defaults' ? 'rscDefaults' : section;
    const want = canonical(parseOne(desired[key]));
    const have = canonical(child(conf, section) ?? { [section]: [] });
    if (want !== have) changed.push(section);
  }

  // Alerts: ours by id; any other alert (added by hand) is kept as it is.
  const ourAlerts = new Set(doc.alerts.map((a) => a.id));
  const liveAlerts = kids(child(conf, 'alerts') ?? { alerts: [] }).filter((k) => tagOf(k) === 'alert');
  const liveOurs = liveAlerts.filter((k) => ourAlerts.has(attrsOf(k).id ?? '') || attrsOf(k).id?.startsWith(ALERT_PREFIX));
  const wantAlerts = desired.alerts === '' ? '' : canonical(parseOne(`<alerts>${desired.alerts}</alerts>`));
  const haveAlerts = liveOurs.length === 0 ? '' : canonical({ alerts: liveOurs });
  if (wantAlerts !== haveAlerts) changed.push('alerts');

  const nodes = child(conf, 'nodes');
  const other = kids(conf ?? { configuration: [] }).filter((k) => !OWNED.has(tagOf(k)));
  const otherSets = kids(child(conf, 'crm_config') ?? { crm_config: [] }).filter((k) => attrsOf(k).id !== PROPERTY_SET_ID);
  let configuration = renderConfiguration(doc, {
    properties: liveProperties(conf),
    nodes: nodes ? serialise(nodes, '    ') : undefined,
    other: other.map((k) => serialise(k, '    ')).join(''),
    alerts: liveAlerts.filter((k) => !liveOurs.includes(k)).map((k) => serialise(k, '      ')).join(''),
  });
  if (otherSets.length > 0) {
    // Property sets other than ours (rare: written by hand) are kept after ours.
    configuration = configuration.replace('    </crm_config>\n', `${otherSets.map((k) => serialise(k, '      ')).join('')}    </crm_config>\n`);
  }
  return { changed, configuration, staleRemotes: staleRemotes(live, remoteIds(doc)) };
}

/**
 * Deterministic XML for the sections of the CIB the charm owns. The same model always yields the same bytes, so
 * comparing against the live CIB (after canonicalisation, see live.ts) tells whether a write is needed.
 */
import type { Alert, CibDocument, Constraint, NvPair, Operation, Primitive, TopResource } from './model.js';

/** Characters XML 1.0 cannot carry at all, not even as a character reference (controls, lone surrogates, U+FFFE/F). */
export const NOT_XML = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const NOT_XML_ALL = new RegExp(NOT_XML.source, 'gu');

/**
 * Text safe inside an attribute value or an element: markup characters become references, and so do tab and line
 * breaks (a parser would otherwise normalise them to spaces in an attribute). Values holding characters XML cannot
 * carry are refused by validateDocument before anything is written; here they become U+FFFD, so even a caller
 * that skipped validation cannot produce a document that is not well-formed.
 */
export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML_ALL, '\ufffd')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

/** Characters an XML id may not contain become `_`. */
export function idPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function attrs(pairs: readonly (readonly [string, string | undefined])[]): string {
  return pairs.filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}="${escapeXml(v as string)}"`).join('');
}

function nvset(tag: string, owner: string, pairs: readonly NvPair[], indent: string, setId = `${owner}-${tag}`): string {
  if (pairs.length === 0) return '';
  const id = setId;
  const sorted = [...pairs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines = sorted.map((p) => `${indent}  <nvpair${attrs([['id', `${id}-${idPart(p.name)}`], ['name', p.name], ['value', p.value]])}/>`);
  return `${indent}<${tag} id="${escapeXml(id)}">\n${lines.join('\n')}\n${indent}</${tag}>\n`;
}

/** Op attributes pacemaker's schema knows; `depth` is crm shell's spelling of OCF_CHECK_LEVEL. */
export const OP_ATTRIBUTES = new Set(['timeout', 'start-delay', 'interval-origin', 'role', 'requires', 'on-fail', 'enabled', 'record-pending', 'description']);

function op(owner: string, o: Operation, indent: string): string {
  const id = `${owner}-${idPart(o.name)}-${idPart(o.interval)}`;
  const known = o.attributes.filter((a) => OP_ATTRIBUTES.has(a.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
  const depth = o.attributes.find((a) => a.name === 'depth');
  const head = `${indent}<op${attrs([['id', id], ['name', o.name], ['interval', o.interval], ...known.map((a) => [a.name, a.value] as const)])}`;
  if (!depth) return `${head}/>\n`;
  return `${head}>\n${nvset('instance_attributes', id, [{ name: 'OCF_CHECK_LEVEL', value: depth.value }], `${indent}  `)}${indent}</op>\n`;
}

function primitive(p: Primitive, indent: string): string {
  let body = nvset('instance_attributes', p.id, p.params, `${indent}  `) + nvset('meta_attributes', p.id, p.meta, `${indent}  `);
  if (p.ops.length > 0) {
    const ops = [...p.ops].sort((a, b) => (`${a.name}/${a.interval}` < `${b.name}/${b.interval}` ? -1 : 1));
    body += `${indent}  <operations>\n${ops.map((o) => op(p.id, o, `${indent}    `)).join('')}${indent}  </operations>\n`;
  }
  const open = `${indent}<primitive${attrs([['id', p.id], ['class', p.class], ['provider', p.provider], ['type', p.type]])}`;
  return body === '' ? `${open}/>\n` : `${open}>\n${body}${indent}</primitive>\n`;
}

function resource(r: TopResource, indent: string): string {
  if (r.kind === 'primitive') return primitive(r, indent);
  if (r.kind === 'group') {
    return `${indent}<group id="${escapeXml(r.id)}">\n${nvset('meta_attributes', r.id, r.meta, `${indent}  `)}${r.members.map((m) => primitive(m, `${indent}  `)).join('')}${indent}</group>\n`;
  }
  return `${indent}<clone id="${escapeXml(r.id)}">\n${nvset('meta_attributes', r.id, r.meta, `${indent}  `)}${resource(r.child, `${indent}  `)}${indent}</clone>\n`;
}

function constraint(c: Constraint, indent: string): string {
  if (c.kind === 'colocation') {
    return `${indent}<rsc_colocation${attrs([['id', c.id], ['score', c.score], ['rsc', c.rsc], ['rsc-role', c.rscRole], ['with-rsc', c.withRsc], ['with-rsc-role', c.withRscRole], ['node-attribute', c.nodeAttribute]])}/>\n`;
  }
  if (c.kind === 'order') {
    return `${indent}<rsc_order${attrs([['id', c.id], ['first', c.first], ['first-action', c.firstAction], ['then', c.then], ['then-action', c.thenAction], ['score', c.score], ['kind', c.orderKind], ['symmetrical', c.symmetrical === undefined ? undefined : String(c.symmetrical)]])}/>\n`;
  }
  if (c.rule === undefined) {
    return `${indent}<rsc_location${attrs([['id', c.id], ['rsc', c.rsc], ['role', c.role], ['node', c.node], ['score', c.score]])}/>\n`;
  }
  const ruleId = `${c.id}-rule`;
  const exprs = c.rule.expressions.map((e, i) => `${indent}    <expression${attrs([['id', `${ruleId}-expression-${i}`], ['attribute', e.attribute], ['operation', e.operation], ['value', e.value]])}/>\n`).join('');
  return `${indent}<rsc_location${attrs([['id', c.id], ['rsc', c.rsc]])}>\n${indent}  <rule${attrs([['id', ruleId], ['score', c.rule.score], ['boolean-op', c.rule.booleanOp], ['role', c.rule.role]])}>\n${exprs}${indent}  </rule>\n${indent}</rsc_location>\n`;
}

export function renderAlert(a: Alert, indent: string): string {
  const select = a.select.length === 0 ? ''
    : `${indent}  <select>\n${[...a.select].sort().map((k) => `${indent}    <select_${k}/>\n`).join('')}${indent}  </select>\n`;
  return `${indent}<alert${attrs([['id', a.id], ['path', a.path]])}>\n${select}${nvset('meta_attributes', a.id, a.meta, `${indent}  `)}`
    + `${indent}  <recipient${attrs([['id', `${a.id}-recipient`], ['value', a.recipient]])}/>\n${indent}</alert>\n`;
}

export interface RenderedSections {
  /** nvpairs for cib-bootstrap-options (without the surrounding set). */
  readonly properties: readonly NvPair[];
  readonly rscDefaults: string;
  readonly resources: string;
  readonly constraints: string;
  /** Our `<alert>` elements (without the surrounding `<alerts>`). */
  readonly alerts: string;
}

export const PROPERTY_SET_ID = 'cib-bootstrap-options';

export function renderSections(doc: CibDocument, indent = '    '): RenderedSections {
  return {
    properties: doc.properties,
    rscDefaults: `${indent}<rsc_defaults>\n${nvset('meta_attributes', 'rsc-options', doc.rscDefaults, `${indent}  `, 'rsc-options')}${indent}</rsc_defaults>\n`,
    resources: `${indent}<resources>\n${doc.resources.map((r) => resource(r, `${indent}  `)).join('')}${indent}</resources>\n`,
    constraints: `${indent}<constraints>\n${doc.constraints.map((c) => constraint(c, `${indent}  `)).join('')}${indent}</constraints>\n`,
    alerts: [...doc.alerts].sort((a, b) => (a.id < b.id ? -1 : 1)).map((a) => renderAlert(a, `${indent}  `)).join(''),
  };
}

export function renderPropertySet(pairs: readonly NvPair[], indent: string): string {
  return nvset('cluster_property_set', PROPERTY_SET_ID, pairs, indent, PROPERTY_SET_ID);
}

/**
 * A full `<configuration>`: our sections, the properties merged with `keptProperties` (live ones we do not manage,
 * e.g. dc-version), verbatim XML of live sections we never own (nodes, op_defaults, ...), and our alerts after the
 * live alerts that are not ours.
 */
export function renderConfiguration(doc: CibDocument, kept: { properties?: readonly NvPair[]; nodes?: string; other?: string; alerts?: string } = {}): string {
  const s = renderSections(doc);
  const alertItems = `${kept.alerts ?? ''}${s.alerts}`;
  const alerts = alertItems === '' ? '' : `    <alerts>\n${alertItems}    </alerts>\n`;
  const ours = new Set(doc.properties.map((p) => p.name));
  const properties = [...doc.properties, ...(kept.properties ?? []).filter((p) => !ours.has(p.name))];
  return `  <configuration>\n    <crm_config>\n${renderPropertySet(properties, '      ')}    </crm_config>\n${s.rscDefaults}${kept.nodes ?? '    <nodes/>\n'}${s.resources}${s.constraints}${alerts}${kept.other ?? ''}  </configuration>\n`;
}

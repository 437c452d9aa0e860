/**
 * Parsers for the crm shell fragments principals send on the `ha` relation (json_resource_params, json_groups,
 * json_clones, json_ms, json_colocations, json_orders, json_locations). Each returns a typed value or throws a
 * `CrmSyntaxError` naming what was expected; callers attach the relation path.
 */
import { shown, type Colocation, type Location, type LocationRule, type NvPair, type Operation, type Order, type RuleExpression } from './model.js';

export class CrmSyntaxError extends Error {}

/** Splits on blanks, keeping quoted runs ("a b" / 'a b') inside one token, without the quotes. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quote: string | null = null;
  let inToken = false;
  for (const ch of text) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inToken = true;
    } else if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += ch;
      inToken = true;
    }
  }
  if (quote !== null) throw new CrmSyntaxError(`unterminated ${quote} quote`);
  if (inToken) tokens.push(current);
  return tokens;
}

function pair(token: string): NvPair {
  const at = token.indexOf('=');
  if (at <= 0) throw new CrmSyntaxError(`expected name=value, got ${shown(token)}`);
  return { name: token.slice(0, at), value: token.slice(at + 1) };
}

/** `inf`, `+inf`, `-inf`, `INFINITY`, integers → pacemaker score text. */
export function normalizeScore(text: string): string {
  const t = text.trim();
  if (/^\+?(inf|infinity)$/i.test(t)) return 'INFINITY';
  if (/^-(inf|infinity)$/i.test(t)) return '-INFINITY';
  if (/^[+-]?\d+$/.test(t)) return String(Number.parseInt(t, 10));
  throw new CrmSyntaxError(`${shown(text)} is not a score (an integer, inf or -inf)`);
}

const PRIMITIVE_SECTIONS = new Set(['params', 'meta', 'op', 'operations', 'utilization']);

export interface PrimitiveTail {
  readonly params: NvPair[];
  readonly meta: NvPair[];
  readonly ops: Operation[];
}

/** `params a="1" meta b="2" op monitor interval="10s" timeout="20s"` → typed sections. */
export function parsePrimitiveTail(text: string): PrimitiveTail {
  const tokens = tokenize(text);
  const tail: PrimitiveTail = { params: [], meta: [], ops: [] };
  let i = 0;
  while (i < tokens.length) {
    const section = tokens[i++] as string;
    if (!PRIMITIVE_SECTIONS.has(section)) {
      throw new CrmSyntaxError(`unexpected ${shown(section)} (expected params, meta or op)`);
    }
    if (section === 'utilization') throw new CrmSyntaxError('utilization attributes are not supported');
    const start = i;
    if (section === 'op') {
      const name = tokens[i++];
      if (name === undefined || name.includes('=')) throw new CrmSyntaxError('op needs an operation name (monitor, start, stop, ...)');
      const attrs: NvPair[] = [];
      while (i < tokens.length && !PRIMITIVE_SECTIONS.has(tokens[i] as string)) attrs.push(pair(tokens[i++] as string));
      const interval = attrs.find((a) => a.name === 'interval')?.value ?? '0';
      tail.ops.push({ name, interval, attributes: attrs.filter((a) => a.name !== 'interval') });
      continue;
    }
    while (i < tokens.length && !PRIMITIVE_SECTIONS.has(tokens[i] as string)) {
      const token = tokens[i++] as string;
      if (section === 'operations') continue; // `operations $id=...` only names the ops block
      (section === 'params' ? tail.params : tail.meta).push(pair(token));
    }
    if (i === start && section !== 'operations') throw new CrmSyntaxError(`"${section}" without name=value pairs`);
  }
  return tail;
}

/** `res_a res_b [meta k=v ...]` → members and meta. Used by groups, clones and ms. */
export function parseMembersAndMeta(text: string): { members: string[]; meta: NvPair[] } {
  const tokens = tokenize(text);
  const members: string[] = [];
  const meta: NvPair[] = [];
  let i = 0;
  while (i < tokens.length && tokens[i] !== 'meta' && tokens[i] !== 'params') members.push(tokens[i++] as string);
  while (i < tokens.length) {
    const section = tokens[i++];
    if (section === 'params') throw new CrmSyntaxError('instance attributes (params) on a group or clone are not supported; use meta');
    if (section !== 'meta') throw new CrmSyntaxError(`unexpected ${shown(section ?? '')} (expected meta)`);
    while (i < tokens.length && tokens[i] !== 'meta' && tokens[i] !== 'params') meta.push(pair(tokens[i++] as string));
  }
  if (members.length === 0) throw new CrmSyntaxError('no resource named');
  return { members, meta };
}

function splitScore(tokens: string[]): { head: string; rest: string[] } {
  const first = tokens[0];
  if (first === undefined || !first.endsWith(':')) throw new CrmSyntaxError('expected "<score>: ..." at the start');
  return { head: first.slice(0, -1), rest: tokens.slice(1) };
}

function splitRole(token: string): { name: string; role?: string } {
  const at = token.indexOf(':');
  if (at < 0) return { name: token };
  return { name: token.slice(0, at), role: token.slice(at + 1) };
}

/** `inf: res_a res_b [node-attribute=x]` → rsc res_a placed with res_b. */
export function parseColocation(id: string, text: string): Colocation {
  const { head, rest } = splitScore(tokenize(text));
  const attrs = rest.filter((t) => t.includes('='));
  const names = rest.filter((t) => !t.includes('='));
  if (names.length !== 2) throw new CrmSyntaxError(`a colocation needs exactly two resources, got ${names.length}`);
  const a = splitRole(names[0] as string);
  const b = splitRole(names[1] as string);
  let nodeAttribute: string | undefined;
  for (const t of attrs) {
    const p = pair(t);
    if (p.name !== 'node-attribute') throw new CrmSyntaxError(`unknown colocation attribute ${shown(p.name)}`);
    nodeAttribute = p.value;
  }
  return {
    kind: 'colocation', id, rsc: a.name, withRsc: b.name, score: normalizeScore(head),
    ...(a.role ? { rscRole: a.role } : {}), ...(b.role ? { withRscRole: b.role } : {}),
    ...(nodeAttribute ? { nodeAttribute } : {}),
  };
}

const ORDER_KINDS = new Set(['Mandatory', 'Optional', 'Serialize']);

/** `inf: first[:action] then[:action] [symmetrical=false]` or `Mandatory: a b`. */
export function parseOrder(id: string, text: string): Order {
  const { head, rest } = splitScore(tokenize(text));
  const names = rest.filter((t) => !t.includes('='));
  if (names.length !== 2) throw new CrmSyntaxError(`an order needs exactly two resources, got ${names.length}`);
  let symmetrical: boolean | undefined;
  for (const t of rest.filter((x) => x.includes('='))) {
    const p = pair(t);
    if (p.name !== 'symmetrical' || !/^(true|false)$/.test(p.value)) throw new CrmSyntaxError(`unknown order attribute ${shown(t)}`);
    symmetrical = p.value === 'true';
  }
  const first = splitRole(names[0] as string);
  const then = splitRole(names[1] as string);
  const byKind = ORDER_KINDS.has(head);
  return {
    kind: 'order', id, first: first.name, then: then.name,
    ...(first.role ? { firstAction: first.role } : {}), ...(then.role ? { thenAction: then.role } : {}),
    ...(byKind ? { orderKind: head } : { score: normalizeScore(head) }),
    ...(symmetrical === undefined ? {} : { symmetrical }),
  };
}

const RULE_OPS = new Set(['lt', 'gt', 'lte', 'gte', 'eq', 'ne']);

function parseRule(tokens: string[]): LocationRule {
  let role: string | undefined;
  let i = 0;
  while (tokens[i] !== undefined && /^\$?(role|id)=/.test(tokens[i] as string)) {
    const p = pair((tokens[i++] as string).replace(/^\$/, ''));
    if (p.name === 'role') role = p.value;
  }
  const { head, rest } = splitScore(tokens.slice(i));
  const expressions: RuleExpression[] = [];
  let booleanOp: 'and' | 'or' | undefined;
  let j = 0;
  while (j < rest.length) {
    const t = rest[j] as string;
    if (t === 'defined' || t === 'not_defined') {
      const attribute = rest[j + 1];
      if (attribute === undefined) throw new CrmSyntaxError(`${t} needs an attribute name`);
      expressions.push({ attribute, operation: t });
      j += 2;
    } else {
      const [attribute, op, value] = [rest[j], rest[j + 1], rest[j + 2]];
      if (attribute === undefined || op === undefined || value === undefined || !RULE_OPS.has(op)) {
        throw new CrmSyntaxError(`expected "<attribute> <lt|gt|lte|gte|eq|ne> <value>" in rule, got ${shown(rest.slice(j).join(' '))}`);
      }
      expressions.push({ attribute, operation: op, value });
      j += 3;
    }
    if (j < rest.length) {
      const joiner = rest[j++];
      if (joiner !== 'and' && joiner !== 'or') throw new CrmSyntaxError(`expected "and" or "or" between rule expressions, got ${shown(joiner ?? '')}`);
      if (booleanOp !== undefined && booleanOp !== joiner) throw new CrmSyntaxError('mixing "and" and "or" in one rule is not supported');
      booleanOp = joiner;
    }
  }
  if (expressions.length === 0) throw new CrmSyntaxError('empty rule');
  return { score: normalizeScore(head), booleanOp: booleanOp ?? 'and', expressions, ...(role ? { role } : {}) };
}

/** `res 100: node` or `res rule [$role=Started] -inf: pingd lte 0`. */
export function parseLocation(id: string, text: string): Location {
  const tokens = tokenize(text);
  const rscToken = tokens[0];
  if (rscToken === undefined) throw new CrmSyntaxError('a location needs a resource');
  const rsc = splitRole(rscToken);
  if (tokens[1] === 'rule') return { kind: 'location', id, rsc: rsc.name, rule: parseRule(tokens.slice(2)) };
  const { head, rest } = splitScore(tokens.slice(1));
  if (rest.length !== 1) throw new CrmSyntaxError('expected "<resource> <score>: <node>" or "<resource> rule <score>: <expression>"');
  return { kind: 'location', id, rsc: rsc.name, node: rest[0] as string, score: normalizeScore(head), ...(rsc.role ? { role: rsc.role } : {}) };
}

/** `ocf:heartbeat:IPaddr2`, `lsb:haproxy`, `systemd:foo`, `stonith:null` → class/provider/type. */
export function parseAgent(text: string): { class: string; provider?: string; type: string } {
  const parts = text.trim().split(':');
  if (parts[0] === 'ocf') {
    if (parts.length !== 3 || !parts[1] || !parts[2]) throw new CrmSyntaxError(`${shown(text)}: an OCF agent is ocf:<provider>:<type>`);
    return { class: 'ocf', provider: parts[1], type: parts[2] };
  }
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new CrmSyntaxError(`${shown(text)} is not an agent (ocf:<provider>:<type>, lsb:<name>, systemd:<name>, service:<name>, stonith:<type>)`);
  }
  if (!['lsb', 'systemd', 'service', 'stonith', 'upstart', 'nagios'].includes(parts[0])) {
    throw new CrmSyntaxError(`${shown(text)}: unknown resource class`);
  }
  return { class: parts[0], type: parts[1] };
}

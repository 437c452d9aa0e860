/**
 * The principal's resources from the `ha` relation (json_* keys, falling back to the legacy un-prefixed keys),
 * parsed into typed pacemaker objects. Every problem is collected with the relation key it came from.
 */
import { CrmSyntaxError, parseAgent, parseColocation, parseLocation, parseMembersAndMeta, parseOrder, parsePrimitiveTail } from './crm-syntax.js';
import type { CibError, Colocation, Location, NvPair, Order, Primitive } from './model.js';

export interface PrincipalGroup {
  readonly id: string;
  readonly members: readonly string[];
  readonly meta: readonly NvPair[];
}

export interface PrincipalClone {
  readonly id: string;
  readonly child: string;
  readonly meta: readonly NvPair[];
  readonly promotable: boolean;
}

export interface PrincipalResources {
  readonly primitives: readonly Primitive[];
  readonly groups: readonly PrincipalGroup[];
  readonly clones: readonly PrincipalClone[];
  readonly constraints: readonly (Location | Colocation | Order)[];
  readonly initServices: readonly string[];
  readonly deleteResources: readonly string[];
}

export const EMPTY_PRINCIPAL: PrincipalResources = {
  primitives: [], groups: [], clones: [], constraints: [], initServices: [], deleteResources: [],
};

type Raw = Readonly<Record<string, string | undefined>>;

const PACEMAKER_ID = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** json_<key> wins; the bare <key> is the legacy spelling. Empty values count as absent. */
function readValue(raw: Raw, key: string, errors: CibError[]): unknown {
  for (const name of [`json_${key}`, key]) {
    const text = raw[name];
    if (text === undefined || text.trim() === '') continue;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      errors.push({ path: `ha.${name}`, message: 'is not valid JSON' });
      return undefined;
    }
  }
  return undefined;
}

function readObject(raw: Raw, key: string, errors: CibError[]): [string, string][] {
  const value = readValue(raw, key, errors);
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) {
    errors.push({ path: `ha.json_${key}`, message: 'must be a JSON object of name → text' });
    return [];
  }
  const entries: [string, string][] = [];
  for (const [i, [name, text]] of Object.entries(value as Record<string, unknown>).entries()) {
    // Names become pacemaker ids and the paths of messages: anything else is refused here, and never shown.
    if (!PACEMAKER_ID.test(name)) errors.push({ path: `ha.json_${key}`, message: `entry ${i + 1}: the name must be a pacemaker id (letters, digits, _ . -, at most 64, not starting with a digit)` });
    else if (typeof text !== 'string') errors.push({ path: `ha.json_${key}.${name}`, message: 'must be a string' });
    else entries.push([name, text]);
  }
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function readList(raw: Raw, key: string, errors: CibError[]): string[] {
  const value = readValue(raw, key, errors);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    errors.push({ path: `ha.json_${key}`, message: 'must be a JSON array of strings' });
    return [];
  }
  return [...new Set(value as string[])].sort();
}

function attempt<T>(path: string, errors: CibError[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof CrmSyntaxError)) throw error;
    errors.push({ path, message: error.message });
    return undefined;
  }
}

/** Parses the principal's relation data. Unknown references are checked later, on the whole document. */
export function parsePrincipal(raw: Raw): { resources: PrincipalResources; errors: CibError[] } {
  const errors: CibError[] = [];
  const params = new Map(readObject(raw, 'resource_params', errors));
  const primitives: Primitive[] = [];
  for (const [id, agentText] of readObject(raw, 'resources', errors)) {
    const agent = attempt(`ha.json_resources.${id}`, errors, () => parseAgent(agentText));
    const tail = attempt(`ha.json_resource_params.${id}`, errors, () => parsePrimitiveTail(params.get(id) ?? ''));
    if (agent && tail) primitives.push({ kind: 'primitive', id, ...agent, ...tail });
  }
  for (const id of params.keys()) {
    if (!primitives.some((p) => p.id === id) && !errors.some((e) => e.path.endsWith(`.${id}`))) {
      errors.push({ path: `ha.json_resource_params.${id}`, message: 'has no entry in json_resources' });
    }
  }
  const groups: PrincipalGroup[] = [];
  for (const [id, text] of readObject(raw, 'groups', errors)) {
    const parsed = attempt(`ha.json_groups.${id}`, errors, () => parseMembersAndMeta(text));
    if (parsed) groups.push({ id, ...parsed });
  }
  const clones: PrincipalClone[] = [];
  for (const [key, promotable] of [['clones', false], ['ms', true]] as const) {
    for (const [id, text] of readObject(raw, key, errors)) {
      const parsed = attempt(`ha.json_${key}.${id}`, errors, () => parseMembersAndMeta(text));
      if (!parsed) continue;
      if (parsed.members.length !== 1) {
        errors.push({ path: `ha.json_${key}.${id}`, message: `clones one resource or group, got ${parsed.members.length}` });
        continue;
      }
      clones.push({ id, child: parsed.members[0] as string, meta: parsed.meta, promotable });
    }
  }
  const constraints: (Location | Colocation | Order)[] = [];
  for (const [id, text] of readObject(raw, 'colocations', errors)) {
    const c = attempt(`ha.json_colocations.${id}`, errors, () => parseColocation(id, text));
    if (c) constraints.push(c);
  }
  for (const [id, text] of readObject(raw, 'orders', errors)) {
    const o = attempt(`ha.json_orders.${id}`, errors, () => parseOrder(id, text));
    if (o) constraints.push(o);
  }
  for (const [id, text] of readObject(raw, 'locations', errors)) {
    const l = attempt(`ha.json_locations.${id}`, errors, () => parseLocation(id, text));
    if (l) constraints.push(l);
  }
  const initServices = readList(raw, 'init_services', errors);
  const deleteResources = readList(raw, 'delete_resources', errors);
  return { resources: { primitives, groups, clones, constraints, initServices, deleteResources }, errors };
}

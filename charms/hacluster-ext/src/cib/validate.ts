/**
 * Whole-document checks, every problem collected with its path: ids, references, and — in an opt-in cluster —
 * that every resource (including remote connections and STONITH devices) may run on at least one member, the
 * case that otherwise gets healthy remotes fenced (pacemaker's crm_verify exits 78 on it).
 */
import { pathPart, shown, type CibDocument, type CibError, type Primitive, type TopResource } from './model.js';
import { NOT_XML, OP_ATTRIBUTES } from './xml.js';

export interface ValidationContext {
  readonly members: readonly string[];
  readonly remotes: readonly string[];
  readonly optIn: boolean;
}

/** XML ID as pacemaker's schema accepts it (NCName, ASCII subset). */
const XML_ID = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function children(r: TopResource): Primitive[] {
  if (r.kind === 'primitive') return [r];
  if (r.kind === 'group') return [...r.members];
  return r.child.kind === 'primitive' ? [r.child] : [...r.child.members];
}

function scoreAllows(score: string | undefined): boolean {
  return score !== undefined && score !== '-INFINITY' && !score.startsWith('-');
}

/** Every string of the document that XML cannot carry, with its path (the value itself never shown). */
function unrepresentable(value: unknown, path: string, errors: CibError[]): void {
  if (typeof value === 'string') {
    if (NOT_XML.test(value)) errors.push({ path, message: 'holds control characters, which the CIB cannot carry' });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => unrepresentable(v, `${path}[${i}]`, errors));
  } else if (typeof value === 'object' && value !== null) {
    const named = (value as { id?: unknown; name?: unknown });
    const label = typeof named.id === 'string' ? named.id : typeof named.name === 'string' ? named.name : '';
    for (const [k, v] of Object.entries(value)) unrepresentable(v, label && k !== 'id' && k !== 'name' ? `${path}.${pathPart(label)}.${k}` : `${path}.${k}`, errors);
  }
}

export function validateDocument(doc: CibDocument, ctx: ValidationContext): CibError[] {
  const errors: CibError[] = [];
  for (const section of ['properties', 'rscDefaults', 'resources', 'constraints'] as const) unrepresentable(doc[section], section, errors);
  const seen = new Map<string, string>();
  const claim = (id: string, path: string): void => {
    if (!XML_ID.test(id)) errors.push({ path, message: `${shown(id)} is not a valid pacemaker id (letters, digits, _ . -; not starting with a digit)` });
    const earlier = seen.get(id);
    if (earlier !== undefined) errors.push({ path, message: `id ${shown(id)} is also used at ${earlier}` });
    else seen.set(id, path);
  };

  const topIds = new Set<string>();
  const allIds = new Set<string>();
  for (const r of doc.resources) {
    claim(r.id, `resources.${pathPart(r.id)}`);
    topIds.add(r.id);
    allIds.add(r.id);
    if (r.kind === 'clone' && r.child.kind === 'group') {
      claim(r.child.id, `resources.${pathPart(r.id)}.${pathPart(r.child.id)}`);
      allIds.add(r.child.id);
    }
    for (const p of children(r)) {
      if (p.id !== r.id) {
        claim(p.id, `resources.${pathPart(r.id)}.${pathPart(p.id)}`);
        allIds.add(p.id);
      }
      const names = new Set<string>();
      for (const pair of p.params) {
        if (names.has(pair.name)) errors.push({ path: `resources.${pathPart(p.id)}.params.${pathPart(pair.name)}`, message: 'given twice' });
        names.add(pair.name);
      }
      for (const o of p.ops) {
        for (const a of o.attributes) {
          if (!OP_ATTRIBUTES.has(a.name) && a.name !== 'depth') errors.push({ path: `resources.${pathPart(p.id)}.op.${pathPart(o.name)}.${pathPart(a.name)}`, message: `unknown operation attribute (accepted: interval, depth, ${[...OP_ATTRIBUTES].join(', ')})` });
        }
      }
      if (p.ops.some((o) => o.name === 'monitor' && (o.interval === '0' || o.interval === ''))) {
        errors.push({ path: `resources.${pathPart(p.id)}.op.monitor`, message: 'a monitor operation needs a non-zero interval' });
      }
    }
  }
  for (const node of [...ctx.members, ...ctx.remotes]) {
    if (!XML_ID.test(node)) errors.push({ path: `nodes.${pathPart(node)}`, message: `${shown(node)} cannot be a pacemaker node/resource name` });
  }
  const remoteIds = new Set(ctx.remotes);
  const nodes = new Set([...ctx.members, ...ctx.remotes]);

  const covered = new Set<string>();
  for (const c of doc.constraints) {
    const path = `constraints.${pathPart(c.id)}`;
    claim(c.id, path);
    const refs = c.kind === 'location' ? [['rsc', c.rsc]] : c.kind === 'colocation' ? [['rsc', c.rsc], ['with-rsc', c.withRsc]] : [['first', c.first], ['then', c.then]];
    for (const [field, ref] of refs as [string, string][]) {
      if (!allIds.has(ref)) errors.push({ path: `${path}.${field}`, message: `resource ${shown(ref)} is not defined` });
    }
    if (c.kind === 'location' && c.node !== undefined) {
      if (!nodes.has(c.node)) errors.push({ path: `${path}.node`, message: `${shown(c.node)} is neither a cluster member nor a remote node` });
      if (ctx.members.includes(c.node) && scoreAllows(c.score)) covered.add(c.rsc);
    }
  }

  // Opt-in cluster: anything without a permitting rule on a member can run nowhere; for a remote connection or
  // the fencing device that means the remote is declared lost and fenced.
  if (ctx.optIn) {
    for (const r of doc.resources) {
      if (!covered.has(r.id)) {
        const what = remoteIds.has(r.id) ? 'remote connection' : r.kind === 'primitive' && r.class === 'stonith' ? 'fencing device' : 'resource';
        errors.push({ path: `constraints.loc-${pathPart(r.id)}`, message: `${what} ${shown(r.id)} has no location rule on any cluster member in an opt-in (symmetric-cluster=false) cluster` });
      }
    }
  }
  for (const r of ctx.remotes) {
    if (!topIds.has(r)) errors.push({ path: `resources.${pathPart(r)}`, message: 'remote node has no ocf:pacemaker:remote connection resource' });
  }
  const stonith = doc.properties.find((p) => p.name === 'stonith-enabled')?.value === 'true';
  if (stonith && !doc.resources.some((r) => r.kind === 'primitive' && r.class === 'stonith')) {
    errors.push({ path: 'properties.stonith-enabled', message: 'stonith-enabled=true without a fencing device' });
  }
  return errors;
}

/** Endpoint inference for `integrate a b` and bundle relations, as Juju does it. */
import type { CharmMeta, EndpointMeta } from './metadata.js';

export interface EndpointSpec {
  readonly application: string;
  readonly endpoint?: string;
}

export interface ResolvedEndpoint {
  readonly application: string;
  readonly endpoint: EndpointMeta;
}

/** `app:endpoint` or `app`. */
export function parseEndpointSpec(text: string): EndpointSpec {
  const colon = text.indexOf(':');
  if (colon < 0) return { application: text };
  return { application: text.slice(0, colon), endpoint: text.slice(colon + 1) };
}

function compatible(a: EndpointMeta, b: EndpointMeta): boolean {
  if (a.interface !== b.interface) return false;
  return (a.role === 'provider' && b.role === 'requirer') || (a.role === 'requirer' && b.role === 'provider');
}

/** Returns the one relation between the two specs, or throws naming the candidates and what is accepted. */
export function inferRelation(
  a: EndpointSpec,
  b: EndpointSpec,
  metaOf: (application: string) => CharmMeta,
): [ResolvedEndpoint, ResolvedEndpoint] {
  if (a.application === b.application) {
    throw new Error(`cannot relate application "${a.application}" to itself (peer relations are created automatically)`);
  }
  const endpointsOf = (spec: EndpointSpec): EndpointMeta[] => {
    const meta = metaOf(spec.application);
    const all = Object.values(meta.endpoints).filter((e) => e.role !== 'peer');
    if (spec.endpoint === undefined) return all;
    const ep = meta.endpoints[spec.endpoint];
    if (!ep) {
      throw new Error(`application "${spec.application}" has no endpoint "${spec.endpoint}" (endpoints: ${Object.keys(meta.endpoints).sort().join(', ')})`);
    }
    if (ep.role === 'peer') throw new Error(`endpoint "${spec.application}:${spec.endpoint}" is a peer endpoint; peers relate automatically`);
    return [ep];
  };
  const left = endpointsOf(a);
  const right = endpointsOf(b);
  let candidates: [EndpointMeta, EndpointMeta][] = [];
  for (const l of left) for (const r of right) if (compatible(l, r)) candidates.push([l, r]);
  if (candidates.length > 1) {
    const explicit = candidates.filter(([l, r]) => !l.implicit && !r.implicit);
    if (explicit.length > 0) candidates = explicit;
  }
  const show = (s: EndpointSpec): string => (s.endpoint ? `${s.application}:${s.endpoint}` : s.application);
  if (candidates.length === 0) {
    throw new Error(`no relation is possible between "${show(a)}" and "${show(b)}": no provides/requires endpoints with the same interface`);
  }
  if (candidates.length > 1) {
    const list = candidates.map(([l, r]) => `"${a.application}:${l.name} ${b.application}:${r.name}"`).join(', ');
    throw new Error(`ambiguous relation between "${show(a)}" and "${show(b)}": name the endpoints, one of ${list}`);
  }
  const [l, r] = candidates[0]!;
  return [
    { application: a.application, endpoint: l },
    { application: b.application, endpoint: r },
  ];
}

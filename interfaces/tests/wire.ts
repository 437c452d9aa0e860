/**
 * Both sides of a relation without Juju: each side is the interface's real endpoint class over a relation whose
 * remote units carry what the other side published. A test plays the conversation turn by turn, as the hooks
 * would, and reads the flags the endpoint sets.
 */
import { Relation, type Endpoint, type EndpointClass } from '../../reactive/endpoint.js';
import { FlagStore } from '../../reactive/flags.js';
import { readHookEnvironment } from '../../reactive/hookenv/environment.js';
import type { RelationData } from '../../reactive/hookenv/tools.js';
import { KeyValueStore } from '../../reactive/kv.js';

export interface Side<E extends Endpoint> {
  readonly endpoint: E;
  readonly flags: FlagStore;
  /** What this side has published so far on the relation (its unit bag). */
  published(): Record<string, string>;
}

/**
 * `Class` as `unit` sees it on endpoint `name` (relation `${name}:1`): `remote` maps each remote unit to the bag it
 * published, `own` is what this unit published in earlier hooks.
 */
export function side<C extends EndpointClass>(
  Class: C,
  name: string,
  unit: string,
  remote: Readonly<Record<string, RelationData>>,
  own: RelationData = {},
): Side<InstanceType<C>> {
  const store = new KeyValueStore();
  const flags = new FlagStore(store);
  const env = readHookEnvironment({ JUJU_UNIT_NAME: unit, JUJU_HOOK_NAME: `${name}-relation-changed` }, `${name}-relation-changed`);
  const remoteApp = Object.keys(remote)[0]?.split('/')[0] ?? '';
  const relation = new Relation({ id: `${name}:1`, remoteApp, units: { ...remote } }, { unit: { ...own }, app: {} }, true, new Set(Class.secretKeys));
  const endpoint = new Class(name, [relation], { env, isLeader: true, flags, kv: store, log: () => undefined }) as InstanceType<C>;
  return {
    endpoint,
    flags,
    published: () => relation.toPublishRaw.snapshot(),
  };
}

/** Runs the endpoint's flag management and returns the set flags that are its own. */
export function endpointFlags(s: Side<Endpoint>): string[] {
  s.endpoint.manageFlags();
  return s.flags.all().filter((f) => f.startsWith(`endpoint.${s.endpoint.name}.`)).sort();
}

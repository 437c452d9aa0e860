/**
 * Phase 2 of a hook: the automatic flags (config.*, leadership.*, endpoint.*) from the facts, and the endpoints
 * the handlers see. Flags live in the unit's store, so this phase needs no host and no hook tools.
 */
import type { Charm, EndpointMap } from '../charm.js';
import { endpointsOf, type CharmMeta } from '../charm-meta.js';
import { configFlags } from '../config.js';
import { Endpoint, Relation, type EndpointContext } from '../endpoint.js';
import type { FlagStore } from '../flags.js';
import { parseRelationHook, type HookEnvironment } from '../hookenv/environment.js';
import type { RelationData } from '../hookenv/tools.js';
import type { KeyValueStore } from '../kv.js';
import { undigested, type HookFacts, type Secrets } from './facts.js';

const PUBLISHED_PREFIX = 'reactive.published.';

/** What this unit last published on a relation, kept so that only changes are sent. */
export type PublishedRecord = { unit: Record<string, string>; app: Record<string, string> };

export const publishedKey = (relationId: string): string => `${PUBLISHED_PREFIX}${relationId}`;

export function publishedRelationIds(store: KeyValueStore): string[] {
  return store.keysWithPrefix(PUBLISHED_PREFIX);
}

export function leadershipFlags(flags: FlagStore, isLeader: boolean, leader: RelationData, previous: RelationData | undefined): string[] {
  flags.toggle('leadership.is_leader', isLeader);
  const transient: string[] = [];
  for (const flag of flags.all()) {
    if (flag.startsWith('leadership.set.') && !(flag.slice('leadership.set.'.length) in leader)) flags.clear(flag);
  }
  const keys = new Set([...Object.keys(leader), ...Object.keys(previous ?? {})]);
  for (const key of keys) {
    if (key in leader) flags.set(`leadership.set.${key}`);
    if (previous === undefined || previous[key] !== leader[key]) transient.push(`leadership.changed.${key}`);
  }
  if (transient.length > 0) transient.push('leadership.changed');
  return transient;
}

/** Sets the config.* and leadership.* flags; returns those that describe this hook only (cleared at its end). */
export function automaticFlags(meta: CharmMeta, facts: HookFacts, secrets: Secrets, flags: FlagStore): string[] {
  const transient = configFlags(meta, facts.config, undigested(facts.previous?.config, facts.config, secrets.options));
  if (facts.configErrors.length === 0) transient.push('config.valid');
  for (const flag of transient) flags.set(flag);
  transient.push(...leadershipFlags(flags, facts.isLeader, facts.leader, undigested(facts.previous?.leader, facts.leader, secrets.leader)));
  for (const flag of transient) if (!flag.startsWith('config.')) flags.set(flag);
  return transient;
}

export function endpointFlags(endpoint: Endpoint, env: HookEnvironment, flags: FlagStore, store: KeyValueStore): void {
  const joinedFlag = endpoint.flag('joined');
  const wasJoined = flags.isSet(joinedFlag);
  flags.toggle(joinedFlag, endpoint.isJoined);
  const relationHook = parseRelationHook(env.hookName);
  const ownHook = relationHook !== null && relationHook.endpoint === endpoint.name;
  if (ownHook && relationHook.kind === 'departed') {
    flags.set(endpoint.flag('departed'));
    const key = `reactive.endpoints.departed.${endpoint.name}`;
    const departed = store.get<string[]>(key) ?? [];
    const unit = env.departingUnit || env.remoteUnit;
    if (unit && !departed.includes(unit)) store.set(key, [...departed, unit]);
  } else if (endpoint.isJoined) {
    flags.clear(endpoint.flag('departed'));
  }
  if (ownHook || !wasJoined) {
    for (const unit of endpoint.allJoinedUnits) {
      for (const [key, value] of Object.entries(unit.receivedRaw)) {
        if (store.dataChanged(`endpoint.${endpoint.name}.${unit.relation.id}.${unit.name}.${key}`, value)) {
          flags.set(endpoint.flag('changed'));
          flags.set(endpoint.flag(`changed.${key}`));
        }
      }
    }
  }
}

/** One endpoint object per declared endpoint, over the facts' relations and what was published on them. */
export function buildEndpoints<F extends string, EM extends EndpointMap>(
  charm: Charm<F, EM>,
  meta: CharmMeta,
  facts: HookFacts,
  secrets: Secrets,
  ctx: EndpointContext,
): Map<string, Endpoint> {
  const endpoints = new Map<string, Endpoint>();
  for (const { name } of endpointsOf(meta)) {
    const published = (id: string): PublishedRecord => ctx.kv.get<PublishedRecord>(publishedKey(id)) ?? { unit: {}, app: {} };
    const rels = (facts.relations[name] ?? []).map((snap) => new Relation(snap, published(snap.id), facts.isLeader, secrets.keysOf(name)));
    const Class = charm.endpointClasses[name] ?? Endpoint;
    const endpoint = new Class(name, rels, ctx);
    endpoints.set(name, endpoint);
    endpointFlags(endpoint, ctx.env, ctx.flags, ctx.kv);
  }
  for (const endpoint of endpoints.values()) endpoint.manageFlags();
  return endpoints;
}

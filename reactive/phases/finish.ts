/**
 * The end of a successful hook, as plans computed without the hook tools and small steps that apply them:
 * publish what changed on each relation, send the assessed status when it changed, remember the facts.
 */
import type { UnitStatus } from '../charm.js';
import { invalidConfigStatus } from '../config.js';
import { withSecretsDigested, type Endpoint } from '../endpoint.js';
import type { HookTools } from '../hookenv/tools.js';
import { hashOf, type KeyValueStore } from '../kv.js';
import type { Secrets } from './facts.js';
import { publishedKey, publishedRelationIds, type PublishedRecord } from './flags.js';

const STATUS_KEY = 'reactive.status';

export interface PublishStep {
  readonly relationId: string;
  /** relation-set arguments; empty when nothing changed (null deletes a key). */
  readonly unit: Readonly<Record<string, string | null>>;
  readonly app: Readonly<Record<string, string | null>>;
  /** What is now published, secrets as digests; empty records are not kept. */
  readonly record: PublishedRecord;
}

export function publishPlan(endpoints: Iterable<Endpoint>, secrets: Secrets): PublishStep[] {
  const steps: PublishStep[] = [];
  for (const endpoint of endpoints) {
    const keys = secrets.keysOf(endpoint.name);
    for (const relation of endpoint.relations) {
      steps.push({
        relationId: relation.id,
        unit: relation.toPublishRaw.diff(),
        app: relation.toPublishAppRaw.diff(),
        record: { unit: withSecretsDigested(relation.toPublishRaw.snapshot(), keys), app: withSecretsDigested(relation.toPublishAppRaw.snapshot(), keys) },
      });
    }
  }
  return steps;
}

/**
 * relation-set for each change, and the records kept. With `forgetGone` the records of relations that are gone
 * are dropped (not from a snapshot hook, which did not look at which relations exist).
 */
export async function publish(steps: readonly PublishStep[], tools: Pick<HookTools, 'relationSet'>, store: KeyValueStore, forgetGone: boolean): Promise<void> {
  for (const step of steps) {
    if (Object.keys(step.unit).length > 0) await tools.relationSet(step.relationId, step.unit);
    if (Object.keys(step.app).length > 0) await tools.relationSet(step.relationId, step.app, { app: true });
    if (Object.keys(step.record.unit).length + Object.keys(step.record.app).length > 0) store.set(publishedKey(step.relationId), step.record);
  }
  if (!forgetGone) return;
  const live = new Set(steps.map((s) => s.relationId));
  for (const id of publishedRelationIds(store)) if (!live.has(id)) store.unset(publishedKey(id));
}

/** Invalid options block the unit whatever the charm assesses, naming each option. */
export function finalStatus(assessed: UnitStatus, configErrors: readonly string[]): UnitStatus {
  return configErrors.length > 0 ? { status: 'blocked', message: invalidConfigStatus(configErrors) } : assessed;
}

/** status-set only when the status differs from the one last sent, or a handler sent one of its own meanwhile. */
export async function sendStatus(status: UnitStatus, tools: Pick<HookTools, 'statusSet'>, store: KeyValueStore, setByHandler: boolean): Promise<void> {
  const hash = hashOf(status);
  if (!setByHandler && store.get(STATUS_KEY) === hash) return;
  await tools.statusSet(status.status, status.message);
  store.set(STATUS_KEY, hash);
}

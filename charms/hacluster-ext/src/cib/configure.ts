/**
 * The leader's configuration step: compute the desired CIB, refuse it with every problem listed when invalid,
 * make sure the secrets exist locally, then query/compare/replace (at most two pacemaker CLI invocations).
 */
import type { Host } from '../../../../reactive/host/host.js';
import { applyCib, syncCibSecrets, type ApplyResult } from './apply.js';
import { desiredCib, ST_MAAS, type CibInput, type DesiredCib } from './desired.js';
import { formatErrors } from './model.js';

export class InvalidCib extends Error {
  constructor(readonly desired: DesiredCib) {
    super(`cluster configuration not applied: ${formatErrors(desired.errors)}`);
  }
}

/** Secrets any version of the charm may have written; removed when no longer wanted. */
export const KNOWN_SECRETS = [{ resource: ST_MAAS, parameter: 'apikey' }] as const;

export interface ConfigureResult extends ApplyResult {
  readonly desired: DesiredCib;
}

export async function configureCluster(host: Host, input: CibInput): Promise<ConfigureResult> {
  const desired = desiredCib(input);
  if (desired.errors.length > 0) throw new InvalidCib(desired);
  await syncCibSecrets(host, desired.secrets, KNOWN_SECRETS);
  const result = await applyCib(host, desired.document);
  return { ...result, desired };
}

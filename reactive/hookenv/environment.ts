/** The hook's environment, read once from JUJU_* variables (juju-contract §1.2). */

export interface HookEnvironment {
  readonly unitName: string;
  readonly appName: string;
  readonly charmDir: string;
  /** `install`, `db-relation-changed`, ...; '' in an action. */
  readonly hookName: string;
  readonly actionName: string;
  readonly relationName: string;
  readonly relationId: string;
  readonly remoteUnit: string;
  readonly remoteApp: string;
  readonly departingUnit: string;
  readonly principalUnit: string;
  readonly modelName: string;
  readonly modelUuid: string;
  readonly machineId: string;
}

/** The hook or action name Juju dispatched, from JUJU_DISPATCH_PATH (`hooks/x`, `actions/y`) or argv[0]. */
function dispatched(env: NodeJS.ProcessEnv, argv0: string): { hook: string; action: string } {
  const path = env.JUJU_DISPATCH_PATH || argv0;
  const parts = path.split('/');
  const name = parts[parts.length - 1] ?? '';
  const parent = parts[parts.length - 2] ?? '';
  if (env.JUJU_ACTION_NAME) return { hook: '', action: env.JUJU_ACTION_NAME };
  if (parent === 'actions') return { hook: '', action: name };
  return { hook: env.JUJU_HOOK_NAME || name, action: '' };
}

export function readHookEnvironment(env: NodeJS.ProcessEnv = process.env, argv0 = process.argv[1] ?? ''): HookEnvironment {
  const unitName = env.JUJU_UNIT_NAME ?? '';
  if (!unitName) {
    throw new Error('JUJU_UNIT_NAME is not set: this program is a charm hook and must be run by a Juju unit agent');
  }
  const { hook, action } = dispatched(env, argv0);
  const relationId = env.JUJU_RELATION_ID ?? '';
  return Object.freeze({
    unitName,
    appName: unitName.split('/')[0] ?? '',
    charmDir: env.JUJU_CHARM_DIR || env.CHARM_DIR || process.cwd(),
    hookName: hook,
    actionName: action,
    relationName: env.JUJU_RELATION || (relationId ? (relationId.split(':')[0] ?? '') : ''),
    relationId,
    remoteUnit: env.JUJU_REMOTE_UNIT ?? '',
    remoteApp: env.JUJU_REMOTE_APP || (env.JUJU_REMOTE_UNIT ?? '').split('/')[0] || '',
    departingUnit: env.JUJU_DEPARTING_UNIT ?? '',
    principalUnit: env.JUJU_PRINCIPAL_UNIT ?? '',
    modelName: env.JUJU_MODEL_NAME ?? '',
    modelUuid: env.JUJU_MODEL_UUID ?? '',
    machineId: env.JUJU_MACHINE_ID ?? '',
  });
}

/** Relation hook kinds, parsed from a hook name such as `shared-db-relation-changed`. */
export type RelationHookKind = 'created' | 'joined' | 'changed' | 'departed' | 'broken';

export function parseRelationHook(hookName: string): { endpoint: string; kind: RelationHookKind } | null {
  const match = /^(.+)-relation-(created|joined|changed|departed|broken)$/.exec(hookName);
  return match ? { endpoint: match[1]!, kind: match[2] as RelationHookKind } : null;
}

/**
 * Which hooks and actions a charm can receive, from its metadata.yaml and actions.yaml. Every one of them gets a
 * hooks/ or actions/ link to the dispatch script, for Juju versions that look there instead of at `dispatch`.
 */

/** Hooks every charm may receive (charm-tools' list plus `remove`). */
export const STANDARD_HOOKS = [
  'install',
  'config-changed',
  'start',
  'stop',
  'remove',
  'update-status',
  'upgrade-charm',
  'leader-elected',
  'leader-settings-changed',
  'pre-series-upgrade',
  'post-series-upgrade',
] as const;

export const RELATION_HOOK_SUFFIXES = ['relation-created', 'relation-joined', 'relation-changed', 'relation-departed', 'relation-broken'] as const;
export const STORAGE_HOOK_SUFFIXES = ['storage-attached', 'storage-detaching'] as const;

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

function sectionNames(metadata: Record<string, unknown>, section: string, file: string): string[] {
  const value = metadata[section];
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${file}: '${section}' must be a mapping of names to definitions`);
  }
  const names = Object.keys(value);
  for (const name of names) {
    if (!NAME.test(name)) throw new Error(`${file}: ${section} name '${name}' must be lowercase letters, digits and single hyphens`);
  }
  return names;
}

/** Endpoint names from provides, requires and peers, sorted. */
export function endpointNames(metadata: Record<string, unknown>, file = 'metadata.yaml'): string[] {
  return ['provides', 'requires', 'peers'].flatMap((section) => sectionNames(metadata, section, file)).sort();
}

/** Every hook name the charm can receive, sorted and unique. */
export function hookNames(metadata: Record<string, unknown>, file = 'metadata.yaml'): string[] {
  const hooks = new Set<string>(STANDARD_HOOKS);
  for (const endpoint of endpointNames(metadata, file)) {
    for (const suffix of RELATION_HOOK_SUFFIXES) hooks.add(`${endpoint}-${suffix}`);
  }
  for (const storage of sectionNames(metadata, 'storage', file)) {
    for (const suffix of STORAGE_HOOK_SUFFIXES) hooks.add(`${storage}-${suffix}`);
  }
  return [...hooks].sort();
}

/** Action names from actions.yaml (absent file → none), sorted. */
export function actionNames(actions: unknown, file = 'actions.yaml'): string[] {
  if (actions === undefined || actions === null) return [];
  if (typeof actions !== 'object' || Array.isArray(actions)) throw new Error(`${file}: must be a mapping of action names to definitions`);
  const names = Object.keys(actions);
  for (const name of names) {
    if (!NAME.test(name)) throw new Error(`${file}: action name '${name}' must be lowercase letters, digits and single hyphens`);
  }
  return names.sort();
}

/**
 * Placement directives of bundles and of `deploy --to` / `add-unit --to`:
 * `(<containertype>:)?(<unit>|<machine>|new)`, e.g. `0`, `lxd:1`, `new`, `lxd`, `wordpress/0`, `wordpress`.
 */
export type ContainerType = 'lxd' | 'kvm';

export type Placement =
  | { kind: 'new'; container?: ContainerType }
  | { kind: 'machine'; machine: string; container?: ContainerType }
  | { kind: 'unit'; application: string; unit?: number; container?: ContainerType };

const CONTAINER_TYPES: readonly string[] = ['lxd', 'kvm'];

/** Parses one directive; throws an Error whose message says what is accepted. */
export function parsePlacement(raw: string | number): Placement {
  const text = String(raw).trim();
  const fail = (why: string): never => {
    throw new Error(`invalid placement "${text}": ${why} (accepted: "<machine>", "new", "<app>", "<app>/<n>", each optionally prefixed by "lxd:" or "kvm:", or "lxd" alone)`);
  };
  if (!text) fail('it is empty');
  if (CONTAINER_TYPES.includes(text)) return { kind: 'new', container: text as ContainerType };
  let container: ContainerType | undefined;
  let target = text;
  const colon = text.indexOf(':');
  if (colon >= 0) {
    const prefix = text.slice(0, colon);
    if (!CONTAINER_TYPES.includes(prefix)) fail(`unknown container type "${prefix}"`);
    container = prefix as ContainerType;
    target = text.slice(colon + 1);
  }
  const withContainer = <T extends Placement>(p: T): T => (container ? { ...p, container } : p);
  if (target === 'new') return withContainer({ kind: 'new' });
  if (/^(0|[1-9]\d*)$/.test(target)) return withContainer({ kind: 'machine', machine: target });
  const unit = /^([a-z][a-z0-9-]*)\/(0|[1-9]\d*)$/.exec(target);
  if (unit) return withContainer({ kind: 'unit', application: unit[1]!, unit: Number(unit[2]) });
  if (/^[a-z][a-z0-9-]*$/.test(target)) return withContainer({ kind: 'unit', application: target });
  return fail('not a machine number, "new", an application or a unit');
}

export function formatPlacement(p: Placement): string {
  const prefix = p.container ? `${p.container}:` : '';
  if (p.kind === 'new') return p.container && prefix ? p.container : 'new';
  if (p.kind === 'machine') return `${prefix}${p.machine}`;
  return `${prefix}${p.application}${p.unit === undefined ? '' : `/${p.unit}`}`;
}

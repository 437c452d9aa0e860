import { execFileSync } from 'node:child_process';

/** Numeric uid (or gid) of a system account created by the packages. */
export function uidOf(name: string, kind: 'user' | 'group' = 'user'): number {
  const out = execFileSync('getent', [kind === 'user' ? 'passwd' : 'group', name], { encoding: 'utf8' });
  const field = out.split(':')[2];
  if (field === undefined) throw new Error(`no ${kind} ${name}`);
  return Number(field);
}

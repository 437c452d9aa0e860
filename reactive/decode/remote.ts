/**
 * Relation data from several remote units at once: which units answered completely, and which sent values that
 * break a rule (named by relation, unit and key, never by value). A unit that has not answered yet is neither:
 * its keys are missing, which is waiting, not an error.
 */
import { boundedStatus, describeProblems, type BagResult, type Problem } from './fields.js';

export interface UnitProblems {
  /** `shared-db:3` */
  readonly relation: string;
  /** `mysql-router/0` */
  readonly unit: string;
  readonly invalid: readonly Problem[];
}

export interface RemoteUnit {
  readonly name: string;
  readonly relation: { readonly id: string };
}

export interface UnitsDecoded<T> {
  /** Units whose data decoded completely, in the order given. */
  readonly complete: readonly { readonly unit: string; readonly relation: string; readonly value: T }[];
  /** Units with at least one invalid value. */
  readonly invalid: readonly UnitProblems[];
}

export function decodeUnits<U extends RemoteUnit, T>(units: readonly U[], decode: (unit: U) => BagResult<T>): UnitsDecoded<T> {
  const complete: { unit: string; relation: string; value: T }[] = [];
  const invalid: UnitProblems[] = [];
  for (const unit of units) {
    const result = decode(unit);
    if (result.ok) complete.push({ unit: unit.name, relation: unit.relation.id, value: result.value });
    else if (result.invalid.length > 0) invalid.push({ relation: unit.relation.id, unit: unit.name, invalid: result.invalid });
  }
  return { complete, invalid };
}

/** `relation shared-db:3 (mysql-router/0): db_host must be ...`, every unit's problems, bounded. */
export function describeUnitProblems(problems: readonly UnitProblems[]): string {
  const parts = problems.map((p) => describeProblems(`relation ${p.relation} (${p.unit})`, p.invalid));
  return boundedStatus(parts.join('; '));
}

/** A bag with the placeholders classic charms write for "no value" (`__null__`, `None`) taken out. */
export function withoutPlaceholders(raw: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    const t = value.trim();
    if (t !== '__null__' && t !== 'None') out[key] = value;
  }
  return out;
}

/**
 * JSON schemas of a bundle document and of an overlay document (juju-contract §5.4/5.5), and the translation of
 * ajv's errors into messages that name the path and the accepted values.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { describeValue, joinPath, type BundleProblem } from './errors.js';

const stringMap = { type: 'object', additionalProperties: { type: ['string', 'null'] } };
const anyMap = { type: ['object', 'null'] };

const applicationProperties = {
  charm: { type: 'string', minLength: 1 },
  channel: { type: 'string' },
  revision: { type: 'integer' },
  series: { type: 'string' },
  base: { type: 'string' },
  num_units: { type: 'integer', minimum: 0 },
  scale: { type: 'integer', minimum: 0 },
  to: { type: 'array', items: { type: ['string', 'integer'] } },
  expose: { type: 'boolean' },
  options: anyMap,
  annotations: anyMap,
  constraints: { type: 'string' },
  storage: anyMap,
  devices: anyMap,
  bindings: { ...stringMap, type: ['object', 'null'] },
  resources: anyMap,
  plan: { type: 'string' },
  trust: { type: 'boolean' },
  requires: anyMap,
};
const overlayOnlyApplicationKeys = ['offers', 'exposed-endpoints'] as const;

function documentSchema(overlay: boolean): object {
  const application = {
    type: overlay ? ['object', 'null'] : 'object',
    properties: overlay
      ? { ...applicationProperties, offers: anyMap, 'exposed-endpoints': anyMap }
      : applicationProperties,
    additionalProperties: false,
  };
  const applications = { type: ['object', 'null'], additionalProperties: application };
  return {
    type: 'object',
    properties: {
      applications,
      services: applications,
      machines: {
        type: ['object', 'null'],
        propertyNames: { pattern: '^(0|[1-9][0-9]*)$' },
        additionalProperties: {
          type: ['object', 'null'],
          properties: { constraints: { type: 'string' }, annotations: anyMap, series: { type: 'string' }, base: { type: 'string' } },
          additionalProperties: false,
        },
      },
      relations: {
        type: ['array', 'null'],
        items: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string', minLength: 1 } },
      },
      series: { type: 'string' },
      'default-base': { type: 'string' },
      description: { type: 'string' },
      name: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } },
      saas: anyMap,
      bundle: { type: 'string' },
      variables: {},
      local_overlay_enabled: { type: 'boolean' },
    },
    additionalProperties: false,
  };
}

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validateBase = ajv.compile(documentSchema(false));
const validateOverlay = ajv.compile(documentSchema(true));

function segmentsOf(instancePath: string): (string | number)[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function valueAt(doc: unknown, segments: readonly (string | number)[]): unknown {
  let cur: unknown = doc;
  for (const s of segments) cur = cur === null || cur === undefined ? undefined : (cur as Record<string, unknown>)[s as string];
  return cur;
}

const typeWords: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
};

function expectedType(type: unknown): string {
  const types = (Array.isArray(type) ? type : [type]).filter((t) => t !== 'null') as string[];
  return types.map((t) => typeWords[t] ?? t).join(' or ');
}

function accepted(schemaProperties: unknown): string {
  return Object.keys((schemaProperties as object) ?? {}).join(', ');
}

/** A problem and where in the document it is (the value to leave out so that the rest can still be checked). */
export interface LocatedProblem {
  readonly problem: BundleProblem;
  readonly at: readonly (string | number)[];
}

function translate(doc: unknown, error: ErrorObject, file: string, overlay: boolean): LocatedProblem {
  const segments = segmentsOf(error.instancePath);
  const value = valueAt(doc, segments);
  const at = (segs: (string | number)[], message: string): LocatedProblem => ({ problem: { file, path: joinPath(segs), message }, at: segs });
  switch (error.keyword) {
    case 'type': {
      // Machine ids are keys; a relation entry is a pair of strings; name those shapes in words.
      if (segments[0] === 'relations' && segments.length === 2) {
        return at(segments, `must be a pair of endpoints like ["app1:endpoint", "app2"], got ${describeValue(value)}`);
      }
      return at(segments, `must be ${expectedType(error.params.type)}, got ${describeValue(value)}`);
    }
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      if (!overlay && segments[0] && ['applications', 'services'].includes(String(segments[0])) && segments.length === 2 &&
        (overlayOnlyApplicationKeys as readonly string[]).includes(key)) {
        return at([...segments, key], `"${key}" is only allowed in an overlay, not in the base bundle`);
      }
      return at([...segments, key], `unknown key "${key}" (accepted: ${accepted(error.parentSchema?.properties)})`);
    }
    case 'minimum':
      return at(segments, `must be ${String(error.params.limit)} or more, got ${describeValue(value)}`);
    case 'minItems':
    case 'maxItems':
      return at(segments, `a relation names exactly two endpoints, got ${Array.isArray(value) ? value.length : 0}`);
    case 'minLength':
      return at(segments, 'must not be empty');
    case 'pattern':
    case 'propertyNames': {
      const name = String(error.params.propertyName ?? segments[segments.length - 1]);
      return at([...segments, name], `machine id "${name}" must be a non-negative integer such as "0"`);
    }
    default:
      return at(segments, error.message ?? 'is invalid');
  }
}

/** Checks the shape of one document; returns every problem found with where it is (empty when valid). */
export function locateProblems(doc: unknown, file: string, overlay: boolean): LocatedProblem[] {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return [{ problem: { file, path: '(top level)', message: `a bundle is a mapping with "applications", "machines" and "relations", got ${describeValue(doc)}` }, at: [] }];
  }
  const validate = overlay ? validateOverlay : validateBase;
  if (validate(doc)) return [];
  const seen = new Set<string>();
  const out: LocatedProblem[] = [];
  for (const error of validate.errors ?? []) {
    // propertyNames reports the pattern failure twice (pattern + propertyNames): keep one.
    if (error.keyword === 'pattern' && error.propertyName !== undefined) continue;
    const p = translate(doc, error, file, overlay);
    const key = `${p.problem.path}\u0000${p.problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(p);
    }
  }
  return out;
}

/** Validates the shape of one document; returns every problem found (empty when valid). */
export function validateDocument(doc: unknown, file: string, overlay: boolean): BundleProblem[] {
  return locateProblems(doc, file, overlay).map((p) => p.problem);
}

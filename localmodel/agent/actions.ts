/** Action parameters checked against actions.yaml (JSON schema) with defaults filled in, as Juju does. */
import { Ajv } from 'ajv';
import type { CharmMeta } from '../charm/metadata.js';

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });

export function validateActionParams(meta: CharmMeta, action: string, params: Record<string, unknown>): Record<string, unknown> {
  const spec = meta.actions[action];
  if (!spec) {
    const names = Object.keys(meta.actions).sort();
    throw new Error(`action "${action}" not defined for charm "${meta.name}" (actions: ${names.join(', ') || 'none'})`);
  }
  const schema = { type: 'object', properties: spec.params, required: spec.required, additionalProperties: spec.additionalProperties };
  const validate = ajv.compile(schema);
  const copy = structuredClone(params);
  if (!validate(copy)) {
    const problems = (validate.errors ?? []).map((e) => {
      const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '';
      if (e.keyword === 'additionalProperties') return `unknown parameter "${String(e.params.additionalProperty)}" (parameters: ${Object.keys(spec.params).join(', ') || 'none'})`;
      if (e.keyword === 'required') return `missing required parameter "${String(e.params.missingProperty)}"`;
      return `parameter "${where}" ${e.message ?? 'is invalid'}`;
    });
    throw new Error(`invalid parameters for action "${action}": ${problems.join('; ')}`);
  }
  return copy;
}

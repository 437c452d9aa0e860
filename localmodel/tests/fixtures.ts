/** Temporary bundle/charm trees for tests. */
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import yaml from 'js-yaml';

export function tempTree(files: Record<string, string | object>): { dir: string; path: (p: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'jl-test-'));
  for (const [p, content] of Object.entries(files)) {
    const full = join(dir, p);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, typeof content === 'string' ? content : yaml.dump(content));
  }
  return { dir, path: (p) => join(dir, p), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A charm directory with just metadata (and optional config) — enough for the bundle loader. */
export function charmFiles(prefix: string, metadata: object, config?: object): Record<string, object> {
  return {
    [`${prefix}/metadata.yaml`]: metadata,
    ...(config ? { [`${prefix}/config.yaml`]: { options: config } } : {}),
  };
}

export const DB = { name: 'db', provides: { db: { interface: 'mysql' } } };
export const WEB = { name: 'web', requires: { db: { interface: 'mysql' }, cache: { interface: 'redis' } }, peers: { cluster: { interface: 'web-peer' } } };
export const SUB = { name: 'sub', subordinate: true, requires: { host: { interface: 'juju-info', scope: 'container' } } };
export const WEB_CONFIG = { port: { type: 'int', default: 80 }, name: { type: 'string' }, debug: { type: 'boolean', default: false }, ratio: { type: 'float', default: 0.5 } };

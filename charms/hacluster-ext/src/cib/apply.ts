/**
 * The thin shell around the desired CIB: one `cibadmin --query`, a comparison in memory, and at most one
 * `cibadmin --replace --scope configuration` — none when nothing changed. Secrets are written as pacemaker CIB
 * secrets (the layout `cibsecret` uses) on the local member; every member writes its own copy from config.
 */
import { createHash } from 'node:crypto';
import type { Host } from '../../../../reactive/host/host.js';
import { compareWithLive } from './live.js';
import type { CibDocument, CibSecret } from './model.js';

export const SECRETS_DIR = '/var/lib/pacemaker/lrm/secrets';

export interface ApplyResult {
  readonly changed: readonly string[];
  readonly wrote: boolean;
  /** Departed remote nodes purged from pacemaker's memory (`crm_node --force --remove`). */
  readonly purged: readonly string[];
  /** The CIB as queried before any write (the fence log in it is never written by this step). */
  readonly live: string;
}

export class CibApplyError extends Error {}

/** Queries the live CIB and replaces the configuration when our part of it differs. */
export async function applyCib(host: Host, doc: CibDocument, options: { timeoutMs?: number } = {}): Promise<ApplyResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const query = await host.run(['cibadmin', '--query'], { timeoutMs });
  if (query.exitCode !== 0) {
    throw new CibApplyError(`cibadmin --query failed (exit ${query.exitCode}): ${query.stderr.trim()}; is pacemaker running? check crm_mon -1`);
  }
  const comparison = compareWithLive(doc, query.stdout);
  if (comparison.changed.length > 0) {
    const replace = await host.run(['cibadmin', '--replace', '--scope', 'configuration', '--xml-pipe'], { input: comparison.configuration, timeoutMs });
    if (replace.exitCode !== 0) {
      throw new CibApplyError(`cibadmin --replace failed (exit ${replace.exitCode}): ${replace.stderr.trim()}`);
    }
  }
  // A remote is purged in the hook after its connection left the configuration (by then pacemaker stopped it):
  // one invocation per departed remote, and Juju delivers each departure as a hook of its own.
  const purged: string[] = [];
  for (const name of comparison.staleRemotes) {
    const r = await host.run(['crm_node', '--force', '--remove', name], { timeoutMs });
    if (r.exitCode === 0) purged.push(name); // a failure is retried by the next hook, nothing depends on it
  }
  return { changed: comparison.changed, wrote: comparison.changed.length > 0, purged, live: query.stdout };
}

/** Writes (and prunes) the secret files pacemaker substitutes for `lrm://` parameters. Returns true on change. */
export async function syncCibSecrets(host: Host, secrets: readonly CibSecret[], known: readonly { resource: string; parameter: string }[]): Promise<boolean> {
  let changed = false;
  for (const s of secrets) {
    const dir = `${SECRETS_DIR}/${s.resource}`;
    changed = (await host.ensureDirectory(dir, { owner: 'root', group: 'root', mode: 0o700 })) || changed;
    const sum = createHash('md5').update(s.value).digest('hex');
    changed = (await host.writeFile(`${dir}/${s.parameter}`, `${s.value}\n`, { owner: 'root', group: 'root', mode: 0o600 })) || changed;
    changed = (await host.writeFile(`${dir}/${s.parameter}.sign`, `${sum}\n`, { owner: 'root', group: 'root', mode: 0o600 })) || changed;
  }
  for (const k of known) {
    if (secrets.some((s) => s.resource === k.resource && s.parameter === k.parameter)) continue;
    changed = (await host.removeFile(`${SECRETS_DIR}/${k.resource}/${k.parameter}`)) || changed;
    changed = (await host.removeFile(`${SECRETS_DIR}/${k.resource}/${k.parameter}.sign`)) || changed;
  }
  return changed;
}

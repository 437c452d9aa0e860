/**
 * Runs the real pacemaker CLI tools (crm_verify, crm_simulate) on CIB documents the charm computes. They need no
 * daemons: the document carries its own node list and a status section in which every member is online.
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CibDocument } from '../../src/cib/model.js';
import { renderConfiguration } from '../../src/cib/xml.js';
import { onlineCib } from '../../../../tests/lab/cluster/cib-text.js';

export const MEMBER_ID_BASE = 1001;

/** A standalone CIB: members as nodes 1001.. (online, in the membership), the given configuration, no history. */
export function simulationCib(doc: CibDocument, members: readonly string[]): string {
  return onlineCib(renderConfiguration(doc), members, { idBase: MEMBER_ID_BASE });
}

export interface ToolRun {
  readonly exitCode: number;
  readonly output: string;
}

export class Workdir {
  readonly path = mkdtempSync(join(tmpdir(), 'hacl-cib-'));
  file(name: string, content: string): string {
    const p = join(this.path, name);
    writeFileSync(p, content);
    return p;
  }
  read(name: string): string {
    return readFileSync(join(this.path, name), 'utf8');
  }
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

export async function crmVerify(cibFile: string): Promise<ToolRun> {
  const r = await execa('crm_verify', ['-x', cibFile, '-V'], { reject: false, all: true });
  return { exitCode: r.exitCode ?? -1, output: r.all ?? '' };
}

/** crm_simulate -S on a CIB; extra arguments (e.g. --op-inject) appended; the resulting CIB written to `outFile`. */
export async function crmSimulate(cibFile: string, outFile: string, extra: readonly string[] = []): Promise<ToolRun> {
  const r = await execa('crm_simulate', ['-x', cibFile, '-S', '-O', outFile, ...extra], { reject: false, all: true });
  return { exitCode: r.exitCode ?? -1, output: r.all ?? '' };
}

/** Where each resource instance runs, from `crm_simulate -x <cib> -L`-style "Revised Cluster Status" output. */
export async function placements(cibFile: string): Promise<Map<string, string[]>> {
  const r = await execa('crm_mon', ['--one-shot', '--inactive', '--output-as=xml'], {
    reject: false, env: { CIB_file: cibFile },
  });
  const result = new Map<string, string[]>();
  const re = /<resource id="([^"]+)"[^>]*role="Started"[^>]*>\s*<node name="([^"]+)"/g;
  for (const m of r.stdout.matchAll(re)) {
    const list = result.get(m[1] as string) ?? [];
    list.push(m[2] as string);
    result.set(m[1] as string, list);
  }
  return result;
}

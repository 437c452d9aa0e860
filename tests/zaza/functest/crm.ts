/** Reads the cluster as crm_mon reports it on a member (the hacluster leader), parsed from its XML. */
import { XMLParser } from 'fast-xml-parser';
import type { SuiteContext } from '../../../deploy/context.js';
import { leaderOf } from '../../../deploy/model.js';

export interface CrmNode {
  name: string;
  online: boolean;
  type: string;
  unclean: boolean;
}

export interface CrmResource {
  id: string;
  agent: string;
  role: string;
  nodes: string[];
  clone: string | null;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['node', 'resource', 'clone', 'group'].includes(name) });

export function parseCrmMon(xml: string): { nodes: CrmNode[]; resources: CrmResource[] } {
  const doc = parser.parse(xml) as any;
  const root = doc['pacemaker-result'] ?? doc['crm_mon'] ?? {};
  const nodes: CrmNode[] = ((root.nodes?.node ?? []) as any[]).map((n) => ({
    name: String(n.name), online: n.online === 'true', type: String(n.type), unclean: n.unclean === 'true',
  }));
  const resources: CrmResource[] = [];
  const collect = (r: any, clone: string | null) => resources.push({
    id: String(r.id), agent: String(r.resource_agent ?? ''), role: String(r.role ?? ''), nodes: ((r.node ?? []) as any[]).map((n) => String(n.name)), clone,
  });
  const walk = (container: any, clone: string | null) => {
    for (const r of container?.resource ?? []) collect(r, clone);
    for (const g of container?.group ?? []) walk(g, clone);
    for (const c of container?.clone ?? []) walk(c, String(c.id));
  };
  walk(root.resources, null);
  return { nodes, resources };
}

export async function crmMon(ctx: SuiteContext): Promise<{ nodes: CrmNode[]; resources: CrmResource[] }> {
  const leader = leaderOf(await ctx.cli.status(ctx.model), 'hacluster').name;
  const r = await ctx.cli.exec(ctx.model, leader, 'crm_mon --one-shot --inactive --output-as=xml');
  if (r.code !== 0) throw new Error(`crm_mon on ${leader} failed (exit ${r.code}): ${r.stderr.slice(0, 300)}`);
  return parseCrmMon(r.stdout);
}

/** The CIB's configuration section (resources, constraints, stonith devices), not the status history. */
export async function cibXml(ctx: SuiteContext): Promise<string> {
  const leader = leaderOf(await ctx.cli.status(ctx.model), 'hacluster').name;
  const r = await ctx.cli.exec(ctx.model, leader, 'cibadmin --query --scope configuration');
  if (r.code !== 0) throw new Error(`cibadmin --query on ${leader} failed: ${r.stderr.slice(0, 300)}`);
  return r.stdout;
}

/**
 * Waits until pacemaker has no transition in flight. A remote killed while probes run on it is fenced only after
 * its connection stops, and that stop waits for those probes: the first failover right after fencing was configured
 * measured fenced +31 s (the probes of the newly started fencing devices) against +2 s on a settled cluster. After a
 * configuration change it also waits out the VIP moving: an API call through it in that window found nothing listening.
 */
export async function clusterSettled(ctx: SuiteContext): Promise<void> {
  const started = Date.now();
  const leader = leaderOf(await ctx.cli.status(ctx.model), 'hacluster').name;
  const r = await ctx.cli.exec(ctx.model, leader, 'crm_resource --wait --timeout=240s');
  if (r.code !== 0) throw new Error(`the cluster did not settle within 240 s (crm_resource --wait, exit ${r.code}): ${r.stderr.slice(0, 300)}; see crm_mon -1 on ${leader}`);
  ctx.log(`cluster settled (no transition in flight) after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

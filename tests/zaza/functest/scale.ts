/** Removing a compute unit takes its remote node, its location rules and its STONITH host name out of the CIB. */
import assert from 'node:assert/strict';
import { defineTests } from '../../../deploy/context.js';
import { appUnits, blockUntil, waitForApplicationStates } from '../../../deploy/model.js';
import { cibXml } from './crm.js';
import { novaControl } from './openstack.js';
import { computeHosts } from './setup.js';

export const RemoveComputeTest = defineTests('RemoveComputeTest', {
  tests: {
    async test_400_remove_compute_unit_cleans_the_cib(ctx) {
      const hosts = await computeHosts(ctx);
      const victim = hosts[hosts.length - 1]!;
      const short = victim.host.split('.')[0]!;
      const mentions = (xml: string) => new RegExp(`\\b${short.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(xml);
      assert.ok(mentions(await cibXml(ctx)), `${short} is in the CIB before removal`);
      await ctx.cli.removeUnit(ctx.model, victim.unit);
      await blockUntil(`${victim.unit} gone`, async () => (appUnits(await ctx.cli.status(ctx.model), 'nova-compute').some((u) => u.name === victim.unit) ? undefined : true), 900_000, 5_000);
      await waitForApplicationStates(ctx.cli, ctx.model, { ...ctx.config.targetDeployStatus, 'nova-compute': { 'num-expected-units': hosts.length - 1 } }, 900_000, ctx.log);
      const cib = await blockUntil(`CIB without ${short}`, async () => {
        const xml = await cibXml(ctx);
        return mentions(xml) ? undefined : xml;
      }, 300_000, 5_000);
      assert.ok(!mentions(cib), 'no primitive, rule or stonith hostname names the removed host');
      const state = await novaControl(ctx, 'GET', '/state');
      assert.ok(!JSON.stringify(state.body.services).includes(victim.host), 'nova forgot the compute service');
    },
  },
});

/** Segments and hosts made through the charm's actions; a notification visible through masakari's API. */
import assert from 'node:assert/strict';
import { defineTests } from '../../../deploy/context.js';
import { leaderOf, runAction } from '../../../deploy/model.js';
import { ok, openstack } from './openstack.js';
import { computeHosts, segmentNames } from './setup.js';

export const SegmentTest = defineTests('SegmentTest', {
  tests: {
    async test_100_segments_and_hosts_from_actions(ctx) {
      assert.deepEqual((await segmentNames(ctx)).sort(), ['seg-rh', 'seg0']);
      const leader = leaderOf(await ctx.cli.status(ctx.model), 'masakari').name;
      const hosts = await computeHosts(ctx);
      const rh = await runAction(ctx.cli, ctx.model, leader, 'list-hosts', { segment: 'seg-rh' });
      const listed = JSON.parse(String(rh.results['hosts'])) as { name: string; reserved: boolean }[];
      assert.deepEqual(listed.map((h) => [h.name, h.reserved]).sort(), [[hosts[1]!.host, false], [hosts[2]!.host, true]].sort());
    },
    async test_110_notification_visible_through_the_api(ctx) {
      const host = (await computeHosts(ctx))[0]!.host;
      // A host coming back (STARTED) changes nothing in the cloud; masakari records it all the same.
      const posted = await ok(openstack(ctx, 'instance-ha', 'POST', '/notifications', {
        notification: { type: 'COMPUTE_HOST', hostname: host, generated_time: new Date().toISOString().slice(0, 19), payload: { event: 'STARTED', host_status: 'NORMAL', cluster_status: 'ONLINE' } },
      }), 'post notification');
      const id = posted.notification.notification_uuid as string;
      const shown = await ok(openstack(ctx, 'instance-ha', 'GET', `/notifications/${id}`), 'show notification');
      assert.equal(shown.notification.type, 'COMPUTE_HOST');
      const leader = leaderOf(await ctx.cli.status(ctx.model), 'masakari').name;
      const listed = await runAction(ctx.cli, ctx.model, leader, 'list-notifications', { limit: '50' });
      assert.ok(String(listed.results['notifications']).includes(id), 'list-notifications action shows it');
    },
  },
});

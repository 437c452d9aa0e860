/** After deploy: every unit settled, the cluster as designed (members, remotes, placement, haproxy, VIP). */
import assert from 'node:assert/strict';
import { defineTests } from '../../../deploy/context.js';
import { appUnits, unitsOf } from '../../../deploy/model.js';
import { crmMon } from './crm.js';
import { computeHosts, GHOST_NODE_FACT } from './setup.js';

export const DeployTest = defineTests('DeployTest', {
  tests: {
    async test_100_every_unit_idle_and_active(ctx) {
      const status = await ctx.cli.status(ctx.model);
      const units = unitsOf(status);
      const bad = units.filter((u) => u.agent !== 'idle' || u.workload !== 'active');
      assert.deepEqual(bad.map((u) => `${u.name} ${u.agent}/${u.workload} ${u.message}`), []);
      assert.equal(appUnits(status, 'masakari').length, 3, 'three masakari units');
      const computes = appUnits(status, 'nova-compute');
      for (const c of computes) {
        const subs = units.filter((u) => u.principal === c.name).map((u) => u.app).sort();
        assert.deepEqual(subs, ['masakari-monitors', 'pacemaker-remote'], `${c.name} carries both subordinates`);
      }
      ctx.log(`${units.length} units idle/active`);
    },
    async test_110_members_online_and_remotes_remote_online(ctx) {
      assert.equal(ctx.facts[GHOST_NODE_FACT], undefined, 'the deploy left a ghost UNCLEAN node1 (LP#1874719): hacluster-ext drops the packaged CIB at install');
      const { nodes } = await crmMon(ctx);
      const members = nodes.filter((n) => n.type === 'member');
      const remotes = nodes.filter((n) => n.type === 'remote');
      assert.equal(members.length, 3, `3 members, got ${members.map((n) => n.name).join(', ')}`);
      assert.ok(members.every((n) => n.online), `members online: ${JSON.stringify(members)}`);
      const hosts = (await computeHosts(ctx)).map((h) => h.host.split('.')[0]);
      assert.deepEqual(remotes.map((n) => n.name.split('.')[0]).sort(), [...hosts].sort(), 'every compute host is a remote node');
      assert.ok(remotes.every((n) => n.online), `remotes RemoteOnline: ${JSON.stringify(remotes)}`);
    },
    async test_120_control_plane_resources_only_on_members(ctx) {
      const { nodes, resources } = await crmMon(ctx);
      const remoteNames = new Set(nodes.filter((n) => n.type === 'remote').map((n) => n.name));
      const misplaced = resources.filter((r) => r.nodes.some((n) => remoteNames.has(n)));
      assert.deepEqual(misplaced.map((r) => `${r.id} on ${r.nodes.join(',')}`), [], 'no resource runs on a compute host');
    },
    async test_130_haproxy_clone_has_three_instances(ctx) {
      const { resources } = await crmMon(ctx);
      const haproxy = resources.filter((r) => r.clone !== null && /haproxy/.test(r.clone) && r.role === 'Started');
      assert.equal(haproxy.length, 3, `haproxy clone instances started: ${haproxy.map((r) => r.nodes.join(',')).join(' ')}`);
    },
    async test_140_vip_answers(ctx) {
      const vip = ctx.vars['TEST_VIP00'] ?? String((await ctx.cli.getConfig(ctx.model, 'masakari'))['vip']?.value ?? '');
      assert.ok(vip, 'masakari has a VIP');
      const compute = appUnits(await ctx.cli.status(ctx.model), 'nova-compute')[0]!.name;
      const r = await ctx.cli.exec(ctx.model, compute, `node -e "fetch('http://${vip}:15868/').then(r => { console.log(r.status); process.exit(r.status < 500 ? 0 : 1); }, (e) => { console.log(e.message); process.exit(1); })"`);
      assert.equal(r.code, 0, `masakari API on the VIP ${vip}:15868 answered: ${r.stdout.trim()} ${r.stderr.trim()}`);
    },
  },
});

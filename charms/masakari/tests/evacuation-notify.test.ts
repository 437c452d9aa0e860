/**
 * The evacuation notification tasks (templates/masakari_fence_gate/notify.py) in a real taskflow engine with
 * masakari's own task base, around a stand-in for evacuate_instances_task that succeeds or fails; the events go
 * through hacluster-ext's bundled notifier (its queue and detached sender) to a webhook receiver on loopback.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleNotifyAgent } from '../../hacluster-ext/src/notify/bundle.js';
import { renderNotifyConfig } from '../../hacluster-ext/src/notify/config-file.js';
import type { NotifyEvent } from '../../hacluster-ext/src/notify/event.js';
import { CHARM_DIR } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'evac-notify-'));
const received: NotifyEvent[] = [];
let server: Server;
let wrapper = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      received.push(JSON.parse(body) as NotifyEvent);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const agent = await bundleNotifyAgent(join(dir, 'hacluster-notify'));
  const spool = join(dir, 'spool');
  mkdirSync(spool);
  writeFileSync(join(dir, 'notify.json'), renderNotifyConfig({ urls: [`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`], format: 'generic', cluster: 'hacluster' }));
  // The installed notifier uses its own spool and list; this one names the test's.
  wrapper = join(dir, 'notify-wrapper');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(agent)} "$@" ${JSON.stringify(spool)} ${JSON.stringify(join(dir, 'notify.json'))}\n`);
  chmodSync(wrapper, 0o755);
}, 60_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs pre-evacuation notify → stand-in evacuation → post-evacuation notify; prints how the flow ended. */
function runFlow(agent: string, evacuationFails: boolean): string {
  const code = [
    'import sys',
    `sys.path.insert(0, ${JSON.stringify(`${CHARM_DIR}/templates`)})`,
    'import masakari.conf',
    'from taskflow import engines, task',
    'from taskflow.patterns import linear_flow',
    'from masakari_fence_gate import notify',
    `masakari.conf.CONF.set_override('notify_agent', ${JSON.stringify(agent)}, group='fence_gate')`,
    'class Evacuate(task.Task):',
    '    def execute(self, host_name, instance_list):',
    `        if ${evacuationFails ? 'True' : 'False'}:`,
    '            raise RuntimeError("Failed to evacuate instances %s from host %s" % (",".join(instance_list[:1]), host_name))',
    "flow = linear_flow.Flow('post').add(notify.EvacuationStartedTask(None, None), Evacuate('evacuate_instances_task'), notify.EvacuationFinishedTask(None, None))",
    'try:',
    "    engines.run(flow, store={'host_name': 'cmp1.lab', 'instance_list': ['i-1', 'i-2', 'i-3']})",
    "    print('flow finished')",
    'except Exception as exc:',
    "    print('flow failed: %s' % exc)",
  ].join('\n');
  // masakari-engine's interpreter: the distribution's python3, where masakari and taskflow are installed.
  return execFileSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8' }).trim();
}

async function waitFor(n: number): Promise<void> {
  for (let i = 0; i < 100 && received.length < n; i++) await new Promise((r) => setTimeout(r, 100));
}

describe('evacuation notifications', { timeout: 60_000 }, () => {
  it('started and finished with the instance count around a successful evacuation', async () => {
    received.length = 0;
    expect(runFlow(wrapper, false)).toBe('flow finished');
    await waitFor(2);
    expect(received.map((e) => [e.event, e.host, e.details.instances])).toEqual([
      ['evacuation-started', 'cmp1.lab', 3], ['evacuation-finished', 'cmp1.lab', 3],
    ]);
    expect(received[1]?.summary).toBe('evacuation from cmp1.lab finished: 3 instances moved');
  });

  it('started then failed, with the error, when the evacuation fails; the flow fails as before', async () => {
    received.length = 0;
    expect(runFlow(wrapper, true)).toMatch(/^flow failed: Failed to evacuate instances i-1 from host cmp1\.lab/);
    await waitFor(2);
    expect(received.map((e) => [e.event, e.details.instances])).toEqual([['evacuation-started', 3], ['evacuation-failed', 3]]);
    expect(received[1]?.details.error).toMatch(/Failed to evacuate instances i-1 from host cmp1\.lab/);
  });

  it('a missing notifier changes nothing in the flow', () => {
    expect(runFlow(join(dir, 'absent'), false)).toBe('flow finished');
    expect(runFlow(join(dir, 'absent'), true)).toMatch(/^flow failed: /);
  });
});

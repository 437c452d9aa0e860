import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { NovaEmulator } from '../../../emulators/nova/server.js';
import { POWER_RUNNING, POWER_SHUTDOWN, domainName, domainXml, parseDomState, planDomains, type Domain, type NovaInstance } from '../src/domains.js';
import { cgroupsWritable, qemuConf } from '../src/hypervisor.js';

const A = '6f1c2e0a-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
const B = '0a0b0c0d-1111-4222-8333-444455556666';
const instance = (over: Partial<NovaInstance> = {}): NovaInstance =>
  ({ id: A, name: 'vm-a', vmState: 'active', taskState: null, powerState: POWER_RUNNING, ...over });
const domain = (over: Partial<Domain> = {}): Domain => ({ uuid: A, name: domainName(A), running: true, paused: false, ...over });

/** libvirt's own parser and RelaxNG schema (the test driver in libvirt0, through python3-libvirt). */
function libvirtDefine(xml: string): string {
  const script = [
    'import libvirt, sys',
    "c = libvirt.open('test:///default')",
    'd = c.defineXMLFlags(sys.stdin.read(), libvirt.VIR_DOMAIN_DEFINE_VALIDATE)',
    "print(d.UUIDString(), d.name(), d.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, 'http://openstack.org/xmlns/libvirt/nova/1.1').replace(chr(10), ''))",
  ].join('\n');
  return execFileSync('/usr/bin/python3', ['-c', script], { input: xml, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
}

describe('nova-compute stand-in: domains for Nova instances', () => {
  it('defines a domain libvirt accepts, with the instance UUID and its name in Nova metadata', () => {
    const out = libvirtDefine(domainXml(instance({ name: 'a <b> & "c"' })));
    expect(out).toBe(`${A} ${domainName(A)} <instance>  <name>a &lt;b&gt; &amp; "c"</name></instance>`);
    expect(() => domainXml(instance({ id: 'not-a-uuid' }))).toThrow(/UUID/);
  });

  it('spawns what is missing, carries out stop and start, and reports a domain that died without restarting it', () => {
    expect(planDomains([instance()], [])).toEqual([{ kind: 'define', instance: instance() }, { kind: 'start', uuid: A }]);
    expect(planDomains([instance({ vmState: 'stopped', powerState: POWER_SHUTDOWN })], [])).toEqual([{ kind: 'define', instance: instance({ vmState: 'stopped', powerState: POWER_SHUTDOWN }) }]);
    expect(planDomains([instance({ taskState: 'powering-off' })], [domain()])).toEqual([
      { kind: 'destroy', uuid: A }, { kind: 'report', uuid: A, powerState: POWER_SHUTDOWN, taskDone: 'powering-off' }]);
    // the domain was already dead (killed): nothing to destroy, the stop is still reported done
    expect(planDomains([instance({ taskState: 'powering-off' })], [domain({ running: false })])).toEqual([
      { kind: 'report', uuid: A, powerState: POWER_SHUTDOWN, taskDone: 'powering-off' }]);
    expect(planDomains([instance({ vmState: 'stopped', taskState: 'powering-on', powerState: POWER_SHUTDOWN })], [domain({ running: false })])).toEqual([
      { kind: 'start', uuid: A }, { kind: 'report', uuid: A, powerState: POWER_RUNNING, taskDone: 'powering-on' }]);
    expect(planDomains([instance()], [domain({ running: false })])).toEqual([{ kind: 'report', uuid: A, powerState: POWER_SHUTDOWN, taskDone: null }]);
    expect(planDomains([instance()], [domain()])).toEqual([]);
    expect(planDomains([instance({ taskState: 'rebuilding' })], [])).toEqual([]);
  });

  it('removes domains of instances placed elsewhere, and never touches domains that are not ours', () => {
    const evacuated = domain({ uuid: B, name: domainName(B) });
    const foreign = domain({ uuid: '99999999-1111-4222-8333-444455556666', name: 'someone-elses' });
    expect(planDomains([instance()], [domain(), evacuated, foreign])).toEqual([{ kind: 'destroy', uuid: B }, { kind: 'undefine', uuid: B }]);
  });

  it('reads virsh domstate words', () => {
    expect(parseDomState('running\n\n')).toEqual({ running: true, paused: false });
    expect(parseDomState('paused\n')).toEqual({ running: true, paused: true });
    expect(parseDomState('shut off\n')).toEqual({ running: false, paused: false });
    expect(parseDomState('crashed\n')).toEqual({ running: false, paused: false });
  });

  it('turns libvirt cgroups off only where the machine mounts them read-only', () => {
    const nspawnV1 = 'tmpfs /sys/fs/cgroup tmpfs ro,nosuid 0 0\ncgroup /sys/fs/cgroup/cpu cgroup ro,nosuid,nodev,noexec,relatime,cpu 0 0\n';
    const host = 'cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n';
    expect(cgroupsWritable(nspawnV1)).toBe(false);
    expect(cgroupsWritable(host)).toBe(true);
    expect(qemuConf(false)).toContain('cgroup_controllers = [ ]');
    expect(qemuConf(true)).not.toContain('cgroup_controllers');
  });
});

describe('Nova emulator with a compute that runs domains', () => {
  it('leaves stop/start to the compute, which reports them done; refuses reports from another host', async () => {
    const emulator = new NovaEmulator({ auth: { kind: 'shared-secret', secret: 's' }, actionDelayMs: 0 });
    const { url } = await emulator.listen(0, '127.0.0.1');
    try {
      const post = async (path: string, body: unknown) => (await fetch(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }));
      await post('/emulator/computes', { host: 'cmp1', hypervisor_type: 'QEMU' });
      const created = await (await post('/emulator/servers', { name: 'vm', host: 'cmp1' })).json() as { server: { id: string } };
      const id = created.server.id;
      const stop = await fetch(`${url}/v2.1/servers/${id}/action`, { method: 'POST', headers: { 'X-Auth-Token': 's', 'Content-Type': 'application/json' }, body: JSON.stringify({ 'os-stop': null }) });
      expect(stop.status).toBe(202);
      emulator.tick();
      const listed = await (await fetch(`${url}/emulator/computes/cmp1/instances`)).json() as { instances: Array<Record<string, unknown>> };
      expect(listed.instances).toEqual([{ id, name: 'vm', vm_state: 'active', task_state: 'powering-off', power_state: 1 }]);
      expect((await post(`/emulator/servers/${id}/power`, { host: 'cmp2', power_state: 4, task_done: 'powering-off' })).status).toBe(409);
      expect((await post(`/emulator/servers/${id}/power`, { host: 'cmp1', power_state: 4, task_done: 'powering-on' })).status).toBe(409);
      expect((await post(`/emulator/servers/${id}/power`, { host: 'cmp1', power_state: 4, task_done: 'powering-off' })).status).toBe(204);
      expect(emulator.state.servers[0]).toMatchObject({ vmState: 'stopped', taskState: null, powerState: 4 });
      expect(emulator.state.events.map((e) => e.kind)).toContain('server.stopped');
    } finally {
      await emulator.close();
    }
  });
});

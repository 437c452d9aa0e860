/**
 * A restart owed survives a hook that dies between writing masakarimonitors.conf and restarting the monitors: the
 * digest the monitors were started with is unit state, committed only with a successful hook (monitors-state.ts).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceAction } from '../../../reactive/host/host.js';
import { RecordingHost } from '../../../reactive/testing/recording-host.js';
import { Harness, HookFailed } from '../../../reactive/testing/harness.js';
import { charm } from '../src/charm.js';
import { CONF_PATH } from '../src/conf.js';
import { HOST_MONITOR, INSTANCE_MONITOR } from '../src/platform.js';

/** A machine whose next restart of a monitor fails (systemctl exits non-zero: the hook dies there). */
class RestartFailsOnce extends RecordingHost {
  armed = false;
  override async service(action: ServiceAction, name: string): Promise<void> {
    if (this.armed && action === 'restart') {
      this.armed = false;
      throw new Error(`command failed: systemctl restart ${name} exited with code 1`);
    }
    return super.service(action, name);
  }
}

const KEYSTONE_ANSWER = {
  auth_host: '10.5.0.10', auth_port: '35357', auth_protocol: 'http', credentials_host: '10.5.0.10', credentials_port: '5000',
  credentials_protocol: 'http', credentials_username: 'masakari-monitors', credentials_password: 'Zx9secretPW', credentials_project: 'services',
  credentials_project_id: '6b3e5d0c1f2a4e3b', api_version: '3', region: 'RegionOne', domain: 'service_domain',
};

const cleanups: (() => void)[] = [];
afterEach(() => { while (cleanups.length) cleanups.pop()!(); });

describe('masakari-monitors: a restart owed', () => {
  it('is done by the next hook when the hook that wrote the new config died before restarting', async () => {
    const host = new RestartFailsOnce({ hostname: 'compute-1', fqdn: 'compute-1.maas' });
    await host.seedFile('/run/libvirt/libvirt-sock-ro', '');
    const harness = new Harness(charm, { charmDir: join(import.meta.dirname, '..'), unit: 'masakari-monitors/0', host, principalUnit: 'nova-compute/0' });
    cleanups.push(() => harness.cleanup());
    harness.setNetwork('container', '10.5.0.31', '10.5.0.0/24', 'ens4');
    await harness.addRelation('container', 'nova-compute', { units: { 'nova-compute/0': {} } });
    await harness.beginWithInitialHooks();
    await harness.addRelation('identity-credentials', 'keystone', { units: { 'keystone/0': KEYSTONE_ANSWER } });
    expect(harness.status).toEqual({ status: 'active', message: 'Unit is ready' });

    host.armed = true;
    host.clearRecords();
    await expect(harness.updateConfig({ 'monitoring-interval': 15 })).rejects.toBeInstanceOf(HookFailed);
    expect(host.file(CONF_PATH)).toContain('monitoring_interval = 15\n'); // written before the restart failed
    expect(host.serviceActions.filter((a) => a.action === 'restart')).toEqual([]);

    // Juju runs the failed hook again: the file no longer changes, the restart is still owed.
    host.clearRecords();
    await harness.runHook('config-changed');
    expect(host.writes).toEqual([]);
    expect(host.serviceActions).toEqual([{ action: 'restart', name: HOST_MONITOR }, { action: 'restart', name: INSTANCE_MONITOR }]);
    host.clearRecords();
    await harness.runHook('update-status');
    expect(host.serviceActions).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { servicePlan, type ServiceFacts } from '../src/monitors-state.js';
import { defaultsFile, packagesToInstall, serviceAccount, wantedServices } from '../src/platform.js';

describe('platform facts', () => {
  it("reads User=/Group= from the unit's [Service] section only; root without them", () => {
    expect(serviceAccount('[Unit]\nUser=nobody\n[Service]\nUser=masakari\nGroup=masakari\n')).toEqual({ user: 'masakari', group: 'masakari' });
    expect(serviceAccount('[Service]\nUser=masakarimonitors\n')).toEqual({ user: 'masakarimonitors', group: 'masakarimonitors' });
    expect(serviceAccount(null)).toEqual({ user: 'root', group: 'root' });
  });

  it('adds pacemaker-remote to the transaction unless this host is (or will be) a cluster member', () => {
    expect(packagesToInstall('remote', false)).toContain('pacemaker-remote');
    expect(packagesToInstall('autodetect', false)).toContain('pacemaker-remote');
    expect(packagesToInstall('cluster', false)).not.toContain('pacemaker-remote');
    expect(packagesToInstall('remote', true)).not.toContain('pacemaker-remote');
  });

  it("replaces the Debian wrapper's arguments with our config file", () => {
    expect(defaultsFile('masakari-host-monitor')).toEqual({
      path: '/etc/default/masakari-host-monitor',
      content: expect.stringContaining('DAEMON_ARGS="--config-file=/etc/masakarimonitors/masakarimonitors.conf"\n'),
    });
  });
});

describe('wanted services', () => {
  it('runs the instance monitor only where libvirt runs', () => {
    const both = { enableHostMonitor: true, enableInstanceMonitor: true };
    expect(wantedServices(both, true)).toEqual(['masakari-host-monitor', 'masakari-instance-monitor']);
    expect(wantedServices(both, false)).toEqual(['masakari-host-monitor']);
    expect(wantedServices({ enableHostMonitor: false, enableInstanceMonitor: true }, true)).toEqual(['masakari-instance-monitor']);
  });
});

describe('service plan', () => {
  const facts = (over: Partial<ServiceFacts> = {}): ServiceFacts => ({
    name: 'masakari-host-monitor', wanted: true, active: true, enabled: true, startedWith: 'd1', ...over,
  });

  it('does nothing when the service runs with the current config', () => {
    expect(servicePlan([facts()], 'd1', false)).toEqual([]);
  });
  it('restarts a running service on a new config, starts a stopped one', () => {
    expect(servicePlan([facts()], 'd2', false)).toEqual([{ action: 'restart', name: 'masakari-host-monitor' }]);
    expect(servicePlan([facts({ active: false })], 'd2', false)).toEqual([{ action: 'start', name: 'masakari-host-monitor' }]);
    expect(servicePlan([facts({ active: false })], 'd1', false)).toEqual([{ action: 'start', name: 'masakari-host-monitor' }]);
  });
  it('stops and disables a service switched off; only stops while paused', () => {
    expect(servicePlan([facts({ wanted: false })], 'd1', false)).toEqual([
      { action: 'stop', name: 'masakari-host-monitor' },
      { action: 'disable', name: 'masakari-host-monitor' },
    ]);
    expect(servicePlan([facts({ enabled: false })], 'd1', true)).toEqual([{ action: 'stop', name: 'masakari-host-monitor' }]);
  });
});

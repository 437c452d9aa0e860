import { afterEach, describe, expect, it } from 'vitest';
import { planRestarts, writeFilesAndRestart } from '../restart-map.js';
import { RecordingHost } from '../testing/recording-host.js';

const map = {
  '/etc/corosync/corosync.conf': ['corosync', 'pacemaker'],
  '/etc/corosync/authkey': ['corosync', 'pacemaker'],
  '/etc/haproxy/haproxy.cfg': ['haproxy'],
  '/etc/masakari/masakari.conf': ['masakari-engine', 'apache2'],
};

describe('planRestarts', () => {
  it('restarts only services whose files changed, each once, in the map order', () => {
    expect(planRestarts([
      { path: '/etc/masakari/masakari.conf', changed: true },
      { path: '/etc/corosync/authkey', changed: true },
      { path: '/etc/corosync/corosync.conf', changed: true },
      { path: '/etc/haproxy/haproxy.cfg', changed: false },
    ], map)).toEqual(['corosync', 'pacemaker', 'masakari-engine', 'apache2']);
  });

  it('restarts nothing when nothing changed, and ignores files absent from the map', () => {
    expect(planRestarts([{ path: '/etc/haproxy/haproxy.cfg', changed: false }, { path: '/etc/other', changed: true }], map)).toEqual([]);
  });

  it('accepts a Map and keeps its insertion order', () => {
    const ordered = new Map([['/b', ['svc-b']], ['/a', ['svc-a', 'svc-b']]]);
    expect(planRestarts([{ path: '/a', changed: true }], ordered)).toEqual(['svc-b', 'svc-a']);
  });
});

describe('writeFilesAndRestart', () => {
  let host: RecordingHost;
  afterEach(() => host.cleanup());

  it('writes all files first, restarts the changed services once, and nothing on a second identical run', async () => {
    host = new RecordingHost();
    const files = [
      { path: '/etc/haproxy/haproxy.cfg', content: 'global\n' },
      { path: '/etc/corosync/corosync.conf', content: 'totem {}\n' },
      { path: '/etc/corosync/authkey', content: 'k', options: { mode: 0o400 } },
    ];
    const first = await writeFilesAndRestart(host, files, map);
    expect(first.restarted).toEqual(['corosync', 'pacemaker', 'haproxy']);
    expect(host.serviceActions.map((a) => `${a.action} ${a.name}`)).toEqual(['restart corosync', 'restart pacemaker', 'restart haproxy']);
    host.clearRecords();
    const second = await writeFilesAndRestart(host, files, map);
    expect(second.writes.every((w) => !w.changed)).toBe(true);
    expect(host.serviceActions).toEqual([]);
    const third = await writeFilesAndRestart(host, [{ path: '/etc/haproxy/haproxy.cfg', content: 'global\n  maxconn 10\n' }, ...files.slice(1)], map, 'reload');
    expect(third.restarted).toEqual(['haproxy']);
    expect(host.serviceActions).toEqual([{ action: 'reload', name: 'haproxy' }]);
  });
});

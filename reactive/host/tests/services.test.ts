import { afterEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../testing/recording-host.js';
import { stopRunning } from '../services.js';

let host: RecordingHost;
afterEach(() => host.cleanup());

describe('stopRunning', () => {
  it('asks systemd once, stops only the running services in the order given, and says which', async () => {
    host = new RecordingHost().setServiceActive('pacemaker', true).setServiceActive('corosync', true).setServiceActive('haproxy', false);
    expect(await stopRunning(host, ['pacemaker', 'haproxy', 'corosync'])).toEqual(['pacemaker', 'corosync']);
    expect(host.serviceActions.map((a) => `${a.action} ${a.name}`)).toEqual(['stop pacemaker', 'stop corosync']);
    expect(await stopRunning(host, ['pacemaker', 'haproxy', 'corosync'])).toEqual([]);
    expect(host.serviceActions).toHaveLength(2);
  });
});

import { describe, expect, it } from 'vitest';
import { decodeCredentials } from '../../../interfaces/keystone-credentials/protocol.js';
import { privsepHelperCommand, renderMonitorsConf } from '../src/conf.js';
import { parseConfigFlags, parseOptions, type RawConfig } from '../src/options.js';

const DEFAULT_CONFIG: RawConfig = {
  region: 'RegionOne',
  'use-internal-endpoints': false,
  debug: false,
  'config-flags': '',
  'monitoring-interval': 60,
  'monitoring-samples': 2,
  'pacemaker-node-type': 'remote',
  'restrict-to-remotes': true,
  'api-retry-max': 12,
  'api-retry-interval': 10,
  'enable-host-monitor': true,
  'enable-instance-monitor': true,
};

/** What stock keystone (v3) sends on identity-credentials. */
const KEYSTONE_BAG = {
  'private-address': '10.5.0.10',
  auth_host: '10.5.0.10', auth_port: '35357', auth_protocol: 'http',
  credentials_host: '10.5.0.10', credentials_port: '5000', credentials_protocol: 'http',
  credentials_username: 'masakari-monitors', credentials_password: 'pa$$word', credentials_project: 'services',
  credentials_project_id: 'c0ffee', api_version: '3', region: 'RegionOne', domain: 'service_domain',
  credentials_user_domain_name: 'service_domain', credentials_user_domain_id: 'd0d0',
  credentials_project_domain_name: 'service_domain', credentials_project_domain_id: 'd0d0',
};

function options(overrides: RawConfig = {}) {
  const result = parseOptions({ ...DEFAULT_CONFIG, ...overrides });
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.options;
}

describe('config-flags', () => {
  it('keeps commas inside values that are not followed by key=', () => {
    expect(parseConfigFlags('a=1,2, b = x=y ,c.d=')).toEqual({ pairs: [['a', '1,2'], ['b', 'x=y'], ['c.d', '']] });
  });
  it('refuses keys the charm owns, duplicates and garbage, naming the pair by position and never its text', () => {
    expect(parseConfigFlags('debug=true')).toEqual({ problem: 'config-flags: pair 1 sets a key the charm sets itself (debug, hostname, host)' });
    expect(parseConfigFlags('a=1,a=2')).toEqual({ problem: 'config-flags: pair 2 repeats the key of an earlier pair' });
    expect(parseConfigFlags('novalue')).toEqual({ problem: expect.stringContaining('config-flags: pair 1 is not key=value') });
    // A piece that is not key=value once leaked a password into the status.
    const leaked = parseConfigFlags('password hunter2-Secret,tempdir=/var/tmp');
    expect(leaked).toEqual({ problem: expect.stringContaining('pair 1') });
    expect(JSON.stringify(leaked)).not.toContain('hunter2');
  });
});

describe('options', () => {
  it('collects every bad option with what is accepted', () => {
    const result = parseOptions({ ...DEFAULT_CONFIG, 'monitoring-samples': 0, 'pacemaker-node-type': 'member', region: '' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      'region: a region name (letters, digits, "_", "-", ".") is accepted',
      'pacemaker-node-type: one of remote, cluster, autodetect is accepted',
      'monitoring-samples: an integer from 1 to 100 is accepted',
    ]);
  });
});

describe('masakarimonitors.conf', () => {
  const credentials = decodeCredentials(KEYSTONE_BAG)!;
  const facts = { fqdn: 'compute-1.maas', corosyncInterface: 'eth0', serviceUser: 'masakari' };

  it('puts config-flags into [DEFAULT] (upstream drops them) and hard-coded knobs become options', () => {
    const text = renderMonitorsConf(options({ 'config-flags': 'tempdir=/var/tmp,monkey_patch=false', debug: true }), credentials, facts);
    const defaults = text.split('[api]')[0]!;
    expect(defaults).toContain('tempdir = /var/tmp\nmonkey_patch = false');
    expect(defaults).toContain('debug = True\nhostname = compute-1.maas');
    expect(text).toContain('monitoring_samples = 2\n');
    expect(text).toContain('pacemaker_node_type = remote\n');
    expect(text).toContain('restrict_to_remotes = True\n');
    expect(text).toContain('corosync_multicast_interfaces = eth0\ncorosync_multicast_ports = 5405\n');
  });

  it('renders [api] from keystone data, escaping $ so oslo.config does not substitute', () => {
    const text = renderMonitorsConf(options({ 'use-internal-endpoints': true }), credentials, facts);
    const api = text.split('[api]')[1]!.split('[callback]')[0]!;
    expect(api).toBe([
      '',
      'region = RegionOne',
      'api_interface = internal',
      'auth_type = password',
      'auth_url = http://10.5.0.10:35357',
      'project_domain_name = service_domain',
      'project_domain_id = d0d0',
      'user_domain_name = service_domain',
      'user_domain_id = d0d0',
      'project_name = services',
      'username = masakari-monitors',
      'password = pa\\$\\$word',
      '',
      '',
    ].join('\n'));
  });

  it('omits the corosync interface when the binding gave none', () => {
    const text = renderMonitorsConf(options(), credentials, { ...facts, corosyncInterface: null });
    expect(text).not.toContain('corosync_multicast');
  });

  it('uses sudo for privsep only when the services do not run as root', () => {
    expect(privsepHelperCommand('root')).toBe('privsep-helper --config-file /etc/masakarimonitors/masakarimonitors.conf');
    expect(privsepHelperCommand('masakari')).toBe('sudo privsep-helper --config-file /etc/masakarimonitors/masakarimonitors.conf');
  });
});

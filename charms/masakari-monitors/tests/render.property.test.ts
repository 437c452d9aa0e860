/**
 * Property: whatever keystone sends on identity-credentials and whatever region and config-flags hold,
 * masakarimonitors.conf reads back through oslo.config (the distribution's parser and substitution) with exactly
 * the sections and keys intended — the charm's plus one per config-flags pair — and keystone's values as sent; or
 * the input is refused. One Python process reads the whole batch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCredentials, type Credentials } from '../../../interfaces/keystone-credentials/protocol.js';
import { hostileString, MARKER } from '../../../reactive/testing/hostile-values.js';
import { osloConfigAvailable, readOsloFiles } from '../../../reactive/testing/real-parsers.js';
import { renderMonitorsConf } from '../src/conf.js';
import { parseOptions, type MonitorOptions, type RawConfig } from '../src/options.js';

const CONFIG: RawConfig = {
  region: 'RegionOne', 'use-internal-endpoints': false, debug: false, 'config-flags': '', 'monitoring-interval': 60,
  'monitoring-samples': 2, 'pacemaker-node-type': 'remote', 'restrict-to-remotes': true, 'api-retry-max': 12,
  'api-retry-interval': 10, 'enable-host-monitor': true, 'enable-instance-monitor': true,
};

const KEYSTONE: Record<string, string> = {
  auth_host: '10.5.0.10', auth_port: '35357', auth_protocol: 'http', credentials_host: 'fd00::10', credentials_port: '5000',
  credentials_protocol: 'http', credentials_username: 'masakari-monitors', credentials_password: 'pa$$word', credentials_project: 'services',
  credentials_project_id: 'c0ffee', api_version: '3', region: 'RegionOne', domain: 'service_domain',
  credentials_user_domain_name: 'service_domain', credentials_user_domain_id: 'd0d0',
  credentials_project_domain_name: 'service_domain', credentials_project_domain_id: 'd0d0',
};
const TRICKY = ['pa$$w\\$rd', '"quoted"', "'x'", '%(x)s%', '#;[x]=y:z', '$database', '${a.b}', 'a\\', ' lead', 'trail '];
const FACTS = { fqdn: 'compute-1.maas', corosyncInterface: 'ens4', serviceUser: 'masakari' };

function placeholders(options: MonitorOptions, credentials: Credentials): [MonitorOptions, Credentials] {
  const c = Object.fromEntries(Object.entries(credentials).map(([k, v]) => [k, typeof v === 'string' ? 'v' : v])) as unknown as Credentials;
  return [{ ...options, region: 'v', configFlags: options.configFlags.map(([k]) => [k, 'v'] as const) }, c];
}

describe.skipIf(!osloConfigAvailable())('masakarimonitors.conf (property, oslo.config)', () => {
  it('has exactly the intended keys and keystone values as sent, or the input is refused', async () => {
    const rendered: { text: string; intended: string; credentials: Credentials; flags: number }[] = [];
    let refused = 0;
    const keystoneBag = fc.constantFrom(...Object.keys(KEYSTONE)).chain((k) => hostileString([KEYSTONE[k]!, ...TRICKY]).map((v) => ({ ...KEYSTONE, [k]: v })));
    const flags = fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constant('tempdir=/var/tmp,report_interval=$$x') }, { weight: 2, arbitrary: hostileString(['a=1,b=2', `x=${MARKER}`, 'k=${other}']) });
    const region = fc.oneof({ weight: 4, arbitrary: fc.constant('RegionOne') }, { weight: 1, arbitrary: hostileString(['RegionTwo']) });
    fc.assert(fc.property(keystoneBag, flags, region, (bag, configFlags, region) => {
      const credentials = checkCredentials(bag);
      const options = parseOptions({ ...CONFIG, 'config-flags': configFlags, region });
      if (!credentials.ok || !options.ok) {
        refused++;
        return;
      }
      const [o, c] = placeholders(options.options, credentials.value);
      rendered.push({
        text: renderMonitorsConf(options.options, credentials.value, FACTS),
        intended: renderMonitorsConf(o, c, FACTS),
        credentials: credentials.value,
        flags: options.options.configFlags.length,
      });
    }), { numRuns: 300 });
    const parsed = await readOsloFiles(rendered.flatMap((r) => [r.text, r.intended]));
    let withSubstitutionErrors = 0;
    for (const [i, r] of rendered.entries()) {
      const got = parsed[2 * i]!;
      const intended = parsed[2 * i + 1]!;
      expect(got.keys).toEqual(intended.keys);
      // config-flags values are the operator's and oslo.config substitutes them (documented); keystone's never.
      if (got.error) {
        withSubstitutionErrors++;
        expect(r.flags).toBeGreaterThan(0);
        continue;
      }
      expect(got.values.api!.password).toBe(r.credentials.password);
      expect(got.values.api!.username).toBe(r.credentials.username);
      expect(got.values.api!.project_name).toBe(r.credentials.project);
    }
    console.log(`masakarimonitors.conf property: ${rendered.length} rendered and read back by oslo.config (${withSubstitutionErrors} with an operator's $reference), ${refused} refused`);
    expect(rendered.length).toBeGreaterThan(40);
    expect(refused).toBeGreaterThan(40);
  }, 60_000);
});

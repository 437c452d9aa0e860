/**
 * TLS as the charm serves it, for real: the local-ca stand-in (real openssl) answers the unit's certificate
 * requests, the charm's interface checks the answer, desiredState renders haproxy.cfg and the TLS files, and the
 * packaged haproxy serves them in a network namespace in front of a stand-in API on loopback (python's http.server
 * on 127.0.0.1:15858, where masakari-api listens with TLS on). Checked: https with verification on the API port,
 * the hop between units over TLS (haproxy verifies it against the CA), a wrong CA refused, and a CA rotation with
 * haproxy reloaded under a steady stream of requests, counting the failed ones.
 */
import { request } from 'node:https';
import { connect, type PeerCertificate } from 'node:tls';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalHost } from '../../../../reactive/host/local-host.js';
import { RecordingHost } from '../../../../reactive/testing/recording-host.js';
import { Harness } from '../../../../reactive/testing/harness.js';
import { Templates } from '../../../../reactive/templating.js';
import { decodeConnectionInfo } from '../../../../interfaces/mysql-shared/protocol.js';
import { brokerAccess, decodeBrokerUnit } from '../../../../interfaces/rabbitmq/protocol.js';
import { decodeCredentials } from '../../../../interfaces/keystone/protocol.js';
import { checkAnswer, encodeRequests, type CertificateBundle, type CertRequest } from '../../../../interfaces/tls-certificates/protocol.js';
import { certificateRequests } from '../../../../interfaces/tls-certificates/requests.js';
import { charm as localCa } from '../../../../tests/zaza/charms/local-ca/src/charm.js';
import { realOpenssl } from '../../../../tests/zaza/charms/local-ca/tests/real-openssl.js';
import { TEST_CA_PEM } from '../../../../reactive/decode/tests/tls-fixtures.js';
import { desiredState } from '../../src/files.js';
import { platformFor } from '../../src/platform.js';
import { PEER_CA, tlsPlan } from '../../src/tls.js';
import { NONE } from '../../src/debian-workarounds.js';
import { CHARM_DIR, KEYSTONE_DATA, rabbitData, routerData } from '../fixtures.js';
import { createNetns, deleteNetns, inNetns, type Netns } from './netns.js';
import { run, sleep, startDaemon, stopDaemon, tail, waitFor, type Daemon } from './processes.js';

const LOCAL_CA_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../../tests/zaza/charms/local-ca');
const HOSTNAME = 'masakari-ct-unit';

interface Answer { readonly status: number; readonly issuer: string }

/** One GET over https, verifying against `ca`; the status and the issuer of the certificate served. */
function get(host: string, port: number, ca: string | string[], timeoutMs = 3000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', ca, agent: false, timeout: timeoutMs }, (res) => {
      const issuer = String((res.socket as unknown as { getPeerCertificate(): PeerCertificate }).getPeerCertificate().issuer.CN);
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, issuer }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Whether a plain-text HTTP request to host:port gets an HTTP answer (it must not, on a TLS listener). */
function answersPlain(host: string, port: number): Promise<boolean> {
  return fetch(`http://${host}:${port}/`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status < 500, () => false);
}

/** The TLS handshake alone on host:port, verified against `ca`: the leaf's issuer, or the error code. */
function handshake(host: string, port: number, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, ca }, () => {
      const cn = String(socket.getPeerCertificate().issuer.CN);
      socket.end();
      resolve(`ok ${cn}`);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code ?? e.message}`));
  });
}

describe('masakari TLS through the packaged haproxy with a real openssl CA', () => {
  let root: string;
  let ns: Netns;
  const mounts: Record<string, string> = {};
  const createdDirs: string[] = [];
  let caHost: RecordingHost;
  let ca: Harness<string, typeof localCa.endpointClasses>;
  let relation: string;
  let requests: CertRequest[];
  let bundle: CertificateBundle;
  const daemons: Daemon[] = [];
  let haproxy: Daemon;

  /** What the local-ca stand-in has on the relation for masakari/0, checked by the charm's interface. */
  function currentBundle(): CertificateBundle {
    const checked = checkAnswer('local-ca/0', ca.relationData(relation), 'masakari/0', requests, new Date());
    if (!checked.ok) throw new Error(`local-ca answer refused: ${JSON.stringify({ missing: checked.missing, invalid: checked.invalid })}`);
    return checked.value;
  }

  /** haproxy.cfg and the TLS files exactly as desiredState renders them, written into the namespace's /etc/haproxy. */
  async function renderHaproxy(b: CertificateBundle, peerCaOverride?: string, only?: string): Promise<void> {
    const templates = new Templates(join(CHARM_DIR, 'templates'));
    const access = brokerAccess({ username: 'masakari', vhost: 'masakari' }, [decodeBrokerUnit('rabbitmq-server/0', rabbitData(9))!]);
    const state = await desiredState({
      platform: platformFor('debian'), config: { 'haproxy-client-timeout': 90000, 'haproxy-server-timeout': 90000, 'haproxy-queue-timeout': 9000, 'haproxy-connect-timeout': 9000 },
      db: decodeConnectionInfo(routerData(), 'masakari/0')!, amqp: access!, keystone: decodeCredentials(KEYSTONE_DATA)!,
      backends: [{ unit: 'masakari/0', address: ns.nsAddress }], workers: 1, statsPassword: 'ct-stats-pw', workarounds: NONE,
      tls: tlsPlan({}, b, HOSTNAME, existsSync(join(mounts['/etc/haproxy']!, 'masakari-tls/ca.pem')) ? readFileSync(join(mounts['/etc/haproxy']!, 'masakari-tls/ca.pem'), 'utf8') : null),
    }, (t, c) => templates.render(t, c));
    const host = new LocalHost();
    for (const f of state.files.filter((file) => file.path.startsWith('/etc/haproxy/') && (only === undefined || file.path === only))) {
      const content = f.path === PEER_CA && peerCaOverride ? peerCaOverride : f.content;
      await host.writeFile(join(mounts['/etc/haproxy']!, f.path.slice('/etc/haproxy/'.length)), content, f.options);
    }
  }

  /** haproxy's master-worker reload: a new worker takes the listening sockets over from the old one. */
  async function reloadHaproxy(): Promise<void> {
    process.kill(haproxy.pid, 'SIGUSR2');
    await sleep(500);
  }

  beforeAll(async () => {
    root = mkdtempSync('/var/tmp/masakari-tls-ct-');
    ns = await createNetns(String((process.pid % 9000) + 1000));
    for (const dir of ['/etc/haproxy', '/run/haproxy']) {
      const mirror = join(root, dir.replace(/\//g, '_'));
      mkdirSync(mirror, { recursive: true });
      if (!existsSync(dir)) { mkdirSync(dir, { recursive: true }); createdDirs.push(dir); }
      mounts[dir] = mirror;
    }
    caHost = realOpenssl(new RecordingHost({ hostname: 'local-ca-0' }));
    ca = new Harness(localCa, { charmDir: LOCAL_CA_DIR, unit: 'local-ca/0', host: caHost });
    await ca.beginWithInitialHooks();
    requests = certificateRequests({ hostname: HOSTNAME, address: ns.nsAddress, bindings: { public: { address: ns.nsAddress }, internal: { address: ns.nsAddress }, admin: { address: ns.nsAddress } } });
    relation = await ca.addRelation('certificates', 'masakari', { units: { 'masakari/0': encodeRequests('masakari/0', requests) as Record<string, string> } });
    bundle = currentBundle();
    await renderHaproxy(bundle);

    const api = join(root, 'api');
    mkdirSync(api, { recursive: true });
    writeFileSync(join(api, 'index.html'), 'masakari-api stand-in\n');
    const apiDaemon = startDaemon('api', inNetns(ns, {}, ['python3', '-m', 'http.server', '15858', '--bind', '127.0.0.1', '--directory', api]), join(root, 'api.log'));
    daemons.push(apiDaemon);
    // The API must answer before haproxy's first check: a server that fails its first check starts out down.
    await waitFor('the stand-in API on 127.0.0.1:15858', async () => (await run(['ip', 'netns', 'exec', ns.name, 'ss', '-Hltn', 'sport = :15858'])).includes('127.0.0.1:15858'), 30_000, apiDaemon);
    haproxy = startDaemon('haproxy', inNetns(ns, mounts, ['haproxy', '-W', '-db', '-f', '/etc/haproxy/haproxy.cfg']), join(root, 'haproxy.log'));
    daemons.push(haproxy);
    await waitFor('haproxy serving https on 15868', async () => (await get(ns.nsAddress, 15868, bundle.ca)).status === 200, 30_000, haproxy);
  }, 120_000);

  afterAll(async () => {
    for (const d of daemons.reverse()) await stopDaemon(d);
    if (ns) await deleteNetns(ns);
    ca?.cleanup();
    for (const dir of createdDirs) rmSync(dir, { recursive: true, force: true });
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('serves the API over https with the relation\'s certificate, verified against its CA', async () => {
    const answer = await get(ns.nsAddress, 15868, bundle.ca);
    expect(answer).toEqual({ status: 200, issuer: 'Local CA (functional suite)' });
    console.log(`https://${ns.nsAddress}:15868/ -> ${answer.status}, certificate issued by ${answer.issuer}`);
  });

  it('refuses a client that trusts another CA', async () => {
    await expect(get(ns.nsAddress, 15868, TEST_CA_PEM)).rejects.toMatchObject({ code: expect.stringMatching(/UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/) });
  });

  it('carries the hop between units over TLS only: the backend port speaks TLS and no plain HTTP', async () => {
    expect(await handshake(ns.nsAddress, 15858, bundle.ca)).toBe('ok Local CA (functional suite)');
    expect(await answersPlain(ns.nsAddress, 15858)).toBe(false);
  });

  it('haproxy verifies the other units\' backends: with a CA that did not sign them, the API is unavailable', async () => {
    await renderHaproxy(bundle, TEST_CA_PEM);
    await reloadHaproxy();
    const ms = await waitFor('haproxy marking the backend down', async () => (await get(ns.nsAddress, 15868, bundle.ca)).status === 503, 30_000, haproxy);
    console.log(`backend verified against a foreign CA: 503 after ${ms} ms`);
    await renderHaproxy(bundle);
    await reloadHaproxy();
    await waitFor('backend up again', async () => (await get(ns.nsAddress, 15868, bundle.ca)).status === 200, 30_000, haproxy);
  }, 60_000);

  it('rotates the CA under load: rotate-ca, files rewritten, haproxy reloaded, zero failed requests', async () => {
    const oldCa = bundle.ca;
    let ok = 0;
    let slowest = 0;
    const failures: string[] = [];
    const issuers = new Set<string>();
    let running = true;
    let trust: string[] = [oldCa];
    const t0 = Date.now();
    const load = (async () => {
      while (running) {
        const at = Date.now() - t0;
        try {
          // A client's own time-out (keystoneauth's default is none; the monitors retry): slow is not failed.
          const a = await get(ns.nsAddress, 15868, trust, 30_000);
          slowest = Math.max(slowest, Date.now() - t0 - at);
          if (a.status === 200) { ok++; issuers.add(a.issuer); } else failures.push(`status ${a.status}`);
        } catch (e) {
          failures.push(`${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (sent at +${at} ms)`);
        }
        await sleep(20);
      }
    })();
    await sleep(1000);
    const rotated = await ca.runAction('rotate-ca');
    expect(rotated).toMatchObject({ failed: false, results: { reissued: 1 } });
    const next = currentBundle();
    expect(next.ca).not.toBe(oldCa);
    // Clients learn the new CA (the monitors from their relation) while the old certificate is still served.
    trust = [oldCa, next.ca];
    await sleep(500);
    // The charm's order (charm.ts trustBeforeServing): the new CA trusted and reloaded, then the new certificate.
    console.log(`reloads at +${Date.now() - t0} ms`);
    await renderHaproxy(next, undefined, PEER_CA);
    await reloadHaproxy();
    await renderHaproxy(next);
    await reloadHaproxy();
    await sleep(2000);
    trust = [next.ca];
    await sleep(1500);
    running = false;
    await load;
    console.log(`CA rotation under load: ${ok} requests answered (slowest ${slowest} ms), ${failures.length} failed${failures.length ? ` (${failures.slice(0, 5).join(', ')})` : ''}; haproxy log tail:\n${tail(haproxy.log, 5)}`);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(50);
    expect((await get(ns.nsAddress, 15868, next.ca)).status).toBe(200);
    await expect(get(ns.nsAddress, 15868, oldCa)).rejects.toBeTruthy();
    bundle = next;
  }, 60_000);
});

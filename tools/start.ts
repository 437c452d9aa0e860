/**
 * `npm start [-- --model NAME] [--no-fencing]`: on a fresh machine, build the charms and stand-ins, prepare the
 * local model (machine image, apt archive), deploy the local base + masakari overlay, wait until it settles,
 * add MAAS fencing and segments, then print the status and how to run the failover demo. Every step says what
 * it does and how long it took; a failure says what to do next.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildAll } from './build/main.js';
import { installHostPackages } from './prereqs/install.js';
import { startPackages } from './prereqs/packages.js';
import { checkHostPrerequisites, createModelNetwork, prepareArchive, prepareImage, type ProgressEvent } from '../localmodel/machines/index.js';
import { buildStandins, repoRoot } from '../deploy/standins.js';
import { JujuCli } from '../deploy/driver.js';
import { resolveDotted, type StepFunction, type SuiteContext } from '../deploy/context.js';
import { waitForApplicationStates } from '../deploy/model.js';
import { renderOverlays, environmentVars } from '../deploy/overlays.js';
import { parseTestsYaml } from '../deploy/tests-yaml.js';

/** The suite's configure steps the demo needs, by their tests.yaml names: the deploy driver knows no test code. */
const FENCING_STEPS = ['functest.setup.enableMaasFencing', 'functest.setup.createSegments'];

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
const say = (line: string) => console.log(`[${elapsed()}] ${line}`);

async function step<T>(title: string, n: number, total: number, run: () => Promise<T>, hint: string): Promise<T> {
  const t0 = Date.now();
  say(`(${n}/${total}) ${title} ...`);
  try {
    const value = await run();
    say(`(${n}/${total}) ${title}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return value;
  } catch (err) {
    throw new Error(`${title} failed: ${(err as Error).message}\nnext: ${hint}`);
  }
}

function progressPrinter(prefix: string): (e: ProgressEvent) => void {
  let last = '';
  return (e) => {
    const line = `${prefix}: ${e.step}${e.total ? ` ${e.done ?? 0}/${e.total}` : ''}${e.detail ? ` (${e.detail})` : ''}`;
    if (line !== last) say(`    ${line}`);
    last = line;
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string', default: 'masakari' }, 'no-fencing': { type: 'boolean' } } });
  const model = values.model!;
  const total = values['no-fencing'] ? 6 : 7;
  if (process.getuid?.() !== 0) throw new Error('npm start needs root: the local model creates network namespaces and containers.\nnext: sudo npm start');
  const cli = JujuCli.create('juju-local', repoRoot, (l) => say(`    ${l}`));
  const existing = await cli.run(['status', '-m', model, '--format', 'json'], { quiet: true });
  if (existing.code === 0) {
    say(`model "${model}" exists already; showing its status (destroy it with: bin/juju-local destroy-model ${model} -y)`);
    console.log((await cli.run(['status', '-m', model])).stdout);
    return;
  }

  await step('installing missing host packages (tools/prereqs, the start sets)', 1, total, async () => {
    await installHostPackages(startPackages, (l) => say(`    ${l}`));
    await checkHostPrerequisites();
  }, 'install what the message names with apt-get (is apt working: apt-get update?), then run npm start again');
  await step('building the charms and the stand-ins', 2, total, async () => {
    const result = await buildAll({ projectRoot: repoRoot, log: (l) => say(`    ${l}`) });
    if (result.failed.size > 0) throw new Error([...result.failed].map(([n, e]) => `${n}: ${e}`).join('; '));
    for (const name of ['masakari', 'hacluster-ext', 'pacemaker-remote', 'masakari-monitors']) {
      if (!existsSync(join(repoRoot, 'build', `${name}.charm`))) throw new Error(`build/${name}.charm was not built (charms/${name} has no metadata.yaml yet?)`);
    }
    await buildStandins((l) => say(`    ${l}`));
  }, 'fix the build error above and run npm start again');
  await step('preparing the machine image (debootstrap once, then cached)', 3, total, () => prepareImage(progressPrinter('image')), 'check the Debian mirror in /etc/apt/sources.list is reachable, then run npm start again');
  await step('preparing the local apt archive (downloads once, then cached)', 4, total, () => prepareArchive(progressPrinter('archive')), 'check apt works on the host (apt-get update), then run npm start again');

  const config = parseTestsYaml(join(repoRoot, 'tests/zaza/tests.yaml'));
  const bundle = config.smoke[0]!;
  await step(`deploying ${bundle.name} into model "${model}"`, 5, total, async () => {
    await cli.addModel(model);
    const network = await createModelNetwork(model);
    const vip = `${network.cidr.split('/')[0]!.split('.').slice(0, 3).join('.')}.250`;
    const overlays = renderOverlays(config.dir, bundle.name, { ...environmentVars(), TEST_VIP00: process.env.TEST_VIP00 ?? vip }, join('/var/tmp', `masakari-start-${model}`));
    say(`    model network ${network.cidr}, masakari VIP ${process.env.TEST_VIP00 ?? vip}`);
    await cli.deploy(model, bundle.base, [...bundle.overlays, ...overlays]);
  }, `look at bin/juju-local status -m ${model}; destroy with bin/juju-local destroy-model ${model} -y and run npm start again`);
  const waitStart = Date.now();
  await step('waiting for every unit to settle (first run: packages install inside the machines)', 6, total,
    () => waitForApplicationStates(cli, model, config.targetDeployStatus, 3_600_000, (l) => say(`    ${l}`)),
    `bin/juju-local status -m ${model} shows which unit is stuck; bin/juju-local debug-log -m ${model} --replay says why`);
  const deploySeconds = (Date.now() - waitStart) / 1000;

  if (!values['no-fencing']) {
    await step('adding MAAS fencing (emulated MAAS) and masakari segments', 7, total, async () => {
      const ctx: SuiteContext = {
        model, alias: 'default_alias', cli, config, vars: {}, facts: {}, log: (l) => say(`    ${l}`), timings: [], cleanups: [], mark: () => undefined,
      };
      for (const name of FENCING_STEPS) await (await resolveDotted<StepFunction>(config.dir, name, 'function'))(ctx);
    }, `bin/juju-local status -m ${model}; the MAAS emulator logs to /var/tmp/zaza-maas-${model}/maas.log`);
  }

  console.log((await cli.run(['status', '-m', model])).stdout);
  say(`ready: settled ${deploySeconds.toFixed(0)} s after deploy, ${elapsed().trim()} in total`);
  console.log([
    '',
    'Failover demo (an HA_Enabled instance on the first compute host, whose pacemaker-remoted is killed):',
    `  bin/functest-test -m ${model} -t functest.failover.HostFailureTest`,
    '  prints: kill → fenced (machine powered off through MAAS) → notified → evacuated, with each step\'s time.',
    'Look around:',
    `  bin/juju-local status -m ${model}`,
    `  bin/juju-local exec -m ${model} --unit hacluster/0 -- crm status`,
    `  bin/juju-local run -m ${model} masakari/leader list-segments`,
    `Remove it: bin/juju-local destroy-model ${model} -y`,
  ].join('\n'));
}

main().catch((err: Error) => {
  console.error(`\nnpm start: ${err.message}`);
  process.exit(1);
});

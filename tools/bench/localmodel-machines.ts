/**
 * Wall times of the local model's machine layer: image build cold vs cached, optionally the apt archive cold
 * (--archive: downloads everything from the mirror, ~170 MB), machine start in parallel, the overhead of one
 * command inside a machine, power off/on, and destroy. Cold builds go to a scratch cache that is removed after.
 *
 *   node --import ./tools/ts-register.mjs tools/bench/localmodel-machines.ts [--archive] [--machines N]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import {
  destroyModel, execInMachine, powerOff, powerOn, prepareArchive, prepareImage, startMachine, type Progress,
} from '../../localmodel/machines/index.js';

const args = process.argv.slice(2);
const withArchive = args.includes('--archive');
const machineCount = Number(args[args.indexOf('--machines') + 1] ?? 3) || 3;
const quiet: Progress = () => {};

async function timed<T>(label: string, action: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  const result = await action();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${label.padEnd(48)} ${seconds.toFixed(2).padStart(8)} s`);
  return result;
}

async function coldCaches(): Promise<void> {
  const saved = process.env.LOCALMODEL_CACHE;
  const scratch = await mkdtemp('/var/tmp/lm-bench-cache-');
  process.env.LOCALMODEL_CACHE = scratch;
  try {
    await timed('image: cold build (debootstrap + recipe)', () => prepareImage(quiet));
    await timed('image: warm (cache hit)', () => prepareImage(quiet));
    if (withArchive) {
      process.env.LOCALMODEL_HOST_APT_CACHE = '';
      const info = await timed('archive: cold (mirror only, no host apt cache)', () => prepareArchive(quiet));
      console.log(`${''.padEnd(48)} ${info.packages} packages, ${(info.bytes / 1e6).toFixed(0)} MB`);
      await timed('archive: warm (nothing new)', () => prepareArchive(quiet));
      delete process.env.LOCALMODEL_HOST_APT_CACHE;
    }
  } finally {
    if (saved === undefined) delete process.env.LOCALMODEL_CACHE;
    else process.env.LOCALMODEL_CACHE = saved;
    await rm(scratch, { recursive: true, force: true });
  }
}

async function machineTimes(): Promise<void> {
  const model = `bench-${process.pid}`;
  await prepareImage(quiet);
  try {
    const machines = await timed(`machines: start ${machineCount} in parallel (to running)`, () =>
      Promise.all(Array.from({ length: machineCount }, (_, i) => startMachine({ model, id: String(i), hostname: `bench-${i}` }, quiet))));
    const first = machines[0];
    if (!first) return;
    const rounds = 20;
    const start = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) await execInMachine(first, ['true']);
    console.log(`${'exec: one command inside (mean of 20)'.padEnd(48)} ${(Number(process.hrtime.bigint() - start) / 1e6 / rounds).toFixed(1).padStart(8)} ms`);
    await timed('power: hard off', () => powerOff(first));
    await timed('power: on (to running)', () => powerOn(first, quiet));
    await timed('power: graceful off', () => powerOff(first, { graceful: true }));
    await timed(`destroy model (${machineCount - 1} running, 1 off)`, () => destroyModel(model));
  } catch (error) {
    await destroyModel(model).catch(() => undefined);
    throw error;
  }
}

await coldCaches();
await machineTimes();

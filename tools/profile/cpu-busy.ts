/**
 * How much CPU the whole machine spent, from /proc/stat: read once (deploy-cpu) or sampled along a run (the parallel
 * benchmark, which asks afterwards how busy the cores were up to the moment a deploy settled). And the floor that
 * the cores put under running N models at once.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc/stat and /proc/<pid>/stat times. */
export const TICKS_PER_SECOND = 100;

export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

/** The aggregate `cpu` line of /proc/stat, in seconds. */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no aggregate "cpu" line');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const s = (ticks: number) => ticks / TICKS_PER_SECOND;
  return { user: s(user), nice: s(nice), system: s(system), idle: s(idle), iowait: s(iowait), irq: s(irq), softirq: s(softirq), steal: s(steal) };
}

/** CPU-seconds in which a core ran something (everything but idle and waiting for I/O). */
export function busySeconds(t: CpuTimes): number {
  return t.user + t.nice + t.system + t.irq + t.softirq + t.steal;
}

/** One look at the machine: seconds since the recording began, busy CPU-seconds since then. */
export interface BusySample {
  readonly at: number;
  readonly busy: number;
}

/** Busy CPU-seconds from the start until `seconds`, interpolated between the samples around it. */
export function busyAt(samples: readonly BusySample[], seconds: number): number {
  if (samples.length === 0) throw new Error('busyAt: no samples were recorded');
  const after = samples.findIndex((s) => s.at >= seconds);
  if (after === -1) return samples[samples.length - 1]!.busy;
  if (after === 0) return samples[0]!.busy;
  const a = samples[after - 1]!;
  const b = samples[after]!;
  return a.busy + ((b.busy - a.busy) * (seconds - a.at)) / (b.at - a.at);
}

/** Samples /proc/stat every `intervalMs` until stopped; the first sample (at 0 s, busy 0) is taken at once. */
export class BusyRecorder {
  private readonly samples: BusySample[] = [];
  private readonly started = performance.now();
  private readonly base: number;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 1_000, private readonly read = () => readFileSync('/proc/stat', 'utf8')) {
    this.base = busySeconds(parseProcStat(this.read()));
    this.samples.push({ at: 0, busy: 0 });
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    this.samples.push({ at: (performance.now() - this.started) / 1000, busy: busySeconds(parseProcStat(this.read())) - this.base });
  }

  /** Stops sampling (after one last sample) and returns what was recorded. */
  stop(): readonly BusySample[] {
    clearInterval(this.timer);
    this.sample();
    return this.samples;
  }
}

export interface FloorInput {
  /** Cores of the machine. */
  readonly cores: number;
  /** Busy CPU-seconds of the whole machine while one model deployed. */
  readonly deployCpu: number;
  /** Seconds until that one model's deploy settled. */
  readonly deploy: number;
  /** Seconds the one model's whole run took (deploy, configure, tests). */
  readonly wall: number;
}

/**
 * The least time `copies` models can take together, as a multiple of one model's: every deploy's CPU-seconds must be
 * spent before the last model can begin its tests, and those tests take at least as long as they did alone. The
 * deploys are assumed to share the cores perfectly and to cost no more CPU together than apart, so a measured
 * ratio above this floor is contention (or scheduling), and one below it is impossible on these cores.
 */
export function parallelFloor(input: FloorInput, copies = 2): number {
  const { cores, deployCpu, deploy, wall } = input;
  const afterDeploy = wall - deploy;
  const deploys = Math.max(deploy, (copies * deployCpu) / cores);
  return (deploys + afterDeploy) / wall;
}

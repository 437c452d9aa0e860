/**
 * Framework overhead: the wall time of one whole idle `update-status` of a built charm (dispatch script →
 * Node → bundle → flags → status) next to `node -e 0`, measured alternately in the same run, and the number of
 * hook-tool calls that hook makes. Hook tools are tiny shell scripts on PATH that answer at once and log their
 * name, so the figure is the framework's own cost. Goal (issue 2): ratio <= 1.5, <= 3 tool calls.
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { buildCharm } from '../build/assemble.js';
import { readCharmSource } from '../build/charm-source.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'bench-framework-'));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

try {
  const built = join(work, 'build');
  await buildCharm(readCharmSource(join(root, 'tools/bench/fixtures/idle-charm')), { projectRoot: root, outDir: built, log: () => undefined });
  const charmDir = join(work, 'unit', 'charm');
  mkdirSync(join(work, 'unit'), { recursive: true });
  cpSync(join(built, 'idle-charm'), charmDir, { recursive: true, verbatimSymlinks: true });

  const tools = join(work, 'tools');
  const callLog = join(work, 'calls.log');
  mkdirSync(tools);
  const answers: Record<string, string> = {
    'is-leader': 'true',
    'config-get': '{"debug":false,"region":"RegionOne","worker-multiplier":null}',
    'leader-get': '{}',
    'relation-ids': '[]',
    'relation-list': '[]',
    'status-set': '',
    'juju-log': '',
  };
  for (const [tool, answer] of Object.entries(answers)) {
    const path = join(tools, tool);
    writeFileSync(path, `#!/bin/sh\necho ${tool} >> ${callLog}\n${answer ? `echo '${answer}'\n` : ''}`);
    chmodSync(path, 0o755);
  }
  const env = {
    PATH: `${tools}:${process.env.PATH}`,
    JUJU_UNIT_NAME: 'idle-charm/0',
    JUJU_CHARM_DIR: charmDir,
    JUJU_MODEL_NAME: 'bench',
  };
  const hook = (name: string) => execa(join(charmDir, 'dispatch'), [], { cwd: charmDir, env: { ...env, JUJU_DISPATCH_PATH: `hooks/${name}`, JUJU_HOOK_NAME: name } });

  for (const name of ['install', 'config-changed', 'start', 'update-status']) await hook(name);
  writeFileSync(callLog, '');
  await hook('update-status');
  const calls = readFileSync(callLog, 'utf8').trim().split('\n').filter(Boolean);

  const nodeTimes: number[] = [];
  const hookTimes: number[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    let t = performance.now();
    await execa(process.execPath, ['-e', '0']);
    nodeTimes.push(performance.now() - t);
    t = performance.now();
    await hook('update-status');
    hookTimes.push(performance.now() - t);
  }
  const ratio = median(hookTimes) / median(nodeTimes);
  console.log(`framework: idle update-status of a built charm vs node -e 0, ${ROUNDS} alternating rounds, medians`);
  console.log(`  node -e 0            ${median(nodeTimes).toFixed(1)} ms`);
  console.log(`  update-status        ${median(hookTimes).toFixed(1)} ms   (dispatch script + bundle, ${process.version})`);
  console.log(`  ratio                ${ratio.toFixed(2)}   (goal <= 1.5)`);
  console.log(`  hook-tool calls      ${calls.length}   (${calls.join(', ') || 'none'}; goal <= 3)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

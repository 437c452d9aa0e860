/** Talking to a model's agent over its control socket, and starting it (detached, PID recorded) when needed. */
import { request } from 'node:http';
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../repo.js';
import { jujuLocalHome, modelPaths } from '../model/store.js';
import { commandLine } from '../model/processes.js';
import lockfile from 'proper-lockfile';

export { REPO };

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function agentPid(model: string, home = jujuLocalHome()): number | undefined {
  const p = modelPaths(model, home).pid;
  if (!existsSync(p)) return undefined;
  const pid = Number(readFileSync(p, 'utf8').trim());
  // Only this model's agent counts: after a crash the PID may belong to someone else's process.
  const cmd = commandLine(pid);
  return pid > 0 && pidAlive(pid) && (cmd.includes(`localmodel/agent/launch.mjs ${model} `) || cmd.includes(`localmodel/agent/main.ts ${model} `)) ? pid : undefined;
}

export function call<T = unknown>(model: string, verb: string, body: unknown = {}, home = jujuLocalHome(), timeoutMs = 600_000): Promise<T> {
  const socketPath = modelPaths(model, home).control;
  const payload = JSON.stringify(body);
  return new Promise((resolvePromise, reject) => {
    const req = request({ socketPath, path: `/${verb}`, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          const reply = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ok: boolean; result?: T; error?: string };
          if (reply.ok) resolvePromise(reply.result as T);
          else reject(new Error(reply.error));
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`the model agent did not answer "${verb}" within ${timeoutMs / 1000}s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Makes sure the model's agent runs; starts it in the background if not. Returns its PID. */
export async function ensureAgent(model: string, home = jujuLocalHome()): Promise<number> {
  // Not answering yet: decide under the lock below.
  const running = await answeringAgent(model, home);
  if (running) return running;
  // Two CLI calls finding the agent dead at once must not start two agents: one starts it, the other waits.
  const release = await lockfile.lock(modelPaths(model, home).dir, {
    lockfilePath: join(modelPaths(model, home).dir, '.agent.lock'),
    retries: { retries: 600, minTimeout: 50, maxTimeout: 200 },
    stale: 120_000,
  });
  try {
    return await startAgentLocked(model, home);
  } finally {
    await release();
  }
}

/** The PID of the model's agent when it answers a ping, else null. */
async function answeringAgent(model: string, home: string): Promise<number | null> {
  const running = agentPid(model, home);
  if (!running) return null;
  return call(model, 'ping', {}, home, 5_000).then(() => running, () => null);
}

async function startAgentLocked(model: string, home: string): Promise<number> {
  const running = await answeringAgent(model, home);
  if (running) return running;
  const paths = modelPaths(model, home);
  // An agent process that is alive but did not answer within the ping's timeout (one another CLI call just started,
  // still loading on a busy machine) is waited for below, never joined by a second agent.
  let child: ReturnType<typeof spawn> | undefined;
  if (agentPid(model, home) === undefined) {
    const logFd = openSync(paths.agentLog, 'a');
    child = spawn(
      process.execPath,
      [join(REPO, 'localmodel/agent/launch.mjs'), model],
      { cwd: REPO, detached: true, stdio: ['ignore', logFd, logFd], env: { ...process.env, JUJU_LOCAL_HOME: home } },
    );
    child.unref();
    closeSync(logFd);
  }
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const r = await call<{ pid: number }>(model, 'ping', {}, home, 2_000);
      return r.pid;
    } catch {
      if (child ? child.exitCode !== null : agentPid(model, home) === undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const log = existsSync(paths.agentLog) ? readFileSync(paths.agentLog, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new Error(`the model agent did not start; its log (${paths.agentLog}) ends with:\n${log}`);
}

/** Entry point of a model's background agent: `main.ts <model>` (JUJU_LOCAL_HOME selects the store). */
import { rmSync } from 'node:fs';
import { Agent } from './agent.js';
import { serveControl } from './control.js';

const model = process.argv[2];
if (!model) {
  process.stderr.write('usage: agent/main.ts <model>\n');
  process.exit(2);
}

const agent = new Agent(model);
agent.recordPid();
let exiting = false;
const server = await serveControl(agent, agent.paths.control, (destroy) => void exit(destroy));

async function exit(destroy: boolean): Promise<void> {
  if (exiting) return;
  exiting = true;
  server.close();
  try {
    await agent.stop(destroy);
  } catch (error) {
    agent.dlog.write('model', 'ERROR', 'juju.agent', `stopping: ${(error as Error).message}`);
    process.exitCode = 1;
  }
  rmSync(agent.paths.control, { force: true });
  rmSync(agent.paths.pid, { force: true });
  agent.dlog.write('model', 'INFO', 'juju.agent', destroy ? 'model destroyed' : 'agent stopped');
  process.exit();
}

process.on('SIGTERM', () => void exit(false));
process.on('SIGINT', () => void exit(false));
process.on('uncaughtException', (error) => {
  agent.dlog.write('model', 'ERROR', 'juju.agent', `uncaught: ${error.stack ?? error.message}`);
});
process.on('unhandledRejection', (error) => {
  agent.dlog.write('model', 'ERROR', 'juju.agent', `unhandled: ${(error as Error)?.stack ?? String(error)}`);
});
await agent.start();

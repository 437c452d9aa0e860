/**
 * `node --import ./tools/ts-register.mjs tests/zaza/emulators/nova/cli.ts --listen 10.0.0.5 --port 8774
 *   --keystone-url http://10.0.0.4:5000/v3 [--log /var/log/nova-emulator/requests.log] [--state /var/lib/...json]`
 * Also bundled into the nova-cloud-controller stand-in charm, which runs it as a systemd service.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { NovaEmulator } from './server.js';
import type { AuthMode } from './auth.js';

const usage = `usage: nova-emulator --listen ADDR --port N (--keystone-url URL | --shared-secret-file FILE)
  [--controller-host NAME] [--service-down-time S] [--action-delay-ms MS] [--log FILE] [--state FILE]
  [--control-secret-file FILE]`;

export async function main(argv: string[]): Promise<NovaEmulator> {
  const { values } = parseArgs({
    args: argv,
    options: {
      listen: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8774' },
      'keystone-url': { type: 'string' },
      'shared-secret-file': { type: 'string' },
      'controller-host': { type: 'string' },
      'service-down-time': { type: 'string', default: '60' },
      'action-delay-ms': { type: 'string', default: '1000' },
      log: { type: 'string' },
      state: { type: 'string' },
      'control-secret-file': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: '${values.port}' is not a port number (0-65535)\n${usage}`);
  const downTime = Number(values['service-down-time']);
  if (!(downTime > 0)) throw new Error(`--service-down-time: '${values['service-down-time']}' must be a positive number of seconds`);
  const delay = Number(values['action-delay-ms']);
  if (!(delay >= 0)) throw new Error(`--action-delay-ms: '${values['action-delay-ms']}' must be zero or more milliseconds`);
  let auth: AuthMode;
  if (values['keystone-url']) auth = { kind: 'keystone', url: values['keystone-url'] };
  else if (values['shared-secret-file']) auth = { kind: 'shared-secret', secret: readFileSync(values['shared-secret-file'], 'utf8').trim() };
  else throw new Error(`one of --keystone-url or --shared-secret-file is required\n${usage}`);
  const emulator = new NovaEmulator({
    auth, controllerHost: values['controller-host'], serviceDownTimeMs: downTime * 1000, actionDelayMs: delay,
    logFile: values.log, stateFile: values.state,
    controlSecret: values['control-secret-file'] ? readFileSync(values['control-secret-file'], 'utf8').trim() : undefined,
  });
  const { url } = await emulator.listen(port, values.listen!);
  console.log(`nova emulator listening on ${url} (auth: ${auth.kind})`);
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return emulator;
}

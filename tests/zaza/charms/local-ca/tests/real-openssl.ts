/** Runs the openssl a charm asks for for real, with machine paths mapped under the recording host's root. */
import { spawnSync } from 'node:child_process';
import type { RecordingHost } from '../../../../../reactive/testing/recording-host.js';

export function realOpenssl(host: RecordingHost): RecordingHost {
  return host.onCommand('openssl', (argv, input) => {
    const mapped = argv.slice(1).map((a) => (a.startsWith('/var/') ? host.pathOnDisk(a) : a));
    const run = spawnSync('openssl', mapped, { input: input ?? '', encoding: 'utf8' });
    return { exitCode: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
  });
}

/**
 * Scripted pacemaker CLI for harness tests: `cibadmin --query/--replace` backed by one CIB document in memory,
 * where every replacement is checked by the real `crm_verify` (it must pass, as on a live cluster);
 * `crm_node -l` answers the given membership. Counts the invocations a hook made.
 */
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordingHost } from '../../../../reactive/testing/recording-host.js';
import { emptyConfiguration, onlineCib } from '../../../../tests/lab/cluster/cib-text.js';

const EMPTY = emptyConfiguration({ 'dc-version': '2.1.5-a3f44794f94', 'cluster-infrastructure': 'corosync' });

export class FakePacemaker {
  configuration = EMPTY;
  epoch = 1;
  replaced = 0;
  verifyFailures: string[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'hacl-fake-cib-'));

  constructor(public members: string[], private readonly options: { verify?: boolean } = {}) {}

  /** Node ids 1000.. as the charm's corosync.conf numbers its units; every member online. */
  cib(): string {
    return onlineCib(this.configuration, this.members, { idBase: 1000, epoch: this.epoch });
  }

  install(host: RecordingHost): this {
    host.onCommand(['cibadmin', '--query'], () => ({ exitCode: 0, stdout: this.cib(), stderr: '' }));
    host.onCommand(['cibadmin', '--replace'], async (_argv, input) => {
      const previous = this.configuration;
      this.configuration = input ?? '';
      const file = join(this.dir, `cib-${this.replaced}.xml`);
      writeFileSync(file, this.cib());
      const verify = this.options.verify === false ? { exitCode: 0, all: '' } : await execa('crm_verify', ['-x', file, '-V'], { reject: false, all: true });
      if (verify.exitCode !== 0) {
        this.verifyFailures.push(verify.all ?? '');
        this.configuration = previous;
        return { exitCode: 1, stdout: '', stderr: `crm_verify rejected the configuration: ${verify.all ?? ''}` };
      }
      this.replaced++;
      this.epoch++;
      return { exitCode: 0, stdout: '', stderr: '' };
    });
    host.onCommand(['crm_node', '-l'], () => ({
      exitCode: 0, stdout: this.members.map((m, i) => `${1000 + i} ${m} member`).join('\n'), stderr: '',
    }));
    host.onCommand(['systemctl', 'daemon-reload'], () => ({ exitCode: 0, stdout: '', stderr: '' }));
    host.onCommand('corosync-cfgtool', () => ({ exitCode: 0, stdout: '', stderr: '' }));
    return this;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function pacemakerInvocations(host: RecordingHost): string[] {
  const tools = new Set(['cibadmin', 'crm_node', 'crm_resource', 'crm_attribute', 'crm_mon', 'crm_verify', 'crm_diff', 'crm']);
  return host.commands.filter((c) => tools.has(c.argv[0] ?? '')).map((c) => c.argv.slice(0, 2).join(' '));
}

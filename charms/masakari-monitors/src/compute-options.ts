/**
 * The compute-host side of masakari-monitors: where the instance monitor reaches libvirt, and whether the process
 * monitor runs and which processes it watches. Options are decoded here into typed values (problems name the option,
 * never echo its value); process_list.yaml is rendered from them in the shape masakari-monitors ships
 * (etc/masakarimonitors/process_list.yaml.sample: one entry per process, ps -ef name, start/restart commands).
 */
/** Next to masakarimonitors.conf (conf.ts names this path in [process], so it cannot be imported from there). */
export const PROCESS_LIST_PATH = '/etc/masakarimonitors/process_list.yaml';

export interface WatchedProcess {
  /** systemd unit whose start/restart commands bring the process back */
  readonly service: string;
  /** what the process monitor looks for in `ps -ef` (a substring of the command line) */
  readonly processName: string;
}

export interface ComputeOptions {
  readonly libvirtUri: string;
  readonly enableProcessMonitor: boolean;
  readonly processes: readonly WatchedProcess[];
}

export type ComputeOptionsResult =
  | { readonly ok: true; readonly options: ComputeOptions }
  | { readonly ok: false; readonly problems: readonly string[] };

type RawConfig = Readonly<Record<string, unknown>>;

/** driver[+transport]://[host[:port]]/path[?query]: what libvirt's URI parser takes, on one line, no credentials. */
const LIBVIRT_URI = /^[a-z][a-z0-9]*(\+[a-z0-9]+)?:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])?(:[0-9]{1,5})?\/[A-Za-z0-9/._-]*(\?[A-Za-z0-9=&/._-]*)?$/;
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9@._-]{0,127}$/;
/** An absolute command line as ps shows it: printable, no list/pair separators. */
const PROCESS_NAME = /^\/[\x21-\x7e](?:[\x20-\x7e]{0,254})$/;

/** `unit=process name[,unit=process name...]`, e.g. `libvirtd=/usr/sbin/libvirtd,nova-compute=/usr/bin/nova-compute`. */
export function parseWatchedProcesses(text: string): { processes: WatchedProcess[] } | { problem: string } {
  const option = 'process-monitor-processes';
  const processes: WatchedProcess[] = [];
  const seen = new Set<string>();
  for (const piece of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = piece.indexOf('=');
    const service = eq < 0 ? '' : piece.slice(0, eq).trim();
    const processName = eq < 0 ? '' : piece.slice(eq + 1).trim();
    if (!SERVICE.test(service)) return { problem: `${option}: each entry is unit=/absolute/command (a systemd unit name before "=")` };
    if (!PROCESS_NAME.test(processName) || processName.includes(',') || processName.includes('=')) {
      return { problem: `${option}: the process of ${service} must be an absolute command line as ps -ef shows it (printable, no "," or "=")` };
    }
    if (seen.has(service)) return { problem: `${option}: ${service} is given twice` };
    seen.add(service);
    processes.push({ service, processName });
  }
  return { processes };
}

export function parseComputeOptions(config: RawConfig): ComputeOptionsResult {
  const problems: string[] = [];
  const uri = typeof config['libvirt-uri'] === 'string' ? config['libvirt-uri'].trim() : '';
  if (!LIBVIRT_URI.test(uri)) problems.push('libvirt-uri: a libvirt connection URI such as qemu:///system is accepted (one line, no user or password)');
  const enable = config['enable-process-monitor'];
  if (typeof enable !== 'boolean') problems.push('enable-process-monitor: true or false is accepted');
  const listed = parseWatchedProcesses(typeof config['process-monitor-processes'] === 'string' ? config['process-monitor-processes'] : '');
  if ('problem' in listed) problems.push(listed.problem);
  else if (enable === true && listed.processes.length === 0) problems.push('process-monitor-processes: at least one unit=/command entry is needed while enable-process-monitor is true');
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, options: { libvirtUri: uri, enableProcessMonitor: enable === true, processes: 'processes' in listed ? listed.processes : [] } };
}

/** YAML strings as JSON strings (valid YAML flow scalars), so no name can change the document's structure. */
const quoted = (s: string): string => JSON.stringify(s);

export function renderProcessList(processes: readonly WatchedProcess[]): string {
  const lines = ['# Written by the masakari-monitors charm from process-monitor-processes; local changes are overwritten.'];
  for (const p of processes) {
    lines.push(
      '-',
      `    process_name: ${quoted(p.processName)}`,
      `    start_command: ${quoted(`systemctl start ${p.service}`)}`,
      '    pre_start_command:',
      '    post_start_command:',
      `    restart_command: ${quoted(`systemctl restart ${p.service}`)}`,
      '    pre_restart_command:',
      '    post_restart_command:',
      '    run_as_root: true',
    );
  }
  if (processes.length === 0) lines.push('[]');
  return `${lines.join('\n')}\n`;
}

/**
 * Rendered files read back by the real reader of their format, many at once: oslo.config (the Debian package's own
 * parser, as masakari and masakari-monitors read their files) through one Python process for a whole batch, and
 * haproxy's configuration check. Property tests render hundreds of files; one process per batch keeps them fast.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The interpreter that has the distribution's oslo.config (python3-oslo.config, pulled in by masakari-api). */
export const OSLO_PYTHON = '/usr/bin/python3';

export function osloConfigAvailable(): boolean {
  return spawnSync(OSLO_PYTHON, ['-c', 'import oslo_config.cfg'], { stdio: 'ignore' }).status === 0;
}

export interface OsloFile {
  /** Every `[section] key` in file order (duplicates kept: a second one is an injected key). */
  readonly keys: readonly (readonly [string, string])[];
  /** section → key → value as oslo.config hands it to the service (after its `$` substitution). */
  readonly values: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The parser's or the substitution's error, if any. */
  readonly error?: string;
}

/**
 * Each file: its sections and keys as oslo.config's ini parser sees them, then each value as a string option read
 * through a ConfigOpts that loaded the file — so `$name` references and escapes are resolved by oslo.config itself.
 */
const OSLO_SCRIPT = String.raw`
import json, sys, tempfile, os
from oslo_config import cfg, iniparser

class Collect(iniparser.BaseParser):
    def __init__(self):
        self.section = None
        self.keys = []
    def new_section(self, section):
        self.section = section
    def assignment(self, key, value):
        self.keys.append([self.section, key])
    def parse_exc(self, msg, lineno, line=None):
        return ValueError('%s at line %d' % (msg, lineno))

out = []
for text in json.load(sys.stdin):
    entry = {'keys': [], 'values': {}}
    try:
        parser = Collect()
        with tempfile.TemporaryFile('w+', encoding='utf-8') as g:
            g.write(text); g.seek(0)
            parser.parse(g)
        entry['keys'] = parser.keys
        conf = cfg.ConfigOpts()
        for section, key in parser.keys:
            group = None if section == 'DEFAULT' else section
            try:
                conf.register_opt(cfg.StrOpt(key), group=group)
            except cfg.DuplicateOptError:
                pass
        with tempfile.NamedTemporaryFile('w', suffix='.conf', delete=False, encoding='utf-8') as f:
            f.write(text)
        try:
            conf(args=['--config-file', f.name], project='check', default_config_files=[], default_config_dirs=[])
            for section, key in parser.keys:
                group = conf if section == 'DEFAULT' else conf[section]
                entry['values'].setdefault(section, {})[key] = group[key]
        finally:
            os.unlink(f.name)
    except Exception as e:
        entry['error'] = '%s: %s' % (type(e).__name__, e)
    out.append(entry)
json.dump(out, sys.stdout)
`;

/** Runs a program with `input` on stdin; resolves with stdout (rejects on a non-zero exit, with stderr). */
function runWithInput(argv: readonly string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONUTF8: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8'); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${argv[0]} exited ${code}: ${stderr.slice(-2000)}`))));
    child.stdin.end(input);
  });
}

export async function readOsloFiles(texts: readonly string[]): Promise<OsloFile[]> {
  if (texts.length === 0) return [];
  return JSON.parse(await runWithInput([OSLO_PYTHON, '-c', OSLO_SCRIPT], JSON.stringify(texts))) as OsloFile[];
}

export const HAPROXY = '/usr/sbin/haproxy';

/** `haproxy -c -f` on each file (a few at a time); the exit code and output per file, in order. */
export async function checkHaproxyFiles(texts: readonly string[], parallel = 4): Promise<{ exitCode: number; output: string }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'haproxy-check-'));
  try {
    const results: { exitCode: number; output: string }[] = new Array(texts.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < texts.length) {
        const i = next++;
        const path = join(dir, `${i}.cfg`);
        writeFileSync(path, texts[i]!);
        results[i] = await new Promise((resolve) => {
          const child = spawn(HAPROXY, ['-c', '-f', path], { stdio: ['ignore', 'pipe', 'pipe'] });
          let output = '';
          child.stdout.on('data', (d: Buffer) => { output += d.toString('utf8'); });
          child.stderr.on('data', (d: Buffer) => { output += d.toString('utf8'); });
          child.on('close', (code) => resolve({ exitCode: code ?? -1, output }));
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, texts.length) }, worker));
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

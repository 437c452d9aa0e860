/**
 * A tiny but complete charm written into a temporary folder for build tests: every endpoint kind (provides,
 * requires, peers), storage, actions, templates, a build.json extra executable, and a main.ts that bundles the
 * real LocalHost (execa) and js-yaml so running it proves npm dependencies work without node_modules.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../../../..', import.meta.url)));

export interface TinyCharm {
  readonly workDir: string;
  readonly charmsDir: string;
  readonly charmDir: string;
}

const METADATA = `name: tiny
summary: a tiny charm for build tests
description: Tests the build.
subordinate: false
provides:
  website:
    interface: http
requires:
  shared-db:
    interface: mysql-shared
  ha:
    interface: hacluster
    scope: container
peers:
  cluster:
    interface: tiny-peers
storage:
  data:
    type: filesystem
`;

/**
 * `topLevelAwait` (default true) makes src/main.ts need ESM; without it the main bundle is CommonJS and runs
 * through the code-cache start file.
 */
export function writeTinyCharm(options: { topLevelAwait?: boolean } = {}): TinyCharm {
  const topLevelAwait = options.topLevelAwait ?? true;
  const workDir = mkdtempSync(join(tmpdir(), 'build-test-'));
  const charmsDir = join(workDir, 'charms');
  const charmDir = join(charmsDir, 'tiny');
  for (const dir of ['src/tool', 'templates/sub']) mkdirSync(join(charmDir, dir), { recursive: true });
  writeFileSync(join(charmDir, 'metadata.yaml'), METADATA);
  writeFileSync(join(charmDir, 'config.yaml'), 'options:\n  port:\n    type: int\n    default: 80\n    description: port\n');
  writeFileSync(join(charmDir, 'actions.yaml'), 'pause:\n  description: pause\nrestart-services:\n  description: restart\n');
  writeFileSync(join(charmDir, 'README.md'), '# tiny\n');
  writeFileSync(join(charmDir, 'templates/app.conf'), 'port={{port}}\n');
  writeFileSync(join(charmDir, 'templates/sub/helper.sh'), '#!/bin/sh\necho helper\n');
  chmodSync(join(charmDir, 'templates/sub/helper.sh'), 0o775);
  writeFileSync(join(charmDir, 'build.json'), JSON.stringify({ entries: [{ source: 'src/tool/main.ts', output: 'bin/tiny-tool', executable: true }] }));
  const localHost = join(PROJECT_ROOT, 'reactive/host/local-host.js');
  const body = `
const host = new LocalHost({ log: () => {} });
const shell = await host.run(['sh', '-c', 'echo from-sh']);
const os = await import('node:os');
const report = {
  dispatchPath: process.env.JUJU_DISPATCH_PATH ?? null,
  node: process.versions.node,
  sh: shell.stdout.trim(),
  yaml: yaml.dump({ a: [1, 2] }).trim(),
  fqdn: (await host.fqdn()).length > 0,
  dynamicImport: typeof os.hostname === 'function',
  started: process.argv[1]?.split('/').slice(-2).join('/'),
};
console.log(JSON.stringify(report));
`;
  writeFileSync(join(charmDir, 'src/main.ts'), `import yaml from 'js-yaml';
import { LocalHost } from ${JSON.stringify(localHost)};
${topLevelAwait ? body : `async function main(): Promise<void> {${body}}\nvoid main();\n`}`);
  // CommonJS output (extension-less executable): no top-level await, but ESM-only dependencies bundle in.
  writeFileSync(join(charmDir, 'src/tool/main.ts'), `
import { LocalHost } from ${JSON.stringify(localHost)};
new LocalHost({ log: () => {} }).run(['sh', '-c', 'echo "$0,$1"', ...process.argv.slice(2)])
  .then((result) => console.log('tool says ' + result.stdout.trim()));
`);
  return { workDir, charmsDir, charmDir };
}

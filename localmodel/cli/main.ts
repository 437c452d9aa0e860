/** `juju-local`: the local model's CLI, with juju's verbs and flags (see localmodel/README.md). */
import { addModelVerb, destroyModelVerb, modelsVerb, switchVerb } from './model-verbs.js';
import { deployVerb } from './deploy.js';
import * as v from './unit-verbs.js';
import { UsageError, type Io } from './common.js';

type Verb = (args: string[], io: Io) => Promise<number>;

const VERBS: Record<string, [Verb, string]> = {
  'add-model': [addModelVerb, 'add-model <name> [--backend nspawn|host] [--config k=v]...'],
  models: [modelsVerb, 'models'],
  switch: [switchVerb, 'switch <model>'],
  'destroy-model': [destroyModelVerb, 'destroy-model [<model>] [-y]'],
  deploy: [deployVerb, 'deploy <bundle.yaml|charm dir|x.charm> [name] [--overlay F]... [-n N] [--to P] [--config F|k=v]'],
  'add-unit': [v.addUnitVerb, 'add-unit <app> [-n N] [--to P]'],
  'remove-unit': [v.removeUnitVerb, 'remove-unit <unit>... [--force]'],
  'remove-application': [v.removeApplicationVerb, 'remove-application <app> [--force]'],
  integrate: [v.integrateVerb, 'integrate <app>[:<ep>] <app>[:<ep>]   (alias: relate)'],
  relate: [v.integrateVerb, ''],
  'remove-relation': [v.removeRelationVerb, 'remove-relation <app>[:<ep>] <app>[:<ep>]'],
  config: [v.configVerb, 'config <app> [key] [k=v ...] [--reset k[,k]] [--file F]'],
  'model-config': [v.modelConfigVerb, 'model-config [k=v ...]'],
  status: [v.statusVerb, 'status [--format tabular|yaml|json]'],
  run: [v.runVerb, 'run <unit|app/leader> <action> [k=v ...] [--wait[=timeout]] [--background] [--format yaml|json]'],
  'run-action': [v.runVerb, ''],
  'show-task': [v.showTaskVerb, 'show-task <id>'],
  exec: [v.execVerb, 'exec --unit <unit>[,<unit>] -- <command>'],
  ssh: [v.sshVerb, 'ssh <unit|machine> [command]'],
  'debug-log': [v.debugLogVerb, 'debug-log [--replay] [-n N] [--no-tail] [--include unit]... [--level L]'],
  resolved: [v.resolvedVerb, 'resolved <unit> [--no-retry] | --all'],
  refresh: [v.refreshVerb, 'refresh <app> [--path charm]'],
  'show-unit': [v.showUnitVerb, 'show-unit <unit>... [--format yaml|json]'],
  wait: [v.waitVerb, 'wait [--timeout 30m] [--workload active,blocked] [--status app=st[,st]]... [--apps a,b]'],
};

function usage(): string {
  return `usage: juju-local <verb> [-m <model>] ...\n\n${Object.values(VERBS)
    .filter(([, u]) => u)
    .map(([, u]) => `  ${u}`)
    .join('\n')}\n`;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [verb, ...args] = argv;
  if (!verb || verb === 'help' || verb === '--help' || verb === '-h') {
    io.out(usage());
    return verb ? 0 : 2;
  }
  const entry = VERBS[verb];
  if (!entry) {
    io.err(`ERROR unknown command "${verb}"\n${usage()}`);
    return 2;
  }
  try {
    return await entry[0](args, io);
  } catch (error) {
    io.err(`ERROR ${(error as Error).message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

const isMain = process.env.JUJU_LOCAL_BUNDLED === '1' || (process.argv[1]?.endsWith('localmodel/cli/main.ts') ?? false) || (process.argv[1]?.endsWith('localmodel/cli/launch.mjs') ?? false);
if (isMain) {
  const io: Io = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    cwd: process.env.JUJU_LOCAL_CWD ?? process.cwd(),
  };
  process.exitCode = await main(process.argv.slice(2), io);
}

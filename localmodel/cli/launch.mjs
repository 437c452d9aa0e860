// bin/juju-local runs this: the CLI from its cached bundle (see ../launch/bundle.mjs).
import { runEntry } from '../launch/bundle.mjs';

await runEntry('localmodel/cli/main.ts', 'cli');

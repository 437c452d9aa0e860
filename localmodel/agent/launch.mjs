// The model agent's process: `node agent/launch.mjs <model>` runs agent/main.ts from its cached bundle.
import { runEntry } from '../launch/bundle.mjs';

await runEntry('localmodel/agent/main.ts', 'agent');

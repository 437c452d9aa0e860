// Lets `node --import ./tools/ts-register.mjs file.ts` run our TypeScript sources directly through ts-node's
// ESM loader. Type checking is `npm run typecheck`'s job, so the loader only transpiles (fast start).
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

process.env.TS_NODE_TRANSPILE_ONLY ??= 'true';
register('ts-node/esm', pathToFileURL('./'));

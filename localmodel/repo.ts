/** The repository root: set by bin/juju-local (the CLI may run from a bundle elsewhere), else from this file. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = process.env.JUJU_LOCAL_REPO ?? resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * `npm run metrics [-- ROOT]`: prints the shape figures of the tree (tools/metrics/measure.ts). Lines are non-blank lines;
 * a function's length is its span in the file; test:code compares *.test.ts and tests/ lines with the other .ts lines. ROOT measures
 * another checkout (e.g. `git archive` of an older commit) with today's code.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure, report } from './measure.js';

const root = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..');
console.log(report(measure(root, ['charms', 'deploy', 'interfaces', 'localmodel', 'reactive', 'tests', 'tools'])));

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cycles, functionSizes, importGraph, isTestFile, measure, percentile } from './measure.js';

describe('metrics', () => {
  it('measures every function-like body, nested ones on their own, named after what holds them', () => {
    const text = ['function outer() {', '  const inner = () => {', '    return 1;', '  };', '  return inner();', '}', 'class A {', '  m() { return 2; }', '}'].join('\n');
    expect(functionSizes('x.ts', text).map((s) => [s.name, s.lines])).toEqual([['outer', 6], ['inner', 3], ['m', 1]]);
  });

  it('takes the nearest-rank percentile', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([], 90)).toBe(0);
  });

  it('finds the import cycles between files of the tree, and only those', () => {
    const graph = new Map([['a', ['b']], ['b', ['c', 'a']], ['c', []], ['d', ['d']]]);
    expect(cycles(graph)).toEqual([['a', 'b']]);
  });

  it('counts tests/ folders and *.test.ts as test code, the rest as code, per folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'metrics-'));
    mkdirSync(join(root, 'lib', 'tests'), { recursive: true });
    writeFileSync(join(root, 'lib', 'a.ts'), "import { b } from './b.js';\nexport const a = () => b();\n");
    writeFileSync(join(root, 'lib', 'b.ts'), "import { a } from './a.js';\nexport function b() {\n  return a;\n}\n");
    // Spelled in two parts so this fixture is not itself counted as a test double of the project.
    writeFileSync(join(root, 'lib', 'a.test.ts'), `vi.${'spyOn'}(x, "y");\n`);
    writeFileSync(join(root, 'lib', 'tests', 'fixture.ts'), 'export const f = 1;\n');
    expect(importGraph(root, ['lib/a.ts', 'lib/b.ts']).get('lib/a.ts')).toEqual(['lib/b.ts']);
    const m = measure(root, ['lib']);
    expect(m.folders).toEqual([{ folder: 'lib', functions: 2, median: 1, p90: 3, codeLines: 6, testLines: 2 }]);
    expect(m.cycles).toEqual([['lib/a.ts', 'lib/b.ts']]);
    expect(m.testDoubles).toBe(1);
    expect(isTestFile('tests/zaza/functest/setup.ts')).toBe(true);
  });
});

/**
 * The shape measurements issue 24 asks for, taken with the TypeScript compiler API so that the before and after
 * figures come from the same code: function lengths per top-level folder, the longest functions, long files,
 * import cycles, test:code per folder and test doubles per 1k test lines. Nothing is run; files are only parsed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export interface FunctionSize {
  readonly file: string;
  readonly name: string;
  readonly lines: number;
}

export interface FolderFigures {
  readonly folder: string;
  readonly functions: number;
  readonly median: number;
  readonly p90: number;
  readonly codeLines: number;
  readonly testLines: number;
}

export interface Measurements {
  readonly folders: readonly FolderFigures[];
  readonly longest: readonly FunctionSize[];
  readonly longFiles: readonly { readonly file: string; readonly lines: number }[];
  readonly cycles: readonly (readonly string[])[];
  readonly testDoubles: number;
  readonly testLines: number;
  readonly codeLines: number;
}

const skipped = new Set(['node_modules', 'build', '.git']);
/** Test doubles the style guide forbids; counted so a regression shows as a number, not a grep. */
const doublePattern = /\bvi\.(mock|doMock|spyOn|fn|stubGlobal|stubEnv)\b/g;

/** Test code: the *.test.ts files and whatever lives in a tests/ folder (fixtures, emulators, the functional suite). */
export const isTestFile = (file: string): boolean => /\.test\.ts$/.test(file) || /(^|\/)tests\//.test(file);
const isTestCase = (file: string): boolean => /\.test\.ts$/.test(file);

export function sourceFiles(root: string, folders: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      if (skipped.has(entry)) continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) found.push(relative(root, path).split(sep).join('/'));
    }
  };
  for (const folder of folders) walk(join(root, folder));
  return found;
}

const lineCount = (text: string): number => text.split('\n').filter((line) => line.trim() !== '').length;

function functionName(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name && ts.isIdentifier(named.name)) return named.name.text;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return '(anonymous)';
}

/** Every function-like body, nested ones counted on their own too (a closure is a function to read). */
export function functionSizes(file: string, text: string): FunctionSize[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const sizes: FunctionSize[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      sizes.push({ file, name: functionName(node), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sizes;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** Relative imports resolved to files of the tree, so a cycle is between our files, never through a package. */
export function importGraph(root: string, files: readonly string[]): Map<string, string[]> {
  const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, allowJs: false };
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const path = join(root, file);
    const info = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
    const targets = new Set<string>();
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const resolved = ts.resolveModuleName(ref.fileName, path, options, ts.sys).resolvedModule?.resolvedFileName;
      const target = resolved ? relative(root, resolve(dirname(path), resolved)).split(sep).join('/') : undefined;
      if (target && known.has(target)) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** Strongly connected components of more than one file (Tarjan), each sorted, the list sorted. */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** Figures per top-level folder, each charm on its own row (they are as large as a top-level folder). */
export function measure(root: string, folders: readonly string[]): Measurements {
  const files = sourceFiles(root, folders);
  const texts = new Map(files.map((file) => [file, readFileSync(join(root, file), 'utf8')]));
  const sizes = files.filter((file) => !isTestCase(file)).flatMap((file) => functionSizes(file, texts.get(file)!));
  const folderOf = (file: string): string => (file.startsWith('charms/') ? file.split('/').slice(0, 2).join('/') : file.split('/')[0]!);
  const linesIn = (folder: string, tests: boolean): number =>
    files.filter((f) => folderOf(f) === folder && isTestFile(f) === tests).reduce((sum, f) => sum + lineCount(texts.get(f)!), 0);
  const groups = [...new Set(files.map(folderOf))].sort();
  const figures = groups.map((folder): FolderFigures => {
    const lengths = sizes.filter((s) => folderOf(s.file) === folder).map((s) => s.lines).sort((a, b) => a - b);
    return { folder, functions: lengths.length, median: percentile(lengths, 50), p90: percentile(lengths, 90), codeLines: linesIn(folder, false), testLines: linesIn(folder, true) };
  });
  const testTexts = files.filter(isTestFile).map((f) => texts.get(f)!);
  return {
    folders: figures,
    longest: [...sizes].sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file)).slice(0, 5),
    longFiles: files.map((file) => ({ file, lines: texts.get(file)!.split('\n').length })).filter((f) => f.lines > 400).sort((a, b) => b.lines - a.lines),
    cycles: cycles(importGraph(root, files)),
    testDoubles: testTexts.reduce((sum, text) => sum + (text.match(doublePattern)?.length ?? 0), 0),
    testLines: figures.reduce((sum, f) => sum + f.testLines, 0),
    codeLines: figures.reduce((sum, f) => sum + f.codeLines, 0),
  };
}

const ratio = (tests: number, code: number): string => (code === 0 ? '-' : (tests / code).toFixed(2));

export function report(m: Measurements): string {
  const lines = ['folder                     functions  median  p90  code  tests  test:code'];
  for (const f of m.folders) {
    lines.push(`${f.folder.padEnd(26)} ${String(f.functions).padStart(9)} ${String(f.median).padStart(7)} ${String(f.p90).padStart(4)} ${String(f.codeLines).padStart(5)} ${String(f.testLines).padStart(6)} ${ratio(f.testLines, f.codeLines).padStart(10)}`);
  }
  lines.push(`${'all'.padEnd(26)} ${' '.repeat(9)} ${' '.repeat(7)} ${' '.repeat(4)} ${String(m.codeLines).padStart(5)} ${String(m.testLines).padStart(6)} ${ratio(m.testLines, m.codeLines).padStart(10)}`);
  lines.push('', 'five longest functions:');
  for (const s of m.longest) lines.push(`  ${String(s.lines).padStart(4)}  ${s.file} ${s.name}`);
  lines.push('', `files over 400 lines (${m.longFiles.length}):`);
  for (const f of m.longFiles) lines.push(`  ${String(f.lines).padStart(4)}  ${f.file}`);
  lines.push('', `import cycles (${m.cycles.length}):`);
  for (const c of m.cycles) lines.push(`  ${c.join(' <-> ')}`);
  const perK = m.testLines === 0 ? 0 : (m.testDoubles * 1000) / m.testLines;
  lines.push('', `test doubles (vi.mock/spyOn/fn/stub*): ${m.testDoubles} in ${m.testLines} test lines = ${perK.toFixed(2)} per 1k`);
  return lines.join('\n');
}

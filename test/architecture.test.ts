/**
 * The folders' one-way flow, as docs/architecture.md#allowed-dependencies tables it: every import in
 * src/, bin/, scripts/ and experiments/ (parsed with the TypeScript compiler, `require` and dynamic
 * `import()` included) is checked against the table read from that page, so the page and the code
 * cannot drift apart.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');
const DOC = path.join(ROOT, 'docs', 'architecture.md');
const CHECKED = ['src', 'bin', 'scripts', 'experiments'];
const ORT = 'onnxruntime-node';

/** One row of the table. */
interface Rule {
  readonly allowed: ReadonlySet<string>;
  readonly ort: boolean;
}

/** The table under "## Allowed dependencies": room -> what it may import and whether it may load ORT. */
function readRules(markdown: string): Map<string, Rule> {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Allowed dependencies'));
  if (!section) throw new Error('docs/architecture.md has no "Allowed dependencies" section');
  const rules = new Map<string, Rule>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length !== 5 || !cells[1].startsWith('`')) continue;
    const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    const [room] = names(cells[1]);
    if (cells[3] !== 'yes' && cells[3] !== 'no')
      throw new Error(`row ${room}: ONNX Runtime must be yes or no`);
    rules.set(room, { allowed: new Set(names(cells[2])), ort: cells[3] === 'yes' });
  }
  return rules;
}

/** The room of a path relative to the root: "src/<folder>", "src/index.ts", or the top folder. */
function roomOf(rel: string): string {
  const parts = rel.split(path.sep).join('/').split('/');
  // A file directly in src/ (index.ts) is a room of its own.
  if (parts[0] === 'src') return `src/${parts[1]}`;
  return parts[0];
}

/** One import of a file: the module specifier, and whether it is erased at compile time. */
interface Import {
  readonly specifier: string;
  readonly typeOnly: boolean;
  readonly line: number;
}

/** Every import, export-from, import-equals, `require('...')` and `import('...')` of a source. */
function importsOf(fileName: string, text: string): Import[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const out: Import[] = [];
  const add = (node: ts.Node, literal: ts.Node | undefined, typeOnly: boolean) => {
    if (literal && ts.isStringLiteralLike(literal)) {
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      out.push({ specifier: literal.text, typeOnly, line });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allTypes =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            !!named &&
            ts.isNamedImports(named) &&
            named.elements.length > 0 &&
            named.elements.every((e) => e.isTypeOnly)));
      add(node, node.moduleSpecifier, allTypes);
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, true);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      add(node, node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Source files (.ts, .js) under a folder, relative to the root. */
function sourcesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(ROOT, rel);
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const child = path.join(rel, e.name);
      if (e.isDirectory()) walk(child);
      else if (/\.(ts|js)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

/** The file a relative specifier names (with .ts/.js or /index.ts added as Node and tsc would). */
function resolveLocal(fromRel: string, specifier: string): string {
  const base = path.join(path.dirname(fromRel), specifier);
  for (const c of [
    base,
    `${base}.ts`,
    `${base}.js`,
    path.join(base, 'index.ts'),
    path.join(base, 'index.js'),
  ])
    if (fs.existsSync(path.join(ROOT, c)) && fs.statSync(path.join(ROOT, c)).isFile()) return c;
  return base;
}

const rules = readRules(fs.readFileSync(DOC, 'utf8'));
const files = CHECKED.flatMap(sourcesUnder);
const parsed = new Map(
  files.map((f) => [f, importsOf(f, fs.readFileSync(path.join(ROOT, f), 'utf8'))] as const),
);

describe('docs/architecture.md#allowed-dependencies', () => {
  test('the table parses: every room it names is a known one, and every folder of src has a row', () => {
    expect(rules.get('src/core')).toEqual({ allowed: new Set(), ort: false });
    expect(rules.get('src/runtime')?.ort).toBe(true);
    for (const [room, rule] of rules)
      for (const target of rule.allowed)
        expect({ room, target, known: rules.has(target) }).toMatchObject({ known: true });
    const folders = fs
      .readdirSync(path.join(ROOT, 'src'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `src/${e.name}`);
    for (const f of [...folders, 'src/index.ts', ...CHECKED.filter((c) => c !== 'src')])
      expect({ room: f, hasRow: rules.has(f) }).toEqual({ room: f, hasRow: true });
  });

  test('the parser sees every kind of import, and which are type-only', () => {
    const text = [
      "import a from './a';",
      "import type { B } from './b';",
      "import { type C, type D } from './c';",
      "import { type E, f } from './e';",
      "export { g } from './g';",
      "export type { H } from './h';",
      "import i = require('./i');",
      "const j = require('./j');",
      "const k = import('./k');",
      "type L = import('./l').L;",
    ].join('\n');
    expect(importsOf('x.ts', text).map((i) => [i.specifier, i.typeOnly])).toEqual([
      ['./a', false],
      ['./b', true],
      ['./c', true],
      ['./e', false],
      ['./g', false],
      ['./h', true],
      ['./i', false],
      ['./j', false],
      ['./k', false],
      ['./l', true],
    ]);
  });
});

describe('every import follows the one-way flow', () => {
  test('each file imports only its own room and the rooms its row allows', () => {
    const breaches: string[] = [];
    for (const [file, imports] of parsed) {
      const room = roomOf(file);
      const rule = rules.get(room);
      for (const imp of imports) {
        if (!imp.specifier.startsWith('.')) continue;
        const target = roomOf(resolveLocal(file, imp.specifier));
        if (target !== room && !rule?.allowed.has(target))
          breaches.push(`${file}:${imp.line} (${room}) imports ${imp.specifier} (${target})`);
      }
    }
    expect(breaches).toEqual([]);
  });

  test(`only src/runtime imports ${ORT}`, () => {
    const importers = [...parsed]
      .filter(([, imports]) => imports.some((i) => i.specifier === ORT || i.specifier.startsWith(`${ORT}/`)))
      .map(([file]) => roomOf(file));
    expect(new Set(importers)).toEqual(new Set(['src/runtime']));
  });

  test('rooms without ONNX Runtime cannot reach it through any chain of imports (types aside)', () => {
    const reaches = new Map<string, boolean>();
    const loadsOrt = (file: string, seen: Set<string>): boolean => {
      if (reaches.has(file)) return reaches.get(file)!;
      if (seen.has(file)) return false;
      seen.add(file);
      const imports = parsed.get(file) ?? [];
      const result = imports.some(
        (i) =>
          !i.typeOnly &&
          (i.specifier === ORT ||
            (i.specifier.startsWith('.') && loadsOrt(resolveLocal(file, i.specifier), seen))),
      );
      reaches.set(file, result);
      return result;
    };
    const offenders = files.filter((f) => rules.get(roomOf(f))?.ort === false && loadsOrt(f, new Set()));
    expect(offenders).toEqual([]);
  });

  test('src/ never prints or exits the process (bin/ does)', () => {
    const offenders = files
      .filter((f) => roomOf(f).startsWith('src/'))
      .filter((f) =>
        /\bprocess\.exit\s*\(|\bconsole\.\w+\s*\(/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')),
      );
    expect(offenders).toEqual([]);
  });
});

describe('long functions carry their reason', () => {
  test('every eslint-disable of max-lines-per-function says why after "--"', () => {
    const bare: string[] = [];
    for (const file of files) {
      fs.readFileSync(path.join(ROOT, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const m = /eslint-disable(?:-next-line|-line)?\s+([^*]*)/.exec(line);
          if (m && m[1].includes('max-lines-per-function') && !/--\s*\S{3,}/.test(m[1]))
            bare.push(`${file}:${i + 1}`);
        });
    }
    expect(bare).toEqual([]);
  });
});

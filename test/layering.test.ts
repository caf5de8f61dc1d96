import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The layering (DESIGN.md "Layout"): which folders each folder may import. A file belongs to
 * the longest folder below that contains it and may always import within that folder.
 * An entry ending in `/` is a folder; any other entry is one file. Data flows one way:
 * workload → drivers → history → checker → result → render. Nothing outside `bench/` imports
 * `bench/`, and nothing imports `bench/tools/` (tests aside: `test/` is not checked).
 */
const LAYERS: readonly { folder: string; mayImport: readonly string[] }[] = [
  { folder: 'kernel/', mayImport: [] },
  // Self-contained: not even the kernel.
  { folder: 'checker/', mayImport: [] },
  { folder: 'services/', mayImport: ['kernel/'] },
  // Services' types, table schema and client checks.
  { folder: 'strategies/', mayImport: ['kernel/', 'services/'] },
  // checker/types.ts for the FaultEvent a fault records.
  { folder: 'chaos/', mayImport: ['kernel/', 'services/', 'checker/types.ts'] },
  // The checker's types and pure functions.
  { folder: 'reports/', mayImport: ['kernel/', 'checker/'] },
  { folder: 'bench/workload/', mayImport: ['kernel/', 'checker/types.ts'] },
  {
    folder: 'bench/history/',
    mayImport: ['kernel/', 'checker/', 'strategies/types.ts', 'reports/types.ts', 'bench/workload/'],
  },
  {
    folder: 'bench/drivers/',
    mayImport: [
      'kernel/',
      'checker/',
      'services/',
      'strategies/',
      'reports/',
      'bench/workload/',
      'bench/history/',
    ],
  },
  {
    folder: 'bench/run/',
    mayImport: [
      'kernel/',
      'checker/',
      'services/',
      'strategies/',
      'chaos/',
      'reports/',
      'bench/workload/',
      'bench/history/',
      'bench/drivers/',
    ],
  },
  {
    folder: 'bench/cli/',
    mayImport: [
      'kernel/',
      'checker/',
      'services/',
      'strategies/',
      'chaos/',
      'reports/',
      'bench/workload/',
      'bench/history/',
      'bench/drivers/',
      'bench/run/',
    ],
  },
  // The interleaving explorer: nothing imports it (tests aside).
  {
    folder: 'bench/explore/',
    mayImport: [
      'kernel/',
      'checker/',
      'services/',
      'strategies/',
      'reports/',
      'bench/workload/',
      'bench/history/',
      'bench/cli/entry.ts',
    ],
  },
  {
    folder: 'bench/tools/',
    mayImport: [
      'kernel/',
      'checker/',
      'services/',
      'strategies/',
      'chaos/',
      'reports/',
      'bench/workload/',
      'bench/history/',
      'bench/drivers/',
      'bench/run/',
      'bench/cli/',
    ],
  },
];

/**
 * Edges allowed against the rules, each with its reason (none today). Every entry must still
 * exist and still break a rule, so the list only shrinks: remove an entry once it is fixed.
 */
const KNOWN_EXCEPTIONS: readonly { from: string; to: string; why: string }[] = [];

/** Source folders the layering covers (tests are not checked). */
const SOURCE_ROOTS = ['kernel', 'strategies', 'chaos', 'checker', 'services', 'reports', 'bench'];

/** An import of one repository file by another, both as repository-relative posix paths. */
interface Edge {
  from: string;
  to: string;
}

/** The layer a path belongs to: the longest folder of {@link LAYERS} containing it. */
function layerOf(path: string): (typeof LAYERS)[number] | undefined {
  let best: (typeof LAYERS)[number] | undefined;
  for (const layer of LAYERS) {
    if (path.startsWith(layer.folder) && (best === undefined || layer.folder.length > best.folder.length)) {
      best = layer;
    }
  }
  return best;
}

function allows(entry: string, path: string): boolean {
  return entry.endsWith('/') ? path.startsWith(entry) : path === entry;
}

/** The edges against the layering, each as `from → to` with the reason. */
function layeringViolations(edges: readonly Edge[]): string[] {
  const violations: string[] = [];
  for (const { from, to } of edges) {
    const layer = layerOf(from);
    if (layer === undefined) {
      violations.push(`${from} → ${to} (${from} is in no layer: add its folder to LAYERS)`);
      continue;
    }
    if (allows(layer.folder, to) || layer.mayImport.some((entry) => allows(entry, to))) continue;
    violations.push(`${from} → ${to} (${layer.folder} may import ${describeAllowed(layer)})`);
  }
  return violations;
}

function describeAllowed(layer: (typeof LAYERS)[number]): string {
  return layer.mayImport.length === 0 ? 'nothing outside itself' : layer.mayImport.join(', ');
}

/**
 * Module specifiers a source imports: `import … from`, `import '…'`, `export … from`,
 * `import('…')` with a literal, `import x = require('…')` and `typeof import('…')`.
 * Parsed by the TypeScript compiler, so text inside template literals and comments
 * (child scripts some tools embed) is not mistaken for an import.
 */
function importSpecifiers(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const specifiers: string[] = [];
  const literal = (node: ts.Node | undefined): void => {
    if (node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) {
      specifiers.push(node.text);
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) literal(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      literal(node.moduleReference.expression);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      literal(node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      literal(node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return specifiers;
}

/** The repository-relative path a relative specifier names, or undefined for a package. */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  return posix.normalize(posix.join(posix.dirname(from), specifier));
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function sourceFiles(folder: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(ROOT, folder), { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (path !== join('reports', 'out')) files.push(...sourceFiles(path));
    } else if (entry.name.endsWith('.ts')) {
      files.push(path.split(sep).join('/'));
    }
  }
  return files;
}

/** Every import between repository files under {@link SOURCE_ROOTS}. */
function repositoryEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const from of SOURCE_ROOTS.flatMap(sourceFiles)) {
    const source = readFileSync(join(ROOT, from), 'utf8');
    for (const specifier of importSpecifiers(from, source)) {
      const to = resolveSpecifier(from, specifier);
      if (to !== undefined) edges.push({ from, to });
    }
  }
  return edges;
}

const isKnown = (edge: Edge): boolean =>
  KNOWN_EXCEPTIONS.some((known) => known.from === edge.from && known.to === edge.to);

describe('layering', () => {
  const edges = repositoryEdges();

  it('finds the imports of the source folders', () => {
    assert.ok(edges.length > 100, `only ${edges.length} imports found under ${SOURCE_ROOTS.join(', ')}`);
    assert.ok(edges.some((e) => e.from === 'checker/index.ts' && e.to === 'checker/types.ts'));
  });

  it('no import goes against the layering (known exceptions aside)', () => {
    const violations = layeringViolations(edges.filter((edge) => !isKnown(edge)));
    assert.deepEqual(violations, [], `imports against the layering:\n${violations.join('\n')}`);
  });

  it('every known exception still exists and still breaks a rule', () => {
    for (const known of KNOWN_EXCEPTIONS) {
      assert.ok(
        edges.some((edge) => edge.from === known.from && edge.to === known.to),
        `${known.from} → ${known.to} no longer exists: remove it from KNOWN_EXCEPTIONS`,
      );
      assert.equal(
        layeringViolations([known]).length,
        1,
        `${known.from} → ${known.to} is allowed by LAYERS: remove it from KNOWN_EXCEPTIONS`,
      );
    }
  });
});

describe('layering rules (self-test)', () => {
  it('report edges against the layering by name', () => {
    const violations = layeringViolations([
      { from: 'checker/x.ts', to: 'bench/run/pipeline.ts' },
      { from: 'checker/index.ts', to: 'kernel/index.ts' },
      { from: 'kernel/random.ts', to: 'checker/types.ts' },
      { from: 'reports/render.ts', to: 'bench/history/metrics.ts' },
      { from: 'services/local.ts', to: 'strategies/types.ts' },
      { from: 'chaos/plan.ts', to: 'checker/index.ts' },
      { from: 'bench/workload/workload.ts', to: 'bench/history/recorder.ts' },
      { from: 'bench/history/metrics.ts', to: 'strategies/cache-aside.ts' },
      { from: 'bench/drivers/registry.ts', to: 'bench/run/pipeline.ts' },
      { from: 'bench/drivers/registry.ts', to: 'chaos/index.ts' },
      { from: 'bench/run/pipeline.ts', to: 'bench/cli/options.ts' },
      { from: 'bench/cli/bench.ts', to: 'bench/tools/races.ts' },
      { from: 'bench/explore.ts', to: 'kernel/index.ts' },
      { from: 'bench/explore/main.ts', to: 'bench/cli/options.ts' },
      { from: 'bench/explore/main.ts', to: 'bench/run/pipeline.ts' },
      { from: 'bench/cli/bench.ts', to: 'bench/explore/explore.ts' },
    ]);
    assert.deepEqual(
      violations.map((v) => v.split(' (')[0]),
      [
        'checker/x.ts → bench/run/pipeline.ts',
        'checker/index.ts → kernel/index.ts',
        'kernel/random.ts → checker/types.ts',
        'reports/render.ts → bench/history/metrics.ts',
        'services/local.ts → strategies/types.ts',
        'chaos/plan.ts → checker/index.ts',
        'bench/workload/workload.ts → bench/history/recorder.ts',
        'bench/history/metrics.ts → strategies/cache-aside.ts',
        'bench/drivers/registry.ts → bench/run/pipeline.ts',
        'bench/drivers/registry.ts → chaos/index.ts',
        'bench/run/pipeline.ts → bench/cli/options.ts',
        'bench/cli/bench.ts → bench/tools/races.ts',
        'bench/explore.ts → kernel/index.ts',
        'bench/explore/main.ts → bench/cli/options.ts',
        'bench/explore/main.ts → bench/run/pipeline.ts',
        'bench/cli/bench.ts → bench/explore/explore.ts',
      ],
    );
  });

  it('allows edges the layering permits, new files included', () => {
    assert.deepEqual(
      layeringViolations([
        { from: 'checker/index.ts', to: 'checker/types.ts' },
        { from: 'chaos/plan.ts', to: 'checker/types.ts' },
        { from: 'strategies/clients.ts', to: 'services/schema.ts' },
        { from: 'bench/history/step-trace.ts', to: 'strategies/types.ts' },
        { from: 'bench/drivers/registry.ts', to: 'bench/history/recorder.ts' },
        { from: 'bench/run/analyse.ts', to: 'bench/drivers/registry.ts' },
        { from: 'bench/cli/bench.ts', to: 'bench/run/analyse.ts' },
        { from: 'bench/tools/races.ts', to: 'bench/cli/entry.ts' },
        { from: 'bench/explore/main.ts', to: 'bench/cli/entry.ts' },
        { from: 'bench/explore/execution.ts', to: 'checker/index.ts' },
      ]),
      [],
    );
  });

  it('parses static, re-exported and dynamic imports, not text in template literals or comments', () => {
    const source = [
      "import { a } from '../kernel/index.ts';",
      "import type { B } from './types.ts';",
      "import './side-effect.ts';",
      "export { c } from '../checker/index.ts';",
      "export * from './all.ts';",
      "const d = await import('../reports/render.ts');",
      "type T = typeof import('testcontainers');",
      "// import { x } from '../bench/run/pipeline.ts';",
      "const child = `import { y } from '../bench/run/pipeline.ts'; await import('../bench/cli/bench.ts');`;",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal
      "const nested = `${await import('../services/index.ts')}`;",
    ].join('\n');
    assert.deepEqual(importSpecifiers('bench/x.ts', source), [
      '../kernel/index.ts',
      './types.ts',
      './side-effect.ts',
      '../checker/index.ts',
      './all.ts',
      '../reports/render.ts',
      'testcontainers',
      '../services/index.ts',
    ]);
  });
});

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// Issue 9 item 5: docs/architecture.md's module table is the data; this test holds the imports to it.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');

interface ModuleRule {
  /** `cli`, `api/contract`, `platform.ts`: a folder under src/ (without its slash) or a file directly in src/. */
  module: string;
  /** Modules and single files (`control/snapshot.ts`) it may use; `everything` for the composition roots. */
  mayUse: string[] | 'everything';
}

interface Architecture {
  rules: ModuleRule[];
  /** Known imports the table does not allow: `from` file → `to` file, both relative to src/. */
  exceptions: Array<{ from: string; to: string }>;
}

function tableRows(markdown: string, firstHeader: string): string[][] {
  const lines = markdown.split('\n');
  // The formatter pads table cells: match the header cell whatever its padding.
  const start = lines.findIndex((l) => l.split('|')[1]?.trim() === firstHeader);
  assert.ok(start >= 0, `docs/architecture.md has a table headed "${firstHeader}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\/$/, ''));

/** Reads the module table and the exceptions from the markdown. */
function parseArchitecture(markdown: string): Architecture {
  const rules = tableRows(markdown, 'module').map(([name, , mayUse]) => {
    const [module] = ticked(name ?? '');
    assert.ok(module, `a module row names its folder in backticks: ${name}`);
    return {
      module,
      mayUse: /everything/.test(mayUse ?? '') ? ('everything' as const) : ticked(mayUse ?? ''),
    };
  });
  const exceptions = tableRows(markdown, 'file').map(([from, to]) => ({
    from: ticked(from ?? '')[0]!,
    to: ticked(to ?? '')[0]!,
  }));
  return { rules, exceptions };
}

/** The module a file (relative to src/, with forward slashes) belongs to: the longest folder that holds it. */
function moduleOf(rules: ModuleRule[], file: string): string | undefined {
  let best: string | undefined;
  for (const { module } of rules) {
    const holds = module.endsWith('.ts') ? file === module : file.startsWith(`${module}/`);
    if (holds && (best === undefined || module.length > best.length)) best = module;
  }
  return best;
}

/** Relative specifiers of `import … from`, `export … from`, `import '…'` and `import('…')`. */
function importSpecifiers(source: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /(?:^|[;\n}])\s*(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /(?:^|[;\n])\s*import\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.add(m[1]!);
  return [...found].filter((s) => s.startsWith('.'));
}

interface Violation {
  from: string;
  to: string;
  reason: string;
}

/** Every import between modules that the rules do not allow; `files` maps a path under src/ to its text. */
function violations(rules: ModuleRule[], files: Map<string, string>): Violation[] {
  const byName = new Map(rules.map((r) => [r.module, r]));
  const found: Violation[] = [];
  for (const [file, source] of files) {
    const own = moduleOf(rules, file);
    if (own === undefined) {
      found.push({ from: file, to: '', reason: 'belongs to no module of the table' });
      continue;
    }
    const rule = byName.get(own)!;
    for (const spec of importSpecifiers(source)) {
      const to = posix.normalize(posix.join(posix.dirname(file), spec));
      if (to.startsWith('..')) continue;
      const target = moduleOf(rules, to);
      if (target === own) continue;
      if (rule.mayUse === 'everything') continue;
      if (target !== undefined && rule.mayUse.includes(target)) continue;
      if (rule.mayUse.includes(to)) continue;
      found.push({ from: file, to, reason: `${own} may not use ${target ?? 'a file outside every module'}` });
    }
  }
  return found;
}

function sourceFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(ts|mts|mjs|js)$/.test(entry.name)) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    files.set(relative(SRC, path).split('\\').join('/'), readFileSync(path, 'utf8'));
  }
  return files;
}

const architecture = parseArchitecture(readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8'));

describe('docs/architecture.md: the module table is what the imports do', () => {
  test('the table names every module of DESIGN.md, composition roots may use everything, core nothing', () => {
    const names = architecture.rules.map((r) => r.module).sort();
    assert.deepEqual(names, [
      'api',
      'api/contract',
      'cli',
      'control',
      'core',
      'federation',
      'gateway',
      'keys',
      'messaging',
      'net',
      'notify',
      'platform.ts',
      'reports',
      'store',
      'telemetry',
    ]);
    const rule = (m: string) => architecture.rules.find((r) => r.module === m)!.mayUse;
    assert.equal(rule('cli'), 'everything');
    assert.equal(rule('platform.ts'), 'everything');
    assert.deepEqual(rule('core'), []);
    assert.deepEqual(rule('api/contract'), ['core']);
    // Every name it may use is a module of the table, or one file of one.
    for (const { module, mayUse } of architecture.rules) {
      if (mayUse === 'everything') continue;
      for (const name of mayUse) {
        const known = names.includes(name) || (name.endsWith('.ts') && names.includes(name.split('/')[0]!));
        assert.ok(known, `${module} may use ${name}, which is no module of the table`);
      }
    }
  });

  test('the check catches what it should (upward, sideways, a file not allowed alone) and lets the rest pass', () => {
    const { rules } = architecture;
    const files = new Map([
      ['core/ids.ts', "import { Store } from '../store/port.ts';\n"],
      ['store/open.ts', "import type { Config } from '../core/config.ts';\nimport './pglite-store.ts';\n"],
      [
        'notify/outbox.ts',
        "export {\n  Registry,\n} from '../control/registry.ts';\nconst later = await import('../telemetry/alerts.ts');\n",
      ],
      [
        'gateway/x.ts',
        "import type { SnapshotData } from '../control/snapshot.ts';\nimport '../control/rules.ts';\n",
      ],
      [
        'api/contract/systems.ts',
        "import { Type } from '@sinclair/typebox';\nimport { Api } from '../server.ts';\n",
      ],
      ['api/routes/systems.ts', "import { SystemSchema } from '../contract/systems.ts';\n"],
      ['cli/main.ts', "import { createGateway } from '../gateway/server.ts';\n"],
      ['platform.ts', "import { Registry } from './control/registry.ts';\n"],
      ['aggregation/plan.ts', ''],
    ]);
    assert.deepEqual(
      violations(rules, files).map((v) => [v.from, v.to]),
      [
        ['core/ids.ts', 'store/port.ts'],
        ['notify/outbox.ts', 'control/registry.ts'],
        ['notify/outbox.ts', 'telemetry/alerts.ts'],
        ['gateway/x.ts', 'control/rules.ts'],
        ['api/contract/systems.ts', 'api/server.ts'],
        ['aggregation/plan.ts', ''],
      ],
    );
  });

  test('no file in src/ imports a module its own module may not use (beyond the listed exceptions)', () => {
    const files = sourceFiles(SRC);
    assert.ok(files.size > 50, 'the source files were found');
    const found = violations(architecture.rules, files);
    const excepted = (v: Violation) =>
      architecture.exceptions.some((e) => e.from === v.from && e.to === v.to);
    const unexpected = found.filter((v) => !excepted(v));
    assert.deepEqual(
      unexpected,
      [],
      'imports docs/architecture.md does not allow: move the code, or change the table and say why',
    );
    const stale = architecture.exceptions.filter(
      (e) => !found.some((v) => v.from === e.from && v.to === e.to),
    );
    assert.deepEqual(stale, [], 'exceptions that no longer occur: remove them from docs/architecture.md');
  });
});

// Checked against what exists, so that a new folder is not forgotten in the table.
test('every folder and file directly under src/ is a module of the table', () => {
  const names = new Set(architecture.rules.map((r) => r.module));
  for (const name of readdirSync(SRC)) {
    assert.ok(names.has(name), `src/${name} is in docs/architecture.md's module table`);
  }
});

test('every assert(x) / assert.ok(x) in the tests says what failed (Node 20 otherwise re-parses the source for minutes)', () => {
  // Without a message, Node 20 describes a failed assert.ok by re-reading the caller's source; under tsx the line and
  // column belong to the transpiled code and the re-parse can spin for minutes (nodejs/node#52677): a failure would
  // look like a hang and run CI over time.
  const bare: string[] = [];
  const files = ['test', 'test/helpers', 'bench'].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(ROOT, dir, f)),
  );
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && node.arguments.length === 1) {
        const callee = node.expression.getText(sf);
        if (callee === 'assert' || callee === 'assert.ok') {
          const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
          bare.push(`${relative(ROOT, file)}:${line + 1}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  assert.deepEqual(bare, [], 'give these a message: assert.ok(value, "what it means")');
});

#!/usr/bin/env node
// Prebuilt bundles of the TypeScript sources, made with esbuild when missing or older than their sources.
//
// Why: run through tsx, every process pays ≈ 2.5 s of CPU before it does anything — Node 20 runs loader hooks on
// their own thread, and each of the ≈ 3,000 module resolutions (kysely, TypeBox, jose, ours) crosses to it. The test
// suite starts ≈ 300 test processes and ≈ 220 `lgsp` processes, so that alone was a third of its CPU. A bundle of our
// own sources, with the packages left to Node's own resolver, loads in a fraction of it.
//
// Two bundles, in `.bundle/` (not committed):
// - `app`: `lgsp` (src/cli/main.ts), the gateway worker process (src/gateway/worker.ts) and the tasks that run on a
//   thread of their own (`off-thread-tasks`, see src/core/off-thread.worker.mjs), each one file, so a rebuild never
//   leaves a running process without the chunk it loads later. They are used only while the bundle is newer than
//   every file under src/ (`freshApp`), and the sources run through tsx otherwise — so an edited source is never
//   served stale and there is still no build step to forget.
// - `test`: every test/*.test.ts, sharing chunks, for `npm test`. A single file still runs from its source with
//   `node --import tsx --test test/x.test.ts`.
//
// Each module's `import.meta.url` (and `import.meta.dirname`) is replaced with its own source file's, so the files it
// reads beside itself (migrations, worker threads, the console's dist, seeds) are found where they are. The bundle
// therefore names this checkout's absolute path; a moved checkout makes it stale.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, '.bundle');
const SELF = fileURLToPath(import.meta.url);

/**
 * The virtual entry of every off-thread task module: src/core/off-thread.ts names a task by its module's URL
 * (`module: new URL('./x.ts', import.meta.url)`), found here by that shape, and the thread looks the module up by it.
 * One file, so the thread's `LgspError` is the class the tasks throw.
 */
const OFF_THREAD_TASKS = 'off-thread-tasks';

function offThreadTaskSource() {
  const taskUrls = [];
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.ts')) {
        // Code lines only (a comment may show the shape too).
        const found = readFileSync(path, 'utf8').matchAll(
          /^\s*\{?\s*module: new URL\('([^']+\.ts)', import\.meta\.url\)/gm,
        );
        for (const [, relative] of found) taskUrls.push(new URL(relative, pathToFileURL(path)).href);
      }
    }
  };
  visit(join(ROOT, 'src'));
  const errors = pathToFileURL(join(ROOT, 'src/core/errors.ts')).href;
  return [
    `export { LgspError } from ${JSON.stringify(errors)};`,
    ...taskUrls.map((url, i) => `import * as task${i} from ${JSON.stringify(url)};`),
    `export const modules = { ${taskUrls.map((url, i) => `${JSON.stringify(url)}: task${i}`).join(', ')} };`,
  ].join('\n');
}

/** What each bundle is made of: its entry points and the files whose change makes it stale. */
const BUNDLES = {
  app: {
    entries: ['src/cli/main.ts', 'src/gateway/worker.ts', OFF_THREAD_TASKS],
    sources: ['src', 'package.json', 'tsconfig.json'],
    splitting: false,
  },
  test: {
    entries: () =>
      readdirSync(join(ROOT, 'test'))
        .filter((name) => name.endsWith('.test.ts'))
        .map((name) => `test/${name}`),
    sources: ['src', 'test', 'package.json', 'tsconfig.json'],
    splitting: true,
  },
};

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  // A directory's own time changes when a file in it is added, removed or renamed.
  let latest = stat.mtimeMs;
  for (const name of readdirSync(path)) latest = Math.max(latest, newest(join(path, name)));
  return latest;
}

const manifestPath = (name) => join(OUT, name, 'manifest.json');

/** True when bundle `name` exists, was made from this checkout and is newer than its sources and this script. */
export function isFresh(name) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath(name), 'utf8'));
  } catch {
    return false;
  }
  if (manifest.root !== ROOT) return false;
  const changedAt = Math.max(newest(SELF), ...BUNDLES[name].sources.map((s) => newest(join(ROOT, s))));
  return manifest.builtAt > changedAt;
}

/** The app bundle's file for an entry (`src/cli/main.ts` → its URL), or null when the sources must be used. */
export function freshApp(entry) {
  return isFresh('app') ? pathToFileURL(join(OUT, 'app', `${entry.replace(/\.ts$/, '')}.mjs`)).href : null;
}

/**
 * esbuild plugin: each of our modules keeps its own file's `import.meta.url` and `import.meta.dirname`. Replaced by
 * esbuild's `define` as each file is compiled, so only the expressions change, never a string that spells them.
 */
const ownLocation = {
  name: 'own-location',
  setup(build) {
    const tsconfigRaw = readFileSync(join(ROOT, 'tsconfig.json'), 'utf8');
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const { code } = await build.esbuild.transform(readFileSync(args.path, 'utf8'), {
        loader: 'ts',
        sourcefile: args.path,
        format: 'esm',
        target: 'node20',
        tsconfigRaw,
        define: {
          'import.meta.url': JSON.stringify(pathToFileURL(args.path).href),
          'import.meta.dirname': JSON.stringify(dirname(args.path)),
        },
      });
      return { contents: code, loader: 'js' };
    });
  },
};

/** esbuild plugin: the virtual `off-thread-tasks` entry, whose imports are file URLs. */
const offThreadTasks = {
  name: 'off-thread-tasks',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^${OFF_THREAD_TASKS}$`) }, () => ({
      path: OFF_THREAD_TASKS,
      namespace: 'virtual',
    }));
    build.onLoad({ filter: /.*/, namespace: 'virtual' }, () => ({
      contents: offThreadTaskSource(),
      loader: 'js',
    }));
    build.onResolve({ filter: /^file:/ }, (args) => ({ path: fileURLToPath(args.path) }));
  },
};

/** Builds bundle `name` into a fresh directory and moves it into place, so no reader sees half of one. */
export async function build(name) {
  const { build: esbuild } = await import('esbuild');
  const spec = BUNDLES[name];
  const startedAt = Date.now();
  const staging = join(OUT, `.${name}-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const entries = typeof spec.entries === 'function' ? spec.entries() : spec.entries;
  await esbuild({
    absWorkingDir: ROOT,
    // Output paths mirror the sources' (`src/cli/main.ts` → `src/cli/main.mjs`); the virtual entry sits at the top.
    entryPoints: entries.map((entry) => ({ in: entry, out: entry.replace(/\.ts$/, '') })),
    outdir: staging,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    splitting: spec.splitting,
    chunkNames: 'chunks/[name]-[hash]',
    // Error classes and log lines name their functions and classes as in the sources.
    keepNames: true,
    charset: 'utf8',
    plugins: [ownLocation, offThreadTasks],
    logLevel: 'warning',
  });
  // Stamped with the time the build started: a source saved during the build makes it stale at once.
  writeFileSync(join(staging, 'manifest.json'), JSON.stringify({ root: ROOT, builtAt: startedAt }));
  const target = join(OUT, name);
  const old = join(OUT, `.${name}-old-${process.pid}`);
  mkdirSync(OUT, { recursive: true });
  if (existsSync(target)) renameSync(target, old);
  renameSync(staging, target);
  rmSync(old, { recursive: true, force: true });
}

// `node bin/bundle.mjs [app] [test]`: builds the named bundles (all when none is named) that are stale.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const names = process.argv.slice(2);
  for (const name of names.length ? names : Object.keys(BUNDLES)) {
    if (!(name in BUNDLES)) {
      process.stderr.write(`bundle không có / no such bundle: ${name}\n`);
      process.exit(2);
    }
    if (!isFresh(name)) await build(name);
  }
}

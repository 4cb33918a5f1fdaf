import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { listMigrations, migrate } from '../../src/store/migrate.ts';
import { PgliteStore } from '../../src/store/pglite-store.ts';
import type { Store } from '../../src/store/port.ts';
import { PostgresStore } from '../../src/store/postgres-store.ts';

/**
 * The stores every contract suite runs on (DESIGN.md "One contract suite per port"): embedded PGlite always, and
 * real PostgreSQL whenever LGSP_TEST_DATABASE_URL is set (.ci/run sets it). Each call gets a fresh, migrated,
 * empty database, dropped again by `dispose`, so suites can run in parallel.
 */
export interface TestStore {
  kind: 'pglite' | 'postgres';
  /** The connection URL of the fresh PostgreSQL database (for starting a whole platform on it), else ''. */
  databaseUrl: string;
  store: Store;
  dispose(): Promise<void>;
}

export const testDatabaseUrl = process.env['LGSP_TEST_DATABASE_URL'] ?? '';

export const storeKinds: Array<'pglite' | 'postgres'> = testDatabaseUrl ? ['pglite', 'postgres'] : ['pglite'];

/** Creates an empty PostgreSQL database on the test server and returns its URL and a dropper. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `lgsp_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: testDatabaseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * Migrated PGlite data directories as tarballs, each made once and shared by every test process (issue 9: a fresh
 * PGlite spends seconds of a loaded 2-core machine in initdb, and suites opened one per test; a store loaded from a
 * tarball skips initdb). A template is keyed by its name, the migrations' text, PGlite's version and how it is made
 * (checkpointed), so a changed migration gets a new one; it is written under a private name and renamed into place,
 * so processes racing to make it never read half of one. Kept in the system's temporary directory between runs.
 */
const templates = new Map<string, Promise<Uint8Array>>();

export function pgliteTemplate(name: string, build: (store: Store) => Promise<void>): Promise<Uint8Array> {
  let made = templates.get(name);
  if (!made) {
    made = makeTemplate(name, build);
    templates.set(name, made);
  }
  return made;
}

/** Where the template `name` is kept: its key is PGlite's version and the migrations' text. */
function templatePath(name: string): string {
  const key = createHash('sha256');
  key.update(readFileSync(new URL('../package.json', import.meta.resolve('@electric-sql/pglite'))));
  for (const m of listMigrations()) key.update(`${m.version}\n${m.script}\n`);
  key.update('checkpointed\n');
  const root = join(tmpdir(), 'lgsp-test-templates');
  mkdirSync(root, { recursive: true });
  return join(root, `${name}-${key.digest('hex').slice(0, 16)}`);
}

async function makeTemplate(name: string, build: (store: Store) => Promise<void>): Promise<Uint8Array> {
  const file = `${templatePath(name)}.tar`;
  if (existsSync(file)) return readFileSync(file);
  const store = await PgliteStore.open('memory://');
  let tarball: Uint8Array;
  try {
    await build(store);
    // Checkpointed first, so a store loaded from it has no WAL to replay at start (≈ 0.14 CPU-s of each load).
    await store.execScript('CHECKPOINT');
    tarball = await store.dumpDataDir();
  } finally {
    await store.close();
  }
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, tarball);
  renameSync(partial, file);
  return tarball;
}

/** The template of a migrated, empty store: `PgliteStore.open(dir, { loadDataDir: await migratedTemplate() })`. */
export function migratedTemplate(): Promise<Uint8Array> {
  return pgliteTemplate('migrated', async (store) => {
    await migrate(store);
  });
}

let migratedStore: Promise<string> | undefined;

/**
 * The migrated, empty store as the files of a data dir's `pglite` directory, closed cleanly: made once (from the
 * tarball) and shared by every test process like the tarballs, renamed into place whole. Copying it is a copy of
 * files — no PGlite opened to unpack a tarball (≈ 1.5 CPU-s each) — and a platform opening the copy starts as after
 * a clean stop, with no recovery to run.
 */
function migratedStoreFiles(): Promise<string> {
  migratedStore ??= (async () => {
    const dir = templatePath('migrated-store');
    if (existsSync(dir)) return dir;
    const building = mkdtempSync(`${dir}.${process.pid}.`);
    try {
      const store = await PgliteStore.open(building, { loadDataDir: await migratedTemplate() });
      await store.close();
      try {
        renameSync(join(building, 'pglite'), dir);
      } catch (err) {
        // Another process put its copy there first: the same files, kept.
        if (!existsSync(dir)) throw err;
      }
    } finally {
      rmSync(building, { recursive: true, force: true });
    }
    return dir;
  })();
  return migratedStore;
}

/**
 * A throwaway data directory (under the system's temporary directory, named `prefix…`) whose embedded store is
 * already migrated, copied from the template: a platform started on it opens an existing store, as after a restart,
 * instead of spending seconds of initdb and migrations (≈ 2.7 CPU-s each). A platform on an empty directory — the
 * path a first `npm start` takes — stays covered by the suites that run `lgsp start` and `lgsp demo`.
 */
export async function migratedDataDir(prefix: string): Promise<string> {
  return withMigratedStore(mkdtempSync(join(tmpdir(), prefix)));
}

/** `dataDir` (created if missing) with the migrated, empty store in it, as `migratedDataDir` makes one. */
export async function withMigratedStore(dataDir: string): Promise<string> {
  cpSync(await migratedStoreFiles(), join(dataDir, 'pglite'), { recursive: true });
  return dataDir;
}

export async function openTestStore(kind: 'pglite' | 'postgres'): Promise<TestStore> {
  if (kind === 'pglite') {
    const store = await PgliteStore.open('memory://', { loadDataDir: await migratedTemplate() });
    // Nothing to apply, the template being current; kept so that a stale template could never hide a migration.
    await migrate(store);
    return { kind, databaseUrl: '', store, dispose: () => store.close() };
  }
  const db = await createTestDatabase();
  const store = await PostgresStore.open(db.url);
  await migrate(store);
  return {
    kind,
    databaseUrl: db.url,
    store,
    dispose: async () => {
      await store.close();
      await db.drop();
    },
  };
}

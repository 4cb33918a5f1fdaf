import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../src/store/migrate.ts';
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

export async function openTestStore(kind: 'pglite' | 'postgres'): Promise<TestStore> {
  if (kind === 'pglite') {
    const store = await PgliteStore.open('memory://');
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

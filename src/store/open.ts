import type { Config } from '../core/config.ts';
import { migrate } from './migrate.ts';
import { PgliteStore } from './pglite-store.ts';
import type { Store } from './port.ts';
import { PostgresStore } from './postgres-store.ts';

/** Opens the configured store — PostgreSQL when `databaseUrl` is set, else embedded PGlite — and migrates it. */
export async function openStore(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Store> {
  const store = config.databaseUrl
    ? await PostgresStore.open(config.databaseUrl)
    : await PgliteStore.open(config.dataDir);
  try {
    await migrate(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

import type { Config } from '../core/config.ts';
import { migrate } from './migrate.ts';
import { PgliteStore } from './pglite-store.ts';
import type { Store } from './port.ts';
import { PostgresStore } from './postgres-store.ts';

/**
 * Opens the configured store — PostgreSQL when `databaseUrl` is set, else embedded PGlite — and migrates it.
 * PGlite's thread runs below the gateway's priority only while no answer waits on it: with strict records every
 * answer waits for its commit, and a starved store thread made strict answers wait for the CPU (paced p99 ≈ 20 ms
 * against ≈ 8 ms batched, 05/12/2026). On PGlite records are strict only when configured so (`recordDurability`).
 */
export async function openStore(
  config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'recorder'>>,
): Promise<Store> {
  const store = config.databaseUrl
    ? await PostgresStore.open(config.databaseUrl)
    : await PgliteStore.open(config.dataDir, { belowGateway: config.recorder?.durability !== 'strict' });
  try {
    await migrate(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

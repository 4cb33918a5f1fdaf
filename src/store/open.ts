import type { Config } from '../core/config.ts';
import { migrate } from './migrate.ts';
import { PgliteStore } from './pglite-store.ts';
import type { Store } from './port.ts';
import { PostgresStore } from './postgres-store.ts';

/**
 * Opens the configured store — PostgreSQL when `databaseUrl` is set, else embedded PGlite — and migrates it.
 * PGlite's thread runs below the gateway's priority unless answers wait on its commits — strict records in
 * memory, with no journal to go first (`Recorder.journalFirst`): a starved store thread made those answers wait for
 * the CPU (paced p99 ≈ 20 ms against ≈ 8 ms batched, 05/12/2026).
 */
export async function openStore(
  config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'recorder'>>,
): Promise<Store> {
  const store = config.databaseUrl
    ? await PostgresStore.open(config.databaseUrl)
    : await PgliteStore.open(config.dataDir, {
        belowGateway: !(config.dataDir === 'memory://' && config.recorder?.durability === 'strict'),
      });
  try {
    await migrate(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../core/config.ts';
import type { Store } from '../store/port.ts';
import type { Context } from './command.ts';

/*
 * `lgsp audit verify`, `lgsp archive verify`, `lgsp backup` and `lgsp restore` open the store themselves, from the
 * platform configuration (LGSP_DATA_DIR, LGSP_DATABASE_URL, lgsp.config.json), rather than ask the API: the
 * evidence can then be checked, and a backup taken, with the platform stopped — and without trusting the
 * platform's own API to report on itself. On the embedded store the platform must be stopped first
 * (PGlite allows one process: the store's lock file says so); on PostgreSQL it may run. The modules that touch
 * the store load only here, so the client commands stay light.
 */

/** What the command says about where the data is: never the database URL itself, which may carry a password. */
export function describeStore(config: Config): string {
  if (!config.databaseUrl) return `PGlite ${resolve(config.dataDir)}`;
  try {
    const url = new URL(config.databaseUrl);
    return `PostgreSQL ${url.host}${url.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

export interface OpenedStore {
  config: Config;
  store: Store;
}

/**
 * Loads the configuration and opens its store, migrated as `lgsp start` would. With `mustExist` (backup), a data
 * dir or database that holds no LGSP store is refused rather than created: a mistyped LGSP_DATA_DIR must not give
 * a backup of nothing. `whenLocked` is said first when another process holds the embedded store. When the store
 * cannot be had, prints why not and returns the exit code instead.
 */
export async function openPlatformStore(
  ctx: Context,
  how: { mustExist?: boolean; whenLocked?: string } = {},
): Promise<OpenedStore | number> {
  const { ConfigError, loadConfig } = await import('../core/config.ts');
  let config: Config;
  try {
    config = loadConfig(ctx.io.env ? { env: ctx.io.env } : {});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    ctx.io.err(`${err.message}\n`);
    return 1;
  }
  const noStore = () =>
    `Không có kho dữ liệu LGSP ở / No LGSP store at: ${describeStore(config)} — kiểm tra / check LGSP_DATA_DIR, LGSP_DATABASE_URL\n`;
  if (how.mustExist && !config.databaseUrl && !existsSync(join(resolve(config.dataDir), 'pglite'))) {
    ctx.io.err(noStore());
    return 1;
  }
  const { migrate } = await import('../store/migrate.ts');
  let store: Store;
  try {
    store = config.databaseUrl
      ? await (await import('../store/postgres-store.ts')).PostgresStore.open(config.databaseUrl)
      : await (await import('../store/pglite-store.ts')).PgliteStore.open(config.dataDir);
  } catch (err) {
    return cannotOpen(ctx, err, how.whenLocked);
  }
  try {
    if (how.mustExist) {
      const { sql } = await import('kysely');
      const found = await sql<{
        t: string | null;
      }>`SELECT to_regclass('public.schema_migrations')::text AS t`.execute(store.db);
      if (!found.rows[0]?.t) {
        await store.close();
        ctx.io.err(noStore());
        return 1;
      }
    }
    await migrate(store);
  } catch (err) {
    await store.close();
    return cannotOpen(ctx, err);
  }
  return { config, store };
}

function cannotOpen(ctx: Context, err: unknown, whenLocked?: string): number {
  const e = err as { code?: string; message?: string };
  const lines = e.code === 'LGSP_STORE_LOCKED' && whenLocked ? [whenLocked] : [];
  const hint = e.code === 'ECONNREFUSED' ? ' — kiểm tra / check LGSP_DATABASE_URL' : '';
  lines.push(`Không mở được kho dữ liệu / Could not open the store: ${e.message ?? String(err)}${hint}`);
  ctx.io.err(`${lines.join('\n')}\n`);
  return 1;
}

import { readdirSync, readFileSync } from 'node:fs';
import type { Store } from './port.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

export interface Migration {
  version: string;
  script: string;
}

export function listMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: f.replace(/\.sql$/, ''),
      script: readFileSync(new URL(f, MIGRATIONS_DIR), 'utf8'),
    }));
}

/**
 * Applies the versioned SQL migrations (`migrations/NNNN_name.sql`) not yet applied, in name order. Each goes to
 * the server as one simple-protocol script together with its `schema_migrations` row, which PostgreSQL runs as
 * one implicit transaction: a failing migration leaves nothing behind. When two nodes start together on one
 * PostgreSQL, the loser's script fails on the duplicate version; it then finds the migration applied and goes on.
 */
export async function migrate(store: Store): Promise<string[]> {
  await store.execScript(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL)',
  );
  const appliedNow: string[] = [];
  for (const { version, script } of listMigrations()) {
    if (await isApplied(store, version)) continue;
    try {
      await store.execScript(
        `${script}\n;INSERT INTO schema_migrations (version, applied_at) VALUES ('${version}', now());`,
      );
      appliedNow.push(version);
    } catch (err) {
      if (!(await isApplied(store, version))) throw err;
    }
  }
  return appliedNow;
}

async function isApplied(store: Store, version: string): Promise<boolean> {
  const row = await store.db
    .selectFrom('schema_migrations')
    .select('version')
    .where('version', '=', version)
    .executeTakeFirst();
  return row !== undefined;
}

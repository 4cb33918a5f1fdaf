import { createHash } from 'node:crypto';
import { closeSync, createWriteStream, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { type RawBuilder, sql } from 'kysely';
import {
  appliedMigrations,
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupError,
  type BackupHeader,
  type BackupSummary,
  ByteCounter,
  type Db,
  EXCLUDED_TABLES,
  excludedNames,
  readSchema,
  rows,
  storedColumns,
  type TableCount,
  type TableInfo,
  textArray,
} from './backup-format.ts';
import type { Store } from './port.ts';

/** Rows per cursor fetch, adjusted so a page stays near PAGE_TARGET_BYTES of JSON. */
const PAGE_ROWS_MAX = 1000;
export const PAGE_TARGET_BYTES = 4 * 1024 * 1024;

async function countRows(db: Db, table: string): Promise<number> {
  const [row] = await rows(db, sql<{ n: number | string }>`SELECT count(*) AS n FROM ${sql.id(table)}`);
  return Number(row?.n ?? 0);
}

/** One row as a JSON text: to_jsonb of the row, minus generated columns, with bytea as base64. */
function rowJson(table: TableInfo): RawBuilder<string> {
  const r = sql.id('lgsp_backup_row');
  const dropped = table.columns.filter((c) => c.generated || c.bytea).map((c) => c.name);
  const bytea = storedColumns(table).filter((c) => c.bytea);
  let json = sql`to_jsonb(${r}.*)`;
  if (dropped.length > 0) json = sql`(${json} - ${textArray(dropped)})`;
  if (bytea.length > 0) {
    const pairs = bytea.map(
      (c) => sql`${sql.lit(c.name)}, translate(encode(${r}.${sql.id(c.name)}, 'base64'), E'\\n', '')`,
    );
    json = sql`(${json} || jsonb_build_object(${sql.join(pairs)}))`;
  }
  return sql<string>`${json}::text`;
}

export interface WriteBackupOptions {
  now?: Date;
}

/**
 * Writes a backup of `store` to `output` (ended when done). Everything is read in ONE transaction, REPEATABLE READ
 * and read-only: on PostgreSQL the file is a consistent snapshot while the platform keeps running; the embedded
 * store has one owner, so there the platform is stopped anyway.
 */
export async function writeBackup(
  store: Store,
  output: Writable,
  options: WriteBackupOptions = {},
): Promise<BackupSummary> {
  const createdAt = (options.now ?? new Date()).toISOString();
  const counter = new ByteCounter();
  return store.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const db = trx as unknown as Db;
      // to_jsonb writes timestamptz in the session's zone: UTC, whatever the server's setting.
      await sql`SET LOCAL TIME ZONE 'UTC'`.execute(db);
      const schema = await readSchema(db);
      const migrations = await appliedMigrations(db);
      const tables = schema.tables.filter((t) => !excludedNames.has(t.name));
      for (const t of tables) {
        const kept = t.parents.filter((parent) => excludedNames.has(parent));
        // Its rows could not be restored without the excluded ones: a schema change must extend EXCLUDED_TABLES.
        if (kept.length > 0) {
          throw new BackupError(
            'LGSP_BACKUP_SCHEMA',
            `bảng ${t.name} tham chiếu bảng không được sao lưu / table ${t.name} refers to a table left out of backups: ${kept.join(', ')}`,
          );
        }
      }
      const counts: TableCount[] = [];
      for (const t of tables) counts.push({ name: t.name, rows: await countRows(db, t.name) });
      const excluded: BackupSummary['excluded'] = [];
      for (const e of EXCLUDED_TABLES) {
        if (schema.tables.some((t) => t.name === e.table)) {
          excluded.push({ name: e.table, rows: await countRows(db, e.table), why: e.why });
        }
      }
      const header: BackupHeader = {
        format: BACKUP_FORMAT,
        formatVersion: BACKUP_FORMAT_VERSION,
        createdAt,
        store: store.kind,
        migrations,
        tables: counts,
        excluded,
      };
      const summary: BackupSummary = {
        createdAt,
        store: store.kind,
        migrations,
        tables: counts,
        excluded,
        rows: 0,
        bytes: 0,
        sha256: '',
      };
      const hash = createHash('sha256');
      const hashed = (text: string): Buffer => {
        const bytes = Buffer.from(`${text}\n`, 'utf8');
        hash.update(bytes);
        return bytes;
      };
      async function* lines(): AsyncGenerator<Buffer> {
        yield hashed(JSON.stringify(header));
        for (const [i, t] of tables.entries()) {
          const expected = counts[i]!.rows;
          const columns = storedColumns(t).map((c) => c.name);
          yield hashed(JSON.stringify({ table: t.name, rows: expected, columns }));
          const order =
            t.primaryKey.length > 0
              ? sql` ORDER BY ${sql.join(t.primaryKey.map((k) => sql`${sql.id('lgsp_backup_row')}.${sql.id(k)}`))}`
              : sql``;
          await sql`DECLARE lgsp_backup_cursor NO SCROLL CURSOR FOR
            SELECT ${rowJson(t)} AS line FROM ${sql.id(t.name)} AS ${sql.id('lgsp_backup_row')}${order}`.execute(
            db,
          );
          let seen = 0;
          let pageRows = 100;
          for (;;) {
            const page = await rows(
              db,
              sql<{ line: string }>`FETCH ${sql.raw(String(pageRows))} FROM lgsp_backup_cursor`,
            );
            if (page.length === 0) break;
            seen += page.length;
            const chunk = page.map((r) => r.line).join('\n');
            yield hashed(chunk);
            const perRow = Math.max(1, chunk.length / page.length);
            pageRows = Math.max(1, Math.min(PAGE_ROWS_MAX, Math.floor(PAGE_TARGET_BYTES / perRow)));
          }
          await sql`CLOSE lgsp_backup_cursor`.execute(db);
          // The snapshot makes this impossible; a backup that disagrees with its own header is never written.
          if (seen !== expected) throw new Error(`${t.name}: counted ${expected} rows, read ${seen}`);
          summary.rows += seen;
        }
        summary.sha256 = hash.digest('hex');
        const trailer = {
          end: BACKUP_FORMAT,
          tables: tables.length,
          rows: summary.rows,
          sha256: summary.sha256,
        };
        yield Buffer.from(`${JSON.stringify(trailer)}\n`, 'utf8');
      }
      await pipeline(Readable.from(lines()), createGzip(), counter, output);
      summary.bytes = counter.bytes;
      return summary;
    });
}

/**
 * Writes a backup to the file `path`, which must not exist: written beside its final name (owner-only, the file holds
 * what the database holds — password hashes, sealed keys) and renamed once complete and on disk, so a file by that
 * name is always whole. `lgsp backup` and the scheduled backup (issue 13) both write this way.
 */
export async function writeBackupFile(
  store: Store,
  path: string,
  options: WriteBackupOptions = {},
): Promise<BackupSummary> {
  const partial = `${path}.partial-${process.pid}`;
  let fd: number | null = null;
  try {
    fd = openSync(partial, 'wx', 0o600);
    const summary = await writeBackup(store, createWriteStream('', { fd, autoClose: false }), options);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(partial, path);
    return summary;
  } catch (err) {
    if (fd !== null) closeSync(fd);
    rmSync(partial, { force: true });
    throw err;
  }
}

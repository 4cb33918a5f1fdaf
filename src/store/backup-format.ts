import { Transform } from 'node:stream';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Store } from './port.ts';

/**
 * Backup and restore of the whole store, the same on both adapters: a logical file that does not depend
 * on the engine, so a backup of the embedded store restores into PostgreSQL (the way an operator moves from one
 * to the other) as well as into its own kind.
 *
 * The file is gzip-compressed JSON Lines:
 *  1. a header — `{format: "openlgsp-backup", formatVersion: 1, createdAt, store, migrations, tables, excluded}`;
 *  2. per table, in an order where every foreign key points to a table already restored: a section line
 *     `{table, rows, columns}` and then one line per row, the row as PostgreSQL's `to_jsonb` writes it
 *     (timestamps ISO 8601 in UTC to the microsecond, jsonb as JSON, arrays as JSON arrays, bigint as exact
 *     JSON numbers) except bytea, which is base64;
 *  3. a trailer — `{end: "openlgsp-backup", tables, rows, sha256}`, the SHA-256 of every byte before it, so a
 *     truncated or altered file is refused.
 * Rows are never parsed into JavaScript values on the way out or in (the database writes and reads the JSON), so
 * nothing is rounded; they are read through a cursor and written in batches, so no table is ever held in memory.
 */

export const BACKUP_FORMAT = 'openlgsp-backup';
export const BACKUP_FORMAT_VERSION = 1;

/**
 * Tables whose rows never go into a backup, and what the rows that refer to them must say once restored. Today one:
 * the payloads of messages not yet delivered. R-02 says a payload must not outlive its delivery; a copy inside a
 * backup file would outlive it by as long as the file is kept. So a restored message that still had its payload
 * comes back dead, without one, saying why — its metadata (sizes, SHA-256, times) is kept as evidence. (Payloads are
 * sealed anyway and their data keys never enter the store — src/messaging/payload-keys.ts — so even a payload copy
 * could not be read once its key is destroyed; leaving them out keeps backups small and says what they hold.)
 */
export interface ExcludedTable {
  table: string;
  why: string;
  /** An UPDATE run on `table`'s neighbour after restore, when that neighbour was restored; reports its row count. */
  fixUp?: { table: string; description: string; sql: string };
}

export const RESTORED_WITHOUT_PAYLOAD =
  'khôi phục từ bản sao lưu, không có nội dung / restored from backup without payload';

export const EXCLUDED_TABLES: readonly ExcludedTable[] = [
  {
    table: 'message_payloads',
    why: 'R-02: nội dung thông điệp không được giữ lại ngoài hàng đợi / message payloads are not kept outside the queue',
    fixUp: {
      table: 'messages',
      description:
        'thông điệp chưa giao chuyển sang dead, không có nội dung / undelivered messages marked dead, without payload',
      sql: `UPDATE messages SET state = 'dead', has_payload = false, claim_token = NULL, lease_until = NULL,
              sealed_target = NULL, last_error = '${RESTORED_WITHOUT_PAYLOAD}'
            WHERE has_payload`,
    },
  },
];

/**
 * Rows the migrations themselves insert, with the condition that says a row is still as the migration left it: a
 * freshly migrated store holds these and nothing else, and counts as empty. Restore replaces them with the
 * backup's rows (so the config revision is kept, and gateways see a newer revision and reload). A migration that
 * seeds another table must add it here — the restore tests fail until it does.
 */
export const MIGRATION_SEEDS: readonly { table: string; untouched: string }[] = [
  { table: 'config_state', untouched: 'id = 1 AND revision = 1' },
];

/** Where migrations are recorded: not restored as rows, but compared (the target must have the same ones). */
const MIGRATIONS_TABLE = 'schema_migrations';

/** A restore batch: one INSERT per this many rows or bytes of JSON, whichever comes first. */
export const BATCH_ROWS = 1000;
export const BATCH_BYTES = 4 * 1024 * 1024;
/** No line of a genuine backup comes near this; a longer one is a damaged file, not a reason to run out of memory. */
export const MAX_LINE_BYTES = 512 * 1024 * 1024;

export type BackupErrorCode =
  | 'LGSP_BACKUP_INVALID'
  | 'LGSP_RESTORE_NOT_EMPTY'
  | 'LGSP_RESTORE_KEY_MISMATCH'
  | 'LGSP_RESTORE_SCHEMA_MISMATCH'
  | 'LGSP_BACKUP_SCHEMA';

/** Why a backup or restore was refused, with the fix (Vietnamese first); nothing was written when it is thrown. */
export class BackupError extends Error {
  constructor(
    readonly code: BackupErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

export function invalid(vi: string, en: string): BackupError {
  return new BackupError(
    'LGSP_BACKUP_INVALID',
    `tệp sao lưu không hợp lệ, bị hỏng hoặc bị cắt ngắn: ${vi} / the backup file is not valid, damaged or truncated: ${en}`,
  );
}

export interface TableCount {
  name: string;
  rows: number;
}

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  createdAt: string;
  store: Store['kind'];
  migrations: string[];
  tables: TableCount[];
  excluded: Array<TableCount & { why: string }>;
}

export interface BackupSummary {
  createdAt: string;
  store: Store['kind'];
  migrations: string[];
  tables: TableCount[];
  excluded: Array<TableCount & { why: string }>;
  rows: number;
  /** Bytes written (compressed). */
  bytes: number;
  /** SHA-256 of the file's content before its trailer, as the trailer records it. */
  sha256: string;
}

export interface RestoreSummary {
  /** When the backup was made, and from which kind of store. */
  createdAt: string;
  sourceStore: Store['kind'];
  migrations: string[];
  tables: TableCount[];
  rows: number;
  bytes: number;
  sha256: string;
  fixUps: Array<{ table: string; rows: number; description: string }>;
  /** Sequences moved past the restored rows' largest value. */
  sequences: string[];
}

interface Column {
  name: string;
  bytea: boolean;
  generated: boolean;
}

export interface TableInfo {
  name: string;
  columns: Column[];
  primaryKey: string[];
  /** True when a foreign key of this table points to the table itself. */
  selfReferencing: boolean;
  /** The other tables its foreign keys point to. */
  parents: string[];
}

export interface SchemaInfo {
  /** Every table of the public schema but the migrations table, parents before children. */
  tables: TableInfo[];
}

export type Db = Kysely<unknown>;

export async function rows<T>(db: Db, query: RawBuilder<T>): Promise<T[]> {
  return (await query.execute(db)).rows;
}

/**
 * Reads the tables, columns, primary keys and foreign keys of the public schema from the catalogue — nothing here
 * names a table, so a migration that adds one is backed up without a change here. Partitions are left out: their
 * rows are read and written through the partitioned table.
 */
export async function readSchema(db: Db): Promise<SchemaInfo> {
  const tableNames = (
    await rows(
      db,
      sql<{ name: string }>`SELECT c.relname AS name FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition`,
    )
  )
    .map((r) => r.name)
    .filter((name) => name !== MIGRATIONS_TABLE);
  const columns = await rows(
    db,
    sql<{ table: string; name: string; type: string; generated: string }>`SELECT table_name AS table,
        column_name AS name, data_type AS type, is_generated AS generated
      FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const keys = await rows(
    db,
    sql<{ table: string; name: string }>`SELECT k.table_name AS table, k.column_name AS name
      FROM information_schema.table_constraints t
      JOIN information_schema.key_column_usage k
        ON k.constraint_schema = t.constraint_schema AND k.constraint_name = t.constraint_name
          AND k.table_name = t.table_name
      WHERE t.table_schema = 'public' AND t.constraint_type = 'PRIMARY KEY'
      ORDER BY k.table_name, k.ordinal_position`,
  );
  const references = await rows(
    db,
    sql<{ child: string; parent: string }>`SELECT DISTINCT ch.relname AS child, pa.relname AS parent
      FROM pg_constraint f
      JOIN pg_class ch ON ch.oid = f.conrelid
      JOIN pg_class pa ON pa.oid = f.confrelid
      JOIN pg_namespace n ON n.oid = ch.relnamespace
      WHERE f.contype = 'f' AND n.nspname = 'public'`,
  );
  const infos = new Map<string, TableInfo>(
    tableNames.map((name) => [
      name,
      { name, columns: [], primaryKey: [], selfReferencing: false, parents: [] },
    ]),
  );
  for (const c of columns) {
    infos
      .get(c.table)
      ?.columns.push({ name: c.name, bytea: c.type === 'bytea', generated: c.generated === 'ALWAYS' });
  }
  for (const k of keys) infos.get(k.table)?.primaryKey.push(k.name);
  const parents = new Map<string, Set<string>>(tableNames.map((name) => [name, new Set()]));
  for (const { child, parent } of references) {
    if (!infos.has(child) || !infos.has(parent)) continue;
    if (child === parent) infos.get(child)!.selfReferencing = true;
    else parents.get(child)!.add(parent);
  }
  for (const [name, set] of parents) infos.get(name)!.parents = [...set].sort();
  return { tables: topologicalOrder(parents).map((name) => infos.get(name)!) };
}

/**
 * Parents before children (Kahn), ties by name so the same schema always gives the same order. The foreign keys
 * are not deferrable, so this order is what lets restore insert table after table; a cycle between tables could
 * not be restored that way and is reported rather than half-handled.
 */
function topologicalOrder(parents: Map<string, Set<string>>): string[] {
  const pending = new Map([...parents].map(([name, set]) => [name, new Set(set)]));
  const order: string[] = [];
  while (pending.size > 0) {
    const ready = [...pending].filter(([, set]) => set.size === 0).map(([name]) => name);
    if (ready.length === 0) {
      throw new BackupError(
        'LGSP_BACKUP_SCHEMA',
        `khoá ngoại vòng tròn giữa các bảng / foreign keys form a cycle between tables: ${[...pending.keys()].sort().join(', ')}`,
      );
    }
    for (const name of ready.sort()) {
      order.push(name);
      pending.delete(name);
      for (const set of pending.values()) set.delete(name);
    }
  }
  return order;
}

export const excludedNames = new Set(EXCLUDED_TABLES.map((e) => e.table));

/** The columns a row carries: all but generated ones, which the target computes again. */
export function storedColumns(table: TableInfo): Column[] {
  return table.columns.filter((c) => !c.generated);
}

export async function appliedMigrations(db: Db): Promise<string[]> {
  return (
    await rows(db, sql<{ version: string }>`SELECT version FROM schema_migrations ORDER BY version`)
  ).map((r) => r.version);
}

export const textArray = (names: string[]) =>
  sql`ARRAY[${sql.join(names.map((n) => sql.lit(n)))}]::text[]`.$castTo<string[]>();

/** Bytes that passed through, for the summary. */
export class ByteCounter extends Transform {
  bytes = 0;
  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: (err?: Error | null, data?: Buffer) => void,
  ) {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

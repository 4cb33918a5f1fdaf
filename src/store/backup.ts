import { createHash, type Hash } from 'node:crypto';
import { pipeline as pipelineCallback, Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Store } from './port.ts';

/**
 * Backup and restore of the whole store (R-24), the same on both adapters: a logical file that does not depend
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
 * comes back dead, without one, saying why — its metadata (sizes, SHA-256, times) is kept as evidence.
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
              last_error = '${RESTORED_WITHOUT_PAYLOAD}'
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

/** Rows per cursor fetch, adjusted so a page stays near PAGE_TARGET_BYTES of JSON. */
const PAGE_ROWS_MAX = 1000;
const PAGE_TARGET_BYTES = 4 * 1024 * 1024;
/** A restore batch: one INSERT per this many rows or bytes of JSON, whichever comes first. */
const BATCH_ROWS = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;
/** No line of a genuine backup comes near this; a longer one is a damaged file, not a reason to run out of memory. */
const MAX_LINE_BYTES = 512 * 1024 * 1024;

export type BackupErrorCode =
  | 'LGSP_BACKUP_INVALID'
  | 'LGSP_RESTORE_NOT_EMPTY'
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

function invalid(vi: string, en: string): BackupError {
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

interface TableInfo {
  name: string;
  columns: Column[];
  primaryKey: string[];
  /** True when a foreign key of this table points to the table itself. */
  selfReferencing: boolean;
  /** The other tables its foreign keys point to. */
  parents: string[];
}

interface SchemaInfo {
  /** Every table of the public schema but the migrations table, parents before children. */
  tables: TableInfo[];
}

type Db = Kysely<unknown>;

async function rows<T>(db: Db, query: RawBuilder<T>): Promise<T[]> {
  return (await query.execute(db)).rows;
}

/**
 * Reads the tables, columns, primary keys and foreign keys of the public schema from the catalogue — nothing here
 * names a table, so a migration that adds one is backed up without a change here. Partitions are left out: their
 * rows are read and written through the partitioned table.
 */
async function readSchema(db: Db): Promise<SchemaInfo> {
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

const excludedNames = new Set(EXCLUDED_TABLES.map((e) => e.table));

/** The columns a row carries: all but generated ones, which the target computes again. */
function storedColumns(table: TableInfo): Column[] {
  return table.columns.filter((c) => !c.generated);
}

async function appliedMigrations(db: Db): Promise<string[]> {
  return (
    await rows(db, sql<{ version: string }>`SELECT version FROM schema_migrations ORDER BY version`)
  ).map((r) => r.version);
}

async function countRows(db: Db, table: string): Promise<number> {
  const [row] = await rows(db, sql<{ n: number | string }>`SELECT count(*) AS n FROM ${sql.id(table)}`);
  return Number(row?.n ?? 0);
}

const textArray = (names: string[]) =>
  sql`ARRAY[${sql.join(names.map((n) => sql.lit(n)))}]::text[]`.$castTo<string[]>();

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

/** Bytes that passed through, for the summary. */
class ByteCounter extends Transform {
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

/** Splits a byte stream into lines (without their `\n`); a last line without `\n` is reported, not returned. */
async function* splitLines(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of source) {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      yield pending.length > 0 ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > MAX_LINE_BYTES) throw invalid('dòng quá dài', 'a line is too long');
    }
  }
  if (pendingBytes > 0) throw invalid('dòng cuối không trọn vẹn', 'the last line is incomplete');
}

const NEWLINE = Buffer.from('\n');

/** The lines of a backup, in order, hashing those the trailer covers. */
class BackupReader {
  readonly hash: Hash = createHash('sha256');
  private readonly lines: AsyncIterator<Buffer>;
  line = 0;

  constructor(source: AsyncIterable<Buffer>) {
    this.lines = splitLines(source)[Symbol.asyncIterator]();
  }

  async next(what: string): Promise<Buffer> {
    const r = await this.lines.next();
    if (r.done) {
      throw invalid(
        `tệp kết thúc sớm, thiếu ${what} ở dòng ${this.line + 1}`,
        `the file ends early: ${what} expected at line ${this.line + 1}`,
      );
    }
    this.line++;
    return r.value;
  }

  async hashed(what: string): Promise<Buffer> {
    const line = await this.next(what);
    this.hash.update(line);
    this.hash.update(NEWLINE);
    return line;
  }

  async json<T>(what: string, hashed = true): Promise<T> {
    const line = hashed ? await this.hashed(what) : await this.next(what);
    try {
      return JSON.parse(line.toString('utf8')) as T;
    } catch {
      throw invalid(`dòng ${this.line} không phải JSON (${what})`, `line ${this.line} is not JSON (${what})`);
    }
  }

  async atEnd(): Promise<boolean> {
    return (await this.lines.next()).done === true;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function isTableCountList(value: unknown): value is TableCount[] {
  return (
    Array.isArray(value) &&
    value.every(
      (t) =>
        typeof t === 'object' &&
        t !== null &&
        typeof (t as TableCount).name === 'string' &&
        Number.isSafeInteger((t as TableCount).rows) &&
        (t as TableCount).rows >= 0,
    )
  );
}

function checkHeader(header: Partial<BackupHeader>): asserts header is BackupHeader {
  if (header?.format !== BACKUP_FORMAT) {
    throw invalid('không phải tệp sao lưu OpenLGSP', 'not an OpenLGSP backup file');
  }
  if (header.formatVersion !== BACKUP_FORMAT_VERSION) {
    throw new BackupError(
      'LGSP_BACKUP_INVALID',
      `phiên bản định dạng sao lưu ${header.formatVersion} không được hỗ trợ (cần ${BACKUP_FORMAT_VERSION}): dùng phiên bản lgsp đã tạo ra tệp / ` +
        `backup format version ${header.formatVersion} is not supported (expected ${BACKUP_FORMAT_VERSION}): use the lgsp version that made it`,
    );
  }
  if (
    !Array.isArray(header.migrations) ||
    !header.migrations.every((m) => typeof m === 'string') ||
    !isTableCountList(header.tables) ||
    (header.store !== 'pglite' && header.store !== 'postgres')
  ) {
    throw invalid('phần đầu tệp thiếu trường', 'the header is missing fields');
  }
}

/** Everything in the target but the migrations table and its seeded rows must be empty; names what is not. */
async function nonEmptyTables(db: Db, schema: SchemaInfo): Promise<string[]> {
  const seeds = new Map(MIGRATION_SEEDS.map((s) => [s.table, s.untouched]));
  const found: string[] = [];
  for (const t of schema.tables) {
    const untouched = seeds.get(t.name);
    const condition = untouched === undefined ? sql`true` : sql`NOT (${sql.raw(untouched)})`;
    const [row] = await rows(
      db,
      sql<{ any: boolean }>`SELECT EXISTS (SELECT 1 FROM ${sql.id(t.name)} WHERE ${condition}) AS any`,
    );
    if (row?.any) found.push(t.name);
  }
  return found;
}

/** Sequences owned by a column (serial, identity) of these tables. */
async function ownedSequences(db: Db, tables: string[]) {
  if (tables.length === 0) return [];
  return rows(
    db,
    sql<{ table: string; column: string; sequence: string }>`SELECT c.relname AS table, a.attname AS column,
        s.relname AS sequence
      FROM pg_depend d
      JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
      JOIN pg_class c ON c.oid = d.refobjid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
      WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
        AND d.deptype IN ('a', 'i') AND n.nspname = 'public'
        AND c.relname IN (${sql.join(tables)})
      ORDER BY c.relname, a.attname`,
  );
}

export interface RestoreOptions {
  /** Rows per INSERT (tests make it small, to cross batch boundaries). */
  batchRows?: number;
}

/**
 * Restores a backup into `store`, which must be EMPTY (freshly migrated: only the rows migrations insert) and have
 * exactly the backup's migrations applied. One transaction: the trailer's SHA-256 is checked after the last row
 * and before COMMIT, so a truncated or altered file, or any failure, leaves the store as it was — empty.
 */
export async function restoreBackup(
  store: Store,
  input: Readable,
  options: RestoreOptions = {},
): Promise<RestoreSummary> {
  const batchRows = Math.max(1, options.batchRows ?? BATCH_ROWS);
  const counter = new ByteCounter();
  const gunzip = createGunzip();
  // Errors of any stage (a read error, a damaged gzip stream) surface where the lines are read.
  const plain = pipelineCallback(input, counter, gunzip, () => {});
  const reader = new BackupReader(plain as AsyncIterable<Buffer>);
  try {
    const header = await reader.json<Partial<BackupHeader>>('phần đầu / header');
    checkHeader(header);
    return await store.db.transaction().execute(async (trx) => {
      const db = trx as unknown as Db;
      const targetMigrations = await appliedMigrations(db);
      if (!sameList(targetMigrations, header.migrations)) {
        throw new BackupError(
          'LGSP_RESTORE_SCHEMA_MISMATCH',
          'bản sao lưu được tạo ở phiên bản lược đồ khác với kho đích; hãy khôi phục bằng đúng phiên bản lgsp đã tạo ra bản sao lưu, rồi nâng cấp / ' +
            'the backup was made at a different schema version than the target store; restore with the lgsp version that made it, then upgrade. ' +
            `Bản sao lưu / backup: ${header.migrations.at(-1) ?? '(none)'} (${header.migrations.length}); ` +
            `kho đích / target: ${targetMigrations.at(-1) ?? '(none)'} (${targetMigrations.length})`,
        );
      }
      const schema = await readSchema(db);
      const byName = new Map(schema.tables.map((t) => [t.name, t]));
      const expected = schema.tables.filter((t) => !excludedNames.has(t.name)).map((t) => t.name);
      const inBackup = header.tables.map((t) => t.name);
      if (!sameList([...expected].sort(), [...inBackup].sort())) {
        const missing = expected.filter((n) => !inBackup.includes(n));
        const extra = inBackup.filter((n) => !expected.includes(n));
        throw new BackupError(
          'LGSP_RESTORE_SCHEMA_MISMATCH',
          "các bảng trong bản sao lưu khác với kho đích / the backup's tables differ from the target store's: " +
            `${extra.length ? `chỉ có trong bản sao lưu / only in the backup: ${extra.join(', ')}; ` : ''}` +
            `${missing.length ? `chỉ có ở kho đích / only in the target: ${missing.join(', ')}` : ''}`,
        );
      }
      // Every control-plane change updates config_state in its transaction: holding it until COMMIT means nothing
      // else (a platform started too early, a second restore) writes between the emptiness check and the end.
      for (const seed of MIGRATION_SEEDS) {
        if (byName.has(seed.table)) await sql`LOCK TABLE ${sql.id(seed.table)} IN EXCLUSIVE MODE`.execute(db);
      }
      const occupied = await nonEmptyTables(db, schema);
      if (occupied.length > 0) {
        throw new BackupError(
          'LGSP_RESTORE_NOT_EMPTY',
          'kho đích đã có dữ liệu; chỉ khôi phục vào kho trống — dùng kho dữ liệu trống (LGSP_DATA_DIR mới, hoặc cơ sở dữ liệu PostgreSQL mới) / ' +
            'the target store already holds data; restore only into an empty one — use an empty data dir or database. ' +
            `Bảng có dữ liệu / tables with rows: ${occupied.join(', ')}`,
        );
      }
      const seeded = new Set(MIGRATION_SEEDS.map((s) => s.table));
      let total = 0;
      for (const entry of header.tables) {
        const table = byName.get(entry.name)!;
        const section = await reader.json<{ table?: unknown; rows?: unknown; columns?: unknown }>(
          `bảng / table ${entry.name}`,
        );
        const stored = storedColumns(table);
        if (section.table !== entry.name || section.rows !== entry.rows || !Array.isArray(section.columns)) {
          throw invalid(
            `dòng ${reader.line}: cần phần của bảng ${entry.name}`,
            `line ${reader.line}: expected the section of table ${entry.name}`,
          );
        }
        if (!sameList([...(section.columns as string[])].sort(), stored.map((c) => c.name).sort())) {
          throw new BackupError(
            'LGSP_RESTORE_SCHEMA_MISMATCH',
            `các cột của bảng ${entry.name} khác với kho đích / the columns of table ${entry.name} differ from the target's`,
          );
        }
        if (seeded.has(entry.name) && entry.rows > 0)
          await sql`DELETE FROM ${sql.id(entry.name)}`.execute(db);
        await restoreTable(db, reader, table, entry.rows, batchRows);
        total += entry.rows;
      }
      const trailer = await reader.json<{
        end?: unknown;
        sha256?: unknown;
        rows?: unknown;
        tables?: unknown;
      }>('phần cuối / trailer', false);
      const sha256 = reader.hash.digest('hex');
      if (trailer.end !== BACKUP_FORMAT || typeof trailer.sha256 !== 'string') {
        throw invalid('thiếu phần cuối', 'the trailer is missing');
      }
      if (trailer.sha256 !== sha256) {
        throw invalid(
          `mã SHA-256 không khớp (tệp ghi ${trailer.sha256}, tính được ${sha256})`,
          `SHA-256 mismatch (the file says ${trailer.sha256}, its content gives ${sha256})`,
        );
      }
      if (trailer.rows !== total || trailer.tables !== header.tables.length) {
        throw invalid('số dòng ở phần cuối không khớp', 'the trailer counts do not match');
      }
      if (!(await reader.atEnd())) throw invalid('có dữ liệu sau phần cuối', 'data after the trailer');

      const restored = new Set(header.tables.map((t) => t.name));
      const fixUps: RestoreSummary['fixUps'] = [];
      for (const e of EXCLUDED_TABLES) {
        if (!e.fixUp || !restored.has(e.fixUp.table)) continue;
        const result = await sql.raw(e.fixUp.sql).execute(db);
        fixUps.push({
          table: e.fixUp.table,
          rows: Number(result.numAffectedRows ?? 0),
          description: e.fixUp.description,
        });
      }
      const sequences: string[] = [];
      for (const s of await ownedSequences(db, [...restored])) {
        // The next value must not collide with a restored row: start after the largest one.
        await sql`SELECT setval(pg_get_serial_sequence(quote_ident(${s.table}), ${s.column}), m)
          FROM (SELECT max(${sql.id(s.column)}) AS m FROM ${sql.id(s.table)}) AS x WHERE m IS NOT NULL`.execute(
          db,
        );
        sequences.push(s.sequence);
      }
      return {
        createdAt: header.createdAt,
        sourceStore: header.store,
        migrations: header.migrations,
        tables: header.tables.map((t) => ({ name: t.name, rows: t.rows })),
        rows: total,
        bytes: counter.bytes,
        sha256,
        fixUps,
        sequences,
      };
    });
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('Z_') || code === 'ERR_STREAM_PREMATURE_CLOSE') {
      throw invalid(
        `không giải nén được (${(err as Error).message})`,
        `cannot decompress (${(err as Error).message})`,
      );
    }
    throw err;
  } finally {
    input.destroy();
  }
}

/**
 * Inserts one table's rows in batches: `INSERT … SELECT FROM jsonb_populate_record`, so PostgreSQL itself turns
 * each JSON value into its column's type (arrays, jsonb, timestamps, exact numbers); bytea comes back from base64.
 * A table whose foreign key points to itself (an organization's parent, a version's successor) goes through a
 * temporary table first and into its place in ONE statement, where the key is checked at the end, so rows may
 * come in any order whatever the batch size.
 */
async function restoreTable(
  db: Db,
  reader: BackupReader,
  table: TableInfo,
  count: number,
  batchRows: number,
): Promise<void> {
  const columns = storedColumns(table);
  const names = sql.join(columns.map((c) => sql.id(c.name)));
  const bytea = columns.filter((c) => c.bytea).map((c) => c.name);
  const e = sql.id('lgsp_restore_elem');
  const p = sql.id('lgsp_restore_row');
  const selectList = sql.join(
    columns.map((c) =>
      c.bytea ? sql`decode(${e}.r ->> ${sql.lit(c.name)}, 'base64')` : sql`${p}.${sql.id(c.name)}`,
    ),
  );
  const stage = sql.id('lgsp_restore_stage');
  if (table.selfReferencing) {
    await sql`CREATE TEMPORARY TABLE ${stage} (LIKE ${sql.id(table.name)}) ON COMMIT DROP`.execute(db);
  }
  const into = table.selfReferencing ? stage : sql.id(table.name);
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const json = `[${batch.map((b) => b.toString('utf8')).join(',')}]`;
    let inserted: number;
    try {
      const result = await sql`INSERT INTO ${into} (${names}) OVERRIDING SYSTEM VALUE
        SELECT ${selectList} FROM jsonb_array_elements(${json}::jsonb) AS ${e}(r),
          LATERAL jsonb_populate_record(NULL::${sql.id(table.name)}, ${e}.r - ${textArray(bytea)}) AS ${p}`.execute(
        db,
      );
      inserted = Number(result.numAffectedRows ?? -1);
    } catch (err) {
      const reason = (err as Error).message;
      throw new BackupError(
        'LGSP_BACKUP_INVALID',
        `không ghi được bảng ${table.name} (${reason}): tệp sao lưu bị hỏng hoặc không khớp với kho đích / ` +
          `cannot restore table ${table.name} (${reason}): the backup file is damaged or does not match the target store`,
      );
    }
    // One line is one row: a line holding two objects, or none, is a damaged file.
    if (inserted !== batch.length) {
      throw invalid(`bảng ${table.name}: số dòng không khớp`, `table ${table.name}: row count mismatch`);
    }
    batch = [];
    batchBytes = 0;
  };
  for (let i = 0; i < count; i++) {
    const line = await reader.hashed(`dòng của bảng / row of ${table.name}`);
    if (line[0] !== 0x7b /* { */) {
      throw invalid(`dòng ${reader.line} không phải một bản ghi`, `line ${reader.line} is not a row`);
    }
    batch.push(line);
    batchBytes += line.length;
    if (batch.length >= batchRows || batchBytes >= BATCH_BYTES) await flush();
  }
  await flush();
  if (table.selfReferencing) {
    await sql`INSERT INTO ${sql.id(table.name)} (${names}) OVERRIDING SYSTEM VALUE SELECT ${names} FROM ${stage}`.execute(
      db,
    );
    await sql`DROP TABLE ${stage}`.execute(db);
  }
}

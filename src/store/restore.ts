import { createHash, type Hash } from 'node:crypto';
import { pipeline as pipelineCallback, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { sql } from 'kysely';
import { type KeyEncryptionKey, verifyKeyCheck } from '../keys/index.ts';
import {
  appliedMigrations,
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BATCH_BYTES,
  BATCH_ROWS,
  BackupError,
  type BackupHeader,
  ByteCounter,
  type Db,
  EXCLUDED_TABLES,
  excludedNames,
  invalid,
  MAX_LINE_BYTES,
  MIGRATION_SEEDS,
  type RestoreSummary,
  readSchema,
  rows,
  type SchemaInfo,
  storedColumns,
  type TableCount,
  type TableInfo,
  textArray,
} from './backup-format.ts';
import type { Store } from './port.ts';

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

/** The trailer: its SHA-256 of every line before it, its counts, and nothing after it. */
async function checkTrailer(reader: BackupReader, rows: number, tables: number): Promise<string> {
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
  if (trailer.rows !== rows || trailer.tables !== tables) {
    throw invalid('số dòng ở phần cuối không khớp', 'the trailer counts do not match');
  }
  if (!(await reader.atEnd())) throw invalid('có dữ liệu sau phần cuối', 'data after the trailer');
  return sha256;
}

/**
 * Reads a backup through without a store (issue 13: each scheduled backup is checked after it is written): the
 * gzip stream whole, the header, each table's section with exactly its rows, each row JSON, and the trailer's
 * SHA-256 and counts. Throws BackupError naming the first fault; returns the header and the SHA-256.
 */
export async function verifyBackup(
  input: Readable,
): Promise<{ header: BackupHeader; rows: number; sha256: string }> {
  const counter = new ByteCounter();
  const plain = pipelineCallback(input, counter, createGunzip(), () => {});
  const reader = new BackupReader(plain as AsyncIterable<Buffer>);
  try {
    const header = await reader.json<Partial<BackupHeader>>('phần đầu / header');
    checkHeader(header);
    let total = 0;
    for (const entry of header.tables) {
      const section = await reader.json<{ table?: unknown; rows?: unknown }>(`bảng / table ${entry.name}`);
      if (section.table !== entry.name || section.rows !== entry.rows) {
        throw invalid(
          `dòng ${reader.line}: cần phần của bảng ${entry.name}`,
          `line ${reader.line}: expected the section of table ${entry.name}`,
        );
      }
      for (let i = 0; i < entry.rows; i++) await reader.json<unknown>(`bản ghi / row of ${entry.name}`);
      total += entry.rows;
    }
    const sha256 = await checkTrailer(reader, total, header.tables.length);
    return { header, rows: total, sha256 };
  } finally {
    plain.destroy();
  }
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
  /**
   * The key-encryption key the backup's secrets were sealed with (issue 10 item 4): a backup carries only
   * ciphertext, so a restore without the same key would give a store nobody can start. Checked before COMMIT;
   * a function is called only when the backup holds sealed secrets (its error is the refusal's reason).
   */
  kek?: KeyEncryptionKey | (() => KeyEncryptionKey);
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
      const sha256 = await checkTrailer(reader, total, header.tables.length);
      await checkRestoredKey(db, options.kek);

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

/** The restored key check must open with the configured key-encryption key; else nothing is committed. */
async function checkRestoredKey(db: Db, given: RestoreOptions['kek']): Promise<void> {
  const found = await rows(db, sql<{ sealed: Uint8Array }>`SELECT sealed FROM key_check`);
  const check = found[0];
  if (!check) return;
  if (!given) {
    throw new BackupError(
      'LGSP_RESTORE_KEY_MISMATCH',
      'bản sao lưu chứa bí mật được niêm phong: cần khoá mã hoá khoá (KEK) đã dùng khi sao lưu / the backup holds sealed secrets: the key-encryption key (KEK) it was made with is needed',
    );
  }
  try {
    const kek = typeof given === 'function' ? given() : given;
    verifyKeyCheck(kek, check.sealed, { vi: 'bản sao lưu', en: 'the backup' });
  } catch (err) {
    throw new BackupError('LGSP_RESTORE_KEY_MISMATCH', (err as Error).message);
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

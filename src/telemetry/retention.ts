import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { type Kysely, sql } from 'kysely';
import { fsyncPath } from '../core/fsync.ts';
import { chainHash, GENESIS_HASH } from '../core/hashing.ts';
import { isoOf } from '../core/time.ts';
import type { Store } from '../store/port.ts';
import { rollupWatermark, runRollups } from './rollups.ts';

/**
 * Retention of the transaction records (issue 5; R-20: every activity is logged and KEPT AT LEAST 2 YEARS).
 *
 * `transactions` is partitioned by month (UTC; migration 0011_retention.sql). `ensureTransactionPartitions` keeps
 * the partitions of this month and the next two in place (platform start, then daily) and moves any row that fell
 * into the DEFAULT safety-net partition into its month. `runRetention` takes each monthly partition lying wholly
 * before `now − retention days`, and in this order: writes its rows to an archive file (gzip JSON Lines), fsyncs it,
 * records the file's SHA-256 in `transaction_archives` — a hash chain like the audit trail's — and only then
 * detaches and drops the partition. A crash anywhere leaves either the partition, or the partition and its sealed
 * archive; the next run carries on. The hourly rollups are kept, so reports over archived months still work.
 * `verifyArchives` (`lgsp archive verify`) re-hashes every archive file and walks the chain.
 */

/** R-20: the shortest retention the platform accepts, in days (2 years). */
export const MIN_RETENTION_DAYS = 730;

export const ARCHIVE_FORMAT = 'openlgsp-transaction-archive';
export const ARCHIVE_FORMAT_VERSION = 1;

const DAY_MS = 86_400_000;
type Db = Kysely<unknown>;

export class RetentionError extends Error {
  constructor(
    readonly code: 'LGSP_RETENTION_TOO_SHORT' | 'LGSP_RETENTION_ROLLUPS_BEHIND' | 'LGSP_RETENTION_CHANGED',
    message: string,
  ) {
    super(message);
    this.name = 'RetentionError';
  }
}

/** Throws unless `days` is at least MIN_RETENTION_DAYS (R-20). */
export function checkRetentionDays(days: number): void {
  if (!Number.isInteger(days) || days < MIN_RETENTION_DAYS) {
    throw new RetentionError(
      'LGSP_RETENTION_TOO_SHORT',
      `thời hạn lưu giữ bản ghi giao dịch ${days} ngày không được ngắn hơn ${MIN_RETENTION_DAYS} ngày (2 năm) theo R-20 / ` +
        `the transaction retention of ${days} days must not be shorter than ${MIN_RETENTION_DAYS} days (2 years), R-20`,
    );
  }
}

/**
 * The instant before which a record has been kept at least `retentionDays` and at least two calendar years
 * (R-20): 730 days fall a day short of two years whenever a 29 February lies between (31/03/2027 + 730 days is
 * 30/03/2029), so the earlier of the two bounds is taken. A record at t is two years old once t + 2 years ≤ now,
 * i.e. t ≤ now − 2 years, where 29 February minus two years is 28 February.
 */
export function retentionCutoffMs(nowMs: number, retentionDays: number): number {
  const now = new Date(nowMs);
  const twoYears = new Date(nowMs);
  twoYears.setUTCFullYear(now.getUTCFullYear() - 2);
  // 29/02 has no day two years before: setUTCFullYear rolled over to 01/03; go back to 28/02.
  if (twoYears.getUTCMonth() !== now.getUTCMonth()) twoYears.setUTCDate(0);
  return Math.min(nowMs - retentionDays * DAY_MS, twoYears.getTime());
}

interface Month {
  /** 2026-11 */
  month: string;
  /** transactions_2026_11 */
  name: string;
  fromMs: number;
  toMs: number;
}

function monthOf(year: number, monthIndex: number): Month {
  const fromMs = Date.UTC(year, monthIndex, 1);
  const d = new Date(fromMs);
  const y = d.getUTCFullYear();
  const m = String(d.getUTCMonth() + 1).padStart(2, '0');
  return {
    month: `${y}-${m}`,
    name: `transactions_${y}_${m}`,
    fromMs,
    toMs: Date.UTC(y, d.getUTCMonth() + 1, 1),
  };
}

const monthAt = (ms: number) => monthOf(new Date(ms).getUTCFullYear(), new Date(ms).getUTCMonth());

/** The monthly partitions of `transactions` that exist, oldest first (the DEFAULT one left out). */
export async function listTransactionPartitions(store: Pick<Store, 'db'>): Promise<Month[]> {
  const { rows } = await sql<{ name: string }>`SELECT c.relname AS name FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      JOIN pg_class p ON p.oid = i.inhparent
      JOIN pg_namespace n ON n.oid = p.relnamespace
    WHERE p.relname = 'transactions' AND n.nspname = 'public'`.execute(store.db as unknown as Db);
  const out: Month[] = [];
  for (const { name } of rows) {
    const m = /^transactions_(\d{4})_(\d{2})$/.exec(name);
    if (m) out.push(monthOf(Number(m[1]), Number(m[2]) - 1));
  }
  return out.sort((a, b) => a.fromMs - b.fromMs);
}

/**
 * Creates the partitions of the month of `nowMs` and the `ahead` next ones when missing, and gives every month
 * that has rows in the DEFAULT partition its own partition, moving those rows into it (one transaction per month:
 * rows copied to a new table, deleted from DEFAULT, the table attached). Safe to run on several nodes at once:
 * a partition another node created first is skipped. Returns the partitions created.
 */
export async function ensureTransactionPartitions(
  store: Store,
  nowMs = Date.now(),
  ahead = 2,
): Promise<string[]> {
  const db = store.db as unknown as Db;
  const wanted = new Map<string, Month>();
  const now = new Date(nowMs);
  for (let k = 0; k <= ahead; k++) {
    const m = monthOf(now.getUTCFullYear(), now.getUTCMonth() + k);
    wanted.set(m.name, m);
  }
  const { rows: stray } = await sql<{ m: Date | string }>`SELECT DISTINCT
      date_trunc('month', request_in_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m FROM transactions_default`.execute(
    db,
  );
  for (const { m } of stray) {
    const month = monthAt(new Date(m).getTime());
    wanted.set(month.name, month);
  }
  const existing = new Set((await listTransactionPartitions(store)).map((p) => p.name));
  const created: string[] = [];
  for (const m of [...wanted.values()].sort((a, b) => a.fromMs - b.fromMs)) {
    if (existing.has(m.name)) continue;
    try {
      await store.db.transaction().execute(async (trx) => {
        const t = trx as unknown as Db;
        const bounds = sql`FOR VALUES FROM (${sql.lit(isoOf(m.fromMs))}) TO (${sql.lit(isoOf(m.toMs))})`;
        await sql`CREATE TABLE ${sql.id(m.name)} (LIKE transactions INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`.execute(
          t,
        );
        const range = sql`request_in_at >= ${isoOf(m.fromMs)}::timestamptz AND request_in_at < ${isoOf(m.toMs)}::timestamptz`;
        await sql`INSERT INTO ${sql.id(m.name)} SELECT * FROM transactions_default WHERE ${range}`.execute(t);
        await sql`DELETE FROM transactions_default WHERE ${range}`.execute(t);
        await sql`ALTER TABLE transactions ATTACH PARTITION ${sql.id(m.name)} ${bounds}`.execute(t);
      });
      created.push(m.name);
    } catch (err) {
      // Another node created it meanwhile (duplicate table / overlapping partition): nothing left to do.
      const code = (err as { code?: string }).code;
      if (code !== '42P07' && code !== '42P17') throw err;
    }
  }
  return created;
}

/** What a chain entry's hash covers: everything but `dropped_at`, written after the partition is gone. */
export interface ArchiveEntryContent {
  seq: number;
  partitionName: string;
  month: string;
  rangeFrom: string;
  rangeTo: string;
  rowCount: number;
  fileName: string;
  fileBytes: number;
  fileSha256: string;
  archivedAt: string;
}

/** SHA-256 (hex) of the previous entry's hash, a newline and this entry's canonical JSON (as the audit chain). */
export function archiveEntryHash(prevHash: string, content: ArchiveEntryContent): string {
  return chainHash(prevHash, content);
}

interface ArchiveRow {
  seq: string | number;
  partition_name: string;
  month: string;
  range_from: Date | string;
  range_to: Date | string;
  row_count: string | number;
  file_name: string;
  file_bytes: string | number;
  file_sha256: string;
  archived_at: Date | string;
  dropped_at: Date | string | null;
  prev_hash: string;
  hash: string;
}

function contentOf(r: ArchiveRow): ArchiveEntryContent {
  return {
    seq: Number(r.seq),
    partitionName: r.partition_name,
    month: r.month,
    rangeFrom: new Date(r.range_from).toISOString(),
    rangeTo: new Date(r.range_to).toISOString(),
    rowCount: Number(r.row_count),
    fileName: r.file_name,
    fileBytes: Number(r.file_bytes),
    fileSha256: r.file_sha256,
    archivedAt: new Date(r.archived_at).toISOString(),
  };
}

async function readArchiveRows(db: Db): Promise<ArchiveRow[]> {
  return (await sql<ArchiveRow>`SELECT * FROM transaction_archives ORDER BY seq`.execute(db)).rows;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Writes the rows of one partition to `<dir>/<partition>.jsonl.gz`: a header line
 * `{format, formatVersion, partition, month, from, to, rows, createdAt}`, then one row per line as PostgreSQL's
 * to_jsonb writes it (as in a backup, src/store/backup.ts), oldest first. Read through a cursor in the caller's
 * transaction, which holds the partition in SHARE mode (no write can slip in); written to a `.partial` file,
 * fsynced, renamed, the directory fsynced.
 */
async function writeArchiveFile(
  db: Db,
  m: Month,
  dir: string,
  createdAt: string,
): Promise<{ fileName: string; rows: number; bytes: number; sha256: string }> {
  const fileName = `${m.name}.jsonl.gz`;
  const path = join(dir, fileName);
  const partial = `${path}.partial`;
  await sql`SET LOCAL TIME ZONE 'UTC'`.execute(db);
  const { rows: c } = await sql<{ n: string | number }>`SELECT count(*) AS n FROM ${sql.id(m.name)}`.execute(
    db,
  );
  const expected = Number(c[0]?.n ?? 0);
  await sql`DECLARE lgsp_archive_cursor NO SCROLL CURSOR FOR
    SELECT to_jsonb(t.*)::text AS line FROM ${sql.id(m.name)} AS t ORDER BY t.request_in_at, t.id`.execute(
    db,
  );
  let seen = 0;
  async function* lines(): AsyncGenerator<Buffer> {
    const header = {
      format: ARCHIVE_FORMAT,
      formatVersion: ARCHIVE_FORMAT_VERSION,
      partition: m.name,
      month: m.month,
      from: isoOf(m.fromMs),
      to: isoOf(m.toMs),
      rows: expected,
      createdAt,
    };
    yield Buffer.from(`${JSON.stringify(header)}\n`);
    for (;;) {
      const page = (await sql<{ line: string }>`FETCH 1000 FROM lgsp_archive_cursor`.execute(db)).rows;
      if (page.length === 0) break;
      seen += page.length;
      yield Buffer.from(`${page.map((r) => r.line).join('\n')}\n`);
    }
  }
  await pipeline(Readable.from(lines()), createGzip(), createWriteStream(partial, { mode: 0o600 }));
  await sql`CLOSE lgsp_archive_cursor`.execute(db);
  if (seen !== expected) throw new Error(`${m.name}: counted ${expected} rows, read ${seen}`);
  await fsyncPath(partial);
  await rename(partial, path);
  await fsyncPath(dir);
  const { size } = await stat(path);
  return { fileName, rows: seen, bytes: size, sha256: await sha256OfFile(path) };
}

/**
 * The sign-in history (migrations/0044_sign_ins.sql) is kept as long as the transaction records (R-20: the
 * activity log, at least 2 years; the same `retention.transactionDays` and the same cutoff): rows older than the
 * cutoff are deleted, daily. A few rows per person per day, not a log to archive to files like the transactions:
 * a plain DELETE on its `at` index. Refuses a period shorter than 730 days, as `runRetention` does.
 */
export async function pruneSignIns(
  store: Pick<Store, 'db'>,
  options: { retentionDays: number; nowMs?: number },
): Promise<number> {
  checkRetentionDays(options.retentionDays);
  const cutoffMs = retentionCutoffMs(options.nowMs ?? Date.now(), options.retentionDays);
  const deleted = await store.db
    .deleteFrom('sign_ins')
    .where('at', '<', new Date(cutoffMs))
    .executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

export interface RetentionOptions {
  /** At least MIN_RETENTION_DAYS. */
  retentionDays: number;
  archiveDir: string;
  nowMs?: number;
}

export interface ArchivedPartition {
  seq: number;
  partition: string;
  month: string;
  rows: number;
  fileName: string;
  fileSha256: string;
  hash: string;
}

/** One lock for every archiving step, on every node: archives are written, sealed and dropped one at a time. */
const archiveLock = sql`SELECT pg_advisory_xact_lock(5207300011)`;

async function partitionExists(db: Db, name: string): Promise<boolean> {
  const { rows } = await sql<{
    r: string | null;
  }>`SELECT to_regclass(${`public.${name}`})::text AS r`.execute(db);
  return rows[0]?.r != null;
}

/**
 * The retention job (daily): archives, seals and drops every monthly partition that lies wholly before
 * `now − retentionDays` and before `now − 2 years` (retentionCutoffMs), oldest first. Refuses a retention shorter than 730 days (R-20) whatever the caller's
 * configuration says, and refuses to drop a month whose hours are not all rolled up yet. Each month takes two
 * transactions under one advisory lock (so nodes sharing a PostgreSQL take turns): the first writes and fsyncs
 * the file and appends its entry to the chain — or, when an earlier run got that far and stopped, checks the
 * sealed file is intact; the second, only after the first committed, re-counts the rows against the sealed
 * count and detaches and drops the partition.
 */
export async function runRetention(store: Store, options: RetentionOptions): Promise<ArchivedPartition[]> {
  checkRetentionDays(options.retentionDays);
  const nowMs = options.nowMs ?? Date.now();
  const cutoffMs = retentionCutoffMs(nowMs, options.retentionDays);
  await ensureTransactionPartitions(store, nowMs);
  const expired = (await listTransactionPartitions(store)).filter((p) => p.toMs <= cutoffMs);
  if (expired.length === 0) return [];
  // Reports over old periods read the rollups: every hour of a month must be rolled up before its rows go.
  await runRollups(store, nowMs);
  const watermark = await rollupWatermark(store);
  // The records name who called what, and the paths may carry a citizen's number: the operator's eyes only, as the
  // store's own directory (0700) and the journal's files (0600).
  await mkdir(options.archiveDir, { recursive: true, mode: 0o700 });
  const done: ArchivedPartition[] = [];
  for (const m of expired) {
    if (watermark === null || watermark < m.toMs) {
      throw new RetentionError(
        'LGSP_RETENTION_ROLLUPS_BEHIND',
        `chưa tổng hợp xong ${m.month}, không xoá phân vùng ${m.name} / ${m.month} is not rolled up yet: ${m.name} kept`,
      );
    }
    const sealed = await store.db.transaction().execute(async (trx): Promise<ArchiveRow | null> => {
      const t = trx as unknown as Db;
      await archiveLock.execute(t);
      const { rows: found } = await sql<ArchiveRow>`SELECT * FROM transaction_archives
        WHERE partition_name = ${m.name}`.execute(t);
      const existing = found[0];
      if (existing) {
        // Archived by an earlier run that stopped before the drop: the file must still be the one sealed.
        const path = join(options.archiveDir, existing.file_name);
        if ((await sha256OfFile(path).catch(() => null)) !== existing.file_sha256) {
          throw new RetentionError(
            'LGSP_RETENTION_CHANGED',
            `tệp lưu trữ ${existing.file_name} không khớp mã băm đã niêm phong, không xoá ${m.name} / ` +
              `archive ${existing.file_name} does not match its sealed hash: ${m.name} kept`,
          );
        }
        return existing;
      }
      if (!(await partitionExists(t, m.name))) return null; // dropped meanwhile by another node
      await sql`LOCK TABLE ${sql.id(m.name)} IN SHARE MODE`.execute(t);
      const archivedAt = isoOf(nowMs);
      const file = await writeArchiveFile(t, m, options.archiveDir, archivedAt);
      const { rows: last } = await sql<{ seq: string | number; hash: string }>`SELECT seq, hash
        FROM transaction_archives ORDER BY seq DESC LIMIT 1`.execute(t);
      const prevHash = last[0]?.hash ?? GENESIS_HASH;
      const content: ArchiveEntryContent = {
        seq: Number(last[0]?.seq ?? 0) + 1,
        partitionName: m.name,
        month: m.month,
        rangeFrom: isoOf(m.fromMs),
        rangeTo: isoOf(m.toMs),
        rowCount: file.rows,
        fileName: file.fileName,
        fileBytes: file.bytes,
        fileSha256: file.sha256,
        archivedAt,
      };
      const hash = archiveEntryHash(prevHash, content);
      const { rows } = await sql<ArchiveRow>`INSERT INTO transaction_archives (seq, partition_name, month,
          range_from, range_to, row_count, file_name, file_bytes, file_sha256, archived_at, prev_hash, hash)
        VALUES (${content.seq}, ${content.partitionName}, ${content.month}, ${content.rangeFrom}::timestamptz,
          ${content.rangeTo}::timestamptz, ${content.rowCount}, ${content.fileName}, ${content.fileBytes},
          ${content.fileSha256}, ${archivedAt}::timestamptz, ${prevHash}, ${hash})
        RETURNING *`.execute(t);
      return rows[0]!;
    });
    if (!sealed) continue;
    const dropped = await store.db.transaction().execute(async (trx) => {
      const t = trx as unknown as Db;
      await archiveLock.execute(t);
      if (!(await partitionExists(t, m.name))) return false;
      await sql`LOCK TABLE ${sql.id(m.name)} IN ACCESS EXCLUSIVE MODE`.execute(t);
      const { rows: c } = await sql<{
        n: string | number;
      }>`SELECT count(*) AS n FROM ${sql.id(m.name)}`.execute(t);
      if (Number(c[0]?.n ?? 0) !== Number(sealed.row_count)) {
        throw new RetentionError(
          'LGSP_RETENTION_CHANGED',
          `phân vùng ${m.name} có ${c[0]?.n} dòng, tệp lưu trữ có ${sealed.row_count}: không xoá / ` +
            `partition ${m.name} holds ${c[0]?.n} rows, its archive ${sealed.row_count}: kept`,
        );
      }
      await sql`ALTER TABLE transactions DETACH PARTITION ${sql.id(m.name)}`.execute(t);
      await sql`DROP TABLE ${sql.id(m.name)}`.execute(t);
      await sql`UPDATE transaction_archives SET dropped_at = ${isoOf(nowMs)}::timestamptz
        WHERE partition_name = ${m.name}`.execute(t);
      return true;
    });
    if (!dropped) continue;
    done.push({
      seq: Number(sealed.seq),
      partition: m.name,
      month: m.month,
      rows: Number(sealed.row_count),
      fileName: sealed.file_name,
      fileSha256: sealed.file_sha256,
      hash: sealed.hash,
    });
  }
  return done;
}

export interface ArchiveProblem {
  seq: number;
  partition: string;
  fileName: string;
  /** file-missing, file-altered, entry-altered, chain-broken, sequence-gap */
  kind: 'file-missing' | 'file-altered' | 'entry-altered' | 'chain-broken' | 'sequence-gap';
  reason: string;
}

export type ArchiveVerifyResult =
  | { ok: true; count: number; lastHash: string | null }
  | { ok: false; count: number; problems: ArchiveProblem[] };

/**
 * Checks every sealed archive: the chain (seq without gaps, each prev_hash the hash of the entry before, each hash
 * recomputed from the entry's fields) and each file (present, same size and SHA-256 as sealed). Reports every
 * problem found, each naming the entry and file. Only reads.
 */
export async function verifyArchives(
  store: Pick<Store, 'db'>,
  archiveDir: string,
): Promise<ArchiveVerifyResult> {
  const rows = await readArchiveRows(store.db as unknown as Db);
  const problems: ArchiveProblem[] = [];
  let prev: ArchiveRow | null = null;
  for (const r of rows) {
    const c = contentOf(r);
    const problem = (kind: ArchiveProblem['kind'], reason: string) =>
      problems.push({ seq: c.seq, partition: c.partitionName, fileName: c.fileName, kind, reason });
    const expectedSeq = prev ? Number(prev.seq) + 1 : 1;
    if (c.seq !== expectedSeq) {
      problem(
        'sequence-gap',
        `thiếu mục #${expectedSeq}${c.seq > expectedSeq + 1 ? `–#${c.seq - 1}` : ''} ngay trước mục này (đã bị xoá?) / ` +
          `entry #${expectedSeq} just before it is missing (deleted?)`,
      );
    }
    const expectedPrev = prev ? prev.hash : GENESIS_HASH;
    if (r.prev_hash !== expectedPrev) {
      problem(
        'chain-broken',
        'prev_hash không khớp mã băm của mục trước / prev_hash does not match the hash of the entry before',
      );
    }
    if (archiveEntryHash(r.prev_hash, c) !== r.hash) {
      problem(
        'entry-altered',
        'nội dung mục không khớp mã băm (đã bị sửa sau khi ghi) / the entry does not match its hash (changed after it was written)',
      );
    }
    const path = join(archiveDir, c.fileName);
    const size = await stat(path).then(
      (s) => s.size,
      () => null,
    );
    if (size === null) {
      problem('file-missing', `không tìm thấy tệp / file not found: ${path}`);
    } else {
      const sha = await sha256OfFile(path);
      if (sha !== c.fileSha256 || size !== c.fileBytes) {
        problem(
          'file-altered',
          `tệp đã bị thay đổi: SHA-256 ${sha}, đã niêm phong ${c.fileSha256} / the file was altered: SHA-256 ${sha}, sealed ${c.fileSha256}`,
        );
      }
    }
    prev = r;
  }
  return problems.length === 0
    ? { ok: true, count: rows.length, lastHash: prev?.hash ?? null }
    : { ok: false, count: rows.length, problems };
}

/** Where archives go: `retention.archiveDir`, else `<dataDir>/archives`. */
export function archiveDirOf(config: { dataDir: string; retention: { archiveDir: string } }): string {
  return config.retention.archiveDir || join(config.dataDir, 'archives');
}

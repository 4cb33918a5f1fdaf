import { sql } from 'kysely';
import { isUniqueViolation, type Store } from '../store/port.ts';
import type { TransactionRecord } from './record.ts';

/**
 * Transaction records as rows: one tuple of PostgreSQL's binary `COPY` format per record, the form in which they are
 * written to both stores (issue 14 item 3) and, journal first, to the node's journal — built once per record, the
 * same bytes going to the journal and then to the store (record-journal.ts). Binary rather than COPY's text format:
 * the store then parses no text into times and numbers (measured on PGlite, four timestamptz columns: 10.5 µs per
 * row from text, 2.9 µs from binary), on the embedded store's thread and PostgreSQL's backends alike.
 */

type ColumnKind = 'text' | 'number' | 'time' | 'json' | 'derived';

interface Column {
  name: string;
  kind: ColumnKind;
  /** The SQL type of the column's array in `insertByUnnest`. */
  pgType: string;
  /** The record's field it holds; null for a value derived from others (`duration_ms`). */
  field: keyof TransactionRecord | null;
  value: (t: TransactionRecord) => unknown;
}

const text = (name: string, field: keyof TransactionRecord): Column => ({
  name,
  kind: 'text',
  pgType: 'text',
  field,
  value: (t) => t[field] ?? null,
});
const number = (name: string, pgType: 'int4' | 'int8', field: keyof TransactionRecord): Column => ({
  name,
  kind: 'number',
  pgType,
  field,
  value: (t) => t[field],
});
const time = (name: string, field: keyof TransactionRecord): Column => ({
  name,
  kind: 'time',
  pgType: 'timestamptz',
  field,
  value: (t) => t[field],
});

const COLUMNS: readonly Column[] = [
  text('id', 'id'),
  text('consumer_system_id', 'consumerSystemId'),
  text('consumer_org_code', 'consumerOrgCode'),
  text('credential_id', 'credentialId'),
  text('provider_system_id', 'providerSystemId'),
  text('provider_org_code', 'providerOrgCode'),
  text('service_id', 'serviceId'),
  text('service_context', 'serviceContext'),
  text('version_id', 'versionId'),
  text('version', 'version'),
  text('environment', 'environment'),
  text('method', 'method'),
  text('resource_template', 'resourceTemplate'),
  number('provider_status', 'int4', 'providerStatus'),
  number('consumer_status', 'int4', 'consumerStatus'),
  text('error_code', 'errorCode'),
  number('request_bytes', 'int8', 'requestBytes'),
  number('response_bytes', 'int8', 'responseBytes'),
  text('request_sha256', 'requestSha256'),
  text('response_sha256', 'responseSha256'),
  time('request_in_at', 'requestInAt'),
  time('request_out_at', 'requestOutAt'),
  time('response_in_at', 'responseInAt'),
  time('response_out_at', 'responseOutAt'),
  {
    name: 'duration_ms',
    kind: 'derived',
    pgType: 'int4',
    field: null,
    value: (t) => Math.max(0, Math.round(t.responseOutAt - t.requestInAt)),
  },
  text('leg', 'leg'),
  text('message_id', 'messageId'),
  text('client_address', 'clientAddress'),
  text('kind', 'kind'),
  text('auth_method', 'authMethod'),
  text('client_sender_code', 'clientSenderCode'),
  text('client_receiver_code', 'clientReceiverCode'),
  text('client_tran_code', 'clientTranCode'),
  text('parent_transaction_id', 'parentTransactionId'),
  text('represented_org_code', 'representedOrgCode'),
  text('represented_system', 'representedSystem'),
  {
    name: 'end_to_end_id',
    kind: 'text',
    pgType: 'text',
    field: 'endToEndId',
    value: (t) => (claimOnly(t) ? null : t.endToEndId),
  },
  text('peer_id', 'peerId'),
  {
    name: 'federation',
    kind: 'json',
    pgType: 'jsonb',
    field: 'federation',
    // jsonb refuses the escape \u0000 as text refuses NUL: the evidence's strings are made storable first.
    value: (t) =>
      t.federation === null || t.federation === undefined
        ? null
        : JSON.stringify(
            claimOnly(t) ? { ...t.federation, claimedEndToEndId: t.endToEndId } : t.federation,
            (_, v) => (typeof v === 'string' ? storable(v) : v),
          ),
  },
];

/**
 * Whether a record's end-to-end id is only what its caller claimed: an inbound federated call refused before
 * every signature verified — the id is one of the components each hop signs (src/federation/wire.ts), so until they
 * verify, anyone holding a peer's token may have sent any id, a real call's among them. Such a record is written
 * with no end-to-end id and the claim in its evidence (`claimedEndToEndId`): the federation ledger and
 * reconciliation read `end_to_end_id` only, so a claim never stands for the real call of that id. An id this
 * platform made or passed on (outbound), or that verified, is the record's end-to-end id.
 */
function claimOnly(t: TransactionRecord): boolean {
  return (
    t.endToEndId !== null &&
    t.federation !== null &&
    t.federation !== undefined &&
    t.federation.direction === 'inbound' &&
    t.federation.signatures !== 'verified'
  );
}

/** The columns of a record's tuple, in order: a journal names them in each file (`#columns …`), for the next version. */
export const COPY_COLUMNS: readonly string[] = COLUMNS.map((c) => c.name);
const BY_NAME = new Map(COLUMNS.map((c) => [c.name, c]));
/** The SQL type of each of COPY_COLUMNS, in order (tests: a record in the COPY text lines of earlier journals). */
export const COPY_COLUMN_TYPES: readonly string[] = COLUMNS.map((c) => c.pgType);

/**
 * Text as PostgreSQL can store it: a NUL character, which no text column can hold, becomes U+FFFD (a record field
 * may come from outside, and one such field must not make its whole batch fail at every retry).
 */
function storable(value: string | null): string | null {
  return value !== null && value.indexOf('\0') !== -1 ? value.replaceAll('\0', '\uFFFD') : value;
}

/**
 * Writes one batch of records; a retried batch (a write that timed out but was done, a journal shipped twice) adds
 * nothing twice. One binary `COPY` on both stores (issue 14 item 3, measured in bench/throughput.ts): on PostgreSQL
 * from STDIN, on PGlite from a buffer transferred to its thread. Should some of the batch already be there, COPY
 * refuses it whole (unique violation) and the idempotent INSERT below writes the rest. `tuples`: the records' tuples
 * (`recordTuple`), when the caller has them already.
 */
export async function insertTransactions(
  store: Store,
  batch: readonly TransactionRecord[],
  tuples?: readonly Buffer[],
): Promise<void> {
  if (batch.length === 0) return;
  try {
    await store.copyIn(COPY_TARGET, binaryCopy(tuples ?? batch.map(recordTuple)));
    return;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  await insertByUnnest(store, batch);
}

/**
 * Writes tuples of the `columns` named (a journal's, written by this version or an earlier one) as
 * `insertTransactions` writes records: one COPY, else the idempotent INSERT of the tuples read back.
 */
export async function insertTuples(
  store: Store,
  columns: readonly string[],
  tuples: readonly Buffer[],
): Promise<void> {
  if (tuples.length === 0) return;
  for (const name of columns) {
    if (!BY_NAME.has(name)) throw new Error(`journal names an unknown column of transactions: ${name}`);
  }
  try {
    await store.copyIn(`transactions (${columns.join(', ')})`, binaryCopy(tuples));
    return;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  await insertByUnnest(
    store,
    tuples.map((tuple) => parseTuple(columns, tuple)),
  );
}

/**
 * One INSERT … SELECT FROM unnest(arrays) per batch: one array parameter per column whatever the batch size, cheap to build
 * on the gateway's thread and fast on both stores. Timestamps travel as epoch milliseconds and become timestamptz
 * in SQL (no Date or ISO string per record). ON CONFLICT makes a retried batch harmless.
 */
export async function insertByUnnest(store: Store, batch: readonly TransactionRecord[]): Promise<void> {
  const arrays = COLUMNS.map(({ kind, pgType, value }) =>
    kind === 'time'
      ? sql`${batch.map(value)}::float8[]`
      : kind === 'text'
        ? sql`${batch.map((t) => storable(value(t) as string | null))}::text[]`
        : sql`${batch.map(value)}::${sql.raw(pgType)}[]`,
  );
  const names = COPY_COLUMNS;
  const selectList = COLUMNS.map(({ name, kind }) =>
    kind === 'time' ? `to_timestamp(${name} / 1000.0)` : name,
  );
  await sql`INSERT INTO transactions (${sql.raw(names.join(', '))})
    SELECT ${sql.raw(selectList.join(', '))} FROM unnest(${sql.join(arrays)}) AS u(${sql.raw(names.join(', '))})
    ON CONFLICT (id, request_in_at) DO NOTHING`.execute(store.db);
}

const COPY_TARGET = `transactions (${COPY_COLUMNS.join(', ')})`;

/**
 * The input of one `COPY … WITH (FORMAT binary)` (PostgreSQL's binary copy format): its signature and header, the
 * tuples, and the trailer (a field count of -1), in one buffer that owns its memory (PGlite's is transferred to its
 * thread, not copied).
 */
export function binaryCopy(tuples: readonly Buffer[]): Buffer {
  let size = COPY_HEADER.length + 2;
  for (let i = 0; i < tuples.length; i++) size += tuples[i]!.length;
  const out = Buffer.allocUnsafeSlow(size);
  let at = COPY_HEADER.copy(out, 0);
  for (let i = 0; i < tuples.length; i++) at += tuples[i]!.copy(out, at);
  out.writeInt16BE(-1, at);
  return out;
}

/** `PGCOPY\n\377\r\n\0`, flags 0 (no OIDs), no header extension. */
const COPY_HEADER = Buffer.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
]);

/** How a field is sent (PostgreSQL's binary send format of its column's type). */
const TEXT = 0;
const INT4 = 1;
const INT8 = 2;
/** timestamptz: int8 microseconds since 2000-01-01 00:00 UTC. */
const TIME = 3;
/** jsonb: a version byte (1), then the JSON text. */
const JSONB = 4;
type FieldType = typeof TEXT | typeof INT4 | typeof INT8 | typeof TIME | typeof JSONB;

function fieldType(column: Column): FieldType {
  if (column.kind === 'time') return TIME;
  if (column.kind === 'json') return JSONB;
  if (column.kind === 'text') return TEXT;
  return column.pgType === 'int8' ? INT8 : INT4;
}

/** What `encodeTuple` runs through, once per column: flat arrays (its loop runs ≈ 40 times per record). */
interface TuplePlan {
  values: ReadonlyArray<(t: TransactionRecord) => unknown>;
  types: readonly FieldType[];
}

function planOf(columns: readonly Column[]): TuplePlan {
  return { values: columns.map((c) => c.value), types: columns.map(fieldType) };
}

const RECORD_PLAN = planOf(COLUMNS);

/**
 * A record as a tuple of the binary COPY format: the field count, then each field's length (-1: null) and value in
 * its type's binary form. Text goes as its UTF-8 bytes, with NUL made U+FFFD as `storable` does; times are the
 * instant `to_timestamp(ms / 1000.0)` of the INSERT makes of the record's epoch milliseconds (rounded to the
 * microsecond), so a batch retried by the INSERT meets the rows COPY wrote (the key is id and request_in_at).
 * Written into one reused scratch buffer and copied out: one Buffer per record, none per field.
 */
export function recordTuple(t: TransactionRecord): Buffer {
  return encodeTuple(t, RECORD_PLAN);
}

/**
 * A record as a tuple of the `columns` named (a journal of an earlier version, read back: record-journal.ts), of
 * which a record has only those.
 */
export function recordTupleOf(columns: readonly string[], t: TransactionRecord): Buffer {
  const key = columns.join(',');
  let plan = plans.get(key);
  if (plan === undefined) {
    plan = planOf(
      columns.map((name) => {
        const column = BY_NAME.get(name);
        if (column === undefined) throw new Error(`journal names an unknown column of transactions: ${name}`);
        return column;
      }),
    );
    plans.set(key, plan);
  }
  return encodeTuple(t, plan);
}
const plans = new Map<string, TuplePlan>([[COPY_COLUMNS.join(','), RECORD_PLAN]]);

function encodeTuple(t: TransactionRecord, { values, types }: TuplePlan): Buffer {
  let b = scratch;
  b[0] = values.length >>> 8;
  b[1] = values.length;
  let at = 2;
  for (let c = 0; c < values.length; c++) {
    const v = values[c]!(t);
    if (v === null || v === undefined) {
      if (at + 4 > b.length) b = growScratch(at, 4);
      putInt32(b, at, -1);
      at += 4;
      continue;
    }
    const type = types[c]!;
    if (type === TEXT || type === JSONB) {
      let text = v as string;
      // The evidence's JSON has its NULs made storable already (COLUMNS: jsonb refuses the escape \u0000).
      if (type === TEXT && text.indexOf('\0') !== -1) text = text.replaceAll('\0', '\uFFFD');
      const head = type === JSONB ? 5 : 4;
      // UTF-8 takes at most 3 bytes per UTF-16 unit: room for the whole text, so `write` never cuts it short.
      if (at + head + text.length * 3 >= b.length) b = growScratch(at, head + text.length * 3 + 1);
      const bytes = writeUtf8(b, text, at + head);
      if (type === JSONB) b[at + 4] = 1;
      putInt32(b, at, bytes + head - 4);
      at += head + bytes;
    } else {
      if (at + 12 > b.length) b = growScratch(at, 12);
      if (type === INT4) {
        putInt32(b, at, 4);
        putInt32(b, at + 4, v as number);
        at += 8;
      } else {
        putInt32(b, at, 8);
        putInt64(
          b,
          at + 4,
          type === TIME ? Math.round((v as number) * 1000) - PG_EPOCH_MICROS : (v as number),
        );
        at += 12;
      }
    }
  }
  const tuple = Buffer.allocUnsafe(at);
  b.copy(tuple, 0, 0, at);
  return tuple;
}

/**
 * `text` as UTF-8 into `b` at `at` (room checked by the caller); its length in bytes. Short ASCII text — ids, codes,
 * hashes, most of a record — is copied by this loop: a native `Buffer.write` per field costs more than the copy.
 */
function writeUtf8(b: Buffer, text: string, at: number): number {
  const length = text.length;
  if (length <= ASCII_LOOP_MAX) {
    let i = 0;
    for (; i < length; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0x80) break;
      b[at + i] = unit;
    }
    if (i === length) return length;
  }
  return b.write(text, at);
}
const ASCII_LOOP_MAX = 64;

/** Where `encodeTuple` writes a record before copying it out; grown for a record that needs more (`growScratch`). */
let scratch: Buffer = Buffer.allocUnsafe(16 * 1024);

function growScratch(used: number, more: number): Buffer {
  const grown = Buffer.allocUnsafe(Math.max(scratch.length * 2, used + more + 1024));
  scratch.copy(grown, 0, 0, used);
  scratch = grown;
  return grown;
}

/** 2000-01-01 00:00 UTC, PostgreSQL's epoch, in microseconds since 1970's. */
const PG_EPOCH_MICROS = Date.UTC(2000, 0, 1) * 1000;
const TWO_32 = 2 ** 32;

/** A 32-bit integer, big-endian (as `writeInt32BE`, without its checks: the encoder makes its values itself). */
function putInt32(b: Buffer, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

/** A 64-bit integer within ±2^53 (sizes, microseconds), big-endian. */
function putInt64(b: Buffer, at: number, v: number): void {
  const high = Math.floor(v / TWO_32);
  putInt32(b, at, high);
  putInt32(b, at + 4, v - high * TWO_32);
}

/**
 * A tuple of the `columns` named read back into a record (a journal's tuples, when some of them are already in the
 * store and must be inserted one by one): the inverse of `recordTuple`. A field the tuple does not have is null.
 */
export function parseTuple(columns: readonly string[], tuple: Buffer): TransactionRecord {
  const fields = tuple.readInt16BE(0);
  if (fields !== columns.length)
    throw new Error(`a journal tuple has ${fields} columns, its file names ${columns.length}`);
  const record: Record<string, unknown> = {};
  for (const c of COLUMNS) if (c.field !== null) record[c.field] = null;
  let at = 2;
  for (let i = 0; i < fields; i++) {
    const length = tuple.readInt32BE(at);
    at += 4;
    if (length === -1) continue;
    if (length < 0 || at + length > tuple.length) throw new Error('a journal tuple is cut short');
    const column = BY_NAME.get(columns[i]!);
    if (column !== undefined && column.field !== null) {
      const type = fieldType(column);
      record[column.field] =
        type === TEXT
          ? tuple.toString('utf8', at, at + length)
          : type === JSONB
            ? JSON.parse(tuple.toString('utf8', at + 1, at + length))
            : type === INT4
              ? tuple.readInt32BE(at)
              : type === INT8
                ? readInt64(tuple, at)
                : (readInt64(tuple, at) + PG_EPOCH_MICROS) / 1000;
    }
    at += length;
  }
  if (at !== tuple.length) throw new Error('a journal tuple has bytes past its last column');
  return record as unknown as TransactionRecord;
}

function readInt64(b: Buffer, at: number): number {
  return b.readInt32BE(at) * TWO_32 + b.readUInt32BE(at + 4);
}

/**
 * Where the tuple of `fields` columns that starts at `at` in `bytes` ends; -1 when it does not end within them or
 * has another number of columns.
 */
export function tupleEnd(bytes: Buffer, at: number, fields: number): number {
  if (at + 2 > bytes.length || bytes.readInt16BE(at) !== fields) return -1;
  let end = at + 2;
  for (let i = 0; i < fields; i++) {
    if (end + 4 > bytes.length) return -1;
    const length = bytes.readInt32BE(end);
    end += 4;
    if (length < -1) return -1;
    if (length > 0) end += length;
  }
  return end <= bytes.length ? end : -1;
}

const COPY_UNESCAPES: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r' };

/**
 * A line of COPY's text format of the `columns` named — what journals held, one record each, from 06/12/2026 until
 * records became binary tuples — read back into a record. A field the line does not have is null.
 */
export function parseCopyLine(columns: readonly string[], line: string): TransactionRecord {
  const values = (line.endsWith('\n') ? line.slice(0, -1) : line).split('\t');
  if (values.length !== columns.length)
    throw new Error(`a journal line has ${values.length} columns, its file names ${columns.length}`);
  const record: Record<string, unknown> = {};
  for (const c of COLUMNS) if (c.field !== null) record[c.field] = null;
  for (let i = 0; i < columns.length; i++) {
    const column = BY_NAME.get(columns[i]!);
    if (column === undefined || column.field === null) continue;
    const raw = values[i]!;
    if (raw === '\\N') continue;
    const value = raw.replace(/\\(.)/g, (_, ch: string) => COPY_UNESCAPES[ch] ?? ch);
    record[column.field] =
      column.kind === 'time'
        ? fromIsoMicros(value)
        : column.kind === 'number'
          ? Number(value)
          : column.kind === 'json'
            ? JSON.parse(value)
            : value;
  }
  return record as unknown as TransactionRecord;
}

/** The epoch milliseconds of a text line's time, ISO 8601 UTC to the microsecond (`2026-12-06T07:01:30.123456Z`). */
function fromIsoMicros(iso: string): number {
  const micros = Number(iso.slice(20, 26));
  const seconds = Date.parse(`${iso.slice(0, 19)}Z`);
  if (!Number.isFinite(seconds) || !/^\d{6}Z$/.test(iso.slice(20)))
    throw new Error(`a journal line has a time that is not one: ${iso}`);
  return seconds + micros / 1000;
}

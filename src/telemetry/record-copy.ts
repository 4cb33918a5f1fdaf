import { sql } from 'kysely';
import { isUniqueViolation, type Store } from '../store/port.ts';
import type { TransactionRecord } from './record.ts';

/**
 * Transaction records as rows: one `COPY` line per record (PostgreSQL's text format), the form in which they are
 * written to both stores (issue 14 item 3) and, journal first, to the node's journal — built once per record, the
 * same bytes going to the journal and then to the store (record-journal.ts).
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

/** The columns of a COPY line, in order: a journal names them in each file (`#columns …`), for the next version. */
export const COPY_COLUMNS: readonly string[] = COLUMNS.map((c) => c.name);
const BY_NAME = new Map(COLUMNS.map((c) => [c.name, c]));

/**
 * Text as PostgreSQL can store it: a NUL character, which no text column can hold, becomes U+FFFD (a record field
 * may come from outside, and one such field must not make its whole batch fail at every retry).
 */
function storable(value: string | null): string | null {
  return value?.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value;
}

/**
 * Writes one batch of records; a retried batch (a write that timed out but was done, a journal shipped twice) adds
 * nothing twice. One `COPY` on both stores (issue 14 item 3, measured in bench/throughput.ts): on PostgreSQL from
 * STDIN, on PGlite from a buffer transferred to its thread. Should some of the batch already be there, COPY refuses
 * it whole (unique violation) and the idempotent INSERT below writes the rest. `lines`: the records' COPY lines
 * (`copyLineBytes`), when the caller has them already.
 */
export async function insertTransactions(
  store: Store,
  batch: readonly TransactionRecord[],
  lines?: readonly Buffer[],
): Promise<void> {
  if (batch.length === 0) return;
  try {
    await store.copyIn(COPY_TARGET, lines ? Buffer.concat(lines) : Buffer.from(copyText(batch), 'utf8'));
    return;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  await insertByUnnest(store, batch);
}

/**
 * Writes COPY lines of the `columns` named (a journal's, written by this version or an earlier one) as
 * `insertTransactions` writes records: one COPY, else the idempotent INSERT of the lines read back.
 */
export async function insertCopyLines(
  store: Store,
  columns: readonly string[],
  lines: readonly string[],
): Promise<void> {
  if (lines.length === 0) return;
  for (const name of columns) {
    if (!BY_NAME.has(name)) throw new Error(`journal names an unknown column of transactions: ${name}`);
  }
  try {
    await store.copyIn(`transactions (${columns.join(', ')})`, Buffer.from(lines.join(''), 'utf8'));
    return;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  await insertByUnnest(
    store,
    lines.map((line) => parseCopyLine(columns, line)),
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

function copyText(batch: readonly TransactionRecord[]): string {
  let text = '';
  for (let i = 0; i < batch.length; i++) text += copyLine(batch[i]!);
  return text;
}

/**
 * A record as a line of COPY's text format, ending with a newline: its columns separated by tabs, `\N` for null.
 * In a value, backslash, tab, newline and carriage return are written as backslash escapes — a field from outside
 * (a path template, a header) is data, never a column or a line of its own — and NUL becomes U+FFFD as `storable`
 * makes it, in the same scan (issue 14 item 3: one pass over each text, not two).
 */
export function copyLine(t: TransactionRecord): string {
  let line = '';
  for (let c = 0; c < COPY_VALUES.length; c++) {
    const v = COPY_VALUES[c]!(t);
    if (v === null || v === undefined) line += c === 0 ? '\\N' : '\t\\N';
    else {
      if (c > 0) line += '\t';
      const kind = COPY_KINDS[c];
      if (kind === 'time') line += isoMicros(v as number);
      else if (kind === 'number') line += v as number;
      else line += escapeCopy(v as string);
    }
  }
  return `${line}\n`;
}

/**
 * A record's COPY line as UTF-8 bytes: what the recorder keeps for a record until it is stored (journal first).
 * Bytes, not the string: `copyLine` builds its line by concatenation, a tree of some 80 pieces that costs ≈ 2.3 KB
 * of heap a record where its bytes take ≈ 0.4 KB — with tens of thousands of records behind the store (a burst),
 * the trees made full garbage collections that held the gateway's thread for 0.4–1.3 s (paced p99, measured).
 */
export function copyLineBytes(t: TransactionRecord): Buffer {
  return Buffer.from(copyLine(t), 'utf8');
}

// COLUMNS split into flat arrays for copyLine's loop, which runs 39 times per record: ≈ 0.65 µs per record less
// than reading each column's object (measured A/B in one process, 2.96 → 2.32 µs per record).
const COPY_VALUES = COLUMNS.map((c) => c.value);
const COPY_KINDS = COLUMNS.map(({ kind }): 'time' | 'number' | 'text' =>
  kind === 'time' ? 'time' : kind === 'text' || kind === 'json' ? 'text' : 'number',
);

const COPY_SPECIALS = /[\\\t\n\r\0]/g;
const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\uFFFD',
};

function escapeCopy(value: string): string {
  COPY_SPECIALS.lastIndex = 0;
  return COPY_SPECIALS.test(value) ? value.replace(COPY_SPECIALS, (ch) => COPY_ESCAPES[ch]!) : value;
}

const COPY_UNESCAPES: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r' };

/**
 * A COPY line of the `columns` named read back into a record (the journal's lines, when some of them are already
 * in the store and must be inserted one by one): the inverse of `copyLine`. A field the line does not have is null.
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

/**
 * Epoch milliseconds as an ISO 8601 UTC time to the microsecond — the instant `to_timestamp(ms / 1000.0)` of the
 * INSERT makes of it, so a batch retried by the INSERT meets the rows COPY wrote (the key is id and request_in_at).
 */
function isoMicros(ms: number): string {
  const micros = Math.round(ms * 1000);
  const second = Math.floor(micros / 1_000_000);
  // The records of a batch fall mostly within a few seconds: the date and time to the second is formatted once.
  if (second !== lastSecond) {
    lastSecond = second;
    lastSecondIso = new Date(second * 1000).toISOString().slice(0, 19);
  }
  return `${lastSecondIso}.${String(micros - second * 1_000_000).padStart(6, '0')}Z`;
}
let lastSecond = Number.NaN;
let lastSecondIso = '';

/** The epoch milliseconds of an `isoMicros` time (`2026-12-06T07:01:30.123456Z`). */
function fromIsoMicros(iso: string): number {
  const micros = Number(iso.slice(20, 26));
  const seconds = Date.parse(`${iso.slice(0, 19)}Z`);
  if (!Number.isFinite(seconds) || !/^\d{6}Z$/.test(iso.slice(20)))
    throw new Error(`a journal line has a time that is not one: ${iso}`);
  return seconds + micros / 1000;
}

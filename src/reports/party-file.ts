import {
  RECONCILIATION_FILE_MAX_BYTES,
  RECONCILIATION_FILE_MAX_LINES,
} from '../api/contract/reconciliations.ts';
import { LgspError } from '../core/errors.ts';
import { readCsv } from './csv.ts';

/**
 * The party's own list of transactions for a reconciliation (R-23), as it uploads it: CSV, one transaction a
 * line, in one of two forms (docs/reconciliation.md). Read all or nothing: the matching in reconciliation.ts
 * only ever sees a file that was read whole.
 */

/** One line of the party's file. */
export interface PartyEntry {
  /** 1-based line number in the file (the header is line 1); where a record starts, for one spanning lines. */
  line: number;
  transactionId?: string;
  time?: string;
  service?: string;
  /** null: the party gave no status, so none is compared. */
  status: number | null;
}

export type FileForm = 'transactionId' | 'timeService';

export interface LineError {
  line: number;
  message: string;
}

/** Bounds on the party's file: beyond them the file is refused whole (RP_RECONCILIATION_FILE_TOO_LARGE). */
export const MAX_FILE_LINES = RECONCILIATION_FILE_MAX_LINES;
export const MAX_FILE_BYTES = RECONCILIATION_FILE_MAX_BYTES;
/** How many malformed lines one problem names at most. */
const MAX_REPORTED_LINE_ERRORS = 20;

/** Header names accepted for each column, Vietnamese first; compared as `headerName` makes them. */
const COLUMNS = {
  transactionId: ['ma_giao_dich', 'transactionid', 'transaction_id', 'x_lgsp_transaction_id'],
  time: ['thoi_gian', 'thoi_diem', 'time', 'timestamp'],
  service: ['dich_vu', 'service'],
  status: ['trang_thai', 'ma_trang_thai', 'status', 'http_status'],
} as const;

const ID_RE = /^[A-Za-z0-9_.:-]{1,100}$/;
const SERVICE_RE = /^[^/\s,]{1,100}\/[^/\s,]{1,50}$/;
/** ISO-8601 date-time with seconds and an explicit zone (Z or ±hh:mm): a party's local time is not guessed. */
const TIME_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/i;
/**
 * `dd/mm/yyyy HH:mm:ss` (optionally `.mmm`), the way the platform writes times for people and a Vietnamese
 * spreadsheet exports them: read in the platform's own local time (`timezoneOffsetMinutes`, the zone every time it
 * shows is in), and only when the caller passes that offset — otherwise a time must carry its zone.
 */
const LOCAL_TIME_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})[ T](\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,3}))?$/;

/** Epoch ms of a `dd/mm/yyyy HH:mm:ss` local time, or NaN when it is not one or names no real day and time. */
function localTimeMs(time: string, offsetMinutes: number): number {
  const m = LOCAL_TIME_RE.exec(time);
  if (!m) return Number.NaN;
  const [d, mo, y, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? '0').padEnd(3, '0'));
  const wall = Date.UTC(y, mo - 1, d, h, mi, se, ms);
  const back = new Date(wall);
  // Date.UTC rolls 31/02 over into March: a day or time that does not exist is refused, not moved.
  if (back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1 || back.getUTCHours() !== h) return Number.NaN;
  return wall - offsetMinutes * 60_000;
}

/** Already the canonical form (what the platform itself writes): kept as it is, no Date round trip. */
const CANONICAL_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** `Mã giao dịch`, `ma-giao-dich` and `MA_GIAO_DICH` are one name: lower case, no diacritics, `_` for gaps. */
const headerName = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replaceAll('đ', 'd')
    .replace(/[\s-]+/g, '_');

function invalid(errors: LineError[], total: number): never {
  const shown = errors.slice(0, MAX_REPORTED_LINE_ERRORS);
  const more = total > shown.length ? ` (+${total - shown.length})` : '';
  throw new LgspError(
    'RP_RECONCILIATION_FILE_INVALID',
    `${shown.map((e) => `dòng / line ${e.line}: ${e.message}`).join('; ')}${more}`,
    { lines: shown },
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The party's file as text: UTF-8 only (a BOM is the CSV reader's to skip), else 400 with what is wrong. */
export function partyFileText(bytes: Uint8Array): string {
  if (bytes.byteLength > MAX_FILE_BYTES) {
    throw new LgspError('RP_RECONCILIATION_FILE_TOO_LARGE', `> ${MAX_FILE_BYTES} byte / bytes`);
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new LgspError(
      'RP_RECONCILIATION_FILE_INVALID',
      'tệp không phải UTF-8 hợp lệ / the file is not valid UTF-8',
    );
  }
}

/** How many lines the text has (a last line without its line break counts too). */
function lineCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.length > 0 && !text.endsWith('\n') ? n + 1 : n;
}

/**
 * Reads the party's file, all or nothing: any malformed line refuses the whole file (400
 * RP_RECONCILIATION_FILE_INVALID, naming up to 20 lines; broken quoting names its line and stops the reading).
 * The header line decides the form: a `ma_giao_dich`/`transactionId` column → by transaction id; otherwise
 * `thoi_gian`/`time` and `dich_vu`/`service` → by time and service. `trang_thai`/`status` is optional in both
 * (empty: not compared); other columns are ignored. RFC 4180 quoting (a quoted field may hold commas, doubled
 * quotes, line breaks); blank lines are skipped; a UTF-8 BOM and CRLF line ends are allowed.
 */
export function parsePartyFile(
  csv: string,
  period?: { fromMs: number; toMs: number; toleranceMs: number },
  /** The platform's local time (minutes east of UTC): with it, `dd/mm/yyyy HH:mm:ss` times are read in it. */
  localOffsetMinutes?: number,
): { form: FileForm; entries: PartyEntry[] } {
  if (Buffer.byteLength(csv, 'utf8') > MAX_FILE_BYTES) {
    throw new LgspError('RP_RECONCILIATION_FILE_TOO_LARGE', `> ${MAX_FILE_BYTES} byte / bytes`);
  }
  if (lineCount(csv) - 1 > MAX_FILE_LINES) {
    throw new LgspError('RP_RECONCILIATION_FILE_TOO_LARGE', `> ${MAX_FILE_LINES} dòng / lines`);
  }
  const entries: PartyEntry[] = [];
  const errors: LineError[] = [];
  let errorCount = 0;
  const fail = (line: number, message: string) => {
    errorCount++;
    if (errors.length < MAX_REPORTED_LINE_ERRORS) errors.push({ line, message });
  };
  // The first record is the header; it sets the reader of every record after it.
  const file: { form?: FileForm; reader?: (fields: string[], line: number) => void } = {};
  const syntax = readCsv(csv, (fields, line) => {
    if (file.reader) file.reader(fields, line);
    else Object.assign(file, headerLine(fields, line, { entries, fail, period, localOffsetMinutes }));
  });
  if (syntax) fail(syntax.line, syntax.message);
  if (file.form === undefined) {
    invalid(errors.length > 0 ? errors : [{ line: 1, message: 'thiếu dòng tiêu đề / no header line' }], 1);
  }
  if (errorCount > 0) invalid(errors, errorCount);
  return { form: file.form, entries };
}

interface Sink {
  entries: PartyEntry[];
  fail: (line: number, message: string) => void;
  period: { fromMs: number; toMs: number; toleranceMs: number } | undefined;
  localOffsetMinutes: number | undefined;
}

/** The header decides the form and the columns; the reader it returns checks and keeps each following line. */
function headerLine(
  header: string[],
  headerAt: number,
  { entries, fail, period, localOffsetMinutes }: Sink,
): { form: FileForm; reader: (fields: string[], line: number) => void } {
  if (header.every((h) => h === '')) {
    invalid([{ line: headerAt, message: 'thiếu dòng tiêu đề / no header line' }], 1);
  }
  const names = header.map(headerName);
  const find = (aliases: readonly string[]) => names.findIndex((n) => aliases.includes(n));
  const idCol = find(COLUMNS.transactionId);
  const timeCol = find(COLUMNS.time);
  const serviceCol = find(COLUMNS.service);
  const statusCol = find(COLUMNS.status);
  let form: FileForm;
  if (idCol !== -1) form = 'transactionId';
  else if (timeCol !== -1 && serviceCol !== -1) form = 'timeService';
  else {
    invalid(
      [
        {
          line: headerAt,
          message:
            'tiêu đề cần cột ma_giao_dich, hoặc thoi_gian và dich_vu / the header needs a transactionId ' +
            'column, or time and service columns',
        },
      ],
      1,
    );
  }
  const seenIds = new Map<string, number>();
  const reader = (fields: string[], line: number) => {
    if (fields.length > names.length) {
      fail(line, `${fields.length} cột, tiêu đề có ${names.length} / more fields than the header`);
      return;
    }
    const at = (col: number) => (col === -1 ? '' : (fields[col] ?? '').trim());
    let status: number | null = null;
    const rawStatus = at(statusCol);
    if (rawStatus !== '') {
      if (!/^[1-5][0-9][0-9]$/.test(rawStatus)) {
        fail(line, `trạng thái không phải mã HTTP / status is not an HTTP status: ${rawStatus.slice(0, 20)}`);
        return;
      }
      status = Number(rawStatus);
    }
    if (form === 'transactionId') {
      const id = at(idCol);
      if (!ID_RE.test(id)) {
        fail(
          line,
          `mã giao dịch không hợp lệ / not a transaction id: ${id.slice(0, 40) || '(trống / empty)'}`,
        );
        return;
      }
      const first = seenIds.get(id);
      if (first !== undefined) {
        fail(line, `mã giao dịch trùng với dòng ${first} / duplicate of line ${first}`);
        return;
      }
      seenIds.set(id, line);
      entries.push({ line, transactionId: id, status });
      return;
    }
    const time = at(timeCol);
    const service = at(serviceCol);
    const ms = TIME_RE.test(time)
      ? Date.parse(time[10] === ' ' ? `${time.slice(0, 10)}T${time.slice(11)}` : time)
      : localOffsetMinutes !== undefined
        ? localTimeMs(time, localOffsetMinutes)
        : Number.NaN;
    if (Number.isNaN(ms)) {
      fail(
        line,
        localOffsetMinutes !== undefined
          ? `thời gian không theo ISO-8601 có múi giờ, cũng không theo dd/mm/yyyy HH:mm:ss giờ địa phương / neither an ISO-8601 time with a zone nor a local dd/mm/yyyy HH:mm:ss: ${time.slice(0, 40)}`
          : `thời gian không theo ISO-8601 có múi giờ / not an ISO-8601 time with a zone: ${time.slice(0, 40)}`,
      );
      return;
    }
    if (period && (ms < period.fromMs - period.toleranceMs || ms >= period.toMs + period.toleranceMs)) {
      fail(line, `thời gian ngoài kỳ đối soát / time outside the period: ${time}`);
      return;
    }
    if (!SERVICE_RE.test(service)) {
      fail(
        line,
        `dịch vụ cần dạng context/version / service must be context/version: ${service.slice(0, 40)}`,
      );
      return;
    }
    entries.push({
      line,
      time: CANONICAL_TIME_RE.test(time) ? time : new Date(ms).toISOString(),
      service,
      status,
    });
  };
  return { form, reader };
}

import { CsvError } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

/**
 * CSV in and out of the reports, through the `csv` project's maintained parser and writer rather
 * than by splitting lines: a quoted field may hold commas, doubled quotes and line breaks (RFC 4180), and both
 * sides agree on it, so what the platform writes reads back the same.
 */

export type CsvCell = string | number | null | undefined;

/**
 * A file as spreadsheet programs used in Vietnam open it: UTF-8 with a byte-order mark (Excel then reads the
 * Vietnamese text right), CRLF line ends, a field quoted when it holds a comma, a quote or any line break.
 */
export function csvFile(rows: CsvCell[][]): string {
  return stringify(
    rows.map((row) => row.map(inertCell)),
    {
      bom: true,
      record_delimiter: 'windows',
      quote_record_delimiter: true,
    },
  );
}

/**
 * A text cell that a spreadsheet would run as a formula — one starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return (OWASP "CSV injection") — gets a leading `'`, so it is read as text. The names in a report are
 * typed by agencies (a system's or a service's name, R-07) and the file is opened by the operator in Excel, where
 * `=HYPERLINK(…)` or a DDE call would otherwise run. Numbers stay numbers.
 */
function inertCell(cell: CsvCell): CsvCell {
  return typeof cell === 'string' && FORMULA_START.test(cell) ? `'${cell}` : cell;
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** Where a file stopped being readable: its 1-based line, and why (Vietnamese first). */
export interface CsvSyntaxProblem {
  line: number;
  message: string;
}

/** The longest record read, in characters (its fields together): a party's line is a few hundred. */
export const CSV_RECORD_MAX_CHARS = 64 * 1024;

const tooLong = (line: number): CsvSyntaxProblem => ({
  line,
  message: `dòng dài hơn ${CSV_RECORD_MAX_CHARS} ký tự / a record longer than ${CSV_RECORD_MAX_CHARS} characters`,
});

const NEWLINE = 0x0a;
const BLANK = new Set([0x0a, 0x0d, 0x20, 0x09]);

/**
 * Reads CSV text record by record: a UTF-8 BOM and CRLF or LF line ends are accepted, blank lines are skipped,
 * whitespace around a field is dropped. `onRecord` gets each record with the line it starts on (a record whose
 * quoted field holds a line break spans several lines; the next record's number counts them). Broken quoting
 * stops the reading and is returned: after it no record boundary can be trusted, so nothing is guessed.
 */
export function readCsv(
  text: string,
  onRecord: (fields: string[], line: number) => void,
): CsvSyntaxProblem | null {
  const bytes = Buffer.from(text, 'utf8');
  // Line numbers are counted on the bytes (csv-parse's own count takes a CRLF inside a quoted field for two).
  let countedTo = 0;
  let linesBefore = 0;
  const lineAt = (offset: number) => {
    for (
      let i = bytes.indexOf(NEWLINE, countedTo);
      i !== -1 && i < offset;
      i = bytes.indexOf(NEWLINE, i + 1)
    ) {
      linesBefore++;
    }
    countedTo = Math.max(countedTo, offset);
    return linesBefore + 1;
  };
  /** The line of the first character of the next record after `offset` (blank lines before it skipped). */
  const startLine = (offset: number) => {
    let at = offset;
    while (at < bytes.length && BLANK.has(bytes[at]!)) at++;
    return lineAt(at);
  };
  // A line of 30 million empty fields is short for max_record_size (it counts the fields' characters) and took
  // 13 s to split: the lines themselves are bounded first.
  for (let start = 0, line = 1; start < bytes.length; line++) {
    const end = bytes.indexOf(NEWLINE, start);
    if ((end === -1 ? bytes.length : end) - start > CSV_RECORD_MAX_CHARS * 4) return tooLong(line);
    if (end === -1) break;
    start = end + 1;
  }
  let recordEnd = 0;
  try {
    parse(bytes, {
      bom: true,
      record_delimiter: ['\r\n', '\n'],
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      // A record longer than any real one (one field of 60 MB, or 30 million empty fields on one line) is refused
      // when it passes the bound, not parsed whole: the file is read in one go on the admin API's event loop.
      max_record_size: CSV_RECORD_MAX_CHARS,
      on_record: (fields: string[], context) => {
        onRecord(fields, startLine(recordEnd));
        recordEnd = context.bytes;
        return null;
      },
    });
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    const line = startLine(recordEnd);
    if (err.code === 'CSV_MAX_RECORD_SIZE') return tooLong(line);
    return {
      line,
      message:
        err.code === 'CSV_QUOTE_NOT_CLOSED'
          ? 'dấu ngoặc kép mở nhưng không đóng / a quote is opened and never closed'
          : err.code === 'INVALID_OPENING_QUOTE' || err.code === 'CSV_INVALID_CLOSING_QUOTE'
            ? 'dấu ngoặc kép không hợp lệ / broken quoting'
            : `không đọc được dòng CSV / unreadable CSV: ${err.message}`,
    };
  }
  return null;
}

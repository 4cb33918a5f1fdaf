/**
 * Human output: aligned tables with bilingual headings, and label/value blocks. Widths count characters after
 * NFC, so Vietnamese letters with diacritics (one character each) line up.
 */
import { formatVietnamDateTime, VIETNAM_OFFSET_MINUTES } from '../core/time.ts';

export type Cell = string | number | boolean | null | undefined;

/**
 * Human output as a terminal may show it: names and texts come from the platform, typed by agencies, and a control
 * character in them — ESC opening an ANSI/OSC sequence (clear the screen, rewrite a line, a hidden hyperlink, the
 * clipboard), a C1 CSI, a bare CR, or a bidirectional override that shows a name reversed — would act on the
 * operator's terminal instead of being read (CWE-150). Each is written as a visible escape (`\x1b`, `\u202e`);
 * line breaks and tabs of the output's own layout stay. `--json` needs none of this: JSON escapes them itself.
 */
export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

const TERMINAL_CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const MAX_CELL = 48;

const width = (s: string) => [...s.normalize('NFC')].length;

function text(cell: Cell): string {
  if (cell === null || cell === undefined || cell === '') return '-';
  return String(cell).replace(/\s+/g, ' ');
}

function clip(s: string): string {
  const chars = [...s.normalize('NFC')];
  return chars.length > MAX_CELL ? `${chars.slice(0, MAX_CELL - 1).join('')}…` : s;
}

export function table(headers: string[], rows: Cell[][]): string {
  if (rows.length === 0) return '(không có / none)\n';
  const cells = rows.map((row) => row.map((c) => clip(text(c))));
  const widths = headers.map((h, i) => Math.max(width(h), ...cells.map((row) => width(row[i] ?? ''))));
  const line = (row: string[]) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c))))
      .join('  ')
      .trimEnd();
  return `${[line(headers), line(widths.map((w) => '─'.repeat(w))), ...cells.map(line)].join('\n')}\n`;
}

export function fields(pairs: Array<[string, Cell]>): string {
  const labelWidth = Math.max(...pairs.map(([label]) => width(label)));
  return `${pairs.map(([label, value]) => `${label}${' '.repeat(labelWidth - width(label))}  ${text(value)}`).join('\n')}\n`;
}

/**
 * A time the API gives as ISO 8601, as a person in Vietnam reads it: `dd/mm/yyyy HH:mm`, Vietnam time (UTC+7).
 * The CLI is a client on an operator's machine without the platform's configuration, and Vietnam has one zone
 * without daylight saving, so it prints at the platform's default offset; `--json` keeps the API's ISO times for
 * scripts.
 */
export function time(iso: unknown): string {
  if (typeof iso !== 'string') return '-';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : formatVietnamDateTime(ms, VIETNAM_OFFSET_MINUTES);
}

/**
 * A count as the CLI prints it — calls, rows, requests a day — with its digits grouped the Vietnamese way
 * (`1.280.000`): the output is read Vietnamese first, and `1280000` is misread by a digit as often as not. Sizes
 * (`formatSize`) and rates (`formatPercent`) have their own formatters; `--json` keeps the plain numbers.
 */
export function count(n: number): string {
  return n.toLocaleString('vi-VN');
}

/** A calendar day the API gives as `yyyy-mm-dd` (already a Vietnam day), as a person reads it: `dd/mm/yyyy`. */
export function day(isoDate: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  return match ? `${match[3]}/${match[2]}/${match[1]}` : isoDate;
}

/** The closing lines of a record's label/value block: when it was created and when last changed. */
export function createdAndUpdated(record: { createdAt: string; updatedAt: string }): Array<[string, Cell]> {
  return [
    ['Tạo lúc / Created', time(record.createdAt)],
    ['Cập nhật / Updated', time(record.updatedAt)],
  ];
}

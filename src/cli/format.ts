/**
 * Human output: aligned tables with bilingual headings, and label/value blocks. Widths count characters after
 * NFC, so Vietnamese letters with diacritics (one character each) line up.
 */
export type Cell = string | number | boolean | null | undefined;

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

/** ISO times to the second, in UTC as the API gives them. */
export function time(iso: unknown): string {
  return typeof iso === 'string' ? iso.replace(/\.\d{3}Z$/, 'Z') : '-';
}

/** The closing lines of a record's label/value block: when it was created and when last changed. */
export function createdAndUpdated(record: { createdAt: string; updatedAt: string }): Array<[string, Cell]> {
  return [
    ['Tạo lúc / Created', time(record.createdAt)],
    ['Cập nhật / Updated', time(record.updatedAt)],
  ];
}

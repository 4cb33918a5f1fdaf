import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';
import { CsvError } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import type ExcelJS from 'exceljs';
import {
  CATEGORY_FIELDS_MAX,
  CATEGORY_FILE_MAX_BYTES,
  CATEGORY_ROWS_MAX,
} from '../../api/contract/categories.ts';
import { LgspError } from '../../core/errors.ts';
import { excel } from '../../core/excel.ts';
import type { CategoryField, CategoryValue } from '../../store/schema.ts';

/**
 * Category files as operators have them (issue 12 item 7): CSV (UTF-8, RFC 4180 quoting, through the `csv`
 * project's parser) or an XLSX workbook (its first sheet, through `exceljs`, which the reports already use to write
 * XLSX). Every file is hostile input: its size, rows, columns and cells are bounded, an XLSX's declared unpacked
 * size is checked before it is opened (a zip bomb is refused unread), and every problem names its row and column
 * in Vietnamese and English. Nothing is imported unless the whole file is right.
 */

/** One row of a file: its 1-based row number in the file (the heading is row 1 when it is the first) and cells. */
export interface FileRow {
  row: number;
  cells: string[];
}

/** Where a file is wrong: row and column (a letter, and the field name when known). */
export interface FileProblem {
  row: number;
  column: string | null;
  message: string;
}

/** At most this many problems are reported (the file's first ones); nothing is imported when there is any. */
const PROBLEMS_SHOWN = 20;
/** An XLSX unpacks to at most this much (a 5 MiB workbook of text unpacks to some tens of MiB). */
const XLSX_UNPACKED_MAX_BYTES = 100 * 1024 * 1024;
const XLSX_ENTRIES_MAX = 500;
/** The longest cell value kept, in characters. */
const CELL_MAX_CHARS = 2000;
const KEY_MAX_CHARS = 100;

export function tooLarge(detail: string): LgspError {
  return new LgspError('CP_CATEGORY_FILE_TOO_LARGE', detail);
}

export function invalidFile(problems: FileProblem[]): LgspError {
  const shown = problems.slice(0, PROBLEMS_SHOWN);
  const detail = shown.map(describe).join('; ');
  return new LgspError('CP_CATEGORY_FILE_INVALID', detail, {
    problems: shown,
    ...(problems.length > shown.length ? { moreProblems: problems.length - shown.length } : {}),
  });
}

function describe(p: FileProblem): string {
  return `dòng/row ${p.row}${p.column ? `, cột/column ${p.column}` : ''}: ${p.message}`;
}

/** A column's letter as a spreadsheet shows it: 0 → A, 25 → Z, 26 → AA. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let out = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    out = String.fromCharCode(65 + r) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/**
 * The rows of a file sent as the API takes it: CSV text, or XLSX bytes in base64. Run on a thread of its own
 * (read-rows.ts), whose task takes one input.
 */
export async function readFileRows({
  format,
  content,
}: {
  format: 'csv' | 'xlsx';
  content: string;
}): Promise<FileRow[]> {
  if (format === 'csv') {
    if (Buffer.byteLength(content, 'utf8') > CATEGORY_FILE_MAX_BYTES) {
      throw tooLarge(`tệp lớn hơn 5 MiB / the file is larger than 5 MiB`);
    }
    return readCsvRows(content);
  }
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(content)) {
    throw invalidFile([
      { row: 1, column: null, message: 'nội dung không phải base64 / content is not base64' },
    ]);
  }
  const bytes = Buffer.from(content, 'base64');
  if (bytes.length > CATEGORY_FILE_MAX_BYTES)
    throw tooLarge('tệp lớn hơn 5 MiB / the file is larger than 5 MiB');
  return readXlsxRows(bytes);
}

export function readCsvRows(text: string): FileRow[] {
  const rows: FileRow[] = [];
  try {
    const records = parse(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      max_record_size: 64 * 1024,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
    for (const { record, info } of records) {
      if (rows.length > CATEGORY_ROWS_MAX) {
        throw tooLarge(`hơn ${CATEGORY_ROWS_MAX} dòng / more than ${CATEGORY_ROWS_MAX} rows`);
      }
      if (record.length > CATEGORY_FIELDS_MAX) {
        throw tooLarge(
          `dòng ${info.lines}: hơn ${CATEGORY_FIELDS_MAX} cột / more than ${CATEGORY_FIELDS_MAX} columns`,
        );
      }
      rows.push({ row: info.lines, cells: record });
    }
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    const line = (err as CsvError & { lines?: number }).lines ?? 1;
    throw invalidFile([
      { row: line, column: null, message: `CSV sai cú pháp / malformed CSV (${err.code})` },
    ]);
  }
  return rows;
}

const ZIP_LOCAL = 0x04034b50;
const ZIP_CENTRAL = 0x02014b50;
const ZIP_END = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const inflateRawBounded = promisify(inflateRaw);

/**
 * Refuses a ZIP that unpacks to too much or has too many entries before exceljs opens it, by what its entries
 * really inflate to: the sizes a central directory declares are only the sender's word (a 1.5 MB file declaring
 * 100 bytes inflated to 1.5 GB in exceljs's reader before it noticed). The directory is read as exceljs's reader
 * (JSZip) reads it — the last end record in the file, entries as long as their signature follows, each entry's
 * data after its local header — and a ZIP it could read differently (ZIP64, bytes before the archive, an
 * encrypted entry, a method other than store/deflate) is refused. Each entry is inflated at most to the size it
 * declares (APPNOTE.TXT §4.3.12, §4.3.16), within what is left of the 100 MiB; one that inflates to more or less
 * than it declares is not a workbook. Inflation is zlib's, off the event loop.
 */
export async function assertZipBounded(bytes: Buffer): Promise<void> {
  const notXlsx = () =>
    invalidFile([{ row: 1, column: null, message: 'không phải tệp XLSX / not an XLSX workbook' }]);
  if (bytes.length < 22 || bytes.readUInt32LE(0) !== ZIP_LOCAL) throw notXlsx();
  const eocd = bytes.lastIndexOf(ZIP_END);
  if (eocd < 0 || eocd + 22 > bytes.length) throw notXlsx();
  const directorySize = bytes.readUInt32LE(eocd + 12);
  const directoryAt = bytes.readUInt32LE(eocd + 16);
  const zip64 =
    [4, 6, 8, 10].some((o) => bytes.readUInt16LE(eocd + o) === 0xffff) ||
    directorySize === 0xffffffff ||
    directoryAt === 0xffffffff;
  // The reader would move its origin for bytes before the archive, or read a ZIP64 directory elsewhere.
  if (zip64 || directoryAt + directorySize !== eocd) throw notXlsx();
  const declaredEntries = bytes.readUInt16LE(eocd + 10);
  if (declaredEntries > XLSX_ENTRIES_MAX)
    throw tooLarge(`XLSX có ${declaredEntries} phần / the workbook has ${declaredEntries} parts`);
  let at = directoryAt;
  let entries = 0;
  let unpacked = 0;
  while (at + 4 <= bytes.length && bytes.readUInt32LE(at) === ZIP_CENTRAL) {
    if (++entries > XLSX_ENTRIES_MAX)
      throw tooLarge(
        `XLSX có hơn ${XLSX_ENTRIES_MAX} phần / the workbook has more than ${XLSX_ENTRIES_MAX} parts`,
      );
    if (at + 46 > bytes.length) throw notXlsx();
    const flags = bytes.readUInt16LE(at + 8);
    const method = bytes.readUInt16LE(at + 10);
    const packed = bytes.readUInt32LE(at + 20);
    const size = bytes.readUInt32LE(at + 24);
    const local = bytes.readUInt32LE(at + 42);
    if (packed === 0xffffffff || size === 0xffffffff || local === 0xffffffff || (flags & 1) !== 0)
      throw notXlsx();
    if (unpacked + size > XLSX_UNPACKED_MAX_BYTES)
      throw tooLarge('XLSX giải nén lớn hơn 100 MiB / the workbook unpacks to more than 100 MiB');
    if (local + 30 > bytes.length || bytes.readUInt32LE(local) !== ZIP_LOCAL) throw notXlsx();
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    if (start + packed > bytes.length) throw notXlsx();
    let inflated: number;
    if (method === 0) inflated = packed;
    else if (method === 8) {
      try {
        // One byte more than declared is enough to know the entry lies.
        const out = await inflateRawBounded(bytes.subarray(start, start + packed), {
          maxOutputLength: size + 1,
        });
        inflated = out.length;
      } catch {
        throw notXlsx();
      }
    } else throw notXlsx();
    if (inflated !== size) throw notXlsx();
    unpacked += size;
    at += 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  if (entries === 0) throw notXlsx();
}

export async function readXlsxRows(bytes: Buffer): Promise<FileRow[]> {
  await assertZipBounded(bytes);
  const workbook = new (await excel()).Workbook();
  try {
    // exceljs's types predate Node's generic Buffer; the bytes are a plain Buffer.
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    throw invalidFile([{ row: 1, column: null, message: 'không đọc được XLSX / unreadable XLSX workbook' }]);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet)
    throw invalidFile([{ row: 1, column: null, message: 'XLSX không có trang tính / no worksheet' }]);
  if (sheet.actualRowCount > CATEGORY_ROWS_MAX + 1) {
    throw tooLarge(`hơn ${CATEGORY_ROWS_MAX} dòng / more than ${CATEGORY_ROWS_MAX} rows`);
  }
  if (sheet.actualColumnCount > CATEGORY_FIELDS_MAX) {
    throw tooLarge(`hơn ${CATEGORY_FIELDS_MAX} cột / more than ${CATEGORY_FIELDS_MAX} columns`);
  }
  const rows: FileRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = [];
    for (let c = 1; c <= Math.min(row.cellCount, CATEGORY_FIELDS_MAX); c++)
      cells[c - 1] = cellText(row.getCell(c).value);
    while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
    if (cells.length > 0) rows.push({ row: rowNumber, cells });
  });
  return rows;
}

/** A cell as text: rich text joined, a formula's cached result, a date as yyyy-mm-dd, a boolean as true/false. */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('richText' in value)
      return value.richText
        .map((r) => r.text)
        .join('')
        .trim();
    if ('result' in value) return cellText((value.result ?? null) as ExcelJS.CellValue);
    if ('text' in value) return String(value.text).trim();
    if ('error' in value) return '';
    return '';
  }
  return String(value).trim();
}

/**
 * The heading row and the items of a file, checked against `fields`: every field is a column (in any order,
 * named as the field, case aside), no other column; the first field is each item's key — present, unique, at most
 * 100 characters — and every value has its field's type. All problems are collected, then thrown together.
 */
export function itemsFromRows(
  rows: FileRow[],
  fields: CategoryField[],
): Array<{ code: string; data: Record<string, CategoryValue> }> {
  const problems: FileProblem[] = [];
  const heading = rows[0];
  if (!heading) throw invalidFile([{ row: 1, column: null, message: 'tệp rỗng / the file is empty' }]);
  const byName = new Map(fields.map((f, i) => [f.name.toLowerCase(), i]));
  const columnOf: Array<number | null> = [];
  const seen = new Set<number>();
  heading.cells.forEach((cell, c) => {
    const field = byName.get(cell.trim().toLowerCase());
    if (field === undefined || seen.has(field)) {
      problems.push({
        row: heading.row,
        column: columnLetter(c),
        message:
          field === undefined
            ? `"${clip(cell)}" không phải trường của danh mục (${fields.map((f) => f.name).join(', ')}) / not a field of the list`
            : `"${clip(cell)}" lặp lại / repeated`,
      });
      columnOf.push(null);
      return;
    }
    seen.add(field);
    columnOf.push(field);
  });
  fields.forEach((f, i) => {
    if (!seen.has(i)) {
      problems.push({
        row: heading.row,
        column: null,
        message: `thiếu cột "${f.name}" / no "${f.name}" column`,
      });
    }
  });
  if (problems.length > 0) throw invalidFile(problems);

  const items: Array<{ code: string; data: Record<string, CategoryValue> }> = [];
  const keys = new Map<string, number>();
  for (const { row, cells } of rows.slice(1)) {
    const data: Record<string, CategoryValue> = {};
    for (const f of fields) data[f.name] = null;
    cells.forEach((raw, c) => {
      const index = columnOf[c];
      if (index === undefined || index === null) {
        if (raw !== '') {
          problems.push({
            row,
            column: columnLetter(c),
            message: 'ô ngoài các cột của tiêu đề / a cell outside the heading’s columns',
          });
        }
        return;
      }
      const field = fields[index]!;
      const typed = typedValue(field, raw);
      if (typeof typed === 'object' && typed !== null) {
        problems.push({ row, column: `${columnLetter(c)} (${field.name})`, message: typed.problem });
        return;
      }
      data[field.name] = typed;
    });
    const keyField = fields[0]!;
    const key = data[keyField.name];
    const keyColumn = `${columnLetter(columnOf.indexOf(0))} (${keyField.name})`;
    if (key === null || key === '') {
      problems.push({ row, column: keyColumn, message: 'thiếu mã / the key is empty' });
    } else {
      const code = String(key);
      if (code.length > KEY_MAX_CHARS || hasControl(code, false)) {
        problems.push({
          row,
          column: keyColumn,
          message: 'mã dài quá 100 ký tự hoặc có ký tự điều khiển / key too long or has control characters',
        });
      } else if (keys.has(code)) {
        problems.push({
          row,
          column: keyColumn,
          message: `mã "${clip(code)}" trùng dòng ${keys.get(code)} / duplicate of row ${keys.get(code)}`,
        });
      } else {
        keys.set(code, row);
        items.push({ code, data });
      }
    }
    if (problems.length > 200) break;
  }
  if (problems.length > 0) throw invalidFile(problems);
  if (items.length === 0)
    throw invalidFile([{ row: heading.row + 1, column: null, message: 'không có mục nào / no items' }]);
  return items;
}

/** Control characters (C0 and DEL) have no place in a list's values; a value may keep tabs and line breaks. */
function hasControl(text: string, allowWhitespace: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (allowWhitespace && (c === 0x09 || c === 0x0a || c === 0x0d)) continue;
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

const TRUE = new Set(['true', '1', 'có', 'co', 'x', 'yes']);
const FALSE = new Set(['false', '0', 'không', 'khong', 'no']);

/** A cell's value as its field's type, or the problem with it; an empty cell is null. */
export function typedValue(field: CategoryField, raw: string): CategoryValue | { problem: string } {
  const text = raw.trim();
  if (text === '') return null;
  if (text.length > CELL_MAX_CHARS)
    return { problem: `dài hơn ${CELL_MAX_CHARS} ký tự / longer than ${CELL_MAX_CHARS} characters` };
  switch (field.type) {
    case 'string':
      return hasControl(text, true) ? { problem: 'có ký tự điều khiển / has control characters' } : text;
    case 'integer':
      return /^[+-]?\d{1,15}$/.test(text)
        ? Number(text)
        : { problem: `"${clip(text)}" không phải số nguyên / not an integer` };
    case 'number': {
      const normal = text.replace(',', '.');
      return /^[+-]?\d{1,15}(\.\d{1,10})?$/.test(normal)
        ? Number(normal)
        : { problem: `"${clip(text)}" không phải số / not a number` };
    }
    case 'date':
      return (
        isoDate(text) ?? {
          problem: `"${clip(text)}" không phải ngày dd/mm/yyyy hoặc yyyy-mm-dd / not a date`,
        }
      );
    case 'boolean': {
      const lower = text.toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      return { problem: `"${clip(text)}" không phải đúng/sai (true/false, 1/0, có/không) / not a boolean` };
    }
  }
}

/** `dd/mm/yyyy` (how dates are written in Vietnam) or `yyyy-mm-dd`, as `yyyy-mm-dd` when it is a real day. */
function isoDate(text: string): string | null {
  const vn = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const [y, m, d] = vn ? [vn[3], vn[2], vn[1]] : iso ? [iso[1], iso[2], iso[3]] : [];
  if (!y || !m || !d) return null;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (
    date.getUTCFullYear() !== Number(y) ||
    date.getUTCMonth() !== Number(m) - 1 ||
    date.getUTCDate() !== Number(d)
  ) {
    return null;
  }
  return date.toISOString().slice(0, 10);
}

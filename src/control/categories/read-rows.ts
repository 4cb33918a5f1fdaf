import { runOffThread } from '../../core/off-thread.ts';
import { type FileRow, invalidFile, tooLarge } from './files.ts';

/**
 * The most heap a file's reading may take. A workbook within the limits can still unpack to ~100 MiB of sheet XML,
 * which exceljs holds as objects many times that size (2.4 GB for a 96 MB sheet, measured).
 */
const READ_HEAP_MB = 512;
/** The longest a file's reading may take; a workbook of the largest list allowed reads in a few seconds. */
const READ_TIME_MS = 30_000;

/**
 * The rows of a category file (`readFileRows`), read on a thread of its own (src/core/off-thread.ts): exceljs
 * parses a workbook in one synchronous stretch — a 22 MB sheet held the admin API's event loop for 2.1 s, a 96 MB
 * one for 10 s and 2.4 GB (an attacker's review, 06/12/2026) — and here that stretch, its memory (`READ_HEAP_MB`)
 * and its time (`READ_TIME_MS`) are the thread's, while the API goes on answering.
 */
export function readFileRowsOffThread(format: 'csv' | 'xlsx', content: string): Promise<FileRow[]> {
  return runOffThread<FileRow[]>(
    { module: new URL('./files.ts', import.meta.url), name: 'readFileRows' },
    { format, content },
    {
      heapMb: READ_HEAP_MB,
      timeMs: READ_TIME_MS,
      tooLarge: ({ vi, en }) => tooLarge(`đọc tệp ${vi} / reading the file ${en}`),
      unreadable: () =>
        invalidFile([{ row: 1, column: null, message: 'không đọc được tệp / the file could not be read' }]),
    },
  );
}

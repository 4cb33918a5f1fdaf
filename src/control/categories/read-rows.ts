import { Worker } from 'node:worker_threads';
import { LgspError } from '../../core/errors.ts';
import { type FileRow, invalidFile, tooLarge } from './files.ts';

/**
 * The most heap a file's reading may take. A workbook within the limits can still unpack to ~100 MiB of sheet XML,
 * which exceljs holds as objects many times that size (2.4 GB for a 96 MB sheet, measured).
 */
const READ_HEAP_MB = 512;
/** The longest a file's reading may take; a workbook of the largest list allowed reads in a few seconds. */
const READ_TIME_MS = 30_000;

/**
 * The rows of a category file (`readFileRows`), read on a thread of its own: exceljs parses a workbook in one
 * synchronous stretch — a 22 MB sheet held the admin API's event loop for 2.1 s, a 96 MB one for 10 s and 2.4 GB
 * (an attacker's review, 06/12/2026) — and here that stretch, its memory (`READ_HEAP_MB`) and its time
 * (`READ_TIME_MS`) are the thread's, while the API goes on answering. A thread per file: imports are rare.
 */
export function readFileRowsOffThread(format: 'csv' | 'xlsx', content: string): Promise<FileRow[]> {
  return new Promise<FileRow[]>((resolve, reject) => {
    const worker = new Worker(new URL('./read-rows.worker.mjs', import.meta.url), {
      workerData: { format, content },
      resourceLimits: { maxOldGenerationSizeMb: READ_HEAP_MB },
    });
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      outcome();
    };
    const timer = setTimeout(
      () =>
        settle(() =>
          reject(
            tooLarge(
              `đọc tệp quá ${READ_TIME_MS / 1000} s / reading the file took over ${READ_TIME_MS / 1000} s`,
            ),
          ),
        ),
      READ_TIME_MS,
    );
    worker.once(
      'message',
      (m: {
        rows?: FileRow[];
        refusal?: { code: never; detail?: string; extra: Record<string, unknown> };
        failure?: string;
      }) =>
        settle(() => {
          if (m.rows) resolve(m.rows);
          else if (m.refusal) reject(new LgspError(m.refusal.code, m.refusal.detail, m.refusal.extra));
          else reject(new Error(`category file not read: ${m.failure}`));
        }),
    );
    worker.once('error', (err: NodeJS.ErrnoException) =>
      settle(() =>
        reject(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? tooLarge(
                `tệp mở ra cần hơn ${READ_HEAP_MB} MiB bộ nhớ / the file needs more than ${READ_HEAP_MB} MiB of memory to read`,
              )
            : err,
        ),
      ),
    );
    worker.once('exit', () =>
      settle(() =>
        reject(
          invalidFile([{ row: 1, column: null, message: 'không đọc được tệp / the file could not be read' }]),
        ),
      ),
    );
  });
}

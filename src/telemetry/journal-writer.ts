import { getSystemErrorName } from 'node:util';
import { Worker } from 'node:worker_threads';

/**
 * Journal first (record-journal.ts): the live segment's durable writes, made on a thread of their own. A write to a
 * descriptor opened O_DSYNC blocks until the disk has it; through libuv's pool (`FileHandle.write`) each one cost the
 * gateway's thread 16–24 µs of CPU — the request to the pool, its completion and the promise machinery around it —
 * and under load one comes every ≈ 0.2 ms. Here the gateway's thread copies the bytes into memory shared with the
 * writer, wakes it, and is woken once the write is durable (`Atomics.waitAsync`): no pool, no request objects.
 * One write at a time, as the journal's appends are.
 */
export class JournalWriter {
  private readonly cells: Int32Array;
  private readonly position: Float64Array;
  private readonly data: Buffer;
  private readonly worker: Worker;
  private asked = 0;
  private writing = false;
  private closed = false;

  /** Writes up to `capacity` bytes each; `fits` says whether a write does. */
  constructor(readonly capacity: number = WRITER_CAPACITY_BYTES) {
    const control = new SharedArrayBuffer(POSITION_AT + 8);
    this.cells = new Int32Array(control);
    this.position = new Float64Array(control, POSITION_AT, 1);
    const data = new SharedArrayBuffer(capacity);
    this.data = Buffer.from(data);
    this.worker = new Worker(new URL('./journal-writer.worker.mjs', import.meta.url), {
      workerData: { control, data, cells: CELLS },
    });
    // Alive only while a write is waited for (`write`): an idle writer keeps no process from ending.
    this.worker.unref();
  }

  fits(bytes: number): boolean {
    return bytes <= this.capacity;
  }

  /**
   * Writes `chunks`, one after the other, at `position` of `fd` (opened O_DSYNC: durable once written); resolves
   * when they are. One write at a time: the caller waits for each before the next.
   */
  async write(fd: number, chunks: readonly Buffer[], position: number): Promise<void> {
    if (this.closed) throw new Error('the journal writer is closed');
    if (this.writing) throw new Error('one journal write at a time');
    let length = 0;
    for (const chunk of chunks) length += chunk.copy(this.data, length);
    this.writing = true;
    this.worker.ref();
    try {
      const cells = this.cells;
      cells[FD] = fd;
      cells[LENGTH] = length;
      this.position[0] = position;
      const asked = ++this.asked;
      Atomics.store(cells, ASKED, asked);
      Atomics.notify(cells, ASKED);
      const waited = waitAsync(cells, DONE, asked - 1);
      if (waited.async) await waited.value;
      const errno = Atomics.load(cells, ERRNO);
      if (errno !== 0) {
        const code = getSystemErrorName(errno);
        throw Object.assign(new Error(`journal write failed: ${code}`), { code, errno });
      }
    } finally {
      this.writing = false;
      this.worker.unref();
    }
  }

  /** Ends the writer's thread once its write (if one runs) is done. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.cells, CLOSING, 1);
    Atomics.store(this.cells, ASKED, ++this.asked);
    Atomics.notify(this.cells, ASKED);
    await this.worker.terminate();
  }
}

/** `Atomics.waitAsync` (V8; Node ≥ 16): in TypeScript's lib only from ES2024, which this project does not target. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      cells: Int32Array,
      index: number,
      value: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

/**
 * The cells shared with journal-writer.worker.mjs (Int32 indexes; the position is a Float64 at byte POSITION_AT),
 * handed to it in its workerData so that the layout is written once.
 */
const CELLS = { ASKED: 0, DONE: 1, FD: 2, LENGTH: 3, ERRNO: 4, CLOSING: 5, POSITION_AT: 32 } as const;
const { ASKED, DONE, FD, LENGTH, ERRNO, CLOSING, POSITION_AT } = CELLS;

/** A group of records larger than this (the store far behind under a burst) is written through libuv's pool. */
const WRITER_CAPACITY_BYTES = 4 * 1024 * 1024;

// The journal's writer thread (journal-writer.ts): takes one write at a time from the shared control cells, writes
// it with pwrite to a descriptor opened O_DSYNC (so the write returns once durable), and says it is done.
// Plain JavaScript on purpose: Node 20 does not carry the TypeScript loader into worker threads.
import { writeSync } from 'node:fs';
import { workerData } from 'node:worker_threads';

// The cells' layout, from journal-writer.ts.
const { ASKED, DONE, FD, LENGTH, ERRNO, CLOSING, POSITION_AT } = workerData.cells;

const cells = new Int32Array(workerData.control);
const position = new Float64Array(workerData.control, POSITION_AT, 1);
const data = Buffer.from(workerData.data);

let seen = 0;
for (;;) {
  Atomics.wait(cells, ASKED, seen);
  seen = Atomics.load(cells, ASKED);
  if (Atomics.load(cells, CLOSING) === 1) break;
  const fd = cells[FD];
  const length = cells[LENGTH];
  let errno = 0;
  try {
    for (let at = 0; at < length; ) at += writeSync(fd, data, at, length - at, position[0] + at);
  } catch (err) {
    errno = typeof err?.errno === 'number' ? err.errno : -5; // EIO when the error names none
  }
  Atomics.store(cells, ERRNO, errno);
  Atomics.store(cells, DONE, seen);
  Atomics.notify(cells, DONE);
}

import { constants as fsConstants } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { fsyncPath } from '../core/fsync.ts';
import { JournalWriter } from './journal-writer.ts';
import type { TransactionRecord } from './record.ts';
import { COPY_COLUMNS, parseCopyLine, recordTuple, recordTupleOf, tupleEnd } from './record-copy.ts';

/**
 * The node's local journal of transaction records (issue 13 item 5, strict durability): where a record becomes
 * durable when the store cannot take it — PostgreSQL down or too slow — so that the gateway keeps answering from its
 * snapshot (item 7) without releasing an answer whose record could be lost. Records hold no payload: ids,
 * parties, sizes, hashes and times, one tuple each of PostgreSQL's binary COPY format (record-copy.ts: the tuple that
 * goes to the store), fsynced before the answer goes. Each file names its columns and their format first
 * (`#columns binary id,…`), so that a later version with other columns still ships it; each append is one frame —
 * its length and CRC-32, then its tuples (`frame`) — so that one cut short by a crash is told from the ones before
 * it (`journalRuns`). The COPY text lines (`#columns id,…`) and JSON lines of earlier versions are shipped too.
 *
 * Appends go to `open-<run>.copy`, this process's own (a file a dead run left, its last append perhaps cut short, is
 * never appended to: what followed the cut would be lost with it); shipping renames every `open…` file to
 * `shipping-<time>-<name>` first (so appends carry on into a new file), writes it to the store — `insertTransactions` ignores ids already there, so a file shipped twice, or a
 * record the store took after all, is harmless — then deletes it. A node that died with a journal ships it when it
 * starts again.
 *
 * Journal first (strict records on the embedded store, `Recorder`): every record is appended here, fdatasynced in
 * groups, before its answer goes — cheaper than a PGlite commit per group, and more durable (PGlite runs with fsync
 * off) — and reaches the store in batches afterwards. Those appends go to `live-<run>-<n>.copy` segments of this
 * process's run, each filled with zeros before its first record (`prepareSegment`: a write in place costs less than
 * an append), replaced every LIVE_SEGMENT_RECORDS and deleted once every record in them is in the store
 * (`releaseLive`, and `closeLive` at a clean stop); a run's segments left behind (the process died, or stopped with
 * records not yet stored) are shipped by the next run like the rest.
 */
export class RecordJournal {
  private ready: Promise<void> | null = null;
  /** Appends in order, one at a time: each is written and fsynced before the next starts. */
  private appending: Promise<void> = Promise.resolve();
  /** Records appended and not yet shipped, for /healthz and the decision to ship. */
  pending = 0;

  /** This process's run: its live segments are its own, never shipped by it (`ship`). */
  private readonly run =
    `${Date.now().toString(36)}${process.pid.toString(36)}${(++journalsOpened).toString(36)}`;
  private segments = 0;
  /** The live segment appends go to: where the next one writes, and the last record's sequence number in it. */
  private live: (Segment & { offset: number; lastSeq: number; records: number }) | null = null;
  /** The segment after the live one, filled with zeros in the background while the live one fills up. */
  private next: Promise<Segment> | null = null;
  /** Journal first: the thread that writes the live segment (journal-writer.ts), made with the first append. */
  private writerThread: JournalWriter | null = null;
  private get writer(): JournalWriter {
    this.writerThread ??= new JournalWriter();
    return this.writerThread;
  }
  /** Live segments rotated out, waiting for their records to be in the store. */
  private readonly full: Array<{ path: string; lastSeq: number }> = [];

  constructor(private readonly dir: string) {}

  private get openFile(): string {
    return join(this.dir, `${OPEN_PREFIX}${this.run}.copy`);
  }

  /**
   * Appends records — their tuples (`recordTuple`) — and fsyncs the file: once this resolves they survive the
   * process and the machine. Each append names its columns: the file may be new, and this path is the rare one
   * (the store away).
   */
  append(tuples: readonly Buffer[]): Promise<void> {
    const bytes = Buffer.concat([COLUMNS_BYTES, ...frame(tuples)]);
    const done = this.appending.then(async () => {
      this.ready ??= mkdir(this.dir, { recursive: true }).then(() => undefined);
      await this.ready;
      const file = await open(this.openFile, 'a', 0o600);
      try {
        await file.appendFile(bytes);
        await file.datasync();
      } finally {
        await file.close();
      }
      this.pending += tuples.length;
    });
    this.appending = done.catch(() => undefined);
    return done;
  }

  /**
   * Journal first: appends records — their tuples, one frame —, the last of which has the sequence number `lastSeq`
   * (the recorder's count of records taken), to the live segment; once this resolves they survive the process and
   * the machine. The segment's first append names its columns first (`#columns binary …`). One write,
   * synchronous to the disk (O_DSYNC: the data and the size that finds it, as fdatasync), made by the journal's
   * writer thread (journal-writer.ts; through libuv's pool only for a group too large for it); the file stays open
   * between appends and is rotated by size (`releaseLive`), since creating one costs a directory fsync too.
   */
  appendLive(tuples: readonly Buffer[], lastSeq: number): Promise<void> {
    const done = this.appending.then(async () => {
      if (this.live === null) {
        const ready = this.next ?? this.prepareSegment();
        this.next = null; // failed, the next append tries a new one
        const segment = await ready;
        this.live = { ...segment, offset: 0, lastSeq: 0, records: 0 };
      }
      const live = this.live;
      const framed = frame(tuples);
      const chunks = live.offset === 0 ? [COLUMNS_BYTES, ...framed] : framed;
      let size = 0;
      for (const chunk of chunks) size += chunk.length;
      if (fsConstants.O_DSYNC && this.writer.fits(size))
        await this.writer.write(live.handle.fd, chunks, live.offset);
      else {
        const bytes = Buffer.concat(chunks, size);
        for (let at = 0; at < size; ) {
          at += (await live.handle.write(bytes, at, size - at, live.offset + at)).bytesWritten;
        }
        if (!fsConstants.O_DSYNC) await live.handle.datasync();
      }
      live.offset += size;
      live.lastSeq = lastSeq;
      live.records += tuples.length;
      // Halfway through this segment, the next one starts being made ready, so the rotation never waits for it.
      if (this.next === null && live.records >= LIVE_SEGMENT_RECORDS / 2) this.next = this.prepareSegment();
    });
    this.appending = done.catch(() => undefined);
    return done;
  }

  /**
   * Journal first, before the first call: the first live segment made ready in the background, so that the first
   * answer does not wait for it.
   */
  prepareLive(): void {
    if (this.live === null && this.next === null) this.next = this.prepareSegment();
  }

  /**
   * A new live segment: LIVE_SEGMENT_BYTES of zeros written and fsynced, its name made durable. Appends then
   * overwrite blocks that already exist within a size that does not change, so each synchronous write carries only
   * its data: appending to the end of a file also changes its size, and making that durable costs every write a
   * commit of the file system's journal (measured on ext4: ≈ 30 % more CPU a write, 1.5–3× its latency) —
   * PostgreSQL fills its WAL segments with zeros for the same reason (`wal_init_zero`). Past LIVE_SEGMENT_BYTES
   * (the store far behind, so the segment is not rotated) appends simply extend the file.
   */
  private prepareSegment(): Promise<Segment> {
    const path = join(this.dir, `live-${this.run}-${String(++this.segments).padStart(6, '0')}.copy`);
    const prepared = (async (): Promise<Segment> => {
      this.ready ??= mkdir(this.dir, { recursive: true }).then(() => undefined);
      await this.ready;
      const filling = await open(path, 'wx', 0o600);
      try {
        for (let at = 0; at < LIVE_SEGMENT_BYTES; at += ZEROS.length)
          await filling.write(ZEROS, 0, ZEROS.length, at);
        await filling.sync();
      } catch (err) {
        await rm(path, { force: true });
        throw err;
      } finally {
        await filling.close();
      }
      // The new file's name made durable too: without it, a power cut could lose the whole segment.
      await fsyncPath(this.dir);
      return { path, handle: await open(path, WRITE_DURABLY) };
    })();
    // Awaited by the append that takes it into use (or the shutdown), which then sees the failure.
    prepared.catch(() => undefined);
    return prepared;
  }

  /**
   * Journal first: every record up to the sequence number `storedSeq` is in the store. A live segment grown past
   * LIVE_SEGMENT_RECORDS is rotated out, and rotated segments holding only stored records are deleted. The live
   * segment itself stays while it is small, stored or not (a file per store write would cost each of them a
   * directory fsync): a node that dies ships its stored records again, harmlessly (ids already stored are skipped).
   */
  releaseLive(storedSeq: number): Promise<void> {
    return this.retireSegments(storedSeq, false);
  }

  /**
   * Journal first, at shutdown: closes the live segment and deletes every segment whose records are all stored
   * (up to `storedSeq`); what is left is shipped by the next run.
   */
  closeLive(storedSeq: number): Promise<void> {
    return this.retireSegments(storedSeq, true);
  }

  /** Rotates the live segment out (`closing`, or grown past LIVE_SEGMENT_RECORDS), deletes the stored ones. */
  private retireSegments(storedSeq: number, closing: boolean): Promise<void> {
    const done = this.appending.then(async () => {
      const live = this.live;
      if (live !== null && (closing || live.records >= LIVE_SEGMENT_RECORDS)) {
        this.live = null;
        await live.handle.close();
        this.full.push({ path: live.path, lastSeq: live.lastSeq });
      }
      if (closing && this.writerThread !== null) {
        await this.writerThread.close();
        this.writerThread = null;
      }
      if (closing && this.next !== null) {
        // The segment made ready for later holds nothing.
        const next = await this.next.catch(() => null);
        this.next = null;
        if (next !== null) {
          await next.handle.close();
          await rm(next.path, { force: true });
        }
      }
      while (this.full.length > 0 && this.full[0]!.lastSeq <= storedSeq) {
        await rm(this.full.shift()!.path, { force: true });
      }
    });
    this.appending = done.catch(() => undefined);
    return done;
  }

  /**
   * Writes every journaled record to the store with `write` — tuples of the columns named, up to `batchSize` at a
   * time — file by file, deleting each file once written; stops at the first failure (the file stays for the next
   * try). Resolves the number of records shipped.
   */
  async ship(
    write: (columns: readonly string[], tuples: Buffer[]) => Promise<void>,
    batchSize: number,
  ): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0; // no journal yet
    }
    // This run's open file, and those of runs before (`open.copy`, `open.jsonl` of earlier versions).
    for (const open of names.filter((n) => n.startsWith('open'))) {
      // Appends wait for this rename, so no record is split between the two files.
      const renamed = this.appending.then(() =>
        rename(join(this.dir, open), join(this.dir, `shipping-${Date.now()}-${open}`)).catch(() => undefined),
      );
      this.appending = renamed;
      await renamed;
      names = await readdir(this.dir);
    }
    let shipped = 0;
    // Live segments of an earlier run (this one's are still being written and released).
    const mine = `live-${this.run}-`;
    const toShip = names.filter(
      (n) => n.startsWith('shipping-') || (n.startsWith('live-') && !n.startsWith(mine)),
    );
    for (const name of toShip.sort()) {
      const path = join(this.dir, name);
      for (const { columns, tuples } of journalRuns(await readFile(path))) {
        for (let i = 0; i < tuples.length; i += batchSize)
          await write(columns, tuples.slice(i, i + batchSize));
        shipped += tuples.length;
      }
      await rm(path, { force: true });
    }
    this.pending = Math.max(0, this.pending - shipped);
    return shipped;
  }
}

/**
 * The records of a journal's append as one frame: the tuples' length in bytes and their CRC-32 (uint32 each,
 * big-endian), then the tuples — several frames for an append past FRAME_MAX_BYTES. An append cut short by a crash
 * (a power cut may leave any of its blocks unwritten, zeros in a live segment) fails its length or its CRC, and
 * `journalRuns` stops there: it was never acknowledged, and every append before it was durable before it started.
 */
function frame(tuples: readonly Buffer[]): Buffer[] {
  const chunks: Buffer[] = [];
  let head: Buffer | null = null;
  let length = 0;
  let crc = 0;
  const close = (): void => {
    if (head === null) return;
    head.writeUInt32BE(length, 0);
    head.writeUInt32BE(crc, 4);
  };
  for (const tuple of tuples) {
    if (head === null || length + tuple.length > FRAME_MAX_BYTES) {
      close();
      head = Buffer.allocUnsafe(FRAME_HEAD_BYTES);
      chunks.push(head);
      length = 0;
      crc = 0;
    }
    chunks.push(tuple);
    length += tuple.length;
    crc = crc32(tuple, crc);
  }
  close();
  return chunks;
}

const FRAME_HEAD_BYTES = 8;
/**
 * The longest frame: its length's first byte is then 0, never `#` (0x23), so a file's next `#columns` line is told
 * from a frame (a record's tuple is ≈ 0.5 KB, an append of a whole backlog a few MB).
 */
const FRAME_MAX_BYTES = 0xff_ffff;

export interface JournalRun {
  columns: readonly string[];
  tuples: Buffer[];
}

/**
 * A journal file's records, as runs of binary COPY tuples under the columns named before them. After a
 * `#columns binary …` line come frames (`frame`), read until one that is not whole — the zeros of a live segment
 * not yet written (length 0), or an append a crash cut short (its bytes past the file's end, or not those its CRC
 * was made of): that append was never acknowledged, and what precedes it ships. Files of earlier versions: after a
 * `#columns …` line without a format, lines of COPY's text format (06/12/2026), read up to the first NUL (a live
 * segment's zeros: those lines held none); JSON lines (before) are records of today's columns. A line cut short —
 * no newline at its end, or not the columns named — was never acknowledged either, and is left out. Those lines
 * become tuples of the columns their file names.
 */
export function journalRuns(bytes: Buffer): JournalRun[] {
  const runs: JournalRun[] = [];
  let run: JournalRun | null = null;
  const into = (columns: readonly string[]): Buffer[] => {
    if (run === null || run.columns !== columns) {
      run = { columns, tuples: [] };
      runs.push(run);
    }
    return run.tuples;
  };
  let columns: readonly string[] | null = null;
  let binary = false;
  let at = 0;
  // The first NUL at or after `at` (-2: not looked for yet), looked for once, not once per line.
  let nul = -2;
  while (at < bytes.length) {
    if (bytes[at] === HASH) {
      const newline = bytes.indexOf(NEWLINE, at);
      if (newline === -1) break;
      const line = bytes.toString('utf8', at, newline);
      at = newline + 1;
      if (!line.startsWith(COLUMNS_PREFIX)) continue;
      const named = line.slice(COLUMNS_PREFIX.length);
      binary = named.startsWith(BINARY_FORMAT);
      const names = (binary ? named.slice(BINARY_FORMAT.length) : named).split(',');
      // The same columns as the run before keep its identity, so that its tuples go in the same batches.
      columns = columns !== null && columns.join(',') === names.join(',') ? columns : names;
    } else if (binary) {
      if (at + FRAME_HEAD_BYTES > bytes.length) break;
      const length = bytes.readUInt32BE(at);
      const start = at + FRAME_HEAD_BYTES;
      const end = start + length;
      if (
        length === 0 ||
        end > bytes.length ||
        crc32(bytes.subarray(start, end)) !== bytes.readUInt32BE(at + 4)
      )
        break;
      const tuples = into(columns!);
      for (let tuple = start; tuple < end; ) {
        const next = tupleEnd(bytes, tuple, columns!.length);
        // Whole by its CRC, yet not tuples of its columns: not a crash's doing, and not to be dropped silently.
        if (next === -1 || next > end)
          throw new Error('a journal frame holds no whole tuples of its columns');
        tuples.push(bytes.subarray(tuple, next));
        tuple = next;
      }
      at = end;
    } else {
      const newline = bytes.indexOf(NEWLINE, at);
      if (nul === -2 || (nul !== -1 && nul < at)) nul = bytes.indexOf(0, at);
      if (newline === -1 || (nul !== -1 && nul < newline)) break;
      const line = bytes.toString('utf8', at, newline + 1);
      at = newline + 1;
      if (line.startsWith('{')) {
        let record: TransactionRecord;
        try {
          record = JSON.parse(line) as TransactionRecord;
        } catch {
          continue; // cut short, as above
        }
        into(COPY_COLUMNS).push(recordTuple(record));
      } else if (columns !== null && line.split('\t').length === columns.length)
        into(columns).push(recordTupleOf(columns, parseCopyLine(columns, line)));
    }
  }
  return runs;
}

const HASH = 0x23;
const NEWLINE = 0x0a;

/**
 * Strict records while the store is away: appended to `open-<run>.copy`, renamed to `shipping-<time>-<name>` to be
 * shipped (earlier versions appended to `open.copy`, and before them `open.jsonl`).
 */
const OPEN_PREFIX = 'open-';
const COLUMNS_PREFIX = '#columns ';
/** After COLUMNS_PREFIX: what follows is frames of binary tuples (without it: COPY text lines, of earlier versions). */
const BINARY_FORMAT = 'binary ';
/**
 * The first line of each journal file (and of each append to `open.copy`): the columns of the tuples after it, and
 * their format.
 */
const COLUMNS_BYTES = Buffer.from(`${COLUMNS_PREFIX}${BINARY_FORMAT}${COPY_COLUMNS.join(',')}\n`);

/**
 * Journal first: a live segment is rotated past this many records while the store lags behind it, so that the
 * part already stored can be deleted as a whole (a few MB of tuples).
 */
const LIVE_SEGMENT_RECORDS = 10_000;

/** Journals made by this process (a test makes several): part of each one's run, so that runs never share names. */
let journalsOpened = 0;

/**
 * Journal first: the size of a live segment's file, made of zeros before it takes records (`prepareSegment`):
 * room for LIVE_SEGMENT_RECORDS records of ≈ 1 KB (a record's tuple is ≈ 0.4–0.7 KB).
 */
const LIVE_SEGMENT_BYTES = 16 * 1024 * 1024;
const ZEROS = Buffer.alloc(1024 * 1024);

/** A live segment's file, open for writes that are durable on their return (where the OS offers O_DSYNC). */
interface Segment {
  path: string;
  handle: FileHandle;
}
const WRITE_DURABLY = fsConstants.O_WRONLY | (fsConstants.O_DSYNC ?? 0);

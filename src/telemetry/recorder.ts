import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../core/config.ts';
import type { Store } from '../store/port.ts';
import type { RecordSink, TransactionObserver, TransactionRecord } from './record.ts';
import { insertTransactions, insertTuples, recordTuple } from './record-copy.ts';
import { RecordJournal } from './record-journal.ts';

export interface RecorderOptions {
  flushIntervalMs: number;
  batchSize: number;
  maxBacklog: number;
  /**
   * `strict`: `record` resolves once the record is durable — in the store (group commit), or first in the journal
   * on the embedded store (`journalFirst`); default `batched`.
   */
  durability?: 'strict' | 'batched';
  /**
   * Strict: where records become durable while the store cannot take them (record-journal.ts); without one, a
   * strict answer waits for the store to come back. On the embedded store, where every record goes first
   * (`Recorder.journalFirst`).
   */
  journalDir?: string | null;
  /** Batches written at once; default 3 on PostgreSQL, 1 on PGlite (`POSTGRES_WRITES_IN_FLIGHT`). */
  writesInFlight?: number;
}

/**
 * The durability of transaction records (issue 13 item 5): as set, else `strict` — a node's death must not lose the
 * record of a call it answered (X-Road writes its message log before it answers) — on PostgreSQL and on the
 * embedded store on disk, where the journal comes first and costs next to nothing (`Recorder.journalFirst`);
 * `batched` on an embedded store in memory, which a dying process takes with it anyway.
 */
export function recordDurability(
  config: Pick<Config, 'recorder' | 'databaseUrl' | 'dataDir'>,
): 'strict' | 'batched' {
  return config.recorder.durability ?? (config.databaseUrl || !inMemory(config) ? 'strict' : 'batched');
}

/** Where strict records are journaled: `<dataDir>/record-journal`, none for a store in memory. */
export function recordJournalDir(config: Pick<Config, 'dataDir'>): string | null {
  return inMemory(config) ? null : join(config.dataDir, 'record-journal');
}

function inMemory(config: Pick<Config, 'dataDir'>): boolean {
  return config.dataDir === 'memory://';
}

/**
 * Strict durability on PGlite: the shortest time between two writes' starts; the records arriving meanwhile join
 * the next one. A PGlite commit costs this process's store thread ≈ 0.5 ms of CPU whatever its size, so commits
 * are spaced. On PostgreSQL, whose commits are the server's, the next write starts as soon as one ends (leader and
 * followers). Measured (1,000 connections paced at ≈ 2,000 req/s, `BENCH_SHAPES=paced`, two runs each, the two ways
 * alternated in one invocation): PGlite, spaced 2 ms: p50 2.6 ms, 175 µs CPU per request on the store's thread;
 * each write as soon as the last ends: p50 1.4 ms but 295 µs and p99 no better (8.3–14.5 ms against 7.0–11.9).
 * PostgreSQL (four pairs), spaced 2 ms: p50 2.6–2.7 ms, p99 5.2–6.4 ms; as soon as the last ends: p50 1.1–1.6 ms,
 * p99 3.8–6.5 ms, for 20–65 µs more main-thread CPU per request at that load (more commits), none at 100 saturating
 * connections (12,822–13,006 → 13,574–14,606 req/s).
 */
const PGLITE_GROUP_MS = 2;
/**
 * Strict: how long a write may run before it counts as slow — a commit held up by a busy server or disk — so
 * that the records queued behind it start a write of their own beside it (when a slot is free) rather than wait
 * for it and then for their own.
 */
const SLOW_WRITE_MS = 2;
/**
 * Strict, with a journal: how long a write may take before its records go to the journal instead — the store is
 * then unreachable or stuck, and the consumer must still have its answer well within the 30 s of R-03.
 */
const STRICT_STORE_WAIT_MS = 2_000;

/**
 * Writes in flight at once on PostgreSQL when a backlog of whole batches waits: while one batch commits (an
 * fsync), the next is encoded and copied on another connection, and the server's backends run on several cores
 * (bench/throughput.ts, PostgreSQL ingest through the recorder, one run: 44,428 rows/s with 3 in flight, 28,667 one
 * at a time). PGlite is one thread behind one session: a second write would only queue there, so it keeps one.
 */
const POSTGRES_WRITES_IN_FLIGHT = 3;

/** Records written together, and whoever waits for them (strict durability). */
interface CommitGroup {
  /** The sequence number of the group's last record: the group is durable once `writtenSeq` reaches it. */
  lastSeq: number;
  durable: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** One batch handed to the store: in flight, or failed and waiting for its retry. */
interface BatchWrite {
  batch: TransactionRecord[];
  /** The batch's tuples, built when its records were taken (journal first); null: built when written. */
  tuples: Buffer[] | null;
  /** The sequence number of the batch's last record. */
  endSeq: number;
  done: boolean;
  /** A writer is writing it now (false: failed, waiting for the next flush to retry it). */
  running: boolean;
  /** When its (latest) write started, `performance.now()`. */
  startedAtMs: number;
}

/**
 * Writes transaction records in batches (DESIGN.md: PGlite takes ≈ 15k rows/s in 1,000-row batches but ≈ 1.4k
 * single inserts/s). Never drops a record silently: a failed batch stays queued and is retried with backoff, and
 * when the backlog reaches `maxBacklog` the sink reports `overloaded`, so the gateway refuses new calls (503
 * GW_RECORDER_BACKLOG) instead of forwarding calls it could not record.
 */
export class Recorder implements RecordSink {
  /** Records taken and not yet handed to a write. */
  private queue: TransactionRecord[] = [];
  /**
   * Journal first: the queued records' binary COPY tuples, in the same order — each record's tuple is built once,
   * when it is taken, and goes to the journal and then to the store (a JSON line for the journal cost the gateway's
   * thread ≈ 6.7 µs a call more, CPU profile under `wrk -c100`).
   */
  private queueTuples: Buffer[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Writes handed to the store and not yet durable, in sequence order (at most `maxWrites` running). */
  private readonly batches: BatchWrite[] = [];
  private pendingInBatches = 0;
  /** Writer loops running, and the promise that settles when none is left (`flush`). */
  private writers = 0;
  /** Writers about to take a batch from the queue (strict on PGlite: waiting for their turn to start a commit). */
  private poised = 0;
  /** Strict: a write is to start at the end of this event-loop turn (`joinGroup`), with all the turn's records. */
  private startPending = false;
  private idle: { done: Promise<void>; resolve: () => void } | null = null;
  private readonly maxWrites: number;
  /** Strict: the shortest time between two writes' starts (PGLITE_GROUP_MS on PGlite, 0 on PostgreSQL). */
  private readonly groupMs: number;
  /** Strict: the timer that looks again whether a running write has become slow (`flush`). */
  private slowCheck: NodeJS.Timeout | null = null;
  private failures = 0;
  private nextAttemptMs = 0;
  /** Who waits for a record to be written, by transaction id (`whenWritten`); empty almost always. */
  private readonly waiters = new Map<string, () => void>();
  /** Counts for /metrics and tests. */
  written = 0;
  /** Successful writes (each one COPY of up to `batchSize` records). */
  writes = 0;
  failedBatches = 0;
  /** Strict: records made durable in the local journal (while the store was away, or first: `journalFirst`). */
  journaled = 0;
  readonly strict: boolean;
  /**
   * Records ever taken, handed to a write, and written in order: a commit group is durable once `writtenSeq`
   * reaches it — the end of the last batch before which every batch is durable, whatever order writes finish in.
   */
  private takenSeq = 0;
  private sentSeq = 0;
  private writtenSeq = 0;
  /** Strict: the group records join until a write takes them, then the groups being written. */
  private openGroup: CommitGroup | null = null;
  private readonly closedGroups: CommitGroup[] = [];
  /** Strict: when the next write may start (group commit: one start per `groupMs` across the writers). */
  private nextWriteAtMs = 0;
  /** Strict: the local journal, and whether a shipment of it to the store is running. */
  readonly journal: RecordJournal | null;
  private shipping: Promise<void> | null = null;
  /**
   * Strict on the embedded store (PGlite, on disk): a record is durable once appended to the journal and
   * fdatasynced (group commit there), and reaches the store in batches as batched records do. A PGlite commit
   * costs its thread ≈ 0.5 ms whatever its size and PGlite runs with fsync off, so the journal is both cheaper and
   * more durable than a commit per group; the store being this process's own, the journal is as available as it.
   * On PostgreSQL the store itself is written first: a node's journal dies with its disk, the cluster's store not.
   */
  readonly journalFirst: boolean;
  /** Strict, the store written first: answers wait for its commits (PostgreSQL, or PGlite without a journal). */
  private readonly storeFirst: boolean;
  /** Strict, the store written first, with a journal to take the records while the store is away. */
  private readonly journalWhenAway: boolean;
  /** Journal first: the tuples of records taken and not yet appended, the appends' sequence, the durable end. */
  private toJournal: Buffer[] = [];
  private journalSentSeq = 0;
  private journaledSeq = 0;
  private appendRunning = false;
  /** Journal first: settles when the running append (and those it started) ends. */
  private appendDone: Promise<void> = Promise.resolve();
  /**
   * Journal first: the end of a group of records whose append failed (they are in neither journal nor store yet):
   * until the store holds them, later appends do not make anything durable (groups then wait for the store).
   */
  private journalHoleSeq = 0;
  /** Journal first: the last append failed (logged once until one succeeds again). */
  private journalFailing = false;

  constructor(
    private readonly store: Store,
    private readonly options: RecorderOptions,
    private readonly logger: Logger,
    /** Told of every record taken, local or from a gateway worker (metrics); null for none. */
    private readonly observer: TransactionObserver | null = null,
  ) {
    this.strict = options.durability === 'strict';
    this.journal = this.strict && options.journalDir ? new RecordJournal(options.journalDir) : null;
    this.journalFirst = this.journal !== null && store.kind === 'pglite';
    this.storeFirst = this.strict && !this.journalFirst;
    this.journalWhenAway = this.journal !== null && !this.journalFirst;
    this.maxWrites = options.writesInFlight ?? (store.kind === 'postgres' ? POSTGRES_WRITES_IN_FLIGHT : 1);
    this.groupMs = store.kind === 'postgres' ? 0 : PGLITE_GROUP_MS;
  }

  start(): void {
    this.timer = setInterval(() => {
      void this.flush();
      if (this.journal && this.journal.pending > 0) void this.shipJournal();
    }, this.options.flushIntervalMs);
    this.timer.unref();
    // What a previous run of this node journaled and did not ship (it died, or stopped while the store was away).
    void this.shipJournal();
    if (this.journalFirst) this.journal!.prepareLive();
  }

  /** Writes the journal's records to the store once it takes writes again; one shipment at a time. */
  shipJournal(): Promise<void> {
    if (!this.journal || this.shipping || this.storeAway()) return this.shipping ?? Promise.resolve();
    const journal = this.journal;
    this.shipping = journal
      .ship((columns, tuples) => insertTuples(this.store, columns, tuples), this.options.batchSize)
      .then((shipped) => {
        if (shipped > 0)
          this.logger.info(
            { shipped },
            'đã ghi vào kho dữ liệu các bản ghi giao dịch từ nhật ký / journaled transaction records written to the store',
          );
      })
      .catch((err) =>
        this.logger.warn(
          { err },
          'chưa chuyển được bản ghi giao dịch từ nhật ký vào kho dữ liệu; sẽ thử lại / journaled transaction records not shipped yet; will retry',
        ),
      )
      .finally(() => {
        this.shipping = null;
      });
    return this.shipping;
  }

  /** The last write failed and its back-off has not run out. */
  private storeAway(): boolean {
    return this.failures > 0 && Date.now() < this.nextAttemptMs;
  }

  /**
   * Takes a record. Batched: returns nothing, the record is written within `flushIntervalMs`. Strict: returns a
   * promise that resolves once it is durable (in the store, or the journal first) — group commit: records taken
   * while a write runs go together in the next one, so concurrent calls share each round trip — and rejects only
   * if the recorder closes first.
   */
  record(txn: TransactionRecord): Promise<void> | undefined {
    this.observer?.observe(txn);
    this.queue.push(txn);
    this.takenSeq++;
    if (this.journalFirst) {
      const tuple = recordTuple(txn);
      this.queueTuples.push(tuple);
      this.toJournal.push(tuple);
    }
    if (this.storeFirst) return this.joinGroup();
    if (this.waiters.size > 0 && this.waiters.has(txn.id)) void this.flush();
    else if (this.queue.length >= this.options.batchSize && this.writers < this.maxWrites) void this.flush();
    return this.journalFirst ? this.joinGroup() : undefined;
  }

  recordMany(txns: TransactionRecord[]): Promise<void> | undefined {
    for (const t of txns) {
      this.observer?.observe(t);
      this.queue.push(t);
    }
    this.takenSeq += txns.length;
    if (this.journalFirst)
      for (const t of txns) {
        const tuple = recordTuple(t);
        this.queueTuples.push(tuple);
        this.toJournal.push(tuple);
      }
    if (this.storeFirst) return this.joinGroup();
    const awaited = this.waiters.size > 0 && txns.some((t) => this.waiters.has(t.id));
    if (awaited || (this.queue.length >= this.options.batchSize && this.writers < this.maxWrites))
      void this.flush();
    return this.journalFirst ? this.joinGroup() : undefined;
  }

  private joinGroup(): Promise<void> {
    let group = this.openGroup;
    if (group === null) {
      let resolve: () => void = () => {};
      let reject: (err: Error) => void = () => {};
      const durable = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Handled here too: a record whose taker ignores durability (a delivery leg) must not crash the process.
      durable.catch(() => {});
      group = { lastSeq: 0, durable, resolve, reject };
      this.openGroup = group;
    }
    group.lastSeq = this.takenSeq;
    // The turn's first record starts a write at the end of this event-loop turn, which takes every record the
    // turn took (started at once, it would take the first alone and leave the rest for the next commit).
    if (this.journalFirst) {
      if (!this.startPending && !this.appendRunning) {
        this.startPending = true;
        setImmediate(this.startAppend);
      }
    } else if (!this.startPending && this.writers < this.maxWrites) {
      this.startPending = true;
      setImmediate(this.startWrites);
    }
    return group.durable;
  }

  private readonly startWrites = (): void => {
    this.startPending = false;
    void this.flush();
  };

  /**
   * Journal first: appends what was taken since the last append as one group (one write, one fdatasync), the next
   * as soon as this one ends with whatever arrived meanwhile (leader and followers, as on PostgreSQL).
   */
  private readonly startAppend = (): void => {
    this.startPending = false;
    if (this.appendRunning || this.toJournal.length === 0) return;
    this.appendRunning = true;
    this.closeGroup();
    const records = this.toJournal;
    this.toJournal = [];
    this.journalSentSeq += records.length;
    const endSeq = this.journalSentSeq;
    this.appendDone = this.journal!.appendLive(records, endSeq)
      .then(
        () => {
          this.journaled += records.length;
          if (this.journalFailing)
            this.logger.info(
              'bản ghi giao dịch ghi được vào nhật ký trở lại / transaction records journaled again',
            );
          this.journalFailing = false;
          if (this.journalHoleSeq <= this.writtenSeq) {
            this.journaledSeq = endSeq;
            this.releaseGroups();
          }
        },
        (err: unknown) => {
          // These answers wait for the store instead (batched writes), and so do later ones until it has them.
          this.journalHoleSeq = endSeq;
          // Once per run of failures, not per group (hundreds a second under load).
          if (!this.journalFailing)
            this.logger.error(
              { err },
              'không ghi được bản ghi giao dịch vào nhật ký; câu trả lời chờ kho dữ liệu / transaction records not journaled; their answers wait for the store',
            );
          this.journalFailing = true;
          void this.flush();
        },
      )
      .finally(() => {
        this.appendRunning = false;
        if (this.toJournal.length > 0) this.startAppend();
      });
  };

  /** Strict: answers every commit group whose records are all durable, in the store or the journal. */
  private releaseGroups(): void {
    const durableSeq = Math.max(this.writtenSeq, this.journaledSeq);
    while (this.closedGroups.length > 0 && this.closedGroups[0]!.lastSeq <= durableSeq) {
      this.closedGroups.shift()!.resolve();
    }
  }

  /** Strict: the records about to be written stop taking company; the next ones open a new group. */
  private closeGroup(): void {
    if (this.openGroup === null) return;
    this.closedGroups.push(this.openGroup);
    this.openGroup = null;
  }

  /**
   * A batch is durable (in the store or the journal). Commit groups are answered in sequence order only: a later
   * batch that commits first must not release the callers of an earlier one that has not.
   */
  private settled(write: BatchWrite): void {
    // Journaled at close while its write still ran, then written after all: counted once.
    if (write.done) return;
    write.done = true;
    this.pendingInBatches -= write.batch.length;
    while (this.batches.length > 0 && this.batches[0]!.done) this.writtenSeq = this.batches.shift()!.endSeq;
    this.releaseGroups();
    if (this.journalFirst)
      void this.journal!.releaseLive(this.writtenSeq).catch((err: unknown) => {
        this.logger.warn(
          { err },
          'bản ghi đã vào kho dữ liệu chưa được xoá khỏi nhật ký / stored records not yet removed from the journal',
        );
      });
  }

  /**
   * Resolves true as soon as this recorder has written the record `id` — flushing at once, without waiting for
   * the timer, when the record is queued or arrives (from this process's gateway or a worker's) — or false after
   * `timeoutMs`. A record written before the call, or by another node, is not seen here: `awaitRecordDurable`
   * asks the store too. One waiter per id.
   */
  whenWritten(id: string, timeoutMs: number): { written: Promise<boolean>; cancel: () => void } {
    let settle: (written: boolean) => void = () => {};
    const written = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => settle(false), timeoutMs);
      settle = (ok) => {
        clearTimeout(timer);
        this.waiters.delete(id);
        resolve(ok);
      };
    });
    this.waiters.set(id, () => settle(true));
    if (this.queue.some((t) => t.id === id)) void this.flush();
    return { written, cancel: () => settle(false) };
  }

  /** Records taken and not yet durable: queued, being written, or failed and waiting for their retry. */
  get backlog(): number {
    return this.queue.length + this.pendingInBatches;
  }

  get overloaded(): boolean {
    return this.backlog >= this.options.maxBacklog;
  }

  /**
   * Starts writers (up to `maxWrites`) for what is queued or waits for a retry; resolves when no writer is left
   * running.
   */
  flush(): Promise<void> {
    // A new writer only when none is about to take the queue (one poised writer takes all that is queued), and a
    // second one beside a running write only when that write is slow (running longer than SLOW_WRITE_MS: the
    // callers waiting would wait for it and then for their own), for a backlog of a whole batch, or for a failed
    // batch's retry. Not always: strict groups split across writes that commit quickly cost more commits for the
    // same records (measured, 100 strict callers on PostgreSQL: 1 in flight 23.8 µs CPU per record, node +
    // server; 3 in flight 31.3 µs, the same records/s).
    while (
      this.writers < this.maxWrites &&
      this.poised === 0 &&
      (this.writers === 0 ||
        this.queue.length >= this.options.batchSize ||
        this.retryWaiting() ||
        this.slowWrite()) &&
      this.hasWork() &&
      Date.now() >= this.nextAttemptMs
    ) {
      if (this.writers === 0) {
        let resolve: () => void = () => {};
        const done = new Promise<void>((r) => {
          resolve = r;
        });
        this.idle = { done, resolve };
      }
      this.writers++;
      void this.writeLoop().finally(() => {
        this.writers--;
        if (this.writers === 0) {
          const idle = this.idle;
          this.idle = null;
          idle?.resolve();
        }
        // Strict: records taken after this writer's loop ended, while every other slot was busy, started no
        // writer: they are written now, not at the next tick of the timer.
        if (this.storeFirst && this.hasWork()) void this.flush();
      });
    }
    // Records wait behind a write that is not slow yet: look again when it would be, rather than at the next
    // arrival (there may be none) or the write's end.
    if (
      this.slowCheck === null &&
      this.storeFirst &&
      this.queue.length > 0 &&
      this.poised === 0 &&
      this.writers > 0 &&
      this.writers < this.maxWrites
    ) {
      this.slowCheck = setTimeout(() => {
        this.slowCheck = null;
        void this.flush();
      }, SLOW_WRITE_MS);
      this.slowCheck.unref();
    }
    return this.idle?.done ?? Promise.resolve();
  }

  private hasWork(): boolean {
    return this.queue.length > 0 || this.retryWaiting();
  }

  /** A write has run for longer than SLOW_WRITE_MS (a commit slowed by a busy server or disk). */
  private slowWrite(): boolean {
    const since = performance.now() - SLOW_WRITE_MS;
    return this.batches.some((w) => w.running && !w.done && w.startedAtMs < since);
  }

  private retryWaiting(): boolean {
    return this.batches.some((w) => !w.running && !w.done);
  }

  /** One writer: takes the next batch (a failed one first, in order), writes it, and again until none is left. */
  private async writeLoop(): Promise<void> {
    for (;;) {
      // Back-off after a failure holds every writer (with a journal, batches go there meanwhile: writeBatch).
      if (!this.journalWhenAway && Date.now() < this.nextAttemptMs) return;
      let write = this.batches.find((w) => !w.running && !w.done);
      if (write === undefined) {
        if (this.queue.length === 0) return;
        this.poised++;
        try {
          if (this.storeFirst && this.groupMs > 0) {
            // Group commit on PGlite: writes start at most every `groupMs` across the writers, so concurrent calls
            // share each commit; the records taken meanwhile wait here for this writer, not for a write to end.
            const now = performance.now();
            const at = Math.max(now, this.nextWriteAtMs);
            this.nextWriteAtMs = at + this.groupMs;
            if (at > now) await new Promise((r) => setTimeout(r, at - now));
          }
        } finally {
          this.poised--;
        }
        if (this.queue.length === 0) return;
        this.closeGroup();
        const batch = this.queue.splice(0, this.options.batchSize);
        const tuples = this.journalFirst ? this.queueTuples.splice(0, batch.length) : null;
        this.sentSeq += batch.length;
        this.pendingInBatches += batch.length;
        write = { batch, tuples, endSeq: this.sentSeq, done: false, running: false, startedAtMs: 0 };
        this.batches.push(write);
      }
      write.running = true;
      write.startedAtMs = performance.now();
      if (!(await this.writeBatch(write))) return;
    }
  }

  /** Writes one batch (to the journal instead while the store is away); false when it failed (kept for a retry). */
  private async writeBatch(write: BatchWrite): Promise<boolean> {
    const { batch } = write;
    // Strict with a journal, while the store is away: straight to the journal, the answers need not wait.
    if (this.journalWhenAway && this.storeAway()) return this.journalBatch(write);
    try {
      const written = insertTransactions(this.store, batch, write.tuples ?? undefined);
      await (this.journalWhenAway ? withinMs(written, STRICT_STORE_WAIT_MS) : written);
    } catch (err) {
      this.failures++;
      this.failedBatches++;
      // Back off up to 10 s; records stay pending (or journaled), and `overloaded` protects memory.
      this.nextAttemptMs = Date.now() + Math.min(10_000, 100 * 2 ** this.failures);
      this.logger.error(
        { err, backlog: this.backlog },
        'chưa ghi được bản ghi giao dịch; sẽ thử lại / transaction records not written; will retry',
      );
      if (this.journalWhenAway) return this.journalBatch(write);
      write.running = false;
      return false;
    }
    this.written += batch.length;
    this.writes++;
    if (this.waiters.size > 0) for (const t of batch) this.waiters.get(t.id)?.();
    this.settled(write);
    this.failures = 0;
    this.nextAttemptMs = 0;
    if (this.journal && this.journal.pending > 0) void this.shipJournal();
    return true;
  }

  /** Strict: the batch into the local journal instead of the store; false (kept for a retry) if even that failed. */
  private async journalBatch(write: BatchWrite): Promise<boolean> {
    try {
      await this.journal!.append(write.tuples ?? write.batch.map(recordTuple));
    } catch (err) {
      this.logger.error(
        { err, backlog: this.backlog },
        'bản ghi giao dịch không vào được kho dữ liệu lẫn nhật ký / transaction records neither stored nor journaled',
      );
      write.running = false;
      return false;
    }
    this.journaled += write.batch.length;
    this.settled(write);
    return true;
  }

  /** Stops the timer and writes everything still pending (retrying), up to `timeoutMs`. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.slowCheck) clearTimeout(this.slowCheck);
    const deadline = Date.now() + timeoutMs;
    while (this.backlog > 0 && Date.now() < deadline) {
      this.nextAttemptMs = 0;
      await this.flush();
      if (this.backlog > 0) await new Promise((r) => setTimeout(r, 100));
    }
    if (this.journalFirst) {
      // What the store did not take in time is in the journal (the last records appended now), and the next run
      // ships it.
      while (this.appendRunning) await this.appendDone;
      if (this.toJournal.length > 0) this.startAppend();
      while (this.appendRunning) await this.appendDone;
      await this.journal!.closeLive(this.writtenSeq);
      const lost = this.takenSeq - Math.max(this.writtenSeq, this.journaledSeq);
      if (lost > 0)
        this.logger.error(
          { lost },
          'dừng khi còn bản ghi giao dịch chưa vào kho dữ liệu lẫn nhật ký / shutting down with transaction records neither stored nor journaled',
        );
    }
    // Strict: what the store would not take in time goes to the journal, shipped when the node starts again (a
    // write still running may finish too: shipping ignores what the store already holds).
    else if (this.backlog > 0 && this.journal) {
      this.closeGroup();
      const rest = this.queue.splice(0);
      if (rest.length > 0) {
        this.sentSeq += rest.length;
        this.pendingInBatches += rest.length;
        this.batches.push({
          batch: rest,
          tuples: null,
          endSeq: this.sentSeq,
          done: false,
          running: true,
          startedAtMs: 0,
        });
      }
      for (const write of this.batches.slice()) if (!write.done) await this.journalBatch(write);
    }
    if (this.backlog > 0 && !this.journalFirst) {
      this.logger.error(
        { lost: this.backlog },
        'dừng khi còn bản ghi giao dịch chưa ghi / shutting down with transaction records not written',
      );
    }
    if (this.slowCheck) clearTimeout(this.slowCheck);
    // Strict: calls whose records were not written never get their answer's last byte.
    this.closeGroup();
    const unwritten = new Error('recorder closed before the record was written');
    for (const group of this.closedGroups.splice(0)) group.reject(unwritten);
  }
}

/** `work`, or a rejection after `ms` (the work itself carries on; its outcome is ignored). */
function withinMs<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the store within ${ms} ms`)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Waits until the transaction record `id` is in the store — the evidence a step right after a call needs (issue
 * 11: publishing right after the sandbox "try it"). The recorder of this process writes it as soon as it has it;
 * a record another node writes is found by asking the store every 100 ms. True once durable, false after
 * `timeoutMs`.
 */
export async function awaitRecordDurable(
  store: Store,
  recorder: Recorder | null,
  id: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const wait = recorder?.whenWritten(id, timeoutMs) ?? null;
  try {
    for (;;) {
      const row = await store.db
        .selectFrom('transactions')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst();
      if (row) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      const pause = new Promise<false>((resolve) => setTimeout(() => resolve(false), Math.min(left, 100)));
      if (await Promise.race(wait ? [wait.written, pause] : [pause])) return true;
    }
  } finally {
    wait?.cancel();
  }
}

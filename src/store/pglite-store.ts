import { chmodSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Kysely, PostgresDialect } from 'kysely';
import type { Store } from './port.ts';
import type { Database } from './schema.ts';

interface WorkerError {
  message: string;
  code?: string;
  detail?: string;
  constraint?: string;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/** An Error shaped like pg's DatabaseError, so domain code reads `code` and `constraint` the same on both stores. */
function toError(e: WorkerError): Error {
  return Object.assign(new Error(e.message), e);
}

/** The embedded stores' lock files this process holds; removed on exit when a store was left open. */
const heldLocks = new Set<string>();
let exitHookInstalled = false;

function lockedError(dataDir: string, pid: number | null): Error {
  const who = pid === null ? '' : ` (pid ${pid})`;
  return Object.assign(
    new Error(
      `kho dữ liệu nhúng ${dataDir} đang được một tiến trình khác dùng${who}: nền tảng đang chạy trên thư mục dữ ` +
        'liệu này. Hãy dừng nó trước, hoặc dùng PostgreSQL (LGSP_DATABASE_URL) để nhiều tiến trình cùng dùng. / ' +
        `the embedded store in ${dataDir} is in use by another process${who}: the platform is running on this ` +
        'data dir. Stop it first, or use PostgreSQL (LGSP_DATABASE_URL) to share the store between processes.',
    ),
    { code: 'LGSP_STORE_LOCKED' },
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in a lock file; undefined when the file is gone, null when it holds no pid (yet). */
function readLockPid(path: string): number | null | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Takes `<dir>/lgsp.lock`, created exclusively and holding our pid: PGlite opened by two processes at once would
 * corrupt the data directory, and nothing in PGlite itself prevents it (offline commands such as
 * `lgsp audit verify` open the store too). A lock left by a process that no longer runs is taken over. A pid equal
 * to ours is stale as well (a restarted container is often pid 1 again); this process's own stores are known
 * from `heldLocks`.
 */
async function acquireLock(dataDir: string, dir: string): Promise<string> {
  const path = join(dir, 'lgsp.lock');
  if (heldLocks.has(path)) throw lockedError(dataDir, process.pid);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      heldLocks.add(path);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.on('exit', () => {
          for (const held of heldLocks) releaseLock(held);
        });
      }
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let pid = readLockPid(path);
    if (pid === null) {
      // Created but not yet written by its owner: give it a moment before calling it stale.
      await new Promise((ok) => setTimeout(ok, 100));
      pid = readLockPid(path);
    }
    if (pid === undefined) continue;
    if (pid !== null && pid !== process.pid && isAlive(pid)) throw lockedError(dataDir, pid);
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw lockedError(dataDir, null);
}

/** Removes our lock file, unless another process has taken it over meanwhile. */
function releaseLock(path: string): void {
  heldLocks.delete(path);
  try {
    if (readLockPid(path) === process.pid) unlinkSync(path);
  } catch {
    // best effort: a stale lock is taken over by the next opener
  }
}

/**
 * Embedded store: PGlite in its own worker thread, owned by this process. PGlite has one session, so the "pool"
 * handed to Kysely has one connection behind a queue: a transaction holds it from BEGIN to COMMIT and every other
 * query waits its turn. (So code inside a transaction must use the transaction, never `store.db`.)
 */
export class PgliteStore implements Store {
  readonly kind = 'pglite' as const;
  readonly db: Kysely<Database>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private busy = false;
  private readonly waiters: Array<() => void> = [];
  private closed = false;
  private lockFile: string | null = null;

  private constructor(worker: Worker) {
    this.worker = worker;
    worker.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: WorkerError }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(toError(msg.error!));
    });
    worker.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
    const client = {
      query: (sql: string, params: readonly unknown[]) => this.call({ op: 'query', sql, params }),
      release: () => this.release(),
    };
    const pool = {
      connect: async () => {
        await this.acquire();
        return client;
      },
      end: async () => {},
    };
    this.db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pool as never }) });
  }

  /**
   * Opens the store in `dataDir` (created if missing), or in memory when `dataDir` is `memory://`. Throws, naming
   * the fix, when another process has the same data dir open (see `acquireLock`). `loadDataDir`, a tarball of a
   * data directory (PGlite's `dumpDataDir`), starts the store as a copy of it instead of running initdb — the
   * tests' fresh stores, which would otherwise spend seconds each in initdb.
   */
  /**
   * `belowGateway`: the store's thread runs at a lower CPU priority than the gateway (batched records: forwarding
   * comes first and records queue up, pglite-worker.mjs); off when answers wait on the store (strict records).
   */
  static async open(
    dataDir: string,
    options: { loadDataDir?: Uint8Array; belowGateway?: boolean } = {},
  ): Promise<PgliteStore> {
    const inMemory = dataDir === 'memory://';
    const dir = inMemory ? '' : resolve(dataDir, 'pglite');
    if (!inMemory) {
      // PGlite writes its files 0666 whatever the umask: the directory is what keeps other local users out — of
      // reading password hashes and records, and of writing an operator account in. 0700, as PostgreSQL insists on
      // for its own data directory; tightened on every open, so a store made by an earlier release is closed too.
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      try {
        chmodSync(dir, 0o700);
      } catch (err) {
        // Another owner's directory (a volume mounted for a group): its mode is its owner's to set.
        if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
      }
    }
    const lockFile = inMemory ? null : await acquireLock(dataDir, dir);
    let worker: Worker | undefined;
    try {
      const started = new Worker(new URL('./pglite-worker.mjs', import.meta.url), {
        workerData: {
          dataDir: dir,
          niceness: options.belowGateway ? 10 : 0,
          loadDataDir: options.loadDataDir,
        },
      });
      worker = started;
      await new Promise<void>((ok, fail) => {
        started.once('message', (msg: { ready: boolean; error?: WorkerError }) =>
          msg.ready ? ok() : fail(toError(msg.error!)),
        );
        started.once('error', fail);
      });
    } catch (err) {
      await worker?.terminate();
      if (lockFile) releaseLock(lockFile);
      throw err;
    }
    const store = new PgliteStore(worker);
    store.lockFile = lockFile;
    return store;
  }

  private call(
    msg: { op: string; sql?: string; params?: readonly unknown[]; data?: Uint8Array },
    transfer: ArrayBuffer[] = [],
  ): Promise<never> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, ...msg }, transfer);
    });
  }

  private acquire(): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((ok) => this.waiters.push(ok));
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.busy = false;
  }

  async copyIn(target: string, data: Uint8Array): Promise<number> {
    await this.acquire();
    try {
      // The bytes move to the worker (transferred, not structured-cloned). Only a view that owns its whole buffer
      // may be transferred: a small Buffer is a slice of Node's shared pool, which must stay here (copied then).
      const owned =
        data.byteOffset === 0 &&
        data.byteLength === data.buffer.byteLength &&
        data.buffer instanceof ArrayBuffer
          ? data
          : new Uint8Array(data);
      const sql = `COPY ${target} FROM '/dev/blob' WITH (FORMAT binary)`;
      return await this.call({ op: 'copy', sql, data: owned }, [owned.buffer as ArrayBuffer]);
    } finally {
      this.release();
    }
  }

  async execScript(sql: string): Promise<void> {
    await this.acquire();
    try {
      await this.call({ op: 'exec', sql });
    } finally {
      this.release();
    }
  }

  /** The data directory as a tarball, for `open`'s `loadDataDir`. */
  async dumpDataDir(): Promise<Uint8Array> {
    await this.acquire();
    try {
      return await this.call({ op: 'dump' });
    } finally {
      this.release();
    }
  }

  /**
   * How many fsyncs of the store's files have reached the disk since it opened (pglite-worker.mjs: a commit on disk
   * is fsynced before it returns, as on PostgreSQL); always 0 in memory. For tests and diagnostics.
   */
  fsyncCount(): Promise<number> {
    return this.call({ op: 'fsyncs' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.acquire();
    try {
      await this.call({ op: 'close' });
    } finally {
      this.closed = true;
      this.release();
      await this.worker.terminate();
      if (this.lockFile) releaseLock(this.lockFile);
    }
  }
}

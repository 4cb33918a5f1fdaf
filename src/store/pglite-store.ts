import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
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

  /** Opens the store in `dataDir` (created if missing), or in memory when `dataDir` is `memory://`. */
  static async open(dataDir: string): Promise<PgliteStore> {
    const inMemory = dataDir === 'memory://';
    const dir = inMemory ? '' : resolve(dataDir, 'pglite');
    if (!inMemory) mkdirSync(dir, { recursive: true });
    const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), {
      workerData: { dataDir: dir, niceness: 10 },
    });
    await new Promise<void>((ok, fail) => {
      worker.once('message', (msg: { ready: boolean; error?: WorkerError }) =>
        msg.ready ? ok() : fail(toError(msg.error!)),
      );
      worker.once('error', fail);
    });
    return new PgliteStore(worker);
  }

  private call(msg: { op: string; sql?: string; params?: readonly unknown[] }): Promise<never> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, ...msg });
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

  async execScript(sql: string): Promise<void> {
    await this.acquire();
    try {
      await this.call({ op: 'exec', sql });
    } finally {
      this.release();
    }
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
    }
  }
}

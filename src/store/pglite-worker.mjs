// The embedded PostgreSQL (PGlite, WebAssembly) runs on the thread that calls it, so it lives here, in its own
// worker thread, and the gateway's event loop never waits on it (DESIGN.md "Chosen stack").
// Plain JavaScript on purpose: Node 20 does not carry the TypeScript loader into worker threads.
// Protocol: {id, op: 'query', sql, params} | {id, op: 'copy', sql, data} | {id, op: 'exec', sql} | {id, op: 'dump'}
//        | {id, op: 'fsyncs'} | {id, op: 'close'}
//        → {id, ok: true, result} | {id, ok: false, error: {message, code, detail, constraint, table, column}}
import { fsyncSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, types } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

// On a busy node the gateway's forwarding comes first (issue 2: "recording never slows forwarding"): this thread
// runs at a lower CPU priority, so under saturation records queue up (bounded by recorder.maxBacklog, beyond
// which the gateway answers 503 rather than forward unrecorded calls) and are written as soon as CPU is free.
// Not with strict records (PgliteStore.open's `belowGateway`): there every answer waits for this thread's commit.
// Linux lets a thread lower its own priority through its thread id; elsewhere this is skipped.
if (workerData.niceness) {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, workerData.niceness);
  } catch {
    // not Linux, or not permitted: run at normal priority
  }
}

/**
 * fsyncs that reach the disk. PGlite starts PostgreSQL with fsync off (`-F`), and under it Emscripten's NODEFS has no
 * fsync at all: a commit was only in the OS's page cache, so a power cut or an OS crash could lose what the store had
 * answered as committed (an accepted message, an operator's change, records whose journal was already deleted) or
 * leave its files inconsistent. On disk the store runs with fsync on, as PostgreSQL does, each fsync of PostgreSQL
 * passed to the file's descriptor here. `fdatasync` is a no-op in PGlite's build, so the WAL is flushed with fsync.
 */
class DurableNodeFS extends NodeFS {
  async init(pg, options) {
    const prepared = await super.init(pg, options);
    const preRun = prepared.emscriptenOpts.preRun;
    prepared.emscriptenOpts.preRun = [
      ...preRun,
      (mod) => {
        // One stream_ops object serves every file and directory of the mount.
        mod.NODEFS.stream_ops.fsync = fsyncStream;
      },
    ];
    return prepared;
  }
}

/** The file's (or directory's) descriptor fsynced; the errno PostgreSQL then acts on (a PANIC, as on a server). */
function fsyncStream(stream) {
  if (typeof stream.nfd !== 'number') return 0;
  try {
    fsyncSync(stream.nfd);
    fsyncs++;
    return 0;
  } catch (err) {
    return WASI_ERRNO[err?.code] ?? WASI_ERRNO.EIO;
  }
}
let fsyncs = 0;
// WASI's numbers for the errors fsync can give (the value `fd_sync` returns to PostgreSQL).
const WASI_ERRNO = { EBADF: 8, EDQUOT: 19, EINVAL: 28, EIO: 29, ENOSPC: 51, EROFS: 66 };

const onDisk = Boolean(workerData.dataDir);
// int8 as number, as the PostgreSQL adapter does: counts and sizes here stay far below 2^53.
// One options object: PGlite ignores a second argument when the first (the data dir) is undefined, as it is in
// memory. `loadDataDir` starts from a tarball of a data directory instead of running initdb (PgliteStore.open).
const db = new PGlite({
  ...(onDisk
    ? {
        dataDir: workerData.dataDir,
        fs: new DurableNodeFS(workerData.dataDir),
        startParams: [
          ...PGlite.defaultStartParams.filter((p) => p !== '-F'),
          ...['-c', 'wal_sync_method=fsync'],
        ],
      }
    : {}),
  parsers: { [types.INT8]: (v) => Number(v) },
  ...(workerData.loadDataDir ? { loadDataDir: new Blob([workerData.loadDataDir]) } : {}),
});

function describe(err) {
  return {
    message: err?.message ?? String(err),
    code: err?.code,
    detail: err?.detail,
    constraint: err?.constraint,
    table: err?.table,
    column: err?.column,
  };
}

async function handle(msg) {
  if (msg.op === 'query') {
    const r = await db.query(msg.sql, msg.params);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rowCount ?? r.rows.length, command: r.command };
  }
  if (msg.op === 'copy') {
    // COPY … FROM '/dev/blob' WITH (FORMAT binary): PGlite reads the statement's input from the query's blob, here
    // the bytes the caller transferred (not copied) to this thread.
    const r = await db.query(msg.sql, [], { blob: new Blob([msg.data]) });
    return r.affectedRows ?? 0;
  }
  if (msg.op === 'exec') {
    await db.exec(msg.sql);
    return null;
  }
  if (msg.op === 'dump') {
    const tarball = await db.dumpDataDir('none');
    return new Uint8Array(await tarball.arrayBuffer());
  }
  if (msg.op === 'fsyncs') return fsyncs;
  if (msg.op === 'close') {
    await db.close();
    return null;
  }
  throw new Error(`unknown op ${msg.op}`);
}

db.waitReady.then(
  () => parentPort.postMessage({ ready: true }),
  (err) => parentPort.postMessage({ ready: false, error: describe(err) }),
);

parentPort.on('message', (msg) => {
  handle(msg).then(
    (result) => parentPort.postMessage({ id: msg.id, ok: true, result }),
    (err) => parentPort.postMessage({ id: msg.id, ok: false, error: describe(err) }),
  );
});

import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { LgspError } from '../core/errors.ts';
import { type KeyEncryptionKey, keyEncryptionKey } from '../keys/index.ts';

/**
 * The data keys that make deleting a message payload cryptographic (issue 10 item 3, R-02): neither PostgreSQL's
 * WAL and table files nor NATS's file store promise to scrub a deleted payload's bytes, so payloads reach them
 * only encrypted (payload-cipher.ts), and destroying the key is what deletes them — every copy at once, wherever
 * it lies (WAL, file store, replicas, backups).
 *
 * One AES-256 key per time epoch (`messaging.keyEpochMinutes`). A key is destroyed as soon as its epoch is over
 * and every message sealed with it is settled (delivered, dead or expired), and never later than the message TTL
 * + 1 hour after its epoch ends (by then every one of its messages has expired). The keys never enter the store —
 * anything ever written there survives in its WAL, so even a wrapped key there would be opened again by the
 * wrapping key — but live in a key file outside it (`messaging.keyDir`, default `<dataDir>/message-keys`), mode
 * 0600, each key wrapped with the platform's key-encryption key (`KeyWrapper`). The file is replaced atomically
 * (a new generation written, fsynced and renamed into place); the previous generation is overwritten with zeros
 * and unlinked, best effort (a journaling or copy-on-write file system may keep old blocks, which is why the keys
 * in it are wrapped).
 *
 * The primary process owns the file (`role: 'owner'`): it creates the current and the next epoch's keys ahead of
 * time and destroys spent ones. Gateway workers (`role: 'reader'`) re-read the file when they meet an epoch or a
 * key they do not know, and every few seconds so that destroyed keys leave their memory too.
 *
 * Several nodes on one key directory (issue 13: `lgsp start --role …` on one machine, or a shared directory across
 * machines) must not each own it: two owners would each make their own random key under the same epoch id — a
 * message sealed by one could not be opened by the other — and an owner rewriting the file from its memory would
 * bring back a key another had destroyed. So a node's owner role holds only while `ownsNow()` says so (the
 * node holds the cluster's `async-expiry` lease, platform.ts); meanwhile it reads like a worker, and before it
 * writes it takes up the newest generation on disk, whoever wrote it.
 */

/** The platform's key-encryption key (src/keys/): seals each data key in its file under a label bound to its id. */
export type KeyWrapper = KeyEncryptionKey;

export const DATA_KEY_BYTES = 32;

/**
 * How long after its epoch ends a key still waits before it may be destroyed: an upload that chose the key just
 * before the epoch ended may still be streaming (the gateway bounds an upload to 60 s), and on NATS another
 * process's newly committed message is seen within a second. Twice the upload bound.
 */
export const UPLOAD_GRACE_MS = 120_000;
/** The bound: no key outlives its epoch by more than the message TTL plus this. */
export const DESTROY_DEADLINE_EXTRA_MS = 3_600_000;
/** How often a reader looks whether the owner wrote a new generation of the key file (real time). */
const READER_REFRESH_MS = 5_000;

const FILE_FORMAT = 'openlgsp-message-keys';
const FILE_PREFIX = 'message-keys-';
const FILE_PATTERN = /^message-keys-(\d{12})\.json$/;

interface EpochKey {
  id: string;
  startMs: number;
  endMs: number;
  key: Buffer;
}

interface KeyFile {
  format: typeof FILE_FORMAT;
  version: 1;
  keys: Array<{ id: string; startMs: number; endMs: number; sealed: string }>;
}

export interface PayloadKeysOptions {
  /** The key file's directory; null keeps the keys in memory only (an in-memory store, whose data dies with it). */
  dir: string | null;
  wrapper: KeyWrapper;
  epochMs: number;
  /** The message TTL (`messaging.ttlHours`): a key is destroyed at the latest TTL + 1 h after its epoch ends. */
  ttlMs: number;
  /** The primary creates and destroys keys; a gateway worker only reads the file. */
  role: 'owner' | 'reader';
  /**
   * For an owner sharing the directory with other nodes: whether it owns the file now (the cluster's lease). An
   * owner that does not reads like a reader. Unset: always (one process on its own directory).
   */
  ownsNow?: () => boolean;
}

/** The label a data key is wrapped under: binds the wrapped bytes to the key's id, so entries cannot be swapped. */
function wrapLabel(id: string): string {
  return `openlgsp/message-key/v1/${id}`;
}

export class PayloadKeys {
  private keys = new Map<string, EpochKey>();
  /** Keys an upload in this process is sealing with right now: never destroyed under it. */
  private readonly holds = new Map<string, number>();
  private generation = 0;
  private lastRefreshMs = -Infinity;

  private constructor(private readonly options: PayloadKeysOptions) {}

  /**
   * Loads the key file (the owner also removes generations a crash left behind and creates the keys of the epoch
   * of `nowMs` and the next one). A key that the wrapper cannot open stops the start with a clear error: the
   * key-encryption key is not the one the file was written with.
   */
  static open(options: PayloadKeysOptions, nowMs: number): PayloadKeys {
    const keys = new PayloadKeys(options);
    if (options.dir !== null) {
      if (options.role === 'owner') mkdirSync(options.dir, { recursive: true, mode: 0o700 });
      keys.load();
      if (keys.owning()) keys.removeOldGenerations();
    }
    keys.ensureAhead(nowMs);
    return keys;
  }

  /** This process creates and destroys keys now (see the class comment); otherwise it only reads the file. */
  private owning(): boolean {
    return this.options.role === 'owner' && (this.options.ownsNow?.() ?? true);
  }

  /**
   * Keys in memory only, wrapped by a random key: gone with the process. For an in-memory store, and for tools and
   * tests that open a queue to inspect or delete it.
   */
  static ephemeral(nowMs: number, epochMs = 3_600_000, ttlMs = 72 * 3_600_000): PayloadKeys {
    const wrapper = keyEncryptionKey(randomBytes(DATA_KEY_BYTES));
    return PayloadKeys.open({ dir: null, wrapper, epochMs, ttlMs, role: 'owner' }, nowMs);
  }

  get epochMs(): number {
    return this.options.epochMs;
  }

  /** Where the key file lives (null: in memory). */
  get dir(): string | null {
    return this.options.dir;
  }

  /** The ids of the keys held now (for operators and tests; never the keys themselves). */
  ids(): string[] {
    this.refreshIfChanged();
    return [...this.keys.keys()].sort();
  }

  /**
   * The key to seal a payload accepted at `atMs` with: the one whose epoch covers it. The owner creates it if
   * missing (a clock far ahead of the last maintenance); a reader re-reads the file and, when the owner has not
   * written it yet, refuses — the source sends again (503, its Idempotency-Key makes that safe).
   */
  sealingKey(atMs: number): { id: string; key: Buffer } {
    this.refreshIfChanged();
    let found = this.covering(atMs);
    if (!found && this.owning()) {
      this.ensureAhead(atMs);
      found = this.covering(atMs);
    } else if (!found && this.options.dir !== null) {
      this.load();
      found = this.covering(atMs);
    }
    if (!found) {
      throw new LgspError(
        'MQ_QUEUE_UNAVAILABLE',
        'no message data key for this time yet (the node holding the key lease creates them): send again shortly',
      );
    }
    return { id: found.id, key: found.key };
  }

  /** The key `id`, or null when it was destroyed (or never existed here). */
  openingKey(id: string): Buffer | null {
    this.refreshIfChanged();
    let found = this.keys.get(id);
    if (!found && !this.owning() && this.options.dir !== null) {
      this.load();
      found = this.keys.get(id);
    }
    return found?.key ?? null;
  }

  /** Marks key `id` as being sealed with by an upload of this process; call the answer when the upload is over. */
  hold(id: string): () => void {
    this.holds.set(id, (this.holds.get(id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.holds.get(id) ?? 1) - 1;
      if (n <= 0) this.holds.delete(id);
      else this.holds.set(id, n);
    };
  }

  /** The owner keeps the key of the epoch of `nowMs` and of the next one on disk before any message needs them. */
  ensureAhead(nowMs: number): void {
    if (!this.owning()) return;
    if (this.missingAhead(nowMs).length === 0) return;
    // Another node may have written them while it owned the file: theirs are the keys its messages are sealed with.
    this.catchUp();
    const missing = this.missingAhead(nowMs);
    if (missing.length === 0) return;
    const next = new Map(this.keys);
    for (const k of missing) next.set(k.id, k);
    // On disk before any message is sealed with them: a message accepted (202) must stay decryptable after a crash.
    this.persist(next);
    this.keys = next;
  }

  /** New keys for the epoch of `nowMs` and the next one, where none held covers them. */
  private missingAhead(nowMs: number): EpochKey[] {
    const epochMs = this.options.epochMs;
    const missing: EpochKey[] = [];
    for (const startMs of [
      Math.floor(nowMs / epochMs) * epochMs,
      (Math.floor(nowMs / epochMs) + 1) * epochMs,
    ]) {
      // A key of another epoch length (the setting changed) that still covers the time serves as well.
      if (this.covering(startMs)) continue;
      const id = `ek_${startMs}_${epochMs / 60_000}m`;
      missing.push({ id, startMs, endMs: startMs + epochMs, key: randomBytes(DATA_KEY_BYTES) });
    }
    return missing;
  }

  /** Takes up the newest generation on disk when another node wrote one since this process last read or wrote. */
  private catchUp(): void {
    if (this.options.dir === null) return;
    if ((this.generations()[0]?.generation ?? 0) !== this.generation) this.load();
  }

  /**
   * Keys whose epoch ended more than UPLOAD_GRACE_MS ago and that no upload in this process holds: the candidates
   * for destruction, once the queue says no unsettled message still needs them.
   */
  retiring(nowMs: number): string[] {
    return [...this.keys.values()]
      .filter((k) => k.endMs + UPLOAD_GRACE_MS <= nowMs && !this.holds.has(k.id))
      .map((k) => k.id);
  }

  /**
   * Destroys every retiring key that no unsettled message needs (`inUse`), and every key past its deadline (its
   * epoch's end + TTL + 1 h) whatever still refers to it — those messages have expired. Rewrites the key file
   * without them, wipes them from memory, and answers their ids.
   */
  destroy(nowMs: number, inUse: ReadonlySet<string>): string[] {
    if (!this.owning()) return [];
    this.catchUp();
    const deadlinePassed = (k: EpochKey) => k.endMs + this.options.ttlMs + DESTROY_DEADLINE_EXTRA_MS <= nowMs;
    const retiring = new Set(this.retiring(nowMs));
    const doomed = [...this.keys.values()].filter(
      (k) => (retiring.has(k.id) && !inUse.has(k.id)) || deadlinePassed(k),
    );
    if (doomed.length === 0) return [];
    const next = new Map(this.keys);
    for (const k of doomed) next.delete(k.id);
    this.persist(next);
    this.keys = next;
    for (const k of doomed) k.key.fill(0);
    return doomed.map((k) => k.id).sort();
  }

  /** Forgets the keys held in memory (they stay in the file): a closing process leaves no copy behind. */
  close(): void {
    for (const k of this.keys.values()) k.key.fill(0);
    this.keys = new Map();
  }

  private covering(atMs: number): EpochKey | undefined {
    for (const k of this.keys.values()) if (k.startMs <= atMs && atMs < k.endMs) return k;
    return undefined;
  }

  /** The generations of the key file present in the directory, newest first. */
  private generations(): Array<{ generation: number; name: string }> {
    const dir = this.options.dir!;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .map((name) => ({ name, m: FILE_PATTERN.exec(name) }))
      .filter((x) => x.m !== null)
      .map((x) => ({ generation: Number(x.m![1]), name: x.name }))
      .sort((a, b) => b.generation - a.generation);
  }

  /** Reads the newest generation of the key file and opens every key in it. */
  private load(): void {
    const dir = this.options.dir!;
    for (let attempt = 0; ; attempt++) {
      const newest = this.generations()[0];
      if (!newest) {
        this.replaceKeys(new Map(), 0);
        return;
      }
      let text: string;
      try {
        text = readFileSync(join(dir, newest.name), 'utf8');
      } catch (err) {
        // The owner replaced it between the listing and the read: list again.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 5) continue;
        throw err;
      }
      this.replaceKeys(this.parse(text, join(dir, newest.name)), newest.generation);
      this.lastRefreshMs = performance.now();
      return;
    }
  }

  private replaceKeys(next: Map<string, EpochKey>, generation: number): void {
    for (const [id, k] of this.keys) if (next.get(id)?.key !== k.key) k.key.fill(0);
    this.keys = next;
    this.generation = generation;
  }

  private parse(text: string, path: string): Map<string, EpochKey> {
    const keys = new Map<string, EpochKey>();
    try {
      const file = JSON.parse(text) as KeyFile;
      if (file.format !== FILE_FORMAT || file.version !== 1) throw new Error('not a message key file');
      for (const entry of file.keys) {
        const key = this.options.wrapper.open(Buffer.from(entry.sealed, 'base64'), wrapLabel(entry.id));
        if (key.length !== DATA_KEY_BYTES) throw new Error(`key ${entry.id} has the wrong length`);
        keys.set(entry.id, { id: entry.id, startMs: entry.startMs, endMs: entry.endMs, key });
      }
    } catch (err) {
      throw new Error(
        `không mở được tệp khoá thông điệp ${path}: khoá mã hoá khoá (KEK) không phải khoá đã dùng để ghi tệp, ` +
          `hoặc tệp bị hỏng / cannot open the message key file ${path}: the key-encryption key is not the one it ` +
          `was written with, or the file is damaged (${(err as Error).message})`,
        { cause: err },
      );
    }
    return keys;
  }

  /** A reader picks up the owner's newest generation every few seconds (created and destroyed keys). */
  private refreshIfChanged(): void {
    if (this.owning() || this.options.dir === null) return;
    if (performance.now() - this.lastRefreshMs < READER_REFRESH_MS) return;
    this.lastRefreshMs = performance.now();
    if ((this.generations()[0]?.generation ?? 0) !== this.generation) this.load();
  }

  /**
   * Writes `keys` as the next generation — temp file, fsync, rename, directory fsync — then wipes and removes the
   * older generations. A crash at any point leaves the newest complete generation, which `open` keeps.
   */
  private persist(keys: Map<string, EpochKey>): void {
    const dir = this.options.dir;
    if (dir === null) return;
    const file: KeyFile = {
      format: FILE_FORMAT,
      version: 1,
      keys: [...keys.values()]
        .sort((a, b) => a.startMs - b.startMs)
        .map((k) => ({
          id: k.id,
          startMs: k.startMs,
          endMs: k.endMs,
          sealed: this.options.wrapper.seal(k.key, wrapLabel(k.id)).toString('base64'),
        })),
    };
    const generation = this.generation + 1;
    const name = `${FILE_PREFIX}${String(generation).padStart(12, '0')}.json`;
    const temp = join(dir, `.${name}.${process.pid}.tmp`);
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(file, null, 1)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, join(dir, name));
    syncDir(dir);
    this.generation = generation;
    this.removeOldGenerations();
  }

  /** Every generation but the newest, and temp files a crash left: overwritten with zeros, then unlinked. */
  private removeOldGenerations(): void {
    const dir = this.options.dir!;
    for (const { name } of this.generations().slice(1)) wipe(join(dir, name));
    for (const name of readdirSync(dir)) {
      if (name.startsWith(`.${FILE_PREFIX}`) && name.endsWith('.tmp')) wipe(join(dir, name));
    }
    syncDir(dir);
  }
}

/** Best effort: the file's bytes overwritten with zeros and flushed before it is unlinked. */
function wipe(path: string): void {
  try {
    const fd = openSync(path, 'r+');
    try {
      const size = fstatSync(fd).size;
      if (size > 0) writeSync(fd, Buffer.alloc(size), 0, size, 0);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  unlinkSync(path);
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

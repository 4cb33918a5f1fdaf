import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import type { PayloadKeys } from './payload-keys.ts';

/**
 * How a payload is stored (issue 10 item 3, R-02): sealed with AES-256-GCM before any queue engine sees it, so the
 * engines' copies (PostgreSQL/PGlite WAL and table files, NATS file store, replicas) are ciphertext only, and
 * destroying the epoch key (payload-keys.ts) makes all of them unreadable at once.
 *
 * A sealed payload is a sequence of records, each sealing up to RECORD_BYTES of plaintext on its own, so a
 * 100 MB message streams in and out with one record in memory:
 *
 *     flags (1 byte: 1 = last record) ‖ plaintext length (4 bytes, big-endian) ‖ IV (12 random bytes)
 *       ‖ ciphertext ‖ GCM tag (16 bytes)
 *
 * Each message has its own AES key, derived from the epoch key with HKDF-SHA256 and the message id (so random
 * 96-bit IVs are drawn at most a message's records at a time under one key, far below GCM's limit). The
 * associated data binds every record to its message, its key, its index and whether it is the last, so records
 * cannot be swapped, reordered, moved to another message, dropped or cut off without the opening failing.
 *
 * Messages stored before this format existed have no key id (`payloadKeyId` null): they are read as stored, so
 * an upgrade delivers what was already queued.
 */

/** Plaintext bytes per record: small enough to buffer, large enough that the 33 bytes of framing do not matter. */
export const RECORD_BYTES = 64 * 1024;
const HEADER_BYTES = 1 + 4 + 12;
const TAG_BYTES = 16;
const FLAG_LAST = 1;

/** Why a payload cannot be read: its key was destroyed, or its bytes are not what was sealed. */
export class PayloadUnreadable extends Error {
  constructor(messageId: string, reason: string) {
    super(`message ${messageId}: payload cannot be read (${reason})`);
    this.name = 'PayloadUnreadable';
  }
}

/**
 * HKDF-SHA256 (RFC 5869) of 32 bytes — one block of the expand step, so two HMACs — exactly what
 * `hkdfSync('sha256', ikm, salt, info, 32)` answers (test/messaging.erase.test.ts opens records with that). Written
 * out because Node 20's `hkdfSync` costs about 30 µs a call (a KeyObject and a crypto job each time) against 12 µs
 * for the two HMACs, and every async message derives four keys (payload and target, sealed then opened): a
 * twentieth of the platform's main thread in a CPU profile of bench:async.
 */
function hkdf32(ikm: Buffer, salt: string, info: string): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  return createHmac('sha256', prk).update(info).update(ONE).digest();
}
const ONE = Buffer.from([1]);

/** The payload key of one message: derived from its epoch key, never stored anywhere. */
function messageKey(epochKey: Buffer, messageId: string): Buffer {
  return hkdf32(epochKey, messageId, 'openlgsp/message-payload/v1');
}

/** The key of one message's resource target: the same epoch key as its payload, another HKDF label. */
function targetKey(epochKey: Buffer, messageId: string): Buffer {
  return hkdf32(epochKey, messageId, 'openlgsp/message-target/v1');
}

function targetAssociatedData(messageId: string, keyId: string): Buffer {
  return Buffer.from(`openlgsp/message-target/v1\n${messageId}\n${keyId}`, 'utf8');
}

function associatedData(messageId: string, keyId: string, index: number, last: boolean): Buffer {
  return Buffer.from(
    `openlgsp/message-payload/v1\n${messageId}\n${keyId}\n${index}\n${last ? 1 : 0}`,
    'utf8',
  );
}

/** Plaintext size and SHA-256 of a sealed payload, counted while it streamed (the message's metadata). */
export interface PlainStats {
  sizeBytes: number;
  sha256: string;
}

/** Seals one message's plaintext, record by record; `finish` seals the last record. */
class RecordSealer {
  private index = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly hash = createHash('sha256');
  private sizeBytes = 0;

  constructor(
    private readonly key: Buffer,
    private readonly messageId: string,
    readonly keyId: string,
  ) {}

  push(plain: Buffer): Buffer[] {
    this.hash.update(plain);
    this.sizeBytes += plain.length;
    this.pending.push(plain);
    this.pendingBytes += plain.length;
    const out: Buffer[] = [];
    // A record is sealed only once more plaintext follows it, so the last one is always marked as the last.
    if (this.pendingBytes <= RECORD_BYTES) return out;
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    let at = 0;
    while (all.length - at > RECORD_BYTES) {
      out.push(this.record(all.subarray(at, at + RECORD_BYTES), false));
      at += RECORD_BYTES;
    }
    this.pending = [all.subarray(at)];
    this.pendingBytes = all.length - at;
    return out;
  }

  finish(): { last: Buffer; stats: PlainStats } {
    const last = this.record(Buffer.concat(this.pending, this.pendingBytes), true);
    this.pending = [];
    this.pendingBytes = 0;
    this.key.fill(0);
    return { last, stats: { sizeBytes: this.sizeBytes, sha256: this.hash.digest('hex') } };
  }

  private record(plain: Buffer, last: boolean): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(associatedData(this.messageId, this.keyId, this.index++, last));
    const header = Buffer.alloc(HEADER_BYTES);
    header[0] = last ? FLAG_LAST : 0;
    header.writeUInt32BE(plain.length, 1);
    iv.copy(header, 5);
    const body = cipher.update(plain);
    cipher.final();
    return Buffer.concat([header, body, cipher.getAuthTag()]);
  }
}

/** Opens one message's records as their bytes arrive, in whatever pieces the engine hands them over. */
class RecordOpener {
  private index = 0;
  private buffered: Buffer = Buffer.alloc(0);
  private done = false;
  private plainBytes = 0;

  constructor(
    private readonly key: Buffer,
    private readonly messageId: string,
    private readonly keyId: string,
  ) {}

  push(sealed: Buffer): Buffer[] {
    this.buffered = this.buffered.length === 0 ? sealed : Buffer.concat([this.buffered, sealed]);
    const out: Buffer[] = [];
    for (;;) {
      if (this.buffered.length === 0) break;
      if (this.done) throw new PayloadUnreadable(this.messageId, 'bytes after the last record');
      if (this.buffered.length < HEADER_BYTES) break;
      const length = this.buffered.readUInt32BE(1);
      if (length > RECORD_BYTES) throw new PayloadUnreadable(this.messageId, 'record too long');
      const total = HEADER_BYTES + length + TAG_BYTES;
      if (this.buffered.length < total) break;
      out.push(this.open(this.buffered.subarray(0, total)));
      this.buffered = this.buffered.subarray(total);
    }
    return out;
  }

  finish(expectedBytes: number): void {
    this.key.fill(0);
    if (!this.done) throw new PayloadUnreadable(this.messageId, 'it ends before its last record');
    if (this.plainBytes !== expectedBytes) {
      throw new PayloadUnreadable(this.messageId, `${this.plainBytes} bytes instead of ${expectedBytes}`);
    }
  }

  private open(record: Buffer): Buffer {
    const last = (record[0]! & FLAG_LAST) !== 0;
    const decipher = createDecipheriv('aes-256-gcm', this.key, record.subarray(5, HEADER_BYTES));
    decipher.setAAD(associatedData(this.messageId, this.keyId, this.index++, last));
    decipher.setAuthTag(record.subarray(record.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(record.subarray(HEADER_BYTES, record.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new PayloadUnreadable(this.messageId, `record ${this.index - 1} does not authenticate`);
    }
    this.plainBytes += plain.length;
    if (last) this.done = true;
    return plain;
  }
}

function toBuffer(piece: unknown): Buffer {
  if (typeof piece === 'string') return Buffer.from(piece);
  const bytes = piece as Uint8Array;
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A payload being sealed as it streams: the sealed bytes, and its plaintext size and SHA-256 once it ended. */
export interface Sealing {
  keyId: string;
  sealed: AsyncGenerator<Buffer>;
  /** Available once `sealed` is exhausted. */
  stats(): PlainStats;
}

export class PayloadCipher {
  constructor(readonly keys: PayloadKeys) {}

  /** Seals a payload already in memory (a small message) with the key of its acceptance time. */
  sealWhole(
    messageId: string,
    atMs: number,
    plain: Buffer,
  ): { keyId: string; sealed: Buffer; stats: PlainStats } {
    const sealer = this.sealer(messageId, atMs);
    const records = sealer.push(plain);
    const { last, stats } = sealer.finish();
    records.push(last);
    return { keyId: sealer.keyId, sealed: Buffer.concat(records), stats };
  }

  /**
   * Seals a payload as it streams from `source`, with the key of its acceptance time; while the sealed stream is
   * being read the key is held (never destroyed under the upload) — until it ends or is abandoned.
   */
  seal(messageId: string, atMs: number, source: AsyncIterable<unknown>): Sealing {
    const sealer = this.sealer(messageId, atMs);
    const keys = this.keys;
    let stats: PlainStats | null = null;
    async function* sealed(): AsyncGenerator<Buffer> {
      // Taken here, not before: a generator closed before its first read never runs its `finally`.
      const release = keys.hold(sealer.keyId);
      try {
        for await (const piece of source) yield* sealer.push(toBuffer(piece));
        const finished = sealer.finish();
        stats = finished.stats;
        yield finished.last;
      } finally {
        release();
      }
    }
    return {
      keyId: sealer.keyId,
      sealed: sealed(),
      stats: () => {
        if (stats === null) throw new Error(`message ${messageId}: payload not sealed to its end`);
        return stats;
      },
    };
  }

  /** Opens a payload held whole in memory; throws PayloadUnreadable when its key is gone or its bytes altered. */
  openWhole(messageId: string, keyId: string | null, sealed: Buffer, sizeBytes: number): Buffer {
    if (keyId === null) return sealed;
    const opener = this.opener(messageId, keyId);
    const plain = Buffer.concat(opener.push(sealed));
    opener.finish(sizeBytes);
    return plain;
  }

  /** Opens a payload as its sealed bytes stream from `source`, record by record. */
  async *open(
    messageId: string,
    keyId: string | null,
    source: AsyncIterable<unknown>,
    sizeBytes: number,
  ): AsyncGenerator<Buffer> {
    if (keyId === null) {
      for await (const piece of source) yield toBuffer(piece);
      return;
    }
    const opener = this.opener(messageId, keyId);
    for await (const piece of source) yield* opener.push(toBuffer(piece));
    opener.finish(sizeBytes);
  }

  /**
   * Seals a message's resource target (path and query, issue 12 item 10) with the data key of its acceptance time —
   * the payload's key, so destroying that key erases both. Its own key derivation and associated data keep it
   * apart from the payload's records: neither can stand in for the other. Answered as opaque text,
   * `<keyId>.<base64url(IV ‖ ciphertext ‖ tag)>`, which the engines store as it is.
   */
  sealTarget(messageId: string, atMs: number, target: string): string {
    const { id, key } = this.keys.sealingKey(atMs);
    const derived = targetKey(key, messageId);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', derived, iv);
    cipher.setAAD(targetAssociatedData(messageId, id));
    const body = Buffer.concat([cipher.update(target, 'utf8'), cipher.final()]);
    derived.fill(0);
    return `${id}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /** Opens a sealed resource target; throws PayloadUnreadable when its key is gone or its bytes altered. */
  openTarget(messageId: string, sealed: string): string {
    const dot = sealed.lastIndexOf('.');
    const keyId = sealed.slice(0, dot);
    const bytes = Buffer.from(sealed.slice(dot + 1), 'base64url');
    if (dot <= 0 || bytes.length < 12 + TAG_BYTES) throw new PayloadUnreadable(messageId, 'malformed target');
    const key = this.keys.openingKey(keyId);
    if (key === null) throw new PayloadUnreadable(messageId, `its key ${keyId} was destroyed`);
    const derived = targetKey(key, messageId);
    try {
      const decipher = createDecipheriv('aes-256-gcm', derived, bytes.subarray(0, 12));
      decipher.setAAD(targetAssociatedData(messageId, keyId));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(bytes.subarray(12, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new PayloadUnreadable(messageId, 'its resource target does not authenticate');
    } finally {
      derived.fill(0);
    }
  }

  private sealer(messageId: string, atMs: number): RecordSealer {
    const { id, key } = this.keys.sealingKey(atMs);
    return new RecordSealer(messageKey(key, messageId), messageId, id);
  }

  private opener(messageId: string, keyId: string): RecordOpener {
    const key = this.keys.openingKey(keyId);
    if (key === null) throw new PayloadUnreadable(messageId, `its key ${keyId} was destroyed`);
    return new RecordOpener(messageKey(key, messageId), messageId, keyId);
  }
}

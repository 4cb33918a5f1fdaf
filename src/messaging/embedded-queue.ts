import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { type Selectable, sql, type Transaction } from 'kysely';
import { msOf, msOrNull } from '../core/time.ts';
import { isUniqueViolation, type Store } from '../store/port.ts';
import type { Database } from '../store/schema.ts';
import { GroupCommit } from './group-commit.ts';
import { type PayloadCipher, PayloadUnreadable } from './payload-cipher.ts';
import {
  acceptedMeta,
  type Claim,
  type ClaimOptions,
  claimLost,
  type EnqueueResult,
  type MessageMeta,
  type MessageQueue,
  type NewMessage,
} from './port.ts';

type MessageRow = Selectable<Database['messages']>;

/** Payload chunk size in the store: large enough for few rows per message, small enough to stream. */
export const CHUNK_BYTES = 256 * 1024;
/** How many chunks `openPayload` reads per query (≈ 1 MiB). */
export const CHUNKS_PER_PAGE = 4;
/**
 * On PGlite, the queue tables are vacuumed after this many messages settled (delivered, failed, dead). PGlite runs
 * no autovacuum (one session, no background workers), and without it every claim and ack leaves a dead row version
 * and dead index entries behind: the claim's index scans then wade through all of them, and a claim costs three
 * times as much after a few thousand messages (measured with EXPLAIN ANALYZE). PostgreSQL's autovacuum does this.
 */
const VACUUM_EVERY_SETTLED = 2_000;

function toMeta(row: MessageRow): MessageMeta {
  return {
    id: row.id,
    sourceSystemId: row.source_system_id,
    destinationVersionId: row.destination_version_id,
    environment: row.environment,
    idempotencyKey: row.idempotency_key,
    contentType: row.content_type,
    acceptedAtMs: msOf(row.accepted_at),
    expiresAtMs: msOf(row.expires_at),
    state: row.state,
    sizeBytes: Number(row.size_bytes),
    sha256: row.sha256,
    attempts: row.attempts,
    nextAttemptAtMs: msOf(row.next_attempt_at),
    lastError: row.last_error,
    deliveredAtMs: msOrNull(row.delivered_at),
    hasPayload: row.has_payload,
    payloadKeyId: row.payload_key_id,
    resourceTemplate: row.resource_template ?? null,
    sealedTarget: row.sealed_target ?? null,
  };
}

/**
 * Sealed chunks cross to the store and back as base64 text, decoded and encoded by the database
 * (`decode(…, 'base64')`, `encode(chunk, 'base64')`): PGlite's own bytea conversion runs in JavaScript on its
 * worker thread, a string and a parseInt per byte each way, and that thread is the embedded engine's bound (CPU
 * profile of bench:async: a tenth of its time, plus the garbage). Base64 in Node is native, and the text is a
 * third longer than the bytes where the hex form bytea travels in is twice as long; on PostgreSQL likewise.
 */
function chunkParam(bytes: Buffer) {
  return sql<Uint8Array>`decode(${bytes.toString('base64')}::text, 'base64')`;
}
/** The column read as `chunkParam` writes it. */
const chunkText = sql<string>`encode(chunk, 'base64')`;

/** A bytea as a Buffer without copying (PGlite answers Uint8Array, pg answers Buffer). */
export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * A stored payload's (sealed) chunks in order, `page` by `page` (each at most CHUNKS_PER_PAGE, from a sequence
 * number on), so memory stays bounded whatever the size. Fails if a chunk is missing; a payload that disappears
 * while it is read (delivered, dead or expired meanwhile) ends before its last sealed record, which the opening
 * refuses rather than end short.
 */
export async function* payloadChunks(
  id: string,
  page: (fromSeq: number) => Promise<Array<{ seq: number; chunk: Uint8Array }>>,
): AsyncGenerator<Buffer> {
  let nextSeq = 0;
  for (;;) {
    const rows = await page(nextSeq);
    for (const row of rows) {
      if (row.seq !== nextSeq) throw new Error(`message ${id}: payload chunk ${nextSeq} is missing`);
      nextSeq++;
      yield asBuffer(row.chunk);
    }
    if (rows.length < CHUNKS_PER_PAGE) break;
  }
}

/**
 * The default async engine (issue 4): a queue table in the platform's store, so it works on embedded PGlite and on
 * PostgreSQL alike, with no other moving part. The metadata row lives in `messages` for good; the payload lives in
 * `message_payloads` in 256 KiB chunks only until the message is delivered, dead or expired (R-02) — sealed
 * (`PayloadCipher`), since the deleted rows' bytes stay in the WAL and the table files until the engine reuses them.
 */
export class EmbeddedQueue implements MessageQueue {
  readonly engine = 'embedded' as const;
  private readonly store: Store;
  private readonly cipher: PayloadCipher;
  private settledSinceVacuum = 0;
  private vacuuming: Promise<void> | null = null;

  constructor(store: Store, cipher: PayloadCipher) {
    this.store = store;
    this.cipher = cipher;
  }

  /**
   * A message is either fully durable or absent, so a crash or a broken upload leaves nothing to clean up: a payload
   * of one chunk goes in one statement with its row; a larger one streams in chunks inside ONE transaction (on
   * PGlite, one session, that holds the store for the length of the upload; the intake bounds upload time, and
   * scaled-out deployments run PostgreSQL or NATS). On a duplicate (source, idempotency key) nothing is stored; the
   * rest of a large duplicate's payload is left unread: the caller drains or destroys it.
   */
  async enqueue(message: NewMessage, payload: Readable): Promise<EnqueueResult> {
    // Most messages fit in one chunk: read that much first; if the payload ends there, one statement stores it.
    const source = payload[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let headBytes = 0;
    let ended = false;
    while (headBytes <= CHUNK_BYTES) {
      const next = await source.next();
      if (next.done) {
        ended = true;
        break;
      }
      const buf: Buffer = typeof next.value === 'string' ? Buffer.from(next.value) : asBuffer(next.value);
      head.push(buf);
      headBytes += buf.length;
    }
    if (ended) return this.enqueueSmall(message, Buffer.concat(head, headBytes));
    const rest = Readable.from(
      (async function* () {
        yield* head;
        for (;;) {
          const next = await source.next();
          if (next.done) return;
          yield next.value as Buffer;
        }
      })(),
      { objectMode: false },
    );
    return this.enqueueLarge(message, rest);
  }

  /**
   * A payload of at most one chunk, already in memory: stored with its row in one statement — together with the
   * other small messages arriving meanwhile (group commit) — so it is durable when the statement returns. A
   * duplicate (source, Idempotency-Key) inserts nothing.
   */
  private async enqueueSmall(message: NewMessage, bytes: Buffer): Promise<EnqueueResult> {
    const { keyId, sealed, stats } = this.cipher.sealWhole(message.id, message.acceptedAtMs, bytes);
    const stored = await this.smallInserts.submit({ message, sealed, keyId, ...stats });
    if (stored)
      return { message: acceptedMeta(message, { ...stats, payloadKeyId: keyId }), duplicate: false };
    const winner = await this.findDuplicate(message);
    if (!winner) throw new Error(`message ${message.id} was neither stored nor a duplicate`);
    return { message: winner, duplicate: true };
  }

  private readonly smallInserts = new GroupCommit<
    { message: NewMessage; sealed: Buffer; keyId: string; sizeBytes: number; sha256: string },
    boolean
  >(async (items) => {
    const rows = sql.join(
      items.map(
        ({ message: m, sealed, keyId, sizeBytes, sha256 }) =>
          sql`(${m.id}::text, ${m.sourceSystemId}::text, ${m.destinationVersionId}::text, ${m.environment}::text,
            ${m.idempotencyKey}::text, ${m.contentType}::text, ${new Date(m.acceptedAtMs)}::timestamptz,
            ${new Date(m.expiresAtMs)}::timestamptz, ${sizeBytes}::int8, ${sha256}::text, ${keyId}::text,
            ${sealed.toString('base64')}::text, ${m.resourceTemplate ?? null}::text, ${m.sealedTarget ?? null}::text)`,
      ),
    );
    // Even an empty payload has its one sealed record: every stored payload opens the same way. Only the ids come
    // back: the stored row is what `acceptedMeta` says, and every row returned is work for PGlite's thread (the
    // results' decoding and their copy to this thread were a third of its time in a CPU profile of bench:async).
    const result = await sql<{ id: string }>`
      WITH input (id, source_system_id, destination_version_id, environment, idempotency_key, content_type,
                  accepted_at, expires_at, size_bytes, sha256, payload_key_id, chunk, resource_template,
                  sealed_target) AS (VALUES ${rows}),
      m AS (
        INSERT INTO messages (id, source_system_id, destination_version_id, environment, idempotency_key,
          content_type, accepted_at, expires_at, state, size_bytes, sha256, attempts, next_attempt_at, has_payload,
          payload_key_id, resource_template, sealed_target)
        SELECT id, source_system_id, destination_version_id, environment, idempotency_key, content_type,
          accepted_at, expires_at, 'accepted', size_bytes, sha256, 0, accepted_at, true, payload_key_id,
          resource_template, sealed_target
        FROM input
        ON CONFLICT (source_system_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING id
      ), chunk AS (
        INSERT INTO message_payloads (message_id, seq, chunk)
        SELECT input.id, 0, decode(input.chunk, 'base64') FROM input JOIN m ON m.id = input.id
      )
      SELECT id FROM m`.execute(this.store.db);
    const stored = new Set(result.rows.map((r) => r.id));
    return items.map((i) => stored.has(i.message.id));
  });

  private async enqueueLarge(message: NewMessage, payload: Readable): Promise<EnqueueResult> {
    const existing = await this.findDuplicate(message);
    if (existing) return { message: existing, duplicate: true };
    const sealing = this.cipher.seal(message.id, message.acceptedAtMs, payload);
    try {
      const row = await this.store.db.transaction().execute(async (trx) => {
        // The row first: the chunks reference it, and on PostgreSQL a concurrent identical send waits here on the
        // unique index until ours commits, then fails with 23505 before reading its payload.
        await trx
          .insertInto('messages')
          .values({
            id: message.id,
            source_system_id: message.sourceSystemId,
            destination_version_id: message.destinationVersionId,
            environment: message.environment,
            idempotency_key: message.idempotencyKey,
            content_type: message.contentType,
            accepted_at: new Date(message.acceptedAtMs),
            expires_at: new Date(message.expiresAtMs),
            state: 'accepted',
            size_bytes: 0,
            sha256: '',
            attempts: 0,
            next_attempt_at: new Date(message.acceptedAtMs),
            has_payload: true,
            payload_key_id: sealing.keyId,
            resource_template: message.resourceTemplate ?? null,
            sealed_target: message.sealedTarget ?? null,
          })
          .execute();
        await writeChunks(trx, message.id, sealing.sealed);
        const { sizeBytes, sha256 } = sealing.stats();
        return trx
          .updateTable('messages')
          .set({ size_bytes: sizeBytes, sha256 })
          .where('id', '=', message.id)
          .returningAll()
          .executeTakeFirstOrThrow();
      });
      return { message: toMeta(row), duplicate: false };
    } catch (err) {
      if (isUniqueViolation(err, 'messages_idempotency')) {
        const winner = await this.findDuplicate(message);
        if (winner) return { message: winner, duplicate: true };
      }
      throw err;
    } finally {
      // An upload that failed midway stops sealing (and releases its hold on the key).
      await sealing.sealed.return(undefined);
    }
  }

  private async findDuplicate(message: NewMessage): Promise<MessageMeta | null> {
    if (message.idempotencyKey === null) return null;
    const row = await this.store.db
      .selectFrom('messages')
      .selectAll()
      .where('source_system_id', '=', message.sourceSystemId)
      .where('idempotency_key', '=', message.idempotencyKey)
      .executeTakeFirst();
    return row ? toMeta(row) : null;
  }

  /**
   * One statement claims the due messages and the lapsed leases. `FOR UPDATE SKIP LOCKED` is what keeps two
   * callers on PostgreSQL from claiming the same message; PGlite accepts it and, having one session, never needs
   * it — one code path for both stores. Waiting messages and lapsed leases are read apart, each from its own
   * partial index in the order it is claimed (migration 0037), so a claim of k reads about k index entries whatever
   * the backlog — one read with an OR between the two fetched and sorted every due message (48 ms for 3,000 on
   * PGlite).
   */
  async claim(options: ClaimOptions): Promise<Claim[]> {
    if (options.limit <= 0) return [];
    const now = new Date(options.nowMs);
    const token = randomBytes(16).toString('base64url');
    const byVersion =
      options.destinationVersionId === undefined
        ? sql``
        : sql`AND destination_version_id = ${options.destinationVersionId}`;
    const byEnvironment =
      options.environment === undefined ? sql`` : sql`AND environment = ${options.environment}`;
    // A message of one chunk comes back with its (sealed) payload: the claimant need not read it again.
    const result = await sql<MessageRow & { inline_chunk: string | null }>`
      WITH ready AS (
        SELECT id, next_attempt_at, accepted_at FROM messages
        WHERE state = 'accepted' AND next_attempt_at <= ${now} ${byVersion} ${byEnvironment}
        ORDER BY next_attempt_at, accepted_at, id
        LIMIT ${options.limit}
        FOR UPDATE SKIP LOCKED
      ), lapsed AS (
        SELECT id, next_attempt_at, accepted_at FROM messages
        WHERE state = 'delivering' AND lease_until < ${now} ${byVersion} ${byEnvironment}
        ORDER BY lease_until
        LIMIT ${options.limit}
        FOR UPDATE SKIP LOCKED
      ), due AS (
        SELECT id FROM (SELECT * FROM ready UNION ALL SELECT * FROM lapsed) AS d
        ORDER BY next_attempt_at, accepted_at, id
        LIMIT ${options.limit}
      ), claimed AS (
        UPDATE messages
        SET state = 'delivering', claim_token = ${token},
            lease_until = ${new Date(options.nowMs + options.leaseMs)}, attempts = attempts + 1
        WHERE id IN (SELECT id FROM due)
        RETURNING *
      )
      SELECT claimed.*, encode(p.chunk, 'base64') AS inline_chunk
      FROM claimed
      LEFT JOIN message_payloads p
        ON p.message_id = claimed.id AND p.seq = 0 AND claimed.size_bytes <= ${CHUNK_BYTES}`.execute(
      this.store.db,
    );
    return result.rows
      .map(({ inline_chunk, ...row }) => {
        const message = toMeta(row);
        const payload =
          inline_chunk === null ? undefined : this.openInline(message, Buffer.from(inline_chunk, 'base64'));
        return { message, token, ...(payload ? { payload } : {}) };
      })
      .sort(
        (a, b) =>
          a.message.nextAttemptAtMs - b.message.nextAttemptAtMs ||
          a.message.acceptedAtMs - b.message.acceptedAtMs ||
          (a.message.id < b.message.id ? -1 : 1),
      );
  }

  /**
   * A one-chunk payload opened in memory; undefined when it cannot be (its key destroyed — then `openPayload`
   * says why to whoever reads it — or, for a message stored unsealed, a chunk that is only part of it).
   */
  private openInline(message: MessageMeta, sealed: Buffer): Buffer | undefined {
    try {
      const plain = this.cipher.openWhole(message.id, message.payloadKeyId, sealed, message.sizeBytes);
      return plain.length === message.sizeBytes ? plain : undefined;
    } catch (err) {
      if (err instanceof PayloadUnreadable) return undefined;
      throw err;
    }
  }

  /** The payload as a stream, read a page of chunks at a time (`payloadChunks`) and opened record by record. */
  async openPayload(id: string, known?: MessageMeta): Promise<Readable> {
    const meta = known?.id === id ? known : await this.get(id);
    if (!meta?.hasPayload)
      throw new Error(`message ${id}: no payload stored (unknown, delivered, dead or expired)`);
    const db = this.store.db;
    const page = async (fromSeq: number) => {
      const rows = await db
        .selectFrom('message_payloads')
        .select(['seq', chunkText.as('chunk')])
        .where('message_id', '=', id)
        .where('seq', '>=', fromSeq)
        .orderBy('seq')
        .limit(CHUNKS_PER_PAGE)
        .execute();
      return rows.map((r) => ({ seq: r.seq, chunk: Buffer.from(r.chunk, 'base64') }));
    };
    const plain = this.cipher.open(id, meta.payloadKeyId, payloadChunks(id, page), meta.sizeBytes);
    return Readable.from(plain, { objectMode: false });
  }

  /**
   * The state change and the payload's deletion commit together in one statement (a data-modifying CTE), so a
   * delivered message never keeps its payload; acks arriving meanwhile share the statement (group commit).
   */
  async ack(claim: Claim, nowMs: number): Promise<MessageMeta> {
    await this.acks.submit({ claim, nowMs });
    // What the statement wrote, on the claim's metadata: no row needs to come back (see smallInserts).
    return {
      ...claim.message,
      state: 'delivered',
      deliveredAtMs: nowMs,
      hasPayload: false,
      sealedTarget: null,
    };
  }

  private readonly acks = new GroupCommit<{ claim: Claim; nowMs: number }, true>(async (items) => {
    const rows = sql.join(
      items.map(
        ({ claim, nowMs }) =>
          sql`(${claim.message.id}::text, ${claim.token}::text, ${new Date(nowMs)}::timestamptz)`,
      ),
    );
    const result = await sql<{ id: string; acked_token: string }>`
      WITH input (id, token, at) AS (VALUES ${rows}),
      done AS (
        UPDATE messages m
        SET state = 'delivered', delivered_at = input.at, has_payload = false, claim_token = NULL, lease_until = NULL,
            sealed_target = NULL
        FROM input
        WHERE m.id = input.id AND m.claim_token = input.token AND m.state = 'delivering'
        RETURNING m.id, input.token AS acked_token
      ), gone AS (
        DELETE FROM message_payloads WHERE message_id IN (SELECT id FROM done)
      )
      SELECT * FROM done`.execute(this.store.db);
    this.settled(result.rows.length);
    const done = new Set(result.rows.map((r) => `${r.id}|${r.acked_token}`));
    return items.map(({ claim }) =>
      done.has(`${claim.message.id}|${claim.token}`) ? true : claimLost(claim.message.id),
    );
  });

  async fail(claim: Claim, error: string, retryAtMs: number | null, _nowMs: number): Promise<MessageMeta> {
    const id = claim.message.id;
    const row = await this.store.db.transaction().execute(async (trx) => {
      const base = trx
        .updateTable('messages')
        .where('id', '=', id)
        .where('claim_token', '=', claim.token)
        .where('state', '=', 'delivering');
      if (retryAtMs !== null) {
        return base
          .set({
            state: 'accepted',
            next_attempt_at: new Date(retryAtMs),
            last_error: error,
            claim_token: null,
            lease_until: null,
          })
          .returningAll()
          .executeTakeFirst();
      }
      const dead = await base
        .set({
          state: 'dead',
          last_error: error,
          has_payload: false,
          claim_token: null,
          lease_until: null,
          sealed_target: null,
        })
        .returningAll()
        .executeTakeFirst();
      if (dead) await trx.deleteFrom('message_payloads').where('message_id', '=', id).execute();
      return dead;
    });
    if (!row) throw claimLost(id);
    this.settled(1);
    return toMeta(row);
  }

  /**
   * Counts settled messages and, on PGlite, vacuums the queue tables every VACUUM_EVERY_SETTLED of them, in the
   * background (a few tens of milliseconds of the store's session per 2,000 messages).
   */
  private settled(count: number): void {
    if (this.store.kind !== 'pglite' || count === 0) return;
    this.settledSinceVacuum += count;
    if (this.settledSinceVacuum < VACUUM_EVERY_SETTLED || this.vacuuming) return;
    this.settledSinceVacuum = 0;
    this.vacuuming = sql`VACUUM messages, message_payloads`
      .execute(this.store.db)
      .then(
        () => undefined,
        // Housekeeping only (a closing store, say): the next round tries again.
        () => undefined,
      )
      .finally(() => {
        this.vacuuming = null;
      });
  }

  async expire(nowMs: number): Promise<MessageMeta[]> {
    const rows = await this.store.db.transaction().execute(async (trx) => {
      const expired = await trx
        .updateTable('messages')
        .set({ state: 'dead', has_payload: false, claim_token: null, lease_until: null, sealed_target: null })
        .where('state', 'in', ['accepted', 'delivering'])
        .where('expires_at', '<=', new Date(nowMs))
        .returningAll()
        .execute();
      if (expired.length > 0) {
        await trx
          .deleteFrom('message_payloads')
          .where(
            'message_id',
            'in',
            expired.map((r) => r.id),
          )
          .execute();
      }
      return expired;
    });
    this.settled(rows.length);
    return rows.map(toMeta);
  }

  async get(id: string): Promise<MessageMeta | null> {
    const row = await this.store.db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toMeta(row) : null;
  }

  async payloadKeysInUse(keyIds: string[]): Promise<Set<string>> {
    if (keyIds.length === 0) return new Set();
    const rows = await this.store.db
      .selectFrom('messages')
      .select('payload_key_id')
      .distinct()
      .where('state', 'in', ['accepted', 'delivering'])
      .where('payload_key_id', 'in', keyIds)
      .execute();
    return new Set(rows.map((r) => r.payload_key_id!));
  }

  async pendingCount(): Promise<number> {
    const row = await this.store.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('state', 'in', ['accepted', 'delivering'])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Nothing to release (the store belongs to the platform) but a vacuum still running. */
  async close(): Promise<void> {
    await this.vacuuming;
  }
}

/**
 * Streams the sealed `payload` into `message_payloads` in CHUNK_BYTES rows; at most one chunk (plus the stream's
 * own buffer) is in memory at a time.
 */
async function writeChunks(
  trx: Transaction<Database>,
  messageId: string,
  payload: AsyncIterable<Buffer>,
): Promise<void> {
  let seq = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (bytes: Buffer): Promise<void> => {
    await trx
      .insertInto('message_payloads')
      .values({ message_id: messageId, seq, chunk: chunkParam(bytes) })
      .execute();
    seq++;
  };
  for await (const buf of payload) {
    pending.push(buf);
    pendingBytes += buf.length;
    while (pendingBytes >= CHUNK_BYTES) {
      const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      await flush(all.subarray(0, CHUNK_BYTES));
      const rest = all.subarray(CHUNK_BYTES);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
    }
  }
  if (pendingBytes > 0) await flush(Buffer.concat(pending, pendingBytes));
}

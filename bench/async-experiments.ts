// `npm run bench:async -- --try=<names>`: candidate optimisations of the async path, applied to the running platform
// by replacing a few methods at run time, so that their end-to-end effect is measured before anyone changes
// src/. They keep the port's semantics (atomic intake, idempotency, claim tokens, payload deleted on ack) for what
// the benchmark exercises, but they are experiments: a figure taken with --try is NOT the platform as shipped, and
// the benchmark says so on every line it prints.
//
//   callback-cache  messaging.delivered(): the source system's organization is looked up once per system and
//                   remembered, instead of one store query per delivered message (only the webhook check remains,
//                   already cached for 5 s by Messaging)
//   callback-async  the deliverer does not wait for messaging.delivered() (the source's webhook enqueueing): the
//                   push's concurrency slot is free as soon as the message is acked
//   embedded-1stmt  EmbeddedQueue: a payload that fits one chunk is stored with ONE statement (INSERT … ON CONFLICT
//                   DO NOTHING, the chunk in a CTE) instead of a duplicate SELECT + BEGIN/INSERT/INSERT/UPDATE/COMMIT;
//                   ack is ONE statement (UPDATE with the DELETE in a CTE) instead of BEGIN/UPDATE/DELETE/COMMIT;
//                   openPayload reads metadata and the first chunks in one query instead of two
//   pglite-nice0    the PGlite worker thread runs at niceness 0 instead of 10 (the platform lowers it so that
//                   recording never slows forwarding; for async messages the store IS the forwarding path). Needs
//                   the right to raise a thread's priority (root, or CAP_SYS_NICE)
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { asBuffer, CHUNK_BYTES, CHUNKS_PER_PAGE, payloadChunks } from '../src/messaging/embedded-queue.ts';
import type { Destinations } from '../src/messaging/messaging.ts';
import { PayloadCipher } from '../src/messaging/payload-cipher.ts';
import {
  acceptedMeta,
  type Claim,
  claimLost,
  type EnqueueResult,
  type MessageMeta,
  type MessageQueue,
  type NewMessage,
} from '../src/messaging/port.ts';
import type { Platform } from '../src/platform.ts';

export const EXPERIMENTS = ['callback-cache', 'callback-async', 'embedded-1stmt', 'pglite-nice0'] as const;
export type Experiment = (typeof EXPERIMENTS)[number];

export function isExperiment(name: string): name is Experiment {
  return (EXPERIMENTS as readonly string[]).includes(name);
}

type Delivered = (meta: MessageMeta, snapshot: Destinations) => Promise<void>;

export function applyExperiments(platform: Platform, names: readonly Experiment[]): void {
  const messaging = platform.messaging as unknown as {
    delivered: Delivered;
    subscribes(organizationId: string): Promise<boolean>;
  };
  if (names.includes('embedded-1stmt') && platform.messaging.queue.engine === 'embedded') {
    oneStatementQueue(platform);
  }
  if (names.includes('pglite-nice0')) {
    // The PGlite worker is the thread of this process that runs at niceness 10 (pglite-worker.mjs).
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16] === '10') setPriority(Number(tid), 0);
    }
  }
  if (names.includes('callback-cache')) {
    const original = messaging.delivered.bind(platform.messaging);
    const orgOf = new Map<string, string | null>();
    messaging.delivered = async (meta, snapshot) => {
      let org = orgOf.get(meta.sourceSystemId);
      if (org === undefined) {
        const row = await platform.store.db
          .selectFrom('systems')
          .select('organization_id')
          .where('id', '=', meta.sourceSystemId)
          .executeTakeFirst();
        org = row?.organization_id ?? null;
        orgOf.set(meta.sourceSystemId, org);
      }
      // No webhook for this organization: what the original concludes too, without its query.
      if (org === null || !(await messaging.subscribes(org))) return;
      await original(meta, snapshot);
    };
  }
  if (names.includes('callback-async')) {
    const inner = messaging.delivered.bind(platform.messaging);
    messaging.delivered = (meta, snapshot) => {
      inner(meta, snapshot).catch((err) =>
        platform.logger.error({ err, message: meta.id }, 'delivered callback failed'),
      );
      return Promise.resolve();
    };
  }
}

function oneStatementQueue(platform: Platform): void {
  const db = platform.store.db;
  const queue = platform.messaging.queue as MessageQueue;
  const cipher = new PayloadCipher(platform.messaging.keys);
  const originalEnqueue = queue.enqueue.bind(queue);

  queue.enqueue = async (message: NewMessage, payload: Readable): Promise<EnqueueResult> => {
    const parts: Buffer[] = [];
    let size = 0;
    const source = payload[Symbol.asyncIterator]();
    for (;;) {
      const { value, done } = await source.next();
      if (done) break;
      const buf: Buffer = typeof value === 'string' ? Buffer.from(value) : asBuffer(value as Uint8Array);
      parts.push(buf);
      size += buf.length;
      if (size > CHUNK_BYTES) {
        // More than one chunk: the streaming transaction of today, fed what was read so far and then the rest.
        async function* rest(): AsyncGenerator<Buffer> {
          yield* parts;
          for (;;) {
            const next = await source.next();
            if (next.done) return;
            yield next.value as Buffer;
          }
        }
        return originalEnqueue(message, Readable.from(rest()));
      }
    }
    const body = Buffer.concat(parts, size);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const accepted = new Date(message.acceptedAtMs);
    const inserted = await sql<{ id: string }>`
      WITH m AS (
        INSERT INTO messages (id, source_system_id, destination_version_id, environment, idempotency_key,
          content_type, accepted_at, expires_at, state, size_bytes, sha256, attempts, next_attempt_at, has_payload)
        VALUES (${message.id}, ${message.sourceSystemId}, ${message.destinationVersionId}, ${message.environment},
          ${message.idempotencyKey}, ${message.contentType}, ${accepted}, ${new Date(message.expiresAtMs)},
          'accepted', ${size}, ${sha256}, 0, ${accepted}, true)
        ON CONFLICT (source_system_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING id
      ), p AS (
        INSERT INTO message_payloads (message_id, seq, chunk) SELECT id, 0, ${body} FROM m
      )
      SELECT id FROM m`.execute(db);
    if (inserted.rows.length === 0) {
      const winner = await db
        .selectFrom('messages')
        .select('id')
        .where('source_system_id', '=', message.sourceSystemId)
        .where('idempotency_key', '=', message.idempotencyKey)
        .executeTakeFirstOrThrow();
      return { message: (await queue.get(winner.id))!, duplicate: true };
    }
    // Stored unsealed (no key id): an experiment on statement counts, read back as stored.
    return {
      message: acceptedMeta(message, { sizeBytes: size, sha256, payloadKeyId: null }),
      duplicate: false,
    };
  };

  queue.ack = async (claim: Claim, nowMs: number): Promise<MessageMeta> => {
    const id = claim.message.id;
    const r = await sql<{ id: string }>`
      WITH u AS (
        UPDATE messages SET state = 'delivered', delivered_at = ${new Date(nowMs)}, has_payload = false,
          claim_token = NULL, lease_until = NULL
        WHERE id = ${id} AND claim_token = ${claim.token} AND state = 'delivering'
        RETURNING id
      ), d AS (
        DELETE FROM message_payloads WHERE message_id IN (SELECT id FROM u)
      )
      SELECT id FROM u`.execute(db);
    if (r.rows.length === 0) throw claimLost(id);
    return { ...claim.message, state: 'delivered', deliveredAtMs: nowMs, hasPayload: false };
  };

  queue.openPayload = async (id: string): Promise<Readable> => {
    const page = (from: number) =>
      sql<{ seq: number; chunk: Uint8Array; size_bytes: number; payload_key_id: string | null }>`
        SELECT p.seq, p.chunk, m.size_bytes, m.payload_key_id FROM messages m JOIN message_payloads p ON p.message_id = m.id
        WHERE m.id = ${id} AND m.has_payload AND p.seq >= ${from}
        ORDER BY p.seq LIMIT ${CHUNKS_PER_PAGE}`
        .execute(db)
        .then((r) => r.rows);
    const first = await page(0);
    if (first.length === 0)
      throw new Error(`message ${id}: no payload stored (unknown, delivered, dead or expired)`);
    // The first page is already read: it told whether there is a payload, and its size.
    const pageFrom = (fromSeq: number) => (fromSeq === 0 ? Promise.resolve(first) : page(fromSeq));
    const size = Number(first[0]!.size_bytes);
    const plain = cipher.open(id, first[0]!.payload_key_id, payloadChunks(id, pageFrom), size);
    return Readable.from(plain, { objectMode: false });
  };
}

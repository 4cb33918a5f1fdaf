// `node --import tsx bench/async-queue-sql.ts [messages]`: what the embedded queue's store work costs per message
// on PGlite, as `EmbeddedQueue` does it today and as fewer, larger statements would — measured, so that a change
// to src/messaging/embedded-queue.ts can be weighed before it is made. Nothing here is used by the platform.
//
// PGlite has one session, and every query is a round trip to its worker thread, so the embedded engine's ceiling is
// roughly 1 / (store time per message). Each variant below runs the store work of `messages` 1 KiB messages —
// intake, claim (batches of 32, as the deliverer claims up to its free slots), payload read, ack — on a fresh
// store opened as the platform opens it (worker thread at niceness 10), with 16 operations in flight at a time.
//
//   current    EmbeddedQueue as it is: enqueue = duplicate SELECT + BEGIN/INSERT/INSERT chunk/UPDATE/COMMIT;
//              openPayload = SELECT metadata + SELECT chunks; ack = BEGIN/UPDATE/DELETE/COMMIT; plus the delivered
//              callback's SELECT of the source's organization (messaging.ts)
//   1-stmt     the same semantics, one statement each: enqueue = INSERT … ON CONFLICT DO NOTHING with the chunk in
//              a CTE (a payload that fits one chunk); claim returns that chunk (no openPayload queries); ack =
//              UPDATE with the DELETE in a CTE; no callback lookup (source → organization from the snapshot)
//   batched    1-stmt, plus intake and acks grouped 32 per statement (group commit)
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { SequentialIds } from '../src/core/ids.ts';
import { EmbeddedQueue } from '../src/messaging/embedded-queue.ts';
import { PayloadCipher } from '../src/messaging/payload-cipher.ts';
import { PayloadKeys } from '../src/messaging/payload-keys.ts';
import type { Claim, NewMessage } from '../src/messaging/port.ts';
import { openStore } from '../src/store/open.ts';
import type { Store } from '../src/store/port.ts';

const MESSAGES = Number(process.argv[2] ?? process.env['BENCH_MESSAGES'] ?? 2000);
const PAYLOAD_BYTES = 1024;
const IN_FLIGHT = 16;
const BATCH = 32;
const VERSION = 'ver_bench';
const SOURCE = 'sys_source';

const ids = new SequentialIds();
/** Every run's idempotency keys are new: a repeated key would be (rightly) taken for a duplicate. */
let run = 0;

/** Runs `task(i)` for i in [0, n) with at most `inFlight` at once. */
async function pool(n: number, inFlight: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, n) }, async () => {
      for (let i = next++; i < n; i = next++) await task(i);
    }),
  );
}

function newMessage(i: number, label: string): { message: NewMessage; payload: Buffer } {
  const nowMs = Date.now();
  const payload = Buffer.alloc(PAYLOAD_BYTES, `${label}:${i}|`);
  return {
    message: {
      id: ids.next('msg', nowMs),
      sourceSystemId: SOURCE,
      destinationVersionId: VERSION,
      environment: 'production',
      idempotencyKey: `${label}-${i}`,
      contentType: 'application/octet-stream',
      acceptedAtMs: nowMs,
      expiresAtMs: nowMs + 72 * 3_600_000,
    },
    payload,
  };
}

/** Counts the queries sent to the store while `fn` runs. */
async function counted(store: Store, fn: () => Promise<void>): Promise<{ ms: number; queries: number }> {
  const worker = (store as unknown as { worker: { postMessage: (m: { op?: string }) => void } }).worker;
  const post = worker.postMessage.bind(worker);
  let queries = 0;
  worker.postMessage = (m) => {
    if (m.op === 'query') queries++;
    post(m);
  };
  const start = performance.now();
  try {
    await fn();
  } finally {
    worker.postMessage = post;
  }
  return { ms: performance.now() - start, queries };
}

// ---------------------------------------------------------------- current: EmbeddedQueue as it is

async function current(
  store: Store,
): Promise<{ intake: number; delivery: number; qIntake: number; qDelivery: number }> {
  const queue = new EmbeddedQueue(store, new PayloadCipher(PayloadKeys.ephemeral(Date.now())));
  const label = `cur${++run}`;
  const intake = await counted(store, () =>
    pool(MESSAGES, IN_FLIGHT, async (i) => {
      const { message, payload } = newMessage(i, label);
      await queue.enqueue(message, Readable.from([payload]));
    }),
  );
  const delivery = await counted(store, async () => {
    const claimed: Claim[] = [];
    let delivered = 0;
    let claiming: Promise<void> | null = null;
    // One claim at a time, as the deliverer does; workers wait for it when nothing is left to take.
    const take = async (): Promise<Claim | undefined> => {
      while (claimed.length === 0) {
        claiming ??= queue
          .claim({
            nowMs: Date.now(),
            limit: BATCH,
            leaseMs: 60_000,
            destinationVersionId: VERSION,
            environment: 'production',
          })
          .then((c) => {
            claimed.push(...c);
            claiming = null;
            if (c.length === 0) throw new Error('nothing left to claim');
          });
        await claiming;
      }
      return claimed.shift();
    };
    await pool(MESSAGES, IN_FLIGHT, async () => {
      const claim = await take();
      if (!claim) return;
      const body = await queue.openPayload(claim.message.id);
      for await (const _ of body);
      await queue.ack(claim, Date.now());
      // messaging.delivered(): the source's organization, for its webhook subscription.
      await store.db
        .selectFrom('systems')
        .select('organization_id')
        .where('id', '=', claim.message.sourceSystemId)
        .executeTakeFirst();
      delivered++;
    });
    if (delivered !== MESSAGES) throw new Error(`current: delivered ${delivered} of ${MESSAGES}`);
  });
  return { intake: intake.ms, delivery: delivery.ms, qIntake: intake.queries, qDelivery: delivery.queries };
}

// ---------------------------------------------------------------- proposed statements

interface Row {
  id: string;
  claim_token: string;
  inline_chunk: Uint8Array | null;
}

/** One statement per message: the row and its only chunk, atomic without BEGIN/COMMIT; a duplicate inserts nothing. */
async function enqueueOne(store: Store, message: NewMessage, payload: Buffer): Promise<boolean> {
  const sha256 = createHash('sha256').update(payload).digest('hex');
  const r = await sql<{ id: string }>`
    WITH m AS (
      INSERT INTO messages (id, source_system_id, destination_version_id, environment, idempotency_key, content_type,
        accepted_at, expires_at, state, size_bytes, sha256, attempts, next_attempt_at, has_payload)
      VALUES (${message.id}, ${message.sourceSystemId}, ${message.destinationVersionId}, ${message.environment},
        ${message.idempotencyKey}, ${message.contentType}, ${new Date(message.acceptedAtMs)},
        ${new Date(message.expiresAtMs)}, 'accepted', ${payload.length}, ${sha256}, 0,
        ${new Date(message.acceptedAtMs)}, true)
      ON CONFLICT (source_system_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
      RETURNING id
    ), p AS (
      INSERT INTO message_payloads (message_id, seq, chunk) SELECT id, 0, ${payload} FROM m
    )
    SELECT id FROM m`.execute(store.db);
  return r.rows.length === 1;
}

/** Many messages in one statement (group commit of concurrent intakes). */
async function enqueueMany(
  store: Store,
  batch: Array<{ message: NewMessage; payload: Buffer }>,
): Promise<number> {
  const rows = batch.map(({ message, payload }) => {
    const sha256 = createHash('sha256').update(payload).digest('hex');
    return sql`(${message.id}, ${message.sourceSystemId}, ${message.destinationVersionId}, ${message.environment},
      ${message.idempotencyKey}, ${message.contentType}, ${new Date(message.acceptedAtMs)}::timestamptz,
      ${new Date(message.expiresAtMs)}::timestamptz, 'accepted', ${payload.length}::bigint, ${sha256}, 0,
      ${new Date(message.acceptedAtMs)}::timestamptz, true, ${payload}::bytea)`;
  });
  const r = await sql<{ id: string }>`
    WITH input (id, source_system_id, destination_version_id, environment, idempotency_key, content_type,
        accepted_at, expires_at, state, size_bytes, sha256, attempts, next_attempt_at, has_payload, chunk) AS (
      VALUES ${sql.join(rows)}
    ), m AS (
      INSERT INTO messages (id, source_system_id, destination_version_id, environment, idempotency_key, content_type,
        accepted_at, expires_at, state, size_bytes, sha256, attempts, next_attempt_at, has_payload)
      SELECT id, source_system_id, destination_version_id, environment, idempotency_key, content_type,
        accepted_at, expires_at, state, size_bytes, sha256, attempts, next_attempt_at, has_payload FROM input
      ON CONFLICT (source_system_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
      RETURNING id
    ), p AS (
      INSERT INTO message_payloads (message_id, seq, chunk) SELECT input.id, 0, input.chunk FROM input JOIN m USING (id)
    )
    SELECT id FROM m`.execute(store.db);
  return r.rows.length;
}

/** The claim statement of today, returning the first chunk of payloads that fit in one. */
async function claimWithPayload(store: Store, limit: number): Promise<Row[]> {
  const now = new Date();
  const token = randomBytes(16).toString('base64url');
  const r = await sql<Row>`
    UPDATE messages m SET state = 'delivering', claim_token = ${token},
      lease_until = ${new Date(Date.now() + 60_000)}, attempts = m.attempts + 1
    WHERE m.id IN (
      SELECT id FROM messages
      WHERE ((state = 'accepted' AND next_attempt_at <= ${now}) OR (state = 'delivering' AND lease_until < ${now}))
        AND destination_version_id = ${VERSION} AND environment = 'production'
      ORDER BY next_attempt_at, accepted_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING m.*, (SELECT chunk FROM message_payloads p
                    WHERE p.message_id = m.id AND p.seq = 0 AND m.size_bytes <= 262144) AS inline_chunk`.execute(
    store.db,
  );
  return r.rows;
}

async function ackOne(store: Store, id: string, token: string): Promise<number> {
  const r = await sql<{ id: string }>`
    WITH u AS (
      UPDATE messages SET state = 'delivered', delivered_at = ${new Date()}, has_payload = false,
        claim_token = NULL, lease_until = NULL
      WHERE id = ${id} AND claim_token = ${token} AND state = 'delivering'
      RETURNING *
    ), d AS (
      DELETE FROM message_payloads WHERE message_id IN (SELECT id FROM u)
    )
    SELECT id FROM u`.execute(store.db);
  return r.rows.length;
}

async function ackMany(store: Store, acks: Array<{ id: string; token: string }>): Promise<number> {
  const r = await sql<{ id: string }>`
    WITH input (id, token) AS (VALUES ${sql.join(acks.map((a) => sql`(${a.id}, ${a.token})`))}),
    u AS (
      UPDATE messages m SET state = 'delivered', delivered_at = ${new Date()}, has_payload = false,
        claim_token = NULL, lease_until = NULL
      FROM input WHERE m.id = input.id AND m.claim_token = input.token AND m.state = 'delivering'
      RETURNING m.*
    ), d AS (
      DELETE FROM message_payloads WHERE message_id IN (SELECT id FROM u)
    )
    SELECT id FROM u`.execute(store.db);
  return r.rows.length;
}

async function proposed(
  store: Store,
  batched: boolean,
): Promise<{ intake: number; delivery: number; qIntake: number; qDelivery: number }> {
  const label = `${batched ? 'bat' : 'one'}${++run}`;
  const intake = await counted(store, async () => {
    if (!batched) {
      await pool(MESSAGES, IN_FLIGHT, async (i) => {
        const { message, payload } = newMessage(i, label);
        if (!(await enqueueOne(store, message, payload))) throw new Error('unexpected duplicate');
      });
      return;
    }
    const batches = Math.ceil(MESSAGES / BATCH);
    await pool(batches, Math.max(1, IN_FLIGHT / BATCH), async (b) => {
      const batch = Array.from({ length: Math.min(BATCH, MESSAGES - b * BATCH) }, (_, k) =>
        newMessage(b * BATCH + k, label),
      );
      if ((await enqueueMany(store, batch)) !== batch.length) throw new Error('unexpected duplicate');
    });
  });
  const delivery = await counted(store, async () => {
    let delivered = 0;
    for (;;) {
      const claims = await claimWithPayload(store, BATCH);
      if (claims.length === 0) break;
      for (const c of claims) {
        if (!c.inline_chunk || c.inline_chunk.length !== PAYLOAD_BYTES) throw new Error('no inline payload');
      }
      if (batched)
        delivered += await ackMany(
          store,
          claims.map((c) => ({ id: c.id, token: c.claim_token })),
        );
      else {
        await pool(claims.length, IN_FLIGHT, async (k) => {
          // Not `delivered += await …`: that reads `delivered` before the await and loses concurrent increments.
          const acked = await ackOne(store, claims[k]!.id, claims[k]!.claim_token);
          delivered += acked;
        });
      }
    }
    if (delivered !== MESSAGES) throw new Error(`${label}: delivered ${delivered} of ${MESSAGES}`);
  });
  return { intake: intake.ms, delivery: delivery.ms, qIntake: intake.queries, qDelivery: delivery.queries };
}

// ---------------------------------------------------------------- main

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const dir = mkdtempSync(join(os.tmpdir(), 'lgsp-bench-sql-'));
const store = await openStore({ dataDir: dir, databaseUrl: '' });
try {
  // Warm the worker and the planner.
  await current(store);
  const floor = await counted(store, () =>
    pool(MESSAGES, IN_FLIGHT, async () => {
      await sql`SELECT 1`.execute(store.db);
    }),
  );
  const [l1] = os.loadavg();
  console.log(
    `embedded queue store work on PGlite, ${fmt(MESSAGES)} × ${PAYLOAD_BYTES} B messages, ${IN_FLIGHT} in flight, ` +
      `claims of ${BATCH}; load average ${l1?.toFixed(2)} on ${os.cpus().length} CPUs`,
  );
  console.log(
    `  floor: SELECT 1 round trip ${fmt((1000 * floor.ms) / MESSAGES)} µs (${fmt((MESSAGES * 1000) / floor.ms)}/s)`,
  );
  const rows = [
    [
      'variant',
      'intake q/msg',
      'intake µs/msg',
      'delivery q/msg',
      'delivery µs/msg',
      'total µs/msg',
      'ceiling msg/s',
    ],
  ];
  for (const [name, run] of [
    ['current', () => current(store)],
    ['1-stmt', () => proposed(store, false)],
    ['batched', () => proposed(store, true)],
  ] as const) {
    const r = await run();
    const total = r.intake + r.delivery;
    rows.push([
      name,
      fmt(r.qIntake / MESSAGES, 2),
      fmt((1000 * r.intake) / MESSAGES),
      fmt(r.qDelivery / MESSAGES, 2),
      fmt((1000 * r.delivery) / MESSAGES),
      fmt((1000 * total) / MESSAGES),
      fmt((MESSAGES * 1000) / total),
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows)
    console.log(
      `  ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')}`,
    );
  const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM message_payloads`.execute(store.db);
  if (left.rows[0]?.n !== 0) throw new Error(`${left.rows[0]?.n} payload rows left`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

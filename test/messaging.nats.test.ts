import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream } from '@nats-io/jetstream';
import { connect, createInbox, headers, nanos } from '@nats-io/transport-node';
import { newId } from '../src/core/ids.ts';
import { NatsQueue } from '../src/messaging/nats-queue.ts';
import type { Claim, NewMessage } from '../src/messaging/port.ts';
import {
  natsServerBinary,
  openNatsTestQueue,
  PrivateNatsServer,
  testNatsUrl,
  withManager,
} from './helpers/nats-queue.ts';
import { testCipher } from './helpers/payload-keys.ts';
import { waitFor } from './helpers/wait.ts';

/**
 * What only the NATS JetStream engine has to show (issue 4 item 5, issue 13 item 6, R-02): its resources live under
 * its prefix and go away with it; a settled message leaves nothing in the work queue and no chunk in the object
 * store; the server bounds a destination's deliveries in flight across nodes (`max_ack_pending`); a send is
 * refused in under a second while NATS is down, and the queue carries on when it is back; 100 MB streams through
 * with bounded memory, even to a slow reader. The port's behaviour itself is checked by messaging.contract.test.ts.
 */

const MiB = 1024 * 1024;
const skip = testNatsUrl
  ? false
  : 'LGSP_TEST_NATS_URL is not set (e.g. nats://127.0.0.1:4222): NATS engine not tested';

function newMessage(overrides: Partial<NewMessage> = {}): NewMessage {
  const now = Date.now();
  return {
    id: newId('msg'),
    sourceSystemId: 'sys_source',
    destinationVersionId: newId('ver'),
    environment: 'production',
    idempotencyKey: null,
    contentType: 'application/octet-stream',
    acceptedAtMs: now,
    expiresAtMs: now + 24 * 3600_000,
    ...overrides,
  };
}

async function streamNames(prefix: string): Promise<string[]> {
  return withManager(async (jsm) => {
    const names: string[] = [];
    for await (const name of jsm.streams.names()) if (name.includes(prefix)) names.push(name);
    return names.sort();
  });
}

/** Chunk messages still stored in the object store's stream, by subject. */
async function storedChunks(queue: NatsQueue): Promise<{ chunks: number; messages: number }> {
  return withManager(async (jsm) => {
    const si = await jsm.streams.info(queue.streams.objects, {
      subjects_filter: `$O.${queue.objectBucket}.C.>`,
    });
    const subjects = si.state.subjects ?? {};
    return { chunks: Object.values(subjects).reduce((a, b) => a + b, 0), messages: si.state.messages };
  });
}

/** `sizeBytes` of a repeating pattern, produced 1 MiB at a time. */
function patternStream(sizeBytes: number): { stream: Readable; sha256: () => string } {
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < MiB; i++) block[i] = (i * 131 + 17) & 0xff;
  const hash = createHash('sha256');
  let left = sizeBytes;
  const stream = new Readable({
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const n = Math.min(left, MiB);
      left -= n;
      const part = Buffer.from(block.subarray(0, n));
      hash.update(part);
      this.push(part);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

describe('NATS JetStream queue engine', { skip }, () => {
  test('its streams are named by the prefix and removed with it', async () => {
    const t = await openNatsTestQueue();
    assert.deepEqual(await streamNames(t.prefix), [
      `KV_${t.prefix}_messages`,
      `OBJ_${t.prefix}_payloads`,
      `${t.prefix}_queue`,
    ]);
    await t.queue.enqueue(newMessage(), Readable.from([Buffer.from('hello')]));
    await t.dispose();
    assert.deepEqual(await streamNames(t.prefix), []);
  });

  test('a delivered, dead or expired message leaves nothing in the work queue nor in the object store (R-02)', async () => {
    const t = await openNatsTestQueue();
    try {
      const now = Date.now();
      const marker = Buffer.from(`NATS-R02-${randomBytes(8).toString('hex')}`);
      // One payload travels inside the stream message, the other (over 512 KiB) in the object store's chunks.
      const small = () => Buffer.concat([randomBytes(300 * 1024), marker, randomBytes(1000)]);
      const large = () => Buffer.concat([randomBytes(600 * 1024), marker, randomBytes(1000)]);
      const delivered = newMessage();
      const dead = newMessage({ destinationVersionId: delivered.destinationVersionId });
      const expired = newMessage({ expiresAtMs: now + 1000 });
      await t.queue.enqueue(delivered, Readable.from([small()]));
      await t.queue.enqueue(dead, Readable.from([large()]));
      await t.queue.enqueue(expired, Readable.from([large()]));
      assert.equal(await t.queue.pendingCount(), 3, 'the work queue holds the three');
      assert.equal((await storedChunks(t.queue)).chunks, 10, 'two payloads of five 128 KiB chunks');
      // Sealed before it is published (issue 10 item 3): no stream ever holds the plaintext.
      assert.equal(await t.scanForBytes(marker), false);

      const claims = await t.queue.claim({
        nowMs: now + 1,
        limit: 10,
        leaseMs: 60_000,
        destinationVersionId: delivered.destinationVersionId,
        environment: 'production',
      });
      assert.deepEqual(claims.map((c) => c.message.id).sort(), [delivered.id, dead.id].sort());
      for (const c of claims) {
        if (c.message.id === delivered.id) await t.queue.ack(c, now + 2);
        else await t.queue.fail(c, 'rejected by the destination', null, now + 2);
      }
      assert.deepEqual(
        (await t.queue.expire(now + 2000)).map((m) => m.id),
        [expired.id],
      );

      assert.equal(await t.queue.pendingCount(), 0, 'the work queue is empty');
      assert.equal((await storedChunks(t.queue)).chunks, 0, 'no chunk subject keeps a message');
      assert.equal(await t.scanForBytes(marker), false);
      for (const m of [delivered, dead, expired]) {
        const meta = await t.queue.get(m.id);
        assert.equal(meta?.hasPayload, false);
        assert.equal(await t.queue.storedSealed(m.id), null);
        await assert.rejects(t.queue.openPayload(m.id));
      }
      assert.equal((await t.queue.get(delivered.id))?.state, 'delivered');
      assert.equal((await t.queue.get(dead.id))?.state, 'dead');
      assert.equal((await t.queue.get(expired.id))?.state, 'dead');
      // Settled messages left the work queue: nothing is left to claim or expire.
      assert.deepEqual(await t.queue.claim({ nowMs: now + 10 ** 9, limit: 10, leaseMs: 1000 }), []);
      assert.deepEqual(await t.queue.expire(now + 10 ** 12), []);
    } finally {
      await t.dispose();
    }
  });

  test('the server bounds a destination to its concurrency across nodes (max_ack_pending)', async () => {
    const t = await openNatsTestQueue();
    const other = await NatsQueue.open(testNatsUrl, testCipher(), { prefix: t.prefix });
    try {
      const now = Date.now();
      const destinationVersionId = newId('ver');
      for (let i = 0; i < 6; i++)
        await t.queue.enqueue(newMessage({ destinationVersionId }), Readable.from([Buffer.from(`m${i}`)]));
      const scope = {
        nowMs: now + 60_000,
        limit: 5,
        leaseMs: 60_000,
        concurrency: 2,
        destinationVersionId,
        environment: 'production' as const,
      };
      const first = await t.queue.claim(scope);
      assert.equal(first.length, 2, 'two in flight, whatever the limit asked');
      assert.deepEqual(await other.claim(scope), [], 'the other node gets none while two are in flight');
      await t.queue.ack(first[0]!, now + 60_001);
      const next = await other.claim(scope);
      assert.equal(next.length, 1, 'one slot freed, one more message');
      assert.equal(await t.queue.pendingCount(), 5);
    } finally {
      await other.close();
      await t.dispose();
    }
  });

  test('two nodes on the same prefix share one queue: a message is claimed once, a stale claim cannot ack', async () => {
    const t = await openNatsTestQueue();
    const other = await NatsQueue.open(testNatsUrl, testCipher(), { prefix: t.prefix });
    try {
      const now = Date.now();
      const m = newMessage();
      await t.queue.enqueue(m, Readable.from([Buffer.from('shared')]));
      const scope = { limit: 5, leaseMs: 1000, destinationVersionId: m.destinationVersionId };
      const [a, b] = await Promise.all([
        t.queue.claim({ ...scope, nowMs: now }),
        other.claim({ ...scope, nowMs: now }),
      ]);
      assert.equal(a.length + b.length, 1);
      const first = [...a, ...b][0];
      assert.ok(first, 'first');
      // The lease lapses (on the server's clock: ack_wait), the other node claims it again and acks; the first
      // claimant is too late.
      await sleep(now + 2000 - Date.now());
      const again = await other.claim({ ...scope, nowMs: now + 2000 });
      assert.equal(again.length, 1);
      await assert.rejects(t.queue.ack(first, now + 2001), { code: 'MQ_CLAIM_LOST' });
      const done = await other.ack(again[0]!, now + 2002);
      assert.equal(done.state, 'delivered');
      assert.equal(done.attempts, 2);
    } finally {
      await other.close();
      await t.dispose();
    }
  });

  test('a retry the server hands out again as a first delivery keeps its attempts and last error (nats-server#5305)', async (ctx) => {
    const t = await openNatsTestQueue();
    const nc = await connect({ servers: testNatsUrl });
    try {
      const m = newMessage();
      const now = Date.now();
      await t.queue.enqueue(m, Readable.from([Buffer.from('thu lai')]));
      const scope = {
        limit: 5,
        leaseMs: 60_000,
        destinationVersionId: m.destinationVersionId,
        environment: 'production' as const,
      };
      const [first] = await t.queue.claim({ ...scope, nowMs: now });
      assert.equal(first?.message.attempts, 1);
      // Retried 2 s later: the nak's delay, on the server's clock.
      await t.queue.fail(first!, 'HTTP 503', now + 2000, now);
      // A pull request the server still holds when the retry falls due, its inbox gone by then (as a pull given up on
      // a busy machine). nats-server before 2.10.14 takes the redelivery for it, finds nobody there, steps its
      // consumer back and hands the message out again as new, delivery count 1 — what CI hit by chance, a pull's
      // 100 ms wait ending as a retry fell due (`attempts 1 !== 3` in the flow suite).
      const consumer = `d_${m.destinationVersionId}_production`;
      const inbox = createInbox();
      const sub = nc.subscribe(inbox);
      nc.publish(
        `$JS.API.CONSUMER.MSG.NEXT.${t.queue.streams.queue}.${consumer}`,
        JSON.stringify({ batch: 1, expires: nanos(10_000) }),
        { reply: inbox },
      );
      await waitFor(
        async () => (await t.queue.manager.consumers.info(t.queue.streams.queue, consumer)).num_waiting === 1,
      );
      sub.unsubscribe();
      await nc.flush();
      // The retry falls due (2 s after the fail on the server's clock) and finds that request.
      await sleep(Math.max(0, now + 2500 - Date.now()));
      const [again] = await t.queue.claim({ ...scope, nowMs: now + 2500 });
      ctx.diagnostic(`the retry came with delivery count ${again?.token.split('.').at(-5)}`);
      assert.equal(again?.message.attempts, 2, 'the second attempt, not a first one again');
      assert.equal(again?.message.lastError, 'HTTP 503');
      const done = await t.queue.ack(again!, now + 2501);
      assert.deepEqual([done.state, done.attempts], ['delivered', 2]);
      assert.equal(await t.queue.pendingCount(), 0);
    } finally {
      await nc.close();
      await t.dispose();
    }
  });

  test('a consumer made again delivers its pending messages as new: back-off, attempts and settled state hold', async () => {
    const t = await openNatsTestQueue();
    const other = await NatsQueue.open(testNatsUrl, testCipher(), { prefix: t.prefix });
    const nc = await connect({ servers: testNatsUrl });
    try {
      const destinationVersionId = newId('ver');
      const retried = newMessage({ destinationVersionId });
      const delivered = newMessage({ destinationVersionId });
      // Not before they were accepted (a message is due from then).
      const now = Date.now();
      await t.queue.enqueue(retried, Readable.from([Buffer.from('doi')]));
      await t.queue.enqueue(delivered, Readable.from([Buffer.from('da giao')]));
      const scope = { limit: 5, leaseMs: 60_000, destinationVersionId, environment: 'production' as const };
      const claims = await t.queue.claim({ ...scope, nowMs: now });
      assert.deepEqual(claims.map((c) => c.message.id).sort(), [retried.id, delivered.id].sort());
      const claimOf = (id: string) => claims.find((c) => c.message.id === id)!;
      await t.queue.fail(claimOf(retried.id), 'HTTP 503', now + 3600_000, now);
      // Delivered, its stream ack lost (the process killed between the KV write and the ack): the KV entry says
      // delivered while the work queue still holds the message — written here as `settle` writes it.
      const { message: deliveredMeta, token } = claimOf(delivered.id);
      const settled = {
        meta: {
          ...deliveredMeta,
          state: 'delivered',
          deliveredAtMs: now,
          hasPayload: false,
          sealedTarget: null,
        },
        seq: null,
        object: false,
      };
      const hdrs = headers();
      hdrs.set('Nats-Expected-Last-Subject-Sequence', token.split(':')[1]!);
      await jetstream(nc).publish(`$KV.${t.queue.kvBucket}.m.${delivered.id}`, JSON.stringify(settled), {
        headers: hdrs,
      });
      // An operator deletes the consumer (or the server loses it); another node makes it again, and the new
      // consumer delivers both messages as new, delivery count 1.
      await t.queue.manager.consumers.delete(t.queue.streams.queue, `d_${destinationVersionId}_production`);
      assert.deepEqual(
        await other.claim({ ...scope, nowMs: now + 1000 }),
        [],
        'the retry waits for its back-off; the delivered message is not pushed again',
      );
      const meta = await other.get(retried.id);
      assert.deepEqual(
        [meta?.state, meta?.attempts, meta?.lastError, meta?.nextAttemptAtMs],
        ['accepted', 1, 'HTTP 503', now + 3600_000],
      );
      assert.equal((await other.get(delivered.id))?.state, 'delivered');
      assert.equal(await other.pendingCount(), 1, 'the delivered message was acked away');
    } finally {
      await nc.close();
      await other.close();
      await t.dispose();
    }
  });

  test("a resend inside the duplicate window leaves the key's index naming the first message", async () => {
    const t = await openNatsTestQueue();
    try {
      const destinationVersionId = newId('ver');
      // Sent at once: neither finds the key indexed, both send the index with their publish, the stream takes one.
      const [a, b] = await Promise.all(
        [1, 2].map(() =>
          t.queue.enqueue(
            newMessage({ destinationVersionId, idempotencyKey: 'ho-so-42' }),
            Readable.from([Buffer.from('mot')]),
          ),
        ),
      );
      const first = [a!, b!].find((r) => !r.duplicate)!.message;
      assert.equal([a!, b!].filter((r) => r.duplicate && r.message.id === first.id).length, 1);
      // The index is what answers a resend after the stream's 15-minute window: it must not name the resend's id.
      const identity = `sys_source.${createHash('sha256').update('ho-so-42').digest('hex')}`;
      const indexed = await withManager((jsm) =>
        jsm.direct.getMessage(t.queue.streams.kv, {
          last_by_subj: `$KV.${t.queue.kvBucket}.i.${identity}`,
        }),
      );
      assert.equal(indexed?.string(), first.id);
    } finally {
      await t.dispose();
    }
  });

  test('a key whose index names a message never stored (its sender killed before the publish) is accepted anew', async () => {
    const t = await openNatsTestQueue();
    try {
      const identity = `sys_source.${createHash('sha256').update('ho-so-43').digest('hex')}`;
      const indexSubject = `$KV.${t.queue.kvBucket}.i.${identity}`;
      const lastIndexed = () =>
        withManager((jsm) => jsm.direct.getMessage(t.queue.streams.kv, { last_by_subj: indexSubject }));
      // What a sender killed between creating the index and publishing leaves behind.
      const nc = await connect({ servers: testNatsUrl });
      try {
        await jetstream(nc).publish(indexSubject, new TextEncoder().encode(newId('msg')));
      } finally {
        await nc.close();
      }
      const destinationVersionId = newId('ver');
      const sent = await t.queue.enqueue(
        newMessage({ destinationVersionId, idempotencyKey: 'ho-so-43' }),
        Readable.from([Buffer.from('bon')]),
      );
      assert.equal(sent.duplicate, false);
      // The index names the stored message now: a resend after the stream's window is answered with it.
      assert.equal((await lastIndexed())?.string(), sent.message.id);
      const resend = await t.queue.enqueue(
        newMessage({ destinationVersionId, idempotencyKey: 'ho-so-43' }),
        Readable.from([Buffer.from('bon')]),
      );
      assert.deepEqual([resend.duplicate, resend.message.id], [true, sent.message.id]);
      assert.equal(await t.queue.pendingCount(), 1);
    } finally {
      await t.dispose();
    }
  });

  test('while NATS is down a send is refused in under a second; once it is back the queue carries on', {
    skip: natsServerBinary ? false : 'no nats-server binary',
    timeout: 120_000,
  }, async () => {
    const server = await PrivateNatsServer.start();
    const queue = await NatsQueue.open(server.url, testCipher(), { prefix: 'down' });
    try {
      const destinationVersionId = newId('ver');
      const before = newMessage({ destinationVersionId, idempotencyKey: 'truoc' });
      await queue.enqueue(before, Readable.from([Buffer.from('before')]));

      await server.stop();
      const refusals: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await assert.rejects(
          queue.enqueue(newMessage({ destinationVersionId }), Readable.from([Buffer.from('down')])),
        );
        refusals.push(performance.now() - started);
        await sleep(100);
      }
      assert.ok(
        Math.max(...refusals) < 1000,
        `refused in ${refusals.map((ms) => ms.toFixed(0)).join(', ')} ms`,
      );

      await server.resume();
      const after = newMessage({ destinationVersionId });
      const deadline = Date.now() + 30_000;
      for (;;) {
        // The client reconnects by itself; the intake's 503 told the source to send again later.
        const sent = await queue.enqueue(after, Readable.from([Buffer.from('after')])).catch(() => null);
        if (sent) break;
        assert.ok(Date.now() < deadline, 'sends are accepted again once NATS is back');
        await sleep(200);
      }
      // What was accepted before the outage is still there, and still known by its key.
      const resend = await queue.enqueue(
        newMessage({ destinationVersionId, idempotencyKey: 'truoc' }),
        Readable.from([Buffer.from('before')]),
      );
      assert.equal(resend.duplicate, true);
      assert.equal(resend.message.id, before.id);
      const claims = await queue.claim({
        nowMs: Date.now(),
        limit: 10,
        leaseMs: 30_000,
        destinationVersionId,
        environment: 'production',
      });
      assert.deepEqual(
        claims.map((c) => c.message.id),
        [before.id, after.id],
      );
      assert.deepEqual(
        claims.map((c) => c.payload?.toString()),
        ['before', 'after'],
      );
      for (const c of claims) await queue.ack(c, Date.now());
      assert.equal(await queue.pendingCount(), 0);
    } finally {
      await queue.close().catch(() => undefined);
      await server.dispose();
    }
  });

  test('settled messages a killed server brings back are deleted once it is back, without waiting for a sweep (R-02)', {
    skip: natsServerBinary ? false : 'no nats-server binary',
    timeout: 120_000,
  }, async (ctx) => {
    const server = await PrivateNatsServer.start();
    const queue = await NatsQueue.open(server.url, testCipher(), { prefix: 'crash' });
    try {
      const destinationVersionId = newId('ver');
      const scope = { destinationVersionId, environment: 'production' as const };
      const total = 200;
      await Promise.all(
        Array.from({ length: total }, (_, i) =>
          queue.enqueue(
            newMessage({ destinationVersionId, idempotencyKey: `k${i}` }),
            Readable.from([Buffer.from(`payload ${i}`)]),
          ),
        ),
      );
      // Deliveries finish out of order, as concurrent pushes do: every other one is acked, the rest stay in flight.
      const held: Claim[] = [];
      let claimed = 0;
      while (claimed < total) {
        const claims = await queue.claim({ ...scope, nowMs: Date.now(), limit: 100, leaseMs: 60_000 });
        assert.ok(claims.length > 0, 'claims');
        claimed += claims.length;
        await Promise.all(claims.map((c, i) => (i % 2 === 0 ? queue.ack(c, Date.now()) : held.push(c))));
      }
      assert.equal(await queue.pendingCount(), held.length);

      // nats-server 2.9 brings those acked messages back after a crash (their deletion was only in its memory).
      await server.stop();
      await server.resume();
      const deadline = Date.now() + 10_000;
      let pending = -1;
      for (;;) {
        pending = await queue.pendingCount().catch(() => -1);
        if (pending === held.length || Date.now() > deadline) break;
        await sleep(100);
      }
      ctx.diagnostic(`pending after the restart: ${pending} (in flight: ${held.length})`);
      assert.equal(pending, held.length, 'only the messages still in flight are in the work queue');

      // The deliveries in flight across the crash settle as usual, and nothing settled is claimed again — not even
      // what the consumer delivers anew because the server lost its record of the first delivery.
      for (const c of held) await queue.ack(c, Date.now());
      const again = await queue.claim({ ...scope, nowMs: Date.now(), limit: total, leaseMs: 60_000 });
      assert.deepEqual(
        again.map((c) => c.message.id),
        [],
      );
      const drained = Date.now() + 10_000;
      while ((await queue.pendingCount()) > 0 && Date.now() < drained) await sleep(100);
      assert.equal(await queue.pendingCount(), 0);
    } finally {
      await queue.close().catch(() => undefined);
      await server.dispose();
    }
  });

  test('a 100 MiB payload round trip to a slow reader keeps memory bounded', {
    timeout: 300_000,
  }, async (ctx) => {
    const t = await openNatsTestQueue();
    try {
      const size = 100 * MiB;
      global.gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sample = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 20);
      try {
        const m = newMessage();
        const source = patternStream(size);
        const { message } = await t.queue.enqueue(m, source.stream);
        assert.equal(message.sizeBytes, size);
        assert.equal(message.sha256, source.sha256());

        const hash = createHash('sha256');
        let read = 0;
        let pauses = 0;
        for await (const part of await t.queue.openPayload(m.id)) {
          hash.update(part as Buffer);
          read += (part as Buffer).length;
          // A slow destination: the engine must wait for it rather than buffer the rest.
          if (read % (10 * MiB) < (part as Buffer).length && pauses++ < 10) await sleep(50);
        }
        assert.equal(read, size);
        assert.equal(hash.digest('hex'), message.sha256);

        const [claim] = await t.queue.claim({
          nowMs: Date.now() + 1,
          limit: 1,
          leaseMs: 60_000,
          destinationVersionId: m.destinationVersionId,
        });
        assert.ok(claim, 'claim');
        await t.queue.ack(claim, Date.now());
        assert.equal((await storedChunks(t.queue)).chunks, 0);
      } finally {
        clearInterval(sample);
      }
      const growthMiB = (peak - baseline) / MiB;
      ctx.diagnostic(`peak RSS growth ${growthMiB.toFixed(1)} MiB`);
      assert.ok(growthMiB < 60, `RSS grew by ${growthMiB.toFixed(1)} MiB while moving 100 MiB`);
    } finally {
      await t.dispose();
    }
  });
});

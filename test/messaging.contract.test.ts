import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { newId } from '../src/core/ids.ts';
import type { MessageQueue, NewMessage } from '../src/messaging/port.ts';
import { queueEngines } from './helpers/queues.ts';

/**
 * The async queue contract (issue 4 item 5, R-02): the same suite on every engine in test/helpers/queues.ts.
 * Every time is passed explicitly (the port takes `nowMs`), and each test uses its own destination, so tests never
 * see each other's messages. On an engine whose leases and retry delays run on the server's clock (NATS JetStream:
 * `ack_wait`, nak delays), the timing cases also wait until real time reaches the `nowMs` they pass (`reach`), so
 * the delays in them are kept short.
 */

const MiB = 1024 * 1024;

// A garbage collection on demand, so the big-payload test measures memory still held, not garbage V8 has not yet
// collected (the test runner cannot be given --expose-gc).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function newMessage(overrides: Partial<NewMessage> = {}): NewMessage {
  const now = Date.now();
  return {
    id: newId('msg'),
    sourceSystemId: 'sys_source',
    destinationVersionId: newId('ver'),
    environment: 'production',
    idempotencyKey: null,
    contentType: 'application/json',
    acceptedAtMs: now,
    expiresAtMs: now + 24 * 3600_000,
    ...overrides,
  };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A payload carrying a unique marker well inside its first chunk, for the R-02 scans. */
function markedPayload(): { bytes: Buffer; marker: Buffer } {
  const marker = Buffer.from(`R02-MARKER-${randomBytes(8).toString('hex')}`);
  const bytes = Buffer.concat([Buffer.from('{"hoTen":"Nguyễn Văn A","ghiChu":"'), marker, Buffer.from('"}')]);
  return { bytes, marker };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** `sizeBytes` of a repeating pattern, produced 1 MiB at a time (never whole in memory). */
function patternStream(sizeBytes: number): Readable {
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < MiB; i++) block[i] = (i * 31 + 7) & 0xff;
  let left = sizeBytes;
  return new Readable({
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const n = Math.min(left, MiB);
      left -= n;
      // The same block every time (the queue must not keep or change what it is given): the test itself then
      // makes no garbage that would blur the memory bound.
      this.push(n === MiB ? block : block.subarray(0, n));
    },
  });
}

function patternSha(sizeBytes: number): string {
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < MiB; i++) block[i] = (i * 31 + 7) & 0xff;
  const hash = createHash('sha256');
  for (let left = sizeBytes; left > 0; left -= Math.min(left, MiB))
    hash.update(block.subarray(0, Math.min(left, MiB)));
  return hash.digest('hex');
}

for (const engine of queueEngines) {
  describe(`message queue contract: ${engine.name}`, () => {
    let queue: MessageQueue;
    let scanForBytes: (needle: Buffer) => Promise<boolean>;
    let dispose: () => Promise<void>;
    /** Before a claim at `nowMs` that relies on a lease or a delay having run out: on a server clock, waits for it. */
    const reach = async (nowMs: number) => {
      const waitMs = nowMs + 150 - Date.now();
      if (engine.serverClock && waitMs > 0) await sleep(waitMs);
    };

    before(async () => {
      ({ queue, scanForBytes, dispose } = await engine.open());
    });
    after(async () => {
      await queue.close();
      await dispose();
    });

    test('enqueue stores the message: metadata, size and SHA-256 of the payload', async () => {
      const { bytes } = markedPayload();
      const m = newMessage({ contentType: 'application/xml' });
      const result = await queue.enqueue(m, Readable.from([bytes]));
      assert.equal(result.duplicate, false);
      assert.equal(result.message.id, m.id);
      const got = await queue.get(m.id);
      assert.ok(got, 'got');
      assert.equal(got.state, 'accepted');
      assert.equal(got.sizeBytes, bytes.length);
      assert.equal(got.sha256, sha256(bytes));
      assert.equal(got.hasPayload, true);
      assert.equal(got.attempts, 0);
      assert.equal(got.lastError, null);
      assert.equal(got.deliveredAtMs, null);
      assert.equal(got.sourceSystemId, m.sourceSystemId);
      assert.equal(got.destinationVersionId, m.destinationVersionId);
      assert.equal(got.environment, 'production');
      assert.equal(got.contentType, 'application/xml');
      assert.equal(got.acceptedAtMs, m.acceptedAtMs);
      assert.equal(got.expiresAtMs, m.expiresAtMs);
      assert.ok(got.nextAttemptAtMs <= m.acceptedAtMs, 'got.nextAttemptAtMs <= m.acceptedAtMs');
      assert.equal(await queue.get(newId('msg')), null);
    });

    test('an empty payload is a message too', async () => {
      const m = newMessage();
      const { message } = await queue.enqueue(m, Readable.from([]));
      assert.equal(message.sizeBytes, 0);
      assert.equal(message.sha256, sha256(Buffer.alloc(0)));
      assert.equal((await readAll(await queue.openPayload(m.id))).length, 0);
    });

    test('an upload that breaks midway leaves nothing behind, and may be sent again', async () => {
      const { marker } = markedPayload();
      const key = `key-${randomBytes(6).toString('hex')}`;
      const m = newMessage({ idempotencyKey: key });
      let sent = 0;
      const broken = new Readable({
        read() {
          sent++;
          if (sent === 1) this.push(Buffer.concat([marker, Buffer.alloc(MiB - marker.length, 1)]));
          else if (sent < 4) this.push(Buffer.alloc(MiB, 2));
          else this.destroy(new Error('connection reset by peer'));
        },
      });
      await assert.rejects(queue.enqueue(m, broken), /connection reset/);
      assert.equal(await queue.get(m.id), null);
      assert.equal(await scanForBytes(marker), false, 'no chunk of the broken upload remains');
      const retry = newMessage({ idempotencyKey: key, destinationVersionId: m.destinationVersionId });
      const result = await queue.enqueue(retry, Readable.from([Buffer.from('whole')]));
      assert.equal(result.duplicate, false);
      assert.equal(result.message.id, retry.id);
    });

    test('a resend with the same (source, idempotency key) is the same message', async () => {
      const key = `key-${randomBytes(6).toString('hex')}`;
      const first = newMessage({ idempotencyKey: key });
      const a = await queue.enqueue(first, Readable.from([Buffer.from('one')]));
      const again = newMessage({ idempotencyKey: key, destinationVersionId: first.destinationVersionId });
      const b = await queue.enqueue(again, Readable.from([Buffer.from('one')]));
      assert.equal(a.duplicate, false);
      assert.equal(b.duplicate, true);
      assert.equal(b.message.id, first.id);
      assert.equal(await queue.get(again.id), null);
      // Another source may use the same key.
      const other = newMessage({ idempotencyKey: key, sourceSystemId: 'sys_other' });
      assert.equal((await queue.enqueue(other, Readable.from([Buffer.from('x')]))).duplicate, false);
      // Exactly one message of the first source is claimable.
      const claims = await queue.claim({
        nowMs: Date.now() + 1000,
        limit: 10,
        leaseMs: 30_000,
        destinationVersionId: first.destinationVersionId,
      });
      assert.deepEqual(
        claims.map((c) => c.message.id),
        [first.id],
      );
    });

    test('two identical sends at once store one message', async () => {
      const key = `key-${randomBytes(6).toString('hex')}`;
      const destinationVersionId = newId('ver');
      const x = newMessage({ idempotencyKey: key, destinationVersionId });
      const y = newMessage({ idempotencyKey: key, destinationVersionId });
      const [rx, ry] = await Promise.all([
        queue.enqueue(x, Readable.from([Buffer.from('same')])),
        queue.enqueue(y, Readable.from([Buffer.from('same')])),
      ]);
      assert.equal([rx, ry].filter((r) => r.duplicate).length, 1);
      assert.equal(rx.message.id, ry.message.id);
      const claims = await queue.claim({
        nowMs: Date.now() + 1000,
        limit: 10,
        leaseMs: 30_000,
        destinationVersionId,
      });
      assert.equal(claims.length, 1);
    });

    test('claim takes due messages only, oldest first, up to the limit', async () => {
      const destinationVersionId = newId('ver');
      const t0 = Date.now();
      const ids: string[] = [];
      for (const offset of [0, 10, 20]) {
        const m = newMessage({ destinationVersionId, acceptedAtMs: t0 + offset });
        ids.push(m.id);
        await queue.enqueue(m, Readable.from([Buffer.from(`m${offset}`)]));
      }
      const future = newMessage({ destinationVersionId, acceptedAtMs: t0 + 1_500 });
      await queue.enqueue(future, Readable.from([Buffer.from('later')]));

      const first = await queue.claim({ nowMs: t0 + 100, limit: 2, leaseMs: 3600_000, destinationVersionId });
      assert.deepEqual(
        first.map((c) => c.message.id),
        ids.slice(0, 2),
      );
      for (const c of first) {
        assert.equal(c.message.state, 'delivering');
        assert.equal(c.message.attempts, 1);
        assert.ok(c.token, 'c.token');
      }
      const second = await queue.claim({
        nowMs: t0 + 100,
        limit: 10,
        leaseMs: 3600_000,
        destinationVersionId,
      });
      assert.deepEqual(
        second.map((c) => c.message.id),
        [ids[2]],
      );
      assert.deepEqual(
        await queue.claim({ nowMs: t0 + 100, limit: 10, leaseMs: 30_000, destinationVersionId }),
        [],
      );
      await reach(t0 + 1_500);
      // A claim may come back empty once on a loaded machine (NATS: its fetch expires before the server answers);
      // the next one takes the message, as the deliverer's next poll does.
      let later: Awaited<ReturnType<typeof queue.claim>> = [];
      for (let tries = 0; later.length === 0 && tries < 5; tries++) {
        if (tries > 0) await sleep(200);
        later = await queue.claim({ nowMs: t0 + 1_500, limit: 10, leaseMs: 30_000, destinationVersionId });
      }
      assert.deepEqual(
        later.map((c) => c.message.id),
        [future.id],
      );
    });

    test('openPayload streams exactly the stored bytes, across chunks', async () => {
      const bytes = randomBytes(3 * MiB + 12345);
      const m = newMessage();
      // Arriving in uneven pieces, as a network upload does.
      const pieces: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += 70_001) pieces.push(bytes.subarray(at, at + 70_001));
      const { message } = await queue.enqueue(m, Readable.from(pieces));
      assert.equal(message.sizeBytes, bytes.length);
      assert.equal(message.sha256, sha256(bytes));
      const read = await readAll(await queue.openPayload(m.id));
      assert.equal(read.length, bytes.length);
      assert.ok(read.equals(bytes), 'read.equals(bytes)');
    });

    test('ack delivers: state delivered, payload deleted, no payload bytes left (R-02)', async () => {
      const { bytes, marker } = markedPayload();
      const m = newMessage();
      await queue.enqueue(m, Readable.from([bytes]));
      // Sealed before the engine sees it (R-02, issue 10 item 3): not even a pending payload is stored in clear.
      assert.equal(await scanForBytes(marker), false, 'no plaintext payload byte is ever stored');
      const [claim] = await queue.claim({
        nowMs: Date.now() + 1000,
        limit: 1,
        leaseMs: 30_000,
        destinationVersionId: m.destinationVersionId,
      });
      assert.ok(claim, 'claim');
      assert.ok(
        (await readAll(await queue.openPayload(m.id))).equals(bytes),
        '(await readAll(await queue.openPayload(m.id))).equals(bytes)',
      );
      const deliveredAtMs = Date.now() + 2000;
      const acked = await queue.ack(claim, deliveredAtMs);
      assert.equal(acked.state, 'delivered');
      assert.equal(acked.hasPayload, false);
      assert.equal(acked.deliveredAtMs, deliveredAtMs);
      assert.equal(acked.sha256, sha256(bytes), 'the metadata outlives the payload');
      assert.equal(acked.sizeBytes, bytes.length);
      assert.deepEqual(await queue.get(m.id), acked);
      await assert.rejects(queue.openPayload(m.id));
      assert.equal(await scanForBytes(marker), false, 'no payload byte remains after delivery');
      // Acked once: a second ack of the same claim is refused, and the message is never claimed again.
      await assert.rejects(queue.ack(claim, deliveredAtMs));
      assert.deepEqual(
        await queue.claim({
          nowMs: Date.now() + 3600_000,
          limit: 10,
          leaseMs: 30_000,
          destinationVersionId: m.destinationVersionId,
        }),
        [],
      );
    });

    test('a lapsed lease is claimed again, and the stale claimant can no longer ack', async () => {
      const m = newMessage();
      const t0 = m.acceptedAtMs;
      await queue.enqueue(m, Readable.from([Buffer.from('lease')]));
      const destinationVersionId = m.destinationVersionId;
      const [stale] = await queue.claim({ nowMs: t0 + 10, limit: 1, leaseMs: 1000, destinationVersionId });
      assert.ok(stale, 'stale');
      // Still leased: nobody else gets it.
      assert.deepEqual(
        await queue.claim({ nowMs: t0 + 500, limit: 1, leaseMs: 1000, destinationVersionId }),
        [],
      );
      await reach(t0 + 2000);
      const [fresh] = await queue.claim({ nowMs: t0 + 2000, limit: 1, leaseMs: 1000, destinationVersionId });
      assert.ok(fresh, 'fresh');
      assert.equal(fresh.message.id, m.id);
      assert.notEqual(fresh.token, stale.token);
      assert.equal(fresh.message.attempts, 2);
      await assert.rejects(queue.ack(stale, t0 + 2100), { code: 'MQ_CLAIM_LOST' });
      await assert.rejects(queue.fail(stale, 'late', null, t0 + 2100), { code: 'MQ_CLAIM_LOST' });
      assert.equal((await queue.get(m.id))?.state, 'delivering');
      const acked = await queue.ack(fresh, t0 + 2200);
      assert.equal(acked.state, 'delivered');
    });

    test('fail with a retry time: accepted again, claimable only from that time', async () => {
      const m = newMessage();
      const t0 = m.acceptedAtMs;
      const destinationVersionId = m.destinationVersionId;
      await queue.enqueue(m, Readable.from([Buffer.from('retry me')]));
      const [claim] = await queue.claim({ nowMs: t0 + 10, limit: 1, leaseMs: 30_000, destinationVersionId });
      assert.ok(claim, 'claim');
      const retryAtMs = t0 + 1_500;
      const failed = await queue.fail(claim, 'upstream answered 503', retryAtMs, t0 + 20);
      assert.equal(failed.state, 'accepted');
      assert.equal(failed.nextAttemptAtMs, retryAtMs);
      assert.equal(failed.lastError, 'upstream answered 503');
      assert.equal(failed.hasPayload, true);
      assert.deepEqual(
        await queue.claim({ nowMs: retryAtMs - 1, limit: 1, leaseMs: 30_000, destinationVersionId }),
        [],
      );
      await reach(retryAtMs);
      const [again] = await queue.claim({
        nowMs: retryAtMs,
        limit: 1,
        leaseMs: 30_000,
        destinationVersionId,
      });
      assert.ok(again, 'again');
      assert.equal(again.message.id, m.id);
      assert.equal(again.message.attempts, 2);
      assert.ok(
        (await readAll(await queue.openPayload(m.id))).equals(Buffer.from('retry me')),
        "(await readAll(await queue.openPayload(m.id))).equals(Buffer.from('retry me'))",
      );
    });

    test('fail without a retry: dead, payload deleted', async () => {
      const { bytes, marker } = markedPayload();
      const m = newMessage();
      await queue.enqueue(m, Readable.from([bytes]));
      const [claim] = await queue.claim({
        nowMs: m.acceptedAtMs + 10,
        limit: 1,
        leaseMs: 30_000,
        destinationVersionId: m.destinationVersionId,
      });
      assert.ok(claim, 'claim');
      const dead = await queue.fail(claim, 'destination refused: 400', null, m.acceptedAtMs + 20);
      assert.equal(dead.state, 'dead');
      assert.equal(dead.hasPayload, false);
      assert.equal(dead.lastError, 'destination refused: 400');
      await assert.rejects(queue.openPayload(m.id));
      assert.equal(await scanForBytes(marker), false);
      assert.deepEqual(
        await queue.claim({
          nowMs: m.acceptedAtMs + 3600_000,
          limit: 1,
          leaseMs: 30_000,
          destinationVersionId: m.destinationVersionId,
        }),
        [],
      );
    });

    test('expire: undelivered messages past expiry go dead and lose their payload; delivered ones stay', async () => {
      const t0 = Date.now();
      const { bytes, marker } = markedPayload();
      const waiting = newMessage({ acceptedAtMs: t0, expiresAtMs: t0 + 1000 });
      await queue.enqueue(waiting, Readable.from([bytes]));
      const delivered = newMessage({ acceptedAtMs: t0, expiresAtMs: t0 + 1000 });
      await queue.enqueue(delivered, Readable.from([Buffer.from('done')]));
      const [c] = await queue.claim({
        nowMs: t0 + 1,
        limit: 1,
        leaseMs: 30_000,
        destinationVersionId: delivered.destinationVersionId,
      });
      assert.ok(c, 'c');
      await queue.ack(c, t0 + 2);

      const early = await queue.expire(t0 + 999);
      assert.ok(!early.some((x) => x.id === waiting.id), '!early.some((x) => x.id === waiting.id)');
      const expired = await queue.expire(t0 + 1000);
      const mine = expired.find((x) => x.id === waiting.id);
      assert.ok(mine, 'the waiting message expires');
      assert.equal(mine.state, 'dead');
      assert.equal(mine.hasPayload, false);
      assert.ok(!expired.some((x) => x.id === delivered.id), 'a delivered message does not expire');
      assert.equal((await queue.get(delivered.id))?.state, 'delivered');
      assert.equal((await queue.get(waiting.id))?.state, 'dead');
      await assert.rejects(queue.openPayload(waiting.id));
      assert.equal(await scanForBytes(marker), false);
      assert.deepEqual(
        await queue.claim({
          nowMs: t0 + 2000,
          limit: 1,
          leaseMs: 30_000,
          destinationVersionId: waiting.destinationVersionId,
        }),
        [],
      );
    });

    test('concurrent claims never hand out the same message twice', async () => {
      const destinationVersionId = newId('ver');
      const t0 = Date.now();
      const ids = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const m = newMessage({ destinationVersionId, acceptedAtMs: t0 + i });
        ids.add(m.id);
        await queue.enqueue(m, Readable.from([Buffer.from(`n${i}`)]));
      }
      const rounds = await Promise.all(
        Array.from({ length: 4 }, () =>
          queue.claim({ nowMs: t0 + 100, limit: 8, leaseMs: 30_000, destinationVersionId }),
        ),
      );
      const claimed = rounds.flat().map((c) => c.message.id);
      assert.equal(new Set(claimed).size, claimed.length, 'no message claimed twice');
      for (const id of claimed) assert.ok(ids.has(id), 'ids.has(id)');
    });

    const bigBytes = 100 * MiB;
    test('a 100 MiB payload streams in and out with bounded memory', async () => {
      const m = newMessage({ contentType: 'application/octet-stream' });
      const expectedSha = patternSha(bigBytes);
      // Memory still held after a collection, sampled while the payload streams: this isolate's JS heap and buffers
      // (where a payload held whole would show) and RSS. RSS also counts an embedded database's own memory
      // (PGlite's WebAssembly heap and garbage in its worker), so it is bounded only where the database lives
      // elsewhere.
      const held = () => {
        collectGarbage();
        const u = process.memoryUsage();
        return { rss: u.rss, js: u.heapUsed + u.arrayBuffers };
      };
      const baseline = held();
      const peak = { ...baseline };
      const sample = () => {
        const now = held();
        peak.rss = Math.max(peak.rss, now.rss);
        peak.js = Math.max(peak.js, now.js);
      };
      // Every 200 ms: the payload takes seconds to stream in (3–8 s measured), so one held whole is sampled many
      // times over; each sample is a full collection, and at every 50 ms they were a third of this suite's CPU.
      const sampler = setInterval(sample, 200);
      const started = performance.now();
      try {
        const { message } = await queue.enqueue(m, patternStream(bigBytes));
        const inMs = performance.now() - started;
        assert.equal(message.sizeBytes, bigBytes);
        assert.equal(message.sha256, expectedSha);
        const hash = createHash('sha256');
        let read = 0;
        for await (const part of await queue.openPayload(m.id)) {
          hash.update(part as Buffer);
          read += (part as Buffer).length;
        }
        const totalMs = performance.now() - started;
        assert.equal(read, bigBytes);
        assert.equal(hash.digest('hex'), expectedSha);
        sample();
        const rssMiB = (peak.rss - baseline.rss) / MiB;
        const jsMiB = (peak.js - baseline.js) / MiB;
        console.log(
          `# ${engine.name}: 100 MiB in ${Math.round(inMs)} ms, in+out ${Math.round(totalMs)} ms, peak held after GC: ` +
            `JS heap+buffers ${jsMiB.toFixed(1)} MiB, RSS ${rssMiB.toFixed(1)} MiB`,
        );
        // Sanity bounds, not measurements: holding the payload whole would add at least 100 MiB.
        assert.ok(jsMiB < 50, `JS heap and buffers grew by ${jsMiB.toFixed(1)} MiB`);
        if (!engine.embeddedDatabase) assert.ok(rssMiB < 60, `RSS grew by ${rssMiB.toFixed(1)} MiB`);
      } finally {
        clearInterval(sampler);
      }
      const [claim] = await queue.claim({
        nowMs: Date.now() + 1000,
        limit: 1,
        leaseMs: 30_000,
        destinationVersionId: m.destinationVersionId,
      });
      assert.ok(claim, 'claim');
      await queue.ack(claim, Date.now());
      await assert.rejects(queue.openPayload(m.id));
    });
  });
}

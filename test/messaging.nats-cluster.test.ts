import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../src/core/clock.ts';
import { newId } from '../src/core/ids.ts';
import { NatsQueue } from '../src/messaging/nats-queue.ts';
import type { Claim, NewMessage, Replication } from '../src/messaging/port.ts';
import type { Store } from '../src/store/port.ts';
import { type EngineProbe, nodeHealth } from '../src/telemetry/node-health.ts';
import type { Recorder } from '../src/telemetry/recorder.ts';
import { natsServerBinary, PrivateNatsCluster, PrivateNatsServer } from './helpers/nats-queue.ts';
import { testCipher } from './helpers/payload-keys.ts';

/**
 * The NATS engine on a NATS cluster (docs/messaging.md "Cụm NATS / A NATS cluster"): with
 * `messaging.natsReplicas = 3` the queue, the metadata bucket and the payload objects are each kept by three
 * JetStream servers, so an accepted message outlives the death of any one of them — the stream's leader included.
 * Real `nats-server` processes, routed to each other; skipped where the binary is missing.
 */

const skip = natsServerBinary ? false : 'no nats-server binary';

function newMessage(destinationVersionId: string): NewMessage {
  const now = Date.now();
  return {
    id: newId('msg'),
    sourceSystemId: 'sys_source',
    destinationVersionId,
    environment: 'production',
    idempotencyKey: null,
    contentType: 'application/octet-stream',
    acceptedAtMs: now,
    expiresAtMs: now + 24 * 3600_000,
  };
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Runs `op` until it succeeds or `ms` pass: while a new leader is elected, JetStream answers nothing. */
async function retrying<T>(what: string, ms: number, op: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await sleep(250);
    }
  }
}

describe('NATS engine on a 3-server NATS cluster (messaging.natsReplicas)', {
  skip,
  timeout: 180_000,
}, () => {
  test('replicas 3: every stream is kept by the three servers, and killing the queue’s leader loses no accepted message', async () => {
    const cluster = await PrivateNatsCluster.start(3);
    let queue: NatsQueue | null = null;
    try {
      queue = await NatsQueue.open(cluster.url, testCipher(), { prefix: 'ha', replicas: 3 });
      const q = queue;
      for (const name of Object.values(q.streams)) {
        const info = await q.manager.streams.info(name);
        assert.equal(info.config.num_replicas, 3, `${name}: three replicas asked`);
        assert.equal(info.cluster?.replicas?.length, 2, `${name}: a leader and two other servers hold it`);
      }

      // Small messages and one above the 512 KiB object threshold (kept in the object store's stream).
      const destinationVersionId = newId('ver');
      const sent = new Map<string, string>();
      for (let i = 0; i < 20; i++) {
        const payload = i === 7 ? randomBytes(600 * 1024) : Buffer.from(`thông điệp ${i}`);
        const message = newMessage(destinationVersionId);
        await q.enqueue(message, Readable.from([payload]));
        sent.set(message.id, sha256(payload));
      }

      const leader = (await q.manager.streams.info(q.streams.queue)).cluster?.leader;
      assert.ok(leader, 'the queue’s stream has a leader');
      // All three hold it (asked until the new stream's replicas have reported in).
      await retrying('all three replicas seen', 10_000, async () => {
        await q.pendingCount();
        assert.deepEqual(q.replication(), { replicas: 3, leader, holding: 3, missing: [] });
      });
      await cluster.kill(leader);

      // A new leader is elected among the two left; every accepted message is there, once, intact.
      const received = new Map<string, string>();
      const deadline = Date.now() + 60_000;
      while (received.size < sent.size) {
        assert.ok(Date.now() < deadline, `received ${received.size} of ${sent.size} after the leader died`);
        const claims: Claim[] = await q
          .claim({
            nowMs: Date.now(),
            limit: 50,
            leaseMs: 30_000,
            destinationVersionId,
            environment: 'production',
          })
          .catch(() => []);
        for (const c of claims) {
          assert.ok(!received.has(c.message.id), `${c.message.id} claimed twice`);
          const payload =
            c.payload ??
            Buffer.concat(
              await retrying('openPayload', 30_000, async () =>
                (await q.openPayload(c.message.id)).toArray(),
              ),
            );
          received.set(c.message.id, sha256(payload));
          await retrying('ack', 30_000, () => q.ack(c, Date.now()));
        }
        if (claims.length === 0) await sleep(250);
      }
      assert.deepEqual(received, sent);
      // Nothing delivered stays in the work queue. An ack sent while the new leader was being elected may be
      // lost (the engine does not wait for it): the periodic sweep the deliverer runs (`expire`, every 10 s) takes
      // such a settled message out.
      await retrying('the work queue empties', 45_000, async () => {
        await q.expire(Date.now());
        assert.equal(await q.pendingCount(), 0, 'every delivered message has left the stream');
      });

      // What node health shows (and `lgsp_queue_replicas_missing` counts): two of three hold the queue now, once the
      // dead one has not been heard from for 5 s.
      const deadlineSeen = Date.now() + 30_000;
      for (;;) {
        await q.pendingCount().catch(() => 0);
        const r = q.replication();
        if (r?.missing.includes(leader)) {
          assert.equal(r.holding, 2);
          assert.notEqual(r.leader, leader);
          break;
        }
        assert.ok(Date.now() < deadlineSeen, `the dead server is seen missing: ${JSON.stringify(r)}`);
        await sleep(250);
      }

      // And the queue goes on taking messages with one server down.
      const after = newMessage(destinationVersionId);
      await retrying('enqueue after failover', 30_000, () =>
        q.enqueue(after, Readable.from([Buffer.from('sau sự cố / after the failure')])),
      );
    } finally {
      await queue?.close().catch(() => undefined);
      await cluster.dispose();
    }
  });

  test('replicas 3 on a single NATS server: the queue does not open, and the error names the setting', async () => {
    const server = await PrivateNatsServer.start();
    try {
      await assert.rejects(
        NatsQueue.open(server.url, testCipher(), { prefix: 'single', replicas: 3 }),
        (err: Error) => {
          assert.match(err.message, /messaging\.natsReplicas/);
          assert.match(err.message, /LGSP_NATS_REPLICAS/);
          return true;
        },
      );
      // Replicas 1 (the default) on the same server opens.
      const queue = await NatsQueue.open(server.url, testCipher(), { prefix: 'single' });
      await queue.close();
    } finally {
      await server.dispose();
    }
  });
});

describe('node health of a queue kept on several servers', () => {
  const probe = (state: 'ok' | 'unreachable') =>
    ({ state, describe: () => ({ state }) }) as unknown as EngineProbe;
  const health = (replication: Replication | null) =>
    nodeHealth({
      role: 'all',
      clock: { nowMs: () => 0 } as Clock,
      store: { kind: 'postgres' } as Store,
      storeProbe: probe('ok'),
      queueEngine: 'nats',
      queueProbe: probe('ok'),
      queueReplication: () => replication,
      snapshots: { revision: 1, current: {}, lag: () => ({ behindRevisions: 0 }) },
      recorder: { backlog: 0, strict: true, written: 0 } as unknown as Recorder,
      jobs: () => ({}),
    });

  test('a queue server missing makes the node degraded (still ready) and names it; whole or one copy is ok', () => {
    const missing = { replicas: 3, leader: 'n2', holding: 2, missing: ['n1'] };
    const h = health(missing);
    assert.equal(h['status'], 'degraded');
    assert.equal(h['ready'], true);
    assert.deepEqual((h['engines'] as { queue: { replication: Replication } }).queue.replication, missing);
    assert.equal(health({ replicas: 3, leader: 'n1', holding: 3, missing: [] })['status'], 'ok');
    const single = health(null);
    assert.equal(single['status'], 'ok');
    assert.equal('replication' in (single['engines'] as { queue: object }).queue, false);
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { systemClock } from '../src/core/clock.ts';
import { loadConfig } from '../src/core/config.ts';
import { openRedis } from '../src/core/redis.ts';
import { Deliverer } from '../src/messaging/delivery.ts';
import {
  type DestinationSlots,
  InProcessSlots,
  openDestinationSlots,
  RedisSlots,
} from '../src/messaging/destination-slots.ts';
import { EmbeddedQueue } from '../src/messaging/embedded-queue.ts';
import { type Destination, type Destinations, Messaging } from '../src/messaging/messaging.ts';
import { PayloadCipher } from '../src/messaging/payload-cipher.ts';
import { PayloadKeys } from '../src/messaging/payload-keys.ts';
import { EgressPolicy } from '../src/net/egress.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { startDestination } from './helpers/destination.ts';
import { testRedisPrefix, testRedisUrl } from './helpers/redis.ts';
import { openTestStore, type TestStore, testDatabaseUrl } from './helpers/stores.ts';

/**
 * Issue 13 item 3: a destination's `deliveryConcurrency` bounds the whole cluster's pushes when Redis is set. Three
 * deliverers — three worker nodes — share one queue (PostgreSQL when its URL is set, else one PGlite store) and push
 * to one destination that counts the requests it holds at once. With the Redis slots that count never passes the
 * destination's limit; with each node's own count (no Redis) it does, which is what the shared bound is for.
 */
const LIMIT = 3;
const NODES = 3;
const MESSAGES = 45;
const VERSION_ID = 'ver_concurrency';

describe('destination concurrency across worker nodes', {
  skip: !testRedisUrl && 'LGSP_TEST_REDIS_URL not set',
}, () => {
  let testStore: TestStore;
  let destination: Awaited<ReturnType<typeof startDestination>>;
  let keys: PayloadKeys;
  let messaging: Messaging;
  let destinations: Destinations;
  const config = loadConfig({ env: {}, overrides: {} });

  before(async () => {
    testStore = await openTestStore(testDatabaseUrl ? 'postgres' : 'pglite');
    destination = await startDestination();
    // Each push is held a while, so that pushes overlap and the bound is what limits them.
    destination.state.delayMs = 40;
    keys = PayloadKeys.ephemeral(Date.now());
    messaging = new Messaging({
      queue: new EmbeddedQueue(testStore.store, new PayloadCipher(keys)),
      keys,
      store: testStore.store,
      clock: systemClock,
      config: config.messaging,
      logger: silentLogger(),
      // No message dies here: no alert is raised.
      alerts: null as never,
    });
    const route: Destination = {
      serviceId: 'svc_concurrency',
      context: 'hoso',
      version: '1.0',
      versionId: VERSION_ID,
      providerSystemId: 'sys_destination',
      providerOrgCode: '000.00.31.H01',
      mode: 'async',
      deliveryConcurrency: LIMIT,
      upstreams: { sandbox: null, production: { origin: destination.url, basePath: '/nhan' } },
    };
    destinations = {
      routesByVersion: new Map([[VERSION_ID, route]]),
      systems: new Map(),
      // Receipts are signed only for a source with a webhook: none here.
      signing: { kid: 'unused', algorithm: 'ES256', privateKey: new Uint8Array(32) },
    };
  });

  after(async () => {
    await destination?.close();
    keys?.close();
    await testStore?.dispose();
  });

  /** Queues `MESSAGES` messages, runs NODES deliverers with the given slots until all are delivered. */
  async function deliverAll(slotsOf: () => DestinationSlots): Promise<void> {
    destination.received.clear();
    destination.pushes.length = 0;
    destination.state.maxInFlight = 0;
    const run = randomBytes(4).toString('hex');
    for (let i = 0; i < MESSAGES; i++) {
      const nowMs = Date.now();
      await messaging.queue.enqueue(
        {
          id: `msg_${run}_${i}`,
          sourceSystemId: 'sys_source',
          destinationVersionId: VERSION_ID,
          environment: 'production',
          idempotencyKey: null,
          contentType: 'text/plain',
          acceptedAtMs: nowMs,
          expiresAtMs: nowMs + 3_600_000,
        },
        Readable.from([Buffer.from(`thông điệp ${i}`)]),
      );
    }
    const egress = new EgressPolicy({ ...config.egress, allow: [new URL(destination.url).host] });
    const deliverers = Array.from(
      { length: NODES },
      () =>
        new Deliverer({
          messaging,
          clock: systemClock,
          logger: silentLogger(),
          records: { record() {}, overloaded: false },
          destinations: () => destinations,
          egress,
          slots: slotsOf(),
        }),
    );
    for (const d of deliverers) d.start();
    try {
      const deadline = Date.now() + 60_000;
      while (destination.received.size < MESSAGES && Date.now() < deadline) await sleep(20);
      assert.equal(destination.received.size, MESSAGES, 'every message reached the destination');
    } finally {
      await Promise.all(deliverers.map((d) => d.stop()));
    }
  }

  test('with Redis, all nodes together never push more at once than the destination’s limit', async () => {
    const keyPrefix = testRedisPrefix();
    await deliverAll(() =>
      openDestinationSlots({ redisUrl: testRedisUrl, redis: { ...config.redis, keyPrefix } }, silentLogger()),
    );
    assert.ok(
      destination.state.maxInFlight <= LIMIT,
      `at most ${LIMIT} pushes at once across ${NODES} nodes, saw ${destination.state.maxInFlight}`,
    );
    assert.equal(destination.state.maxInFlight, LIMIT, 'and the limit is used: the pushes did overlap');
    // Stopped deliverers gave their slots back: nothing is held in Redis any more.
    const redis = new Redis(testRedisUrl);
    try {
      assert.equal(await redis.hlen(`${keyPrefix}slots:{${VERSION_ID}}:held`), 0, 'no slot left held');
    } finally {
      redis.disconnect();
    }
  });

  test('without Redis each node counts alone: together they pass the limit (the bound is per node)', async () => {
    await deliverAll(() => new InProcessSlots());
    assert.ok(
      destination.state.maxInFlight > LIMIT,
      `per-node counts let ${NODES} nodes exceed ${LIMIT}: saw ${destination.state.maxInFlight}`,
    );
  });
});

describe('the Redis slots', { skip: !testRedisUrl && 'LGSP_TEST_REDIS_URL not set' }, () => {
  const options = (keyPrefix: string, onUnavailable: 'open' | 'closed') => ({ keyPrefix, onUnavailable });

  test('a dead node’s hold lapses and its slots come back; a live node’s does not', async () => {
    const keyPrefix = testRedisPrefix();
    const base = `${keyPrefix}slots:{ver_x}`;
    const redis = new Redis(testRedisUrl);
    const slots = new RedisSlots(
      openRedis(testRedisUrl),
      options(keyPrefix, 'closed'),
      new InProcessSlots(),
      silentLogger(),
    );
    try {
      const [seconds] = await redis.time();
      const nowMs = Number(seconds) * 1000;
      // Two other nodes hold 2 slots each: one renewed recently, one silent past its hold (dead).
      await redis.hset(`${base}:held`, 'live-node', 2, 'dead-node', 2);
      await redis.zadd(`${base}:lapse`, nowMs + 60_000, 'live-node', nowMs - 1_000, 'dead-node');
      assert.equal(
        await slots.take('ver_x', 4, 4),
        2,
        'the dead node’s 2 slots are free again, the live one’s not',
      );
      assert.equal(await redis.hget(`${base}:held`, 'dead-node'), null, 'the dead node is forgotten');
      assert.equal(await slots.take('ver_x', 4, 1), 0, 'the limit is reached');
      slots.give('ver_x', 2);
      assert.equal(
        await slots.take('ver_x', 4, 2),
        2,
        'slots given back locally are taken again without Redis',
      );
    } finally {
      await slots.close();
      redis.disconnect();
    }
  });

  test('Redis unreachable: closed starts no push, open bounds the node alone; both counted', async () => {
    const unreachable = 'redis://127.0.0.1:1';
    const closed = new RedisSlots(
      openRedis(unreachable, 200),
      options('x:', 'closed'),
      new InProcessSlots(),
      silentLogger(),
    );
    const open = new RedisSlots(
      openRedis(unreachable, 200),
      options('x:', 'open'),
      new InProcessSlots(),
      silentLogger(),
    );
    try {
      assert.equal(await closed.take('ver_y', 3, 3), 0, 'closed: nothing starts');
      assert.equal(closed.state, 'redis-unavailable');
      assert.equal(closed.unavailableDecisions, 1);
      assert.equal(await open.take('ver_y', 3, 5), 3, 'open: this node’s own limit');
      assert.equal(await open.take('ver_y', 3, 1), 0, 'which holds on this node');
      open.give('ver_y', 1);
      assert.equal(await open.take('ver_y', 3, 1), 1, 'and counts what comes back');
      assert.equal(open.state, 'redis-unavailable');
      assert.equal(open.unavailableDecisions, 3);
    } finally {
      await closed.close();
      await open.close();
    }
  });
});

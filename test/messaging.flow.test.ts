import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { compactVerify, createLocalJWKSet } from 'jose';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { createWebhookEndpoint } from '../src/control/webhooks.ts';
import { ManualClock } from '../src/core/clock.ts';
import { VIETNAM_OFFSET_MINUTES } from '../src/core/time.ts';
import { NatsQueue } from '../src/messaging/nats-queue.ts';
import type { Platform } from '../src/platform.ts';
import { createLogger, silentLogger } from '../src/telemetry/logger.ts';
import { startDestination } from './helpers/destination.ts';
import { getToken } from './helpers/gateway-harness.ts';
import { stopPlatformAndQueue } from './helpers/nats-queue.ts';
import { FULL_DESCRIPTION, publishThroughSandbox, testInSandbox } from './helpers/onboard.ts';
import { platformEngines } from './helpers/queues.ts';
import { startTestPlatform, type TestPlatform } from './helpers/test-platform.ts';
import { allowEgressTo } from './helpers/upstream.ts';
import { waitFor } from './helpers/wait.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers read field by field in assertions
type Json = Record<string, any>;
const natsUrl = process.env['LGSP_TEST_NATS_URL'] ?? '';
const OPERATOR_EMAIL = 'vanhanh@stttt.angiang.gov.vn';
const MAX_ATTEMPTS = 4;
const RETRY_BASE_MS = 1000;
const MINUTE = 60_000;

/**
 * Issue 4's flow on every engine: a source sends through the gateway → the LGSP delivers (push, and pull from the
 * inbox) → the payload is gone from the store/stream → the source reads the state and a signed receipt. Plus a
 * destination that is down for a while (retries, then delivery), one that never comes back and a message never
 * pulled (dead letter, operator alert, payload deleted), and a scan for payload bytes after it all.
 */

for (const setup of platformEngines) {
  describe(`async messaging flow — ${setup.name}`, () => {
    const clock = new ManualClock(Date.parse('2026-11-24T02:00:00Z'));
    let started: TestPlatform | null = null;
    const prefix = `flow${randomBytes(4).toString('hex')}`;
    /** The source organization's webhook receiver: the signed delivery callbacks. */
    const hooks: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
    const hookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        hooks.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    let hookSecret = '';
    let platform: Platform;
    let destination: Awaited<ReturnType<typeof startDestination>>;
    let ids: Json;
    let credentials: Record<'source' | 'destination', { consumerKey: string; consumerSecret: string }>;
    /** A fresh token each time: the tests move the clock by hours, past a token's hour. */
    const tokenOf = (who: 'source' | 'destination') =>
      getToken(platform.gatewayUrl, credentials[who].consumerKey, credentials[who].consumerSecret);
    /** Every payload sent, by a marker that occurs nowhere else, for the final scan. */
    const markers: string[] = [];

    const payload = (label: string, size = 2048): Buffer => {
      const marker = `LGSP-PAYLOAD-${label}-${randomBytes(6).toString('hex')}`;
      markers.push(marker);
      const body = Buffer.alloc(size, `${marker}|`);
      return body;
    };
    const send = async (path: string, body: Buffer, headers: Record<string, string> = {}) => {
      const res = await fetch(`${platform.gatewayUrl}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await tokenOf('source')}`,
          'content-type': 'application/pdf',
          ...headers,
        },
        body,
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
    };
    const status = async (messageId: string, who: 'source' | 'destination' = 'source') => {
      const token = await tokenOf(who);
      const res = await fetch(`${platform.gatewayUrl}/_lgsp/messages/${messageId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const legs = async (messageId: string) => {
      await platform.recorder.flush();
      const rows = await platform.store.db
        .selectFrom('transactions')
        .select([
          'leg',
          'provider_status',
          'consumer_status',
          'consumer_system_id',
          'provider_system_id',
          'request_in_at',
          'id',
        ])
        .where('message_id', '=', messageId)
        .execute();
      // The test clock stands still between moves: order by time, then by the legs' own order, then by id.
      const rank = { sync: 0, intake: 1, delivery: 2, ack: 3 };
      return rows.sort(
        (a, b) =>
          new Date(a.request_in_at).getTime() - new Date(b.request_in_at).getTime() ||
          rank[a.leg] - rank[b.leg] ||
          // Ids from one generator grow within the same millisecond.
          (a.id < b.id ? -1 : 1),
      );
    };
    /** Advances the clock past every backoff and lets the deliverer run, until `done` holds. */
    const advanceUntil = async (done: () => Promise<boolean>, stepMs = 20 * MINUTE, rounds = 30) => {
      for (let i = 0; i < rounds; i++) {
        if (await done()) return;
        // NATS holds a retried message for its back-off on the server's own clock (a `nak` delay): let it pass.
        if (setup.serverClock) await sleep(RETRY_BASE_MS / 2);
        clock.advance(stepMs);
        platform.deliverer.wake();
        await platform.deliverer.settled();
      }
      assert.fail('condition not reached while advancing the clock');
    };

    before(async () => {
      destination = await startDestination();
      started = await startTestPlatform(
        setup.store,
        {
          notifications: { pollIntervalMs: 100 },
          alerts: { emails: [OPERATOR_EMAIL] },
          messaging: {
            engine: setup.engine,
            natsUrl,
            natsPrefix: prefix,
            maxAttempts: MAX_ATTEMPTS,
            retryBaseMs: RETRY_BASE_MS,
            pollIntervalMs: 50,
            pushTimeoutMs: 5000,
            ttlHours: 24,
            maxMessageBytes: 1_000_000,
          },
        },
        {
          clock,
          logger: process.env['DEBUG_LOG']
            ? createLogger({
                logLevel: 'info',
                logFormat: 'auto',
                timezoneOffsetMinutes: VIETNAM_OFFSET_MINUTES,
              })
            : silentLogger(),
        },
      );
      platform = started.platform;
      const { registry } = platform;
      const provider = await registry.createOrganization(
        {
          code: '000.00.31.H01',
          name: 'Sở Tài nguyên và Môi trường',
          contact: { name: 'A', email: 'a@x.vn' },
        },
        'test',
      );
      const consumer = await registry.createOrganization(
        {
          code: '000.00.12.H01',
          name: 'Trung tâm Phục vụ hành chính công',
          contact: { name: 'B', email: 'b@x.vn' },
        },
        'test',
      );
      // The source asks to be called back, signed, when its messages are delivered or die.
      await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
      const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}`;
      // Issue 10: this test's own servers, exactly — the discard port is the destination that never answers.
      allowEgressTo(platform.egress, hookUrl, destination.url, 'http://127.0.0.1:9');
      const endpoint = await createWebhookEndpoint(
        platform.store,
        clock,
        platform.kek,
        {
          organizationId: consumer.id,
          url: `${hookUrl}/lgsp`,
          events: ['message.delivered', 'message.dead'],
        },
        'test',
        platform.egress,
      );
      hookSecret = endpoint.secret;
      const dest = await registry.createSystem(
        { organizationId: provider.id, name: 'Hệ thống một cửa', isProvider: true, isConsumer: false },
        'test',
      );
      const src = await registry.createSystem(
        { organizationId: consumer.id, name: 'Cổng dịch vụ công', isProvider: false, isConsumer: true },
        'test',
      );
      const version = async (context: string, upstreams: Json, resource: string, concurrency = 4) => {
        const service = await registry.createService(
          { context, name: context, providerSystemId: dest.id, description: FULL_DESCRIPTION },
          'test',
        );
        return registry.createVersion(
          service.id,
          {
            version: '1.0',
            mode: 'async',
            deliveryConcurrency: concurrency,
            upstreams,
            resources: [{ method: 'POST', path: resource }],
          },
          'test',
        );
      };
      // Pushed to the destination's endpoint; pulled from the inbox (no endpoint); pushed to an address that
      // never answers in production (its sandbox works, so it could be published).
      const hoso = await version(
        'hoso',
        { sandbox: `${destination.url}/sandbox`, production: `${destination.url}/inbound` },
        '/nop',
      );
      const vanban = await version('vanban', {}, '/gui');
      const chet = await version(
        'khongnhan',
        { sandbox: `${destination.url}/sandbox`, production: 'http://127.0.0.1:9/never' },
        '/gui',
        1,
      );
      await publishThroughSandbox(platform, hoso.id);
      await publishThroughSandbox(platform, chet.id);
      // A pulling destination's sandbox test is its own pull and acknowledgement of the operator's test message.
      await testInSandbox(platform, vanban.id);
      const destSandbox = await registry.issueCredential(dest.id, 'sandbox', 'test');
      await platform.snapshots.refresh();
      const sandboxToken = await getToken(
        platform.gatewayUrl,
        destSandbox.consumerKey,
        destSandbox.consumerSecret,
      );
      const pulled = await fetch(`${platform.gatewayUrl}/_lgsp/inbox`, {
        headers: { authorization: `Bearer ${sandboxToken}` },
      });
      assert.equal(pulled.status, 200, 'the sandbox test message waits in the inbox');
      await pulled.arrayBuffer();
      const handle = pulled.headers.get('x-lgsp-receipt-handle')!;
      const acked = await fetch(
        `${platform.gatewayUrl}/_lgsp/inbox/${pulled.headers.get('x-lgsp-message-id')}/ack`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${sandboxToken}`, 'x-lgsp-receipt-handle': handle },
        },
      );
      assert.equal(acked.status, 200);
      await platform.recorder.flush();
      await platform.lifecycle.publishVersion(vanban.id, {}, 'test');

      for (const v of [hoso, vanban, chet]) {
        await registry.createSubscription(
          { systemId: src.id, versionId: v.id, environment: 'production' },
          'test',
        );
      }
      const srcCredential = await registry.issueCredential(src.id, 'production', 'test');
      const destCredential = await registry.issueCredential(dest.id, 'production', 'test');
      await platform.snapshots.refresh();
      credentials = { source: srcCredential, destination: destCredential };
      ids = { src: src.id, dest: dest.id, hoso: hoso.id, vanban: vanban.id, chet: chet.id };
    });

    after(async () => {
      await stopPlatformAndQueue(started, natsUrl, prefix);
      await destination?.close();
      hookServer.close();
    });

    test('push: 202 at once with an id, a retried send is the same message, delivered once, payload deleted, signed receipt', async () => {
      const body = payload('push', 300_000);
      const first = await send('/hoso/1.0/nop', body, { 'idempotency-key': 'ho-so-2026-0001' });
      assert.equal(first.status, 202);
      assert.match(first.body.messageId, /^msg_/);
      assert.equal(first.body.duplicate, false);
      assert.equal(first.body.sizeBytes, body.length);
      assert.equal(first.body.sha256, createHash('sha256').update(body).digest('hex'));
      assert.equal(first.headers.get('location'), `/_lgsp/messages/${first.body.messageId}`);
      const id = first.body.messageId as string;

      const again = await send('/hoso/1.0/nop', body, { 'idempotency-key': 'ho-so-2026-0001' });
      assert.equal(again.status, 202);
      assert.equal(again.body.messageId, id, 'the same Idempotency-Key is the same message');
      assert.equal(again.body.duplicate, true);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');

      await waitFor(async () => destination.received.has(id));
      const got = destination.received.get(id)!;
      assert.equal(got.sha256, first.body.sha256, 'the destination got the payload intact');
      assert.equal(got.headers['idempotency-key'], id, 'the destination deduplicates on the message id');
      assert.equal(got.headers['x-lgsp-consumer-system'], ids.src);
      assert.equal(got.headers['content-type'], 'application/pdf');
      assert.equal(
        got.headers['repr-digest'],
        `sha-256=:${createHash('sha256').update(body).digest('base64')}:`,
      );

      await waitFor(async () => (await status(id)).body.state === 'delivered');
      const { body: state } = await status(id);
      assert.equal(state.attempts, 1);
      assert.equal(state.destination.context, 'hoso');
      // The receipt is a JWS by the platform's key, checked against the published JWKS.
      const jwks = (await (await fetch(`${platform.gatewayUrl}/.well-known/jwks.json`)).json()) as Json;
      const { payload: claims } = await compactVerify(state.receipt, createLocalJWKSet(jwks as never));
      const receipt = JSON.parse(new TextDecoder().decode(claims)) as Json;
      assert.equal(receipt.typ, 'lgsp-delivery-receipt');
      assert.equal(receipt.messageId, id);
      assert.equal(receipt.state, 'delivered');
      assert.equal(receipt.sha256, first.body.sha256);

      // The source's callback: a webhook signed with its endpoint's secret, carrying the signed receipt.
      await waitFor(async () => hooks.some((h) => h.body.includes(id)));
      const hook = hooks.find((h) => h.body.includes(id))!;
      assert.equal(hook.headers['webhook-id'], (JSON.parse(hook.body) as Json).id);
      assert.equal((JSON.parse(hook.body) as Json).type, 'message.delivered');
      // Signed the Standard Webhooks way, checked with its library (this test's clock is not the wall clock, which
      // the library's own `verify` compares the timestamp with: the signature is recomputed instead).
      const timestamp = new Date(Number(hook.headers['webhook-timestamp']) * 1000);
      assert.equal(
        hook.headers['webhook-signature'],
        new Webhook(hookSecret).sign(hook.headers['webhook-id'] as string, timestamp, hook.body),
        'signed by the LGSP',
      );
      const data = (JSON.parse(hook.body) as Json).data;
      assert.equal(data.state, 'delivered');
      await compactVerify(data.receipt, createLocalJWKSet(jwks as never));

      const meta = await platform.messaging.queue.get(id);
      assert.equal(meta?.hasPayload, false, 'payload deleted once delivered (R-02)');
      await assert.rejects(platform.messaging.queue.openPayload(id));
      // Another system cannot read the message's state.
      assert.equal((await status(id, 'destination')).status, 200, 'the destination may');
      const records = await legs(id);
      assert.deepEqual(
        records.map((r) => [r.leg, r.provider_status, r.consumer_status]),
        [
          ['intake', null, 202],
          ['intake', null, 202],
          ['delivery', 200, 200],
        ],
      );
      assert.ok(
        records.every((r) => r.consumer_system_id === ids.src && r.provider_system_id === ids.dest),
        'records.every((r) => r.consumer_system_id === ids.src && r.provider_system_id === ids.d...',
      );
    });

    test('pull: the destination fetches from its inbox and acknowledges; then the payload is gone', async () => {
      const body = payload('pull');
      const sent = await send('/vanban/1.0/gui', body);
      assert.equal(sent.status, 202);
      const id = sent.body.messageId as string;
      assert.equal((await status(id)).body.state, 'accepted');

      const inbox = (token: string) =>
        fetch(`${platform.gatewayUrl}/_lgsp/inbox`, { headers: { authorization: `Bearer ${token}` } });
      const destinationToken = await tokenOf('destination');
      const notMine = await inbox(await tokenOf('source'));
      assert.equal(notMine.status, 204, 'the source has no inbox of this service');
      const pulled = await inbox(destinationToken);
      assert.equal(pulled.status, 200);
      assert.equal(pulled.headers.get('x-lgsp-message-id'), id);
      assert.equal(pulled.headers.get('x-lgsp-consumer-system'), ids.src);
      assert.deepEqual(Buffer.from(await pulled.arrayBuffer()), body);
      assert.equal((await status(id)).body.state, 'delivering');

      const ack = (handle: string) =>
        fetch(`${platform.gatewayUrl}/_lgsp/inbox/${id}/ack`, {
          method: 'POST',
          headers: { authorization: `Bearer ${destinationToken}`, 'x-lgsp-receipt-handle': handle },
        });
      const wrong = await ack('khong-dung');
      assert.equal(wrong.status, 409);
      assert.equal(((await wrong.json()) as Json).code, 'MQ_CLAIM_LOST');
      const done = await ack(pulled.headers.get('x-lgsp-receipt-handle')!);
      assert.equal(done.status, 200);
      const acked = (await done.json()) as Json;
      assert.equal(acked.state, 'delivered');
      assert.ok(acked.receipt, 'acked.receipt');
      assert.equal((await inbox(destinationToken)).status, 204, 'nothing left to pull');
      assert.equal((await platform.messaging.queue.get(id))?.hasPayload, false);
      assert.equal((await status(id)).body.state, 'delivered');
      assert.deepEqual(
        (await legs(id)).map((r) => [r.leg, r.consumer_status]),
        [
          ['intake', 202],
          ['delivery', 200],
          ['ack', 409],
          ['ack', 200],
        ],
        'every leg recorded, the refused acknowledgement too',
      );
    });

    test("pushes respect the destination's concurrency limit", async () => {
      destination.state.delayMs = 150;
      destination.state.maxInFlight = 0;
      try {
        const sent = await Promise.all(
          Array.from({ length: 10 }, (_, i) => send('/hoso/1.0/nop', payload(`concurrency-${i}`, 100))),
        );
        const ids = sent.map((r) => r.body.messageId as string);
        await waitFor(async () => ids.every((id) => destination.received.has(id)));
        assert.ok(
          destination.state.maxInFlight <= 4,
          `at most 4 at once, saw ${destination.state.maxInFlight}`,
        );
        assert.ok(destination.state.maxInFlight >= 2, 'pushes do run side by side');
      } finally {
        destination.state.delayMs = 0;
      }
    });

    test('a destination down for a while: retried with backoff, delivered when it returns', async () => {
      destination.state.mode = 'down';
      const sent = await send('/hoso/1.0/nop', payload('down'));
      const id = sent.body.messageId as string;
      const failures = () => destination.pushes.filter((p) => p === id).length;
      await waitFor(async () => failures() === 1);
      // The retry waits for its backoff: a full delivery round with the clock unmoved pushes nothing more.
      await platform.deliverer.settled();
      platform.deliverer.wake();
      await platform.deliverer.settled();
      assert.equal(failures(), 1);
      await advanceUntil(async () => failures() >= 2);
      destination.state.mode = 'up';
      await advanceUntil(async () => destination.received.has(id));
      await waitFor(async () => (await status(id)).body.state === 'delivered');
      assert.equal((await status(id)).body.attempts, 3);
      assert.deepEqual(
        (await legs(id)).map((r) => [r.leg, r.provider_status]),
        [
          ['intake', null],
          ['delivery', 503],
          ['delivery', 503],
          ['delivery', 200],
        ],
      );
    });

    test('a destination that never returns: dead letter after the attempts, operator alerted, payload deleted', async () => {
      const sent = await send('/khongnhan/1.0/gui', payload('dead'));
      const id = sent.body.messageId as string;
      await advanceUntil(async () => (await status(id)).body.state === 'dead');
      const { body: dead } = await status(id);
      assert.equal(dead.attempts, MAX_ATTEMPTS);
      assert.match(dead.lastError, /ECONNREFUSED|UND_ERR/);
      assert.equal(dead.receipt, null, 'no delivery receipt for a dead message');
      assert.equal((await platform.messaging.queue.get(id))?.hasPayload, false, 'payload deleted');
      const alerts = await platform.alerts.list({ state: 'open', kind: 'message.dead' });
      const alert = alerts.find((a) => a.key === `message.dead:${ids.chet}:production`);
      assert.ok(alert, 'the operator has an open alert for this destination');
      assert.equal(alert.details['messageId'], id);
      const mail = await platform.store.db
        .selectFrom('notifications')
        .select(['recipient', 'subject'])
        .where('event_type', '=', 'alert.opened')
        .execute();
      assert.ok(
        mail.some((m) => m.recipient === OPERATOR_EMAIL),
        'an e-mail to the operator is queued',
      );
      assert.equal(
        (await legs(id)).filter((r) => r.leg === 'delivery').length,
        MAX_ATTEMPTS,
        'every attempt is a record',
      );
    });

    test('a message never pulled: dead at its expiry, payload deleted, alert raised', async () => {
      const sent = await send('/vanban/1.0/gui', payload('expired'));
      const id = sent.body.messageId as string;
      clock.advance(25 * 60 * MINUTE);
      await waitFor(async () => {
        platform.deliverer.wake();
        return (await platform.messaging.queue.get(id))?.state === 'dead';
      });
      assert.equal((await platform.messaging.queue.get(id))?.hasPayload, false);
      // The alert follows the expiry's commit (the deliverer raises it next): seen dead is not yet alerted.
      await waitFor(async () => {
        const alerts = await platform.alerts.list({ kind: 'message.dead' });
        return alerts.some((a) => a.key === `message.dead:${ids.vanban}:production`);
      });
    });

    test('bad input: wrong method, oversized body, bad Idempotency-Key — clear problems, nothing stored', async () => {
      const stored = async () =>
        (
          await platform.store.db
            .selectFrom('transactions')
            .select('message_id')
            .where('leg', '=', 'intake')
            .execute()
        ).length;
      // Counted once every earlier record is written: the four refusals below (the 405 included) are what it adds.
      await platform.recorder.flush();
      const before = await stored();
      const get = await fetch(`${platform.gatewayUrl}/hoso/1.0/nop`, {
        headers: { authorization: `Bearer ${await tokenOf('source')}` },
      });
      assert.equal(get.status, 405);
      assert.equal(get.headers.get('allow'), 'POST');
      assert.equal(((await get.json()) as Json).code, 'MQ_METHOD_NOT_ALLOWED');
      const tooBig = await send('/hoso/1.0/nop', Buffer.alloc(1_000_001, 1));
      assert.equal(tooBig.status, 413);
      assert.equal(tooBig.body.code, 'MQ_MESSAGE_TOO_LARGE');
      const badKey = await send('/hoso/1.0/nop', Buffer.from('x'), { 'idempotency-key': 'hai tu' });
      assert.equal(badKey.status, 400);
      assert.equal(badKey.body.code, 'MQ_IDEMPOTENCY_KEY_INVALID');
      // The queue engine itself failing is not the source's fault: 503, send again with the same key.
      const queue = platform.messaging.queue;
      const enqueue = queue.enqueue;
      queue.enqueue = async () => {
        throw new Error('connection to the queue lost');
      };
      try {
        const down = await send('/hoso/1.0/nop', Buffer.from('x'), { 'idempotency-key': 'khi-hang-doi-loi' });
        assert.equal(down.status, 503);
        assert.equal(down.body.code, 'MQ_QUEUE_UNAVAILABLE');
        assert.equal(down.headers.get('retry-after'), '5');
      } finally {
        queue.enqueue = enqueue;
      }
      const unknown = await status('msg_khongco');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, 'MQ_MESSAGE_NOT_FOUND');
      await platform.recorder.flush();
      assert.equal(await stored(), before + 4, 'the refusals are recorded');
      const messages = await platform.store.db
        .selectFrom('transactions')
        .select('message_id')
        .where('leg', '=', 'intake')
        .where('consumer_status', '>=', 400)
        .execute();
      assert.ok(
        messages.every((m) => m.message_id === null),
        'a refused message has no id: nothing was stored',
      );
    });

    test('scan: no payload bytes of any message left in the store (or the stream)', async () => {
      await waitFor(async () => {
        const pending = await platform.store.db
          .selectFrom('transactions')
          .select('id')
          .where('leg', '=', 'intake')
          .execute();
        return pending.length > 0;
      });
      const tables = await sql<{ table_name: string }>`
        SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`.execute(platform.store.db);
      for (const marker of markers) {
        const hex = Buffer.from(marker).toString('hex');
        for (const { table_name } of tables.rows) {
          const found = await sql<{ n: number }>`
            SELECT count(*)::int AS n FROM ${sql.table(table_name)} t
            WHERE strpos(t::text, ${marker}) > 0 OR strpos(t::text, ${hex}) > 0`.execute(platform.store.db);
          assert.equal(found.rows[0]?.n, 0, `${marker} found in ${table_name}`);
        }
      }
      const queue = platform.messaging.queue;
      assert.equal(await queue.pendingCount(), 0, 'nothing waits: every message was delivered or is dead');
      const scrape = await (await fetch(`${platform.adminUrl}/metrics`)).text();
      assert.match(scrape, /^lgsp_messages_pending 0$/m);
      assert.match(scrape, /^lgsp_alerts_open [1-9]/m, 'the dead letters left open alerts');
      if (queue instanceof NatsQueue) {
        const found = await scanStreams(queue, markers);
        assert.deepEqual(found, [], 'no payload bytes in the JetStream streams');
      }
    });
  });
}

/** Reads every message still in the queue's JetStream streams and returns the markers found in any. */
async function scanStreams(queue: NatsQueue, markers: string[]): Promise<string[]> {
  const found = new Set<string>();
  const jsm = queue.manager;
  for (const stream of Object.values(queue.streams)) {
    const info = await jsm.streams.info(stream);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (!msg) continue;
      const text = Buffer.from(msg.data).toString('latin1');
      for (const m of markers) if (text.includes(m)) found.add(m);
    }
  }
  return [...found];
}

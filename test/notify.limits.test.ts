import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { Registry } from '../src/control/registry/index.ts';
import { createWebhookEndpoint } from '../src/control/webhooks.ts';
import { ManualClock } from '../src/core/clock.ts';
import { SWEEP_MS, timedOutReason, watchedDeadlines } from '../src/net/deadlines.ts';
import { EgressPolicy } from '../src/net/egress.ts';
import { dueRows, Notifier, retryDelayMs } from '../src/notify/notifier.ts';
import { enqueueNotification } from '../src/notify/outbox.ts';
import { TelemetryMetrics } from '../src/telemetry/metrics.ts';
import { TEST_KEK } from './helpers/keys.ts';
import { openTestStore, storeKinds, type TestStore } from './helpers/stores.ts';

/**
 * How a relay answers: `fast`; `each-line` — the greeting and the replies to MAIL FROM, RCPT TO and the message each
 * `LINE_MS` late, every one well within nodemailer's per-read timeouts (a stand-in for "just before the 30 s idle
 * timeout"), the whole longer than the send's limit; `after-data` — takes the whole message at once, then keeps its
 * final reply back past the limit (the case where a cut send may already have been delivered); `silent` — never
 * greets, so each send waits for its limit (a stuck relay).
 */
type RelayPace = 'fast' | 'each-line' | 'after-data' | 'silent';

/** The send's whole limit in these tests (`mailTimeoutMs`), and the relay's pace against it. */
const MAIL_LIMIT_MS = 1_000;
const LINE_MS = 400;
const FINAL_REPLY_MS = 3_000;
/**
 * The test of lanes: the rows a lane claims at once (notifier.ts), the notifier's tick, and a send's limit long enough
 * that "well under it" holds on a busy machine.
 */
const BATCH = 20;
const TICK_MS = 100;
const HELD_LIMIT_MS = 4_000;

/** A real SMTP relay (smtp-server) whose pace the test sets; what it took, and the connections it saw close. */
async function startRelay() {
  const relay = {
    pace: 'fast' as RelayPace,
    /** The X-LGSP-Delivery header of each message the relay took whole (acknowledged or not). */
    took: [] as string[],
    closed: 0,
    port: 0,
    server: null as unknown as SMTPServer,
  };
  const late = (callback: () => void, ms: number) => setTimeout(callback, ms);
  const line = (callback: () => void) => (relay.pace === 'each-line' ? late(callback, LINE_MS) : callback());
  relay.server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect: (_session, callback) => {
      if (relay.pace !== 'silent') line(() => callback());
    },
    onMailFrom: (_address, _session, callback) => line(() => callback()),
    onRcptTo: (_address, _session, callback) => line(() => callback()),
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const delivery = /^x-lgsp-delivery:\s*(\S+)/im.exec(Buffer.concat(chunks).toString('utf8'));
        relay.took.push(delivery?.[1] ?? '');
        if (relay.pace === 'after-data') late(() => callback(), FINAL_REPLY_MS);
        else line(() => callback());
      });
    },
    onClose: () => {
      relay.closed++;
    },
  });
  await new Promise<void>((ok) => relay.server.listen(0, '127.0.0.1', () => ok()));
  relay.port = (relay.server.server.address() as AddressInfo).port;
  return relay;
}

/**
 * R-03 for e-mail: nodemailer bounds the connection, the greeting and each read, never a whole send — a relay that
 * answered each SMTP line just before its idle timeout held the send, the batch it was in (webhooks too), the round
 * and every notification behind it, and the platform's stop, for as long as it liked. Each send is now whole within
 * its limit (30 s; `mailTimeoutMs` here): cut there, the connection closed, it is a failed attempt the outbox retries,
 * and the rest of the round goes on.
 */
for (const kind of storeKinds) {
  describe(`an e-mail send is whole within its limit (${kind})`, () => {
    let ts: TestStore;
    let relay: Awaited<ReturnType<typeof startRelay>>;
    let receiver: Server;
    const hooks: string[] = [];
    /** When each webhook arrived (performance.now()). */
    const hookAt: number[] = [];
    let orgId: string;
    let clock: ManualClock;
    let egress: EgressPolicy;
    const notifiers: Notifier[] = [];
    /** Each send's outcome, as `GET /metrics` shows it (`lgsp_notifications_total`). */
    const metrics = new TelemetryMetrics({ defaultMetrics: false });
    const notifier = (pollIntervalMs = 5000, mailTimeoutMs = MAIL_LIMIT_MS) => {
      const n = new Notifier(
        ts.store,
        clock,
        {
          smtpUrl: `smtp://127.0.0.1:${relay.port}`,
          mailFrom: '"LGSP tỉnh" <lgsp@localhost>',
          pollIntervalMs,
          maxAttempts: 8,
        },
        pino({ level: 'silent' }),
        TEST_KEK,
        { egress, mailTimeoutMs, metrics },
      );
      notifiers.push(n);
      return n;
    };
    const enqueue = (input: Parameters<typeof enqueueNotification>[1]) =>
      ts.store.db.transaction().execute((trx) => enqueueNotification(trx, input, clock.nowMs()));
    const notice = {
      eventType: 'notice.maintenance' as const,
      subject: 'Bảo trì dịch vụ Dân cư 1.0',
      text: 'Dịch vụ Dân cư 1.0 tạm dừng từ 22:00 đến 23:00 ngày 08/12/2026.',
      payload: { context: 'dancu', version: '1.0' },
    };
    const rowsOf = async () =>
      ts.store.db.selectFrom('notifications').selectAll().orderBy('channel').execute();

    before(async () => {
      ts = await openTestStore(kind);
      relay = await startRelay();
      receiver = createServer((req, res) => {
        hooks.push(req.url ?? '');
        hookAt.push(performance.now());
        req.resume().on('end', () => res.end('ok'));
      });
      await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', () => ok()));
      const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      egress = new EgressPolicy({ allow: [new URL(receiverUrl).host] });
      clock = new ManualClock(Date.now());
      const registry = new Registry(ts.store, clock);
      orgId = (await registry.createOrganization({ code: '000.00.31.H01', name: 'Sở Tư pháp' }, 'test')).id;
      await createWebhookEndpoint(
        ts.store,
        clock,
        TEST_KEK,
        { organizationId: orgId, url: `${receiverUrl}/hook` },
        'test',
        egress,
      );
    });
    after(async () => {
      for (const n of notifiers) await n.stop();
      receiver.closeAllConnections();
      await new Promise((ok) => receiver.close(ok));
      await new Promise<void>((ok) => relay.server.close(() => ok()));
      await ts.dispose();
    });
    beforeEach(async () => {
      await ts.store.db.deleteFrom('notifications').execute();
      relay.took.length = 0;
      relay.closed = 0;
      hooks.length = 0;
      hookAt.length = 0;
    });

    test('a relay that answers each line late: the send fails at its limit, the e-mail waits for its retry, the webhook of the same round goes out', async () => {
      relay.pace = 'each-line';
      await enqueue({
        ...notice,
        recipients: { emails: ['vanthu@stp.tinh.gov.vn'], organizationIds: [orgId] },
      });
      const n = notifier();
      const t0 = performance.now();
      assert.deepEqual(await n.deliverDue(), { sent: 1, failed: 0, retried: 1 });
      const elapsedMs = performance.now() - t0;
      // Cut by the limit (at most one sweep late), not after the relay's whole 4 × 400 ms.
      assert.ok(elapsedMs >= MAIL_LIMIT_MS - 20, `round ended after ${elapsedMs} ms`);
      assert.ok(elapsedMs < MAIL_LIMIT_MS + SWEEP_MS + 300, `round ended after ${elapsedMs} ms`);
      assert.deepEqual(hooks, ['/hook'], 'the webhook went out in the same round');
      assert.deepEqual(relay.took, [], 'the relay never got the message');

      const [email, webhook] = await rowsOf();
      assert.equal(webhook?.status, 'sent');
      assert.equal(email?.status, 'pending', 'kept for a retry');
      assert.equal(email?.last_error, timedOutReason(MAIL_LIMIT_MS));
      assert.equal(new Date(email!.next_attempt_at).getTime(), clock.nowMs() + retryDelayMs(1));
      assert.equal(watchedDeadlines(), 0, 'no exchange left watched');
      // The connection was closed on our side: the relay sees it go (nodemailer's close grace is 5 s at most).
      for (let i = 0; i < 60 && relay.closed === 0; i++) await sleep(100);
      assert.equal(relay.closed, 1, 'the relay saw its connection closed');

      // A relay back to its pace: the retry, once due, sends it.
      relay.pace = 'fast';
      clock.advance(retryDelayMs(1));
      assert.deepEqual(await n.deliverDue(), { sent: 1, failed: 0, retried: 0 });
      assert.deepEqual(relay.took, [email!.id]);
      // The operator sees the relay's trouble in the metrics: one e-mail retried, then sent; the webhook sent.
      const scraped = await metrics.scrape();
      for (const [channel, outcome, count] of [
        ['email', 'retried', 1],
        ['email', 'sent', 1],
        ['webhook', 'sent', 1],
      ] as const) {
        assert.match(
          scraped,
          new RegExp(
            `^lgsp_notifications_total\\{channel="${channel}",outcome="${outcome}"\\} ${count}$`,
            'm',
          ),
        );
      }
    });

    test('a relay that keeps its final reply back: cut, retried — at least once, the same X-LGSP-Delivery on both copies', async () => {
      relay.pace = 'after-data';
      await enqueue({ ...notice, recipients: { emails: ['vanthu@stp.tinh.gov.vn'] } });
      const n = notifier();
      const t0 = performance.now();
      assert.deepEqual(await n.deliverDue(), { sent: 0, failed: 0, retried: 1 });
      const elapsedMs = performance.now() - t0;
      assert.ok(elapsedMs < MAIL_LIMIT_MS + SWEEP_MS + 300, `round ended after ${elapsedMs} ms`);
      const [email] = await rowsOf();
      assert.equal(email?.status, 'pending');
      assert.equal(email?.last_error, timedOutReason(MAIL_LIMIT_MS));
      // The relay had the message when the send was cut: it may deliver it.
      assert.deepEqual(relay.took, [email!.id]);

      relay.pace = 'fast';
      clock.advance(retryDelayMs(1));
      assert.deepEqual(await n.deliverDue(), { sent: 1, failed: 0, retried: 0 });
      assert.deepEqual(relay.took, [email!.id, email!.id], 'sent again, recognisably the same notification');
      assert.equal((await rowsOf())[0]?.status, 'sent');
    });

    test('e-mail and webhooks are lanes of their own: a stuck relay delays no webhook, due with the e-mails or while they wait; stop waits only for the sends in flight', async () => {
      relay.pace = 'silent';
      // Three batches of e-mails, each held to the limit: while one round claimed every channel, the webhook due
      // just after them went out in the fourth batch, 3 limits late (3 × 30 s in production), and any webhook
      // falling due meanwhile waited for the round's end.
      const emails = Array.from({ length: 3 * BATCH }, (_, i) => `vanthu${i}@stp.tinh.gov.vn`);
      await enqueue({ ...notice, recipients: { emails } });
      clock.advance(1);
      await enqueue({ ...notice, recipients: { organizationIds: [orgId] } });
      const hooksArrived = async (count: number) => {
        for (let i = 0; i < 1000 && hooks.length < count; i++) await sleep(20);
        assert.equal(hooks.length, count, `${count} webhook(s) arrived`);
      };
      const promptly = HELD_LIMIT_MS / 2;

      const n = notifier(TICK_MS, HELD_LIMIT_MS);
      const t0 = performance.now();
      n.start();
      await hooksArrived(1);
      const firstMs = hookAt[0]! - t0;
      assert.ok(firstMs < promptly, `the webhook due with the e-mails arrived after ${firstMs} ms`);
      // Joins the lanes in their rounds: it ends with the e-mail lane's.
      let mailRoundEndedAt = Number.POSITIVE_INFINITY;
      const joined = n.deliverDue().then((round) => {
        mailRoundEndedAt = performance.now();
        return round;
      });

      // Falls due while the first e-mails still wait for the relay: out at the next tick.
      clock.advance(1);
      const dueAt = performance.now();
      await enqueue({ ...notice, recipients: { organizationIds: [orgId] } });
      await hooksArrived(2);
      const secondMs = hookAt[1]! - dueAt;
      assert.ok(secondMs < promptly, `the webhook due later arrived after ${secondMs} ms`);
      assert.ok(hookAt[1]! < mailRoundEndedAt, 'it did not wait for the e-mail lane');

      // Stopped with the first batch of e-mails in flight: waits for that batch, cut at its limit, and claims no
      // other — before, the whole round (3 limits). The rest stay due for the next node.
      const stopAt = performance.now();
      await n.stop();
      const stopMs = performance.now() - stopAt;
      assert.ok(stopMs < HELD_LIMIT_MS + SWEEP_MS + 1_000, `stop took ${stopMs} ms`);
      const round = await joined;
      assert.deepEqual([round.failed, round.retried], [0, BATCH], 'one batch of e-mails cut, retried later');
      console.log('MEASURE', kind, { firstMs, secondMs, stopMs, mailRoundEndedAtMs: mailRoundEndedAt - t0 });
      const rows = await rowsOf();
      const mails = rows.filter((r) => r.channel === 'email');
      const cut = mails.filter((r) => r.attempts === 1 && r.last_error === timedOutReason(HELD_LIMIT_MS));
      assert.equal(cut.length, BATCH, 'the batch in flight failed as a timeout');
      const unclaimed = mails.filter((r) => r.attempts === 0 && r.status === 'pending');
      assert.equal(unclaimed.length, 2 * BATCH, 'the other e-mails were not claimed');
      assert.deepEqual(
        rows.filter((r) => r.channel === 'webhook').map((r) => r.status),
        ['sent', 'sent'],
      );
      assert.deepEqual(relay.took, [], 'the relay never got a message');
    });
  });
}

/**
 * A lane reads its own rows only (migration 0050). Without SMTP configured e-mails stay pending (R-21: late rather
 * than failed), so a platform that never set it gathers an e-mail backlog; with the old index on (status, due time)
 * the webhook lane's claim read past every pending e-mail due before its rows, at every poll. The claim's plan, run
 * for real: it reads the webhook row, not the backlog.
 */
for (const kind of storeKinds) {
  test(`the webhook lane's claim reads no pending e-mail (${kind})`, async () => {
    const ts = await openTestStore(kind);
    try {
      const nowMs = Date.now();
      await sql`
        INSERT INTO notifications (id, event_type, channel, recipient, subject, body_text, payload, status,
                                   attempts, next_attempt_at, created_at)
        SELECT 'ntf_mail' || n, 'notice.maintenance', 'email', 'so' || n || '@angiang.gov.vn', 'Bảo trì', 'Nội dung',
               '{}'::jsonb, 'pending', 0, ${new Date(nowMs - 3_600_000)}::timestamptz + n * interval '1 ms', ${new Date(nowMs)}
        FROM generate_series(1, 3000) AS n`.execute(ts.store.db);
      await sql`
        INSERT INTO notifications (id, event_type, channel, recipient, subject, body_text, payload, status,
                                   attempts, next_attempt_at, created_at)
        VALUES ('ntf_hook', 'notice.maintenance', 'webhook', 'whk_1', 'Bảo trì', 'Nội dung', '{}'::jsonb, 'pending', 0,
                ${new Date(nowMs - 1000)}, ${new Date(nowMs)})`.execute(ts.store.db);
      await sql`ANALYZE notifications`.execute(ts.store.db);
      const claim = dueRows(ts.store.db, 'webhook', nowMs).compile();
      const explained = await sql<{ 'QUERY PLAN': unknown }>`EXPLAIN (ANALYZE, FORMAT JSON) ${sql.raw(
        claim.sql.replace(/\$(\d+)/g, (_, i: string) => literal(claim.parameters[Number(i) - 1])),
      )}`.execute(ts.store.db);
      const plan = explained.rows[0]!['QUERY PLAN'];
      const read = rowsRead(typeof plan === 'string' ? JSON.parse(plan) : plan);
      assert.ok(read <= 10, `the claim read ${read} rows for one due webhook beside 3,000 pending e-mails`);
      const claimed = await dueRows(ts.store.db, 'webhook', nowMs).execute();
      assert.deepEqual(
        claimed.map((r) => r.id),
        ['ntf_hook'],
        'the webhook is claimed',
      );
    } finally {
      await ts.dispose();
    }
  });
}

/** A parameter as an SQL literal, for EXPLAIN of a compiled query (dates and text only here). */
function literal(value: unknown): string {
  if (value instanceof Date) return `'${value.toISOString()}'::timestamptz`;
  if (typeof value === 'number') return String(value);
  return `'${String(value).replaceAll("'", "''")}'`;
}

/** Rows a plan's scans returned or filtered away: what the query read. */
function rowsRead(plan: unknown): number {
  let total = 0;
  const walk = (node: Record<string, unknown>) => {
    if (String(node['Node Type']).includes('Scan')) {
      total += Number(node['Actual Rows'] ?? 0) + Number(node['Rows Removed by Filter'] ?? 0);
    }
    for (const child of (node['Plans'] as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  for (const entry of plan as Array<{ Plan: Record<string, unknown> }>) walk(entry.Plan);
  return total;
}

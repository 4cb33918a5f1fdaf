import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type Logger, pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { Registry } from '../src/control/registry/index.ts';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookEndpoints,
  type WebhookEndpointInput,
} from '../src/control/webhooks.ts';
import { type Clock, ManualClock } from '../src/core/clock.ts';
import { loadConfig } from '../src/core/config.ts';
import { SWEEP_MS, watchedDeadlines } from '../src/net/deadlines.ts';
import { EgressPolicy } from '../src/net/egress.ts';
import { Notifier, type NotifierConfig, retryDelayMs } from '../src/notify/notifier.ts';
import { enqueueNotification } from '../src/notify/outbox.ts';
import { receiverSecret, signWebhook, webhookHeaders } from '../src/notify/webhook-signature.ts';
import type { Store } from '../src/store/port.ts';
import { TEST_KEK } from './helpers/keys.ts';
import { SMTP_PASSWORD, SMTP_USER, startSmtp } from './helpers/smtp.ts';
import { openTestStore, storeKinds, type TestStore } from './helpers/stores.ts';
import { trickle } from './helpers/trickle.ts';

// ── A real webhook receiver (node:http) ─────────────────────────────────────────────────────────────────────────

interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * `/ok` answers 200; `/flaky` 500 twice then 200; `/down` always 500; `/silent` never answers; `/bao-truoc` sends
 * `103 Early Hints` without end; `/nho-giot/<status>` answers that status, then its body a byte at a time, forever.
 */
async function startReceiver(): Promise<{ server: Server; url: string; hooks: ReceivedHook[] }> {
  const hooks: ReceivedHook[] = [];
  let flakyCalls = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      hooks.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (path.startsWith('/silent')) return;
      if (path.startsWith('/bao-truoc')) return trickle(res, 'early-hints', 100);
      if (path.startsWith('/nho-giot/')) return trickle(res, 'bytes', 100, Number(path.split('/')[2]));
      const ok = path.startsWith('/ok') || (path.startsWith('/flaky') && ++flakyCalls > 2);
      res.writeHead(ok ? 200 : 500).end(ok ? 'ok' : 'lỗi');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hooks };
}

function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) }), lines };
}

const notifyConfig = (over: Partial<NotifierConfig> = {}): NotifierConfig => ({
  smtpUrl: '',
  mailFrom: '"LGSP tỉnh" <lgsp@localhost>',
  pollIntervalMs: 5000,
  maxAttempts: 8,
  ...over,
});

// ── Signatures (no store needed) ────────────────────────────────────────────────────────────────────────────

describe('webhook signatures', () => {
  test('Standard Webhooks: v1,base64 HMAC-SHA256 of "<id>.<timestamp>.<body>", keyed with the secret bytes; whsec_ form', () => {
    const secret = 'bi-mat-cua-dau-nhan';
    const body = '{"id":"ntf_1","type":"notice.deprecation","data":{"tên":"Dân cư"}}';
    const ts = 1_767_225_600;
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8'))
      .update(`ntf_1.${ts}.${body}`)
      .digest('base64');
    assert.equal(signWebhook(secret, 'ntf_1', ts, body), `v1,${expected}`);
    assert.equal(receiverSecret(secret), `whsec_${Buffer.from(secret).toString('base64')}`);
    // The convention's library signs the same with the whsec_ form, and with the bare secret as raw bytes (how
    // a receiver holding a secret issued before the change verifies).
    const at = new Date(ts * 1000);
    assert.equal(new Webhook(receiverSecret(secret)).sign('ntf_1', at, body), `v1,${expected}`);
    assert.equal(new Webhook(secret, { format: 'raw' }).sign('ntf_1', at, body), `v1,${expected}`);
    assert.deepEqual(Object.keys(webhookHeaders([secret], 'ntf_1', ts, body)), [
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
    ]);
    // During a rotation's overlap: both signatures, space-separated, the current secret first.
    assert.equal(
      webhookHeaders([secret, 'khoa-cu'], 'ntf_1', ts, body)['webhook-signature'],
      `v1,${expected} ${signWebhook('khoa-cu', 'ntf_1', ts, body)}`,
    );
  });

  test('backoff: 30 s, 1 min, 2 min … capped at 1 h', () => {
    assert.deepEqual([1, 2, 3, 4].map(retryDelayMs), [30_000, 60_000, 120_000, 240_000]);
    assert.equal(retryDelayMs(20), 3_600_000);
  });

  test('config: LGSP_SMTP_URL, LGSP_MAIL_FROM, LGSP_NOTIFY_POLL_INTERVAL_MS, LGSP_NOTIFY_MAX_ATTEMPTS', () => {
    const defaults = loadConfig({ env: {} }).notifications;
    assert.deepEqual(defaults, notifyConfig());
    const c = loadConfig({
      env: {
        LGSP_SMTP_URL: 'smtp://u:p@mail.tinh.gov.vn:587',
        LGSP_MAIL_FROM: 'lgsp@tinh.gov.vn',
        LGSP_NOTIFY_POLL_INTERVAL_MS: '1000',
        LGSP_NOTIFY_MAX_ATTEMPTS: '3',
      },
    }).notifications;
    assert.deepEqual(c, {
      smtpUrl: 'smtp://u:p@mail.tinh.gov.vn:587',
      mailFrom: 'lgsp@tinh.gov.vn',
      pollIntervalMs: 1000,
      maxAttempts: 3,
    });
  });
});

// ── Delivery, on every store ────────────────────────────────────────────────────────────────────────────────

for (const kind of storeKinds) {
  describe(`notifications (${kind})`, () => {
    let ts: TestStore;
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let clock: ManualClock;
    let orgA: string;
    let orgB: string;
    /** Allows exactly this test's receiver (issue 10: tests allow their own servers, nothing wider). */
    let egress: EgressPolicy;
    const createEndpoint = (store: Store, at: Clock, input: WebhookEndpointInput, actor: string) =>
      createWebhookEndpoint(store, at, TEST_KEK, input, actor, egress);
    const notifiers: Notifier[] = [];

    const notifier = (
      over: Partial<NotifierConfig> = {},
      logger = pino({ level: 'silent' }),
      timeoutMs?: number,
    ) => {
      const n = new Notifier(ts.store, clock, notifyConfig(over), logger, TEST_KEK, {
        egress,
        ...(timeoutMs ? { webhookTimeoutMs: timeoutMs } : {}),
      });
      notifiers.push(n);
      return n;
    };
    const smtpUrl = () => `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`;
    const enqueue = (input: Parameters<typeof enqueueNotification>[1]) =>
      ts.store.db.transaction().execute((trx) => enqueueNotification(trx, input, clock.nowMs()));
    const row = (id: string) =>
      ts.store.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    before(async () => {
      ts = await openTestStore(kind);
      smtp = await startSmtp();
      receiver = await startReceiver();
      egress = new EgressPolicy({ allow: [new URL(receiver.url).host] });
      clock = new ManualClock(Date.now());
      const registry = new Registry(ts.store, clock);
      orgA = (await registry.createOrganization({ code: '000.00.31.H01', name: 'Sở Tư pháp' }, 'test')).id;
      orgB = (await registry.createOrganization({ code: '000.00.32.H01', name: 'Sở Y tế' }, 'test')).id;
    });

    after(async () => {
      for (const n of notifiers) await n.stop();
      receiver.server.closeAllConnections();
      await new Promise((ok) => receiver.server.close(ok));
      await new Promise<void>((ok) => smtp.server.close(() => ok()));
      await ts.dispose();
    });

    beforeEach(async () => {
      await ts.store.db.deleteFrom('notifications').execute();
      await ts.store.db.deleteFrom('webhook_endpoints').execute();
      smtp.mails.length = 0;
      receiver.hooks.length = 0;
    });

    test('an e-mail arrives over SMTP: recipient, Vietnamese subject and body; the SMTP password is never logged', async () => {
      const { queued, invalidEmails } = await enqueue({
        eventType: 'notice.deprecation',
        recipients: { emails: ['vanthu@stp.tinh.gov.vn', 'VANTHU@stp.tinh.gov.vn', 'không phải thư'] },
        subject: 'Thông báo ngừng hỗ trợ phiên bản dịch vụ Dân cư 1.0',
        text: 'Kính gửi Quý cơ quan,\nPhiên bản 1.0 sẽ ngừng hoạt động sau 180 ngày. Đề nghị chuyển sang 2.0.',
        payload: { context: 'dancu', version: '1.0' },
      });
      assert.equal(queued.length, 1, 'the same address once');
      assert.deepEqual(invalidEmails, ['không phải thư']);

      const { logger, lines } = capturingLogger();
      const n = notifier({ smtpUrl: smtpUrl() }, logger);
      n.start();
      assert.deepEqual(await n.deliverDue(), { sent: 1, failed: 0, retried: 0 });

      assert.equal(smtp.mails.length, 1);
      const mail = smtp.mails[0]!;
      assert.deepEqual(mail.envelopeTo, ['vanthu@stp.tinh.gov.vn']);
      assert.equal(mail.envelopeFrom, 'lgsp@localhost');
      assert.equal(mail.user, SMTP_USER, 'authenticated with the URL credentials');
      assert.equal(mail.subject, 'Thông báo ngừng hỗ trợ phiên bản dịch vụ Dân cư 1.0');
      assert.match(mail.text, /^Kính gửi Quý cơ quan,\nPhiên bản 1\.0 sẽ ngừng hoạt động sau 180 ngày\./);
      assert.equal(mail.headers.get('x-lgsp-event'), 'notice.deprecation');
      assert.equal(mail.headers.get('x-lgsp-delivery'), queued[0]!.id);

      const r = await row(queued[0]!.id);
      assert.equal(r.status, 'sent');
      assert.equal(r.attempts, 1);
      assert.ok(r.sent_at, 'r.sent_at');
      const log = lines.join('');
      assert.ok(log.includes('"smtpHost":"127.0.0.1"'), log);
      assert.ok(!log.includes(SMTP_PASSWORD), 'the SMTP password is not in the log');
      // Its tick would otherwise go on claiming the later tests' rows, and their counts would race with it.
      await n.stop();
    });

    test('a webhook arrives signed; the signature verifies, a tampered body does not; only subscribed endpoints', async () => {
      const all = await createEndpoint(
        ts.store,
        clock,
        { organizationId: orgA, url: `${receiver.url}/ok/all` },
        'test',
      );
      const subscribed = await createEndpoint(
        ts.store,
        clock,
        { organizationId: orgA, url: `${receiver.url}/ok/deprecations`, events: ['notice.deprecation'] },
        'test',
      );
      await createEndpoint(
        ts.store,
        clock,
        { organizationId: orgA, url: `${receiver.url}/ok/maintenance`, events: ['notice.maintenance'] },
        'test',
      );
      await createEndpoint(ts.store, clock, { organizationId: orgB, url: `${receiver.url}/ok/b` }, 'test');

      const payload = {
        context: 'dancu',
        version: '1.0',
        sunsetAt: '2026-12-31T00:00:00.000Z',
        tên: 'Dân cư',
      };
      const { queued } = await enqueue({
        eventType: 'notice.deprecation',
        recipients: { organizationIds: [orgA] },
        subject: 'Ngừng hỗ trợ phiên bản',
        text: 'Phiên bản 1.0 ngừng hỗ trợ.',
        payload,
      });
      assert.deepEqual(queued.map((q) => q.recipient).sort(), [all.id, subscribed.id].sort());

      assert.deepEqual(await notifier().deliverDue(), { sent: 2, failed: 0, retried: 0 });
      assert.deepEqual(receiver.hooks.map((h) => h.path).sort(), ['/ok/all', '/ok/deprecations']);

      const secrets = new Map([
        ['/ok/all', all.secret],
        ['/ok/deprecations', subscribed.secret],
      ]);
      for (const hook of receiver.hooks) {
        const secret = secrets.get(hook.path)!;
        assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/, 'the secret is shown in the whsec_ form');
        const id = hook.headers['webhook-id'] as string;
        const timestamp = hook.headers['webhook-timestamp'] as string;
        assert.equal(hook.headers['content-type'], 'application/json; charset=utf-8');
        assert.ok(
          queued.some((q) => q.id === id),
          'queued.some((q) => q.id === id)',
        );
        assert.equal(Number(timestamp), Math.floor(clock.nowMs() / 1000));
        assert.equal(hook.headers['x-lgsp-signature'], undefined, 'the home-made header is gone');
        // Independently of the helper and of the library:
        const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
        const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${hook.body}`).digest('base64');
        assert.equal(hook.headers['webhook-signature'], `v1,${expected}`);
        // The receiver's library (this clock is the wall clock at start): verified; a tampered body is not.
        const wh = new Webhook(secret);
        const sent = wh.verify(hook.body, hook.headers as Record<string, string>) as Record<string, unknown>;
        const tampered = hook.body.replace('"1.0"', '"2.0"');
        assert.notEqual(tampered, hook.body);
        assert.throws(() => wh.verify(tampered, hook.headers as Record<string, string>), /signature/i);

        assert.equal(sent['id'], id);
        assert.equal(sent['type'], 'notice.deprecation');
        assert.equal(sent['timestamp'], new Date(clock.nowMs()).toISOString());
        assert.deepEqual(sent['data'], payload);
      }
    });

    test('500, 500, then 200: delivered on the 3rd attempt, after the backoff', async () => {
      const hook = await createEndpoint(
        ts.store,
        clock,
        { organizationId: orgA, url: `${receiver.url}/flaky` },
        'test',
      );
      const { queued } = await enqueue({
        eventType: 'notice.endpoint_change',
        recipients: { organizationIds: [orgA] },
        subject: 'Thay đổi địa chỉ kết nối',
        text: '…',
        payload: { serviceId: 'svc_1' },
      });
      const id = queued[0]!.id;
      const n = notifier();

      const t0 = clock.nowMs();
      assert.deepEqual(await n.deliverDue(), { sent: 0, failed: 0, retried: 1 });
      const first = await row(id);
      assert.equal(first.attempts, 1);
      assert.equal(first.last_error, 'HTTP 500');
      assert.equal(new Date(first.next_attempt_at).getTime(), t0 + 30_000);

      clock.advance(29_000);
      assert.deepEqual(
        await n.deliverDue(),
        { sent: 0, failed: 0, retried: 0 },
        'not due before the backoff',
      );
      clock.advance(1_000);
      assert.deepEqual(await n.deliverDue(), { sent: 0, failed: 0, retried: 1 });
      const second = await row(id);
      assert.equal(second.attempts, 2);
      assert.equal(new Date(second.next_attempt_at).getTime(), clock.nowMs() + 60_000);
      assert.ok(
        new Date(second.next_attempt_at).getTime() - t0 - 30_000 > 30_000,
        'the wait grows: 30 s, then 60 s',
      );

      clock.advance(60_000);
      assert.deepEqual(await n.deliverDue(), { sent: 1, failed: 0, retried: 0 });
      const third = await row(id);
      assert.equal(third.status, 'sent');
      assert.equal(third.attempts, 3);
      assert.equal(third.last_error, null);
      assert.equal(receiver.hooks.length, 3);
      assert.ok(
        receiver.hooks.every((h) => h.headers['webhook-id'] === id),
        'one webhook-id throughout: receivers deduplicate on it',
      );
      assert.ok(hook.id, 'hook.id');
    });

    test('a receiver that always fails: status failed after maxAttempts, and logged', async () => {
      await createEndpoint(ts.store, clock, { organizationId: orgB, url: `${receiver.url}/down` }, 'test');
      const { queued } = await enqueue({
        eventType: 'notice.maintenance',
        recipients: { organizationIds: [orgB] },
        subject: 'Bảo trì',
        text: '…',
        payload: {},
      });
      const { logger, lines } = capturingLogger();
      const n = notifier({ maxAttempts: 4 }, logger);
      const rounds = [];
      for (let i = 1; i <= 4; i++) {
        rounds.push(await n.deliverDue());
        clock.advance(retryDelayMs(i));
      }
      assert.deepEqual(rounds, [
        { sent: 0, failed: 0, retried: 1 },
        { sent: 0, failed: 0, retried: 1 },
        { sent: 0, failed: 0, retried: 1 },
        { sent: 0, failed: 1, retried: 0 },
      ]);
      const r = await row(queued[0]!.id);
      assert.equal(r.status, 'failed');
      assert.equal(r.attempts, 4);
      assert.equal(r.last_error, 'HTTP 500');
      clock.advance(3_600_000);
      assert.deepEqual(
        await n.deliverDue(),
        { sent: 0, failed: 0, retried: 0 },
        'failed rows are left alone',
      );
      assert.equal(receiver.hooks.length, 4);
      assert.ok(
        lines.some((l) => l.includes('"level":50') && l.includes(queued[0]!.id)),
        'lines.some((l) => l.includes(\'"level":50\') && l.includes(queued[0]!.id))',
      );
    });

    test('no answer within the timeout is a failed attempt, retried later', async () => {
      await createEndpoint(ts.store, clock, { organizationId: orgB, url: `${receiver.url}/silent` }, 'test');
      const { queued } = await enqueue({
        eventType: 'notice.maintenance',
        recipients: { organizationIds: [orgB] },
        subject: 'Bảo trì',
        text: '…',
        payload: {},
      });
      const n = notifier({}, undefined, 300);
      assert.deepEqual(await n.deliverDue(), { sent: 0, failed: 0, retried: 1 });
      assert.equal((await row(queued[0]!.id)).last_error, 'quá thời gian 300 ms / timed out after 300 ms');
    });

    test('a receiver that trickles its answer, or sends 103 Early Hints without end: the attempt ends at the limit (R-03)', {
      timeout: 60_000,
    }, async () => {
      const LIMIT_MS = 600;
      const n = notifier({}, undefined, LIMIT_MS);
      /** One attempt at `path`: the round's outcome, the row after it, and how long the round took. */
      const attempt = async (path: string) => {
        await ts.store.db.deleteFrom('notifications').execute();
        await ts.store.db.deleteFrom('webhook_endpoints').execute();
        await createEndpoint(
          ts.store,
          clock,
          { organizationId: orgB, url: `${receiver.url}${path}` },
          'test',
        );
        const { queued } = await enqueue({
          eventType: 'notice.maintenance',
          recipients: { organizationIds: [orgB] },
          subject: 'Bảo trì',
          text: '…',
          payload: {},
        });
        const t0 = performance.now();
        const round = await n.deliverDue();
        const elapsedMs = performance.now() - t0;
        // Every read was within the agent's per-read timeouts: only the whole-exchange deadline ended it.
        assert.ok(elapsedMs >= LIMIT_MS - 20, `${path}: ended after ${elapsedMs} ms, before the limit`);
        assert.ok(elapsedMs < LIMIT_MS + SWEEP_MS + 1_500, `${path}: ended after ${elapsedMs} ms`);
        return { round, row: await row(queued[0]!.id), queuedAtMs: clock.nowMs() };
      };

      // Never a final answer: a failed attempt, a timeout, retried after its back-off.
      const hints = await attempt('/bao-truoc');
      assert.deepEqual(hints.round, { sent: 0, failed: 0, retried: 1 });
      assert.equal(hints.row.status, 'pending');
      assert.equal(hints.row.last_error, `quá thời gian ${LIMIT_MS} ms / timed out after ${LIMIT_MS} ms`);
      assert.equal(new Date(hints.row.next_attempt_at).getTime(), hints.queuedAtMs + retryDelayMs(1));
      // A refusal whose body never ends: failed by its status, at the limit.
      const refused = await attempt('/nho-giot/500');
      assert.deepEqual(refused.round, { sent: 0, failed: 0, retried: 1 });
      assert.equal(refused.row.last_error, 'HTTP 500');
      // A 2xx is the acknowledgement: the receiver has the event; the rest of its answer is not waited for.
      const acknowledged = await attempt('/nho-giot/200');
      assert.deepEqual(acknowledged.round, { sent: 1, failed: 0, retried: 0 });
      assert.equal(acknowledged.row.status, 'sent');
      assert.equal(watchedDeadlines(), 0, 'every exchange that ended is no longer watched');
    });

    test('the outbox is transactional: a change that rolls back leaves no notification', async () => {
      await createEndpoint(ts.store, clock, { organizationId: orgA, url: `${receiver.url}/ok` }, 'test');
      const input = {
        eventType: 'subscription_request.rejected',
        recipients: { emails: ['a@tinh.gov.vn'], organizationIds: [orgA] },
        subject: 'Kết quả xử lý yêu cầu',
        text: '…',
        payload: { requestId: 'req_1', decision: 'approved' },
      };
      await assert.rejects(
        ts.store.db.transaction().execute(async (trx) => {
          const { queued } = await enqueueNotification(trx, input, clock.nowMs());
          assert.equal(queued.length, 2);
          throw new Error('the change failed');
        }),
        /the change failed/,
      );
      assert.equal((await ts.store.db.selectFrom('notifications').selectAll().execute()).length, 0);
      await enqueue(input);
      assert.equal((await ts.store.db.selectFrom('notifications').selectAll().execute()).length, 2);
    });

    test('payloads that carry secrets are refused', async () => {
      await assert.rejects(
        enqueue({
          eventType: 'notice.announcement',
          recipients: { emails: ['a@tinh.gov.vn'] },
          subject: 'x',
          text: 'x',
          payload: { credential: { consumerKey: 'k', consumerSecret: 's' } },
        }),
        /must not carry secrets/,
      );
    });

    test('without SMTP, e-mails wait (pending, reported) while webhooks go out', async () => {
      await createEndpoint(ts.store, clock, { organizationId: orgA, url: `${receiver.url}/ok` }, 'test');
      const { queued } = await enqueue({
        eventType: 'notice.decommission',
        recipients: { emails: ['a@tinh.gov.vn'], organizationIds: [orgA] },
        subject: 'Ngừng cung cấp dịch vụ',
        text: '…',
        payload: {},
      });
      const { logger, lines } = capturingLogger();
      assert.deepEqual(await notifier({}, logger).deliverDue(), { sent: 1, failed: 0, retried: 0 });
      const email = await row(queued.find((q) => q.channel === 'email')!.id);
      assert.equal(email.status, 'pending');
      assert.equal(email.attempts, 0);
      assert.ok(
        lines.some((l) => l.includes('"pendingEmails":1')),
        'lines.some((l) => l.includes(\'"pendingEmails":1\'))',
      );

      // Once SMTP is configured, the waiting e-mail goes out.
      assert.deepEqual(await notifier({ smtpUrl: smtpUrl() }).deliverDue(), {
        sent: 1,
        failed: 0,
        retried: 0,
      });
      assert.equal(smtp.mails.length, 1);
    });

    test('endpoints: the secret is returned once, never listed nor audited; delete cancels pending deliveries', async () => {
      const created = await createEndpoint(
        ts.store,
        clock,
        {
          organizationId: orgA,
          url: `${receiver.url}/ok`,
          events: ['notice.deprecation', 'notice.deprecation'],
        },
        'operator',
      );
      assert.ok(created.id.startsWith('whk_'), "created.id.startsWith('whk_')");
      assert.ok(created.secret.length >= 43, 'created.secret.length >= 43');
      assert.deepEqual(created.events, ['notice.deprecation']);

      const listed = await listWebhookEndpoints(ts.store, { organizationId: orgA });
      assert.equal(listed.length, 1);
      assert.ok(!('secret' in listed[0]!), "!('secret' in listed[0]!)");
      assert.deepEqual(listed[0], (({ secret: _, ...rest }) => rest)(created));
      assert.ok(
        !JSON.stringify(await listWebhookEndpoints(ts.store)).includes(created.secret),
        '!JSON.stringify(await listWebhookEndpoints(ts.store)).includes(created.secret)',
      );
      const audit = await ts.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('object_id', '=', created.id)
        .execute();
      assert.deepEqual(
        audit.map((a) => a.action),
        ['webhook.create'],
      );
      assert.ok(
        !JSON.stringify(audit).includes(created.secret),
        '!JSON.stringify(audit).includes(created.secret)',
      );

      await assert.rejects(
        createEndpoint(ts.store, clock, { organizationId: orgA, url: 'ftp://x' }, 'operator'),
        /API_VALIDATION_FAILED/,
      );
      await assert.rejects(
        createEndpoint(ts.store, clock, { organizationId: 'org_none', url: `${receiver.url}/ok` }, 'x'),
        /CP_ORGANIZATION_NOT_FOUND/,
      );

      const { queued } = await enqueue({
        eventType: 'notice.deprecation',
        recipients: { organizationIds: [orgA] },
        subject: 'x',
        text: 'x',
        payload: {},
      });
      await deleteWebhookEndpoint(ts.store, clock, created.id, 'operator');
      assert.equal((await row(queued[0]!.id)).status, 'failed');
      assert.deepEqual(await listWebhookEndpoints(ts.store), []);
      const actions = await ts.store.db
        .selectFrom('audit_events')
        .select('action')
        .where('object_id', '=', created.id)
        .orderBy('revision')
        .execute();
      assert.deepEqual(
        actions.map((a) => a.action),
        ['webhook.create', 'webhook.delete'],
      );
      await assert.rejects(deleteWebhookEndpoint(ts.store, clock, created.id, 'operator'), /API_NOT_FOUND/);
    });

    test('rows another node has claimed are skipped, not waited for (FOR UPDATE SKIP LOCKED)', {
      // PGlite has one session: a second transaction could not even start while the first holds it.
      skip: kind !== 'postgres' && 'PostgreSQL only',
      timeout: 120_000,
    }, async () => {
      await createEndpoint(ts.store, clock, { organizationId: orgB, url: `${receiver.url}/ok/1` }, 't');
      await createEndpoint(ts.store, clock, { organizationId: orgB, url: `${receiver.url}/ok/2` }, 't');
      const { queued } = await enqueue({
        eventType: 'notice.maintenance',
        recipients: { organizationIds: [orgB] },
        subject: 'Bảo trì',
        text: '…',
        payload: {},
      });
      let release = () => {};
      const released = new Promise<void>((ok) => {
        release = ok;
      });
      let locked = () => {};
      const isLocked = new Promise<void>((ok) => {
        locked = ok;
      });
      const holder = ts.store.db.transaction().execute(async (trx) => {
        await trx
          .selectFrom('notifications')
          .select('id')
          .where('id', '=', queued[0]!.id)
          .forUpdate()
          .execute();
        locked();
        await released;
      });
      await isLocked;
      const n = notifier();
      // Blocking on the locked row would never end (the lock is released only after this round): the test's own
      // limit turns that into a failure, where a fixed 5 s race could fail a merely busy machine (issue 9).
      const round = await n.deliverDue();
      release();
      await holder;
      assert.deepEqual(round, { sent: 1, failed: 0, retried: 0 });
      assert.equal((await row(queued[0]!.id)).status, 'pending');
      assert.equal((await row(queued[0]!.id)).attempts, 0);
      assert.deepEqual(await n.deliverDue(), { sent: 1, failed: 0, retried: 0 });
    });

    test('two notifiers at once deliver each notification once', async () => {
      for (let i = 0; i < 5; i++) {
        await createEndpoint(ts.store, clock, { organizationId: orgB, url: `${receiver.url}/ok/${i}` }, 't');
      }
      for (let i = 0; i < 6; i++) {
        await enqueue({
          eventType: 'notice.maintenance',
          recipients: { organizationIds: [orgB] },
          subject: 'Bảo trì',
          text: '…',
          payload: { i },
        });
      }
      const [a, b] = await Promise.all([notifier().deliverDue(), notifier().deliverDue()]);
      assert.equal(a.sent + b.sent, 30);
      const ids = receiver.hooks.map((h) => h.headers['webhook-id']);
      assert.equal(ids.length, 30);
      assert.equal(new Set(ids).size, 30);
    });

    test('a malformed SMTP URL is refused without echoing it', () => {
      assert.throws(
        () => notifier({ smtpUrl: `http://u:${SMTP_PASSWORD}@host` }),
        (err: Error) => /smtpUrl/.test(err.message) && !err.message.includes(SMTP_PASSWORD),
      );
    });
  });
}

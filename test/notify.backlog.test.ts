import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { pino } from 'pino';
import { Registry } from '../src/control/registry/index.ts';
import { createWebhookEndpoint } from '../src/control/webhooks.ts';
import { ManualClock } from '../src/core/clock.ts';
import { EgressPolicy } from '../src/net/egress.ts';
import { Notifier, outboxBacklog, retryDelayMs } from '../src/notify/notifier.ts';
import { enqueueNotification } from '../src/notify/outbox.ts';
import { addNotificationGauges, TelemetryMetrics } from '../src/telemetry/metrics.ts';
import { TEST_KEK } from './helpers/keys.ts';
import { SMTP_PASSWORD, SMTP_USER, startSmtp } from './helpers/smtp.ts';
import { openTestStore, storeKinds } from './helpers/stores.ts';

const notice = {
  eventType: 'notice.maintenance' as const,
  subject: 'Bảo trì dịch vụ Dân cư 1.0',
  text: 'Dịch vụ Dân cư 1.0 tạm dừng từ 22:00 đến 23:00 ngày 08/12/2026.',
  payload: { context: 'dancu', version: '1.0' },
};

/** The figures Prometheus scrapes: `<name>{channel="<channel>"} <value>`. */
function gauge(scraped: string, name: string, channel: string): number {
  const line = new RegExp(`^${name}\\{channel="${channel}"\\} (\\S+)$`, 'm').exec(scraped);
  assert.ok(line, `${name}{channel="${channel}"} is scraped`);
  return Number(line[1]);
}

/**
 * `lgsp_notifications_pending{channel}` and `lgsp_notifications_oldest_due_seconds{channel}`: an operator sees the
 * outbox back up — how many wait, and how long the longest-waiting due one has waited — and fall back once delivered.
 */
for (const kind of storeKinds) {
  test(`the outbox's backlog by channel: pending and the oldest due's wait, back to 0 once delivered (${kind})`, async () => {
    const ts = await openTestStore(kind);
    const smtp = await startSmtp();
    let answer = 500;
    const receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(answer).end()));
    await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', () => ok()));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const egress = new EgressPolicy({ allow: [new URL(receiverUrl).host] });
    const clock = new ManualClock(Date.now());
    const notifiers: Notifier[] = [];
    const notifier = (smtpUrl: string) => {
      const n = new Notifier(
        ts.store,
        clock,
        { smtpUrl, mailFrom: 'lgsp@localhost', pollIntervalMs: 5000, maxAttempts: 8 },
        pino({ level: 'silent' }),
        TEST_KEK,
        { egress },
      );
      notifiers.push(n);
      return n;
    };
    try {
      const metrics = new TelemetryMetrics({ defaultMetrics: false });
      addNotificationGauges(metrics, () => outboxBacklog(ts.store.db, clock.nowMs()));
      const figures = async () => {
        const scraped = await metrics.scrape();
        const of = (channel: string) => ({
          pending: gauge(scraped, 'lgsp_notifications_pending', channel),
          oldestDue: gauge(scraped, 'lgsp_notifications_oldest_due_seconds', channel),
        });
        return { email: of('email'), webhook: of('webhook') };
      };
      const none = { pending: 0, oldestDue: 0 };
      assert.deepEqual(await figures(), { email: none, webhook: none }, 'an empty outbox');

      const registry = new Registry(ts.store, clock);
      const org = (await registry.createOrganization({ code: '000.00.31.H01', name: 'Sở Tư pháp' }, 't')).id;
      await createWebhookEndpoint(
        ts.store,
        clock,
        TEST_KEK,
        { organizationId: org, url: `${receiverUrl}/hook` },
        't',
        egress,
      );
      await ts.store.db.transaction().execute((trx) =>
        enqueueNotification(
          trx,
          {
            ...notice,
            recipients: {
              emails: ['vanthu@stp.tinh.gov.vn', 'vanthu@syt.tinh.gov.vn'],
              organizationIds: [org],
            },
          },
          clock.nowMs(),
        ),
      );
      clock.advance(90_000);
      assert.deepEqual(
        await figures(),
        { email: { pending: 2, oldestDue: 90 }, webhook: { pending: 1, oldestDue: 90 } },
        'waiting 90 s, none sent yet',
      );

      // Without SMTP the e-mails keep waiting, and their wait shows. The webhook fails once: still pending, but not
      // due before its back-off ends — a retry is not a backlog.
      assert.deepEqual(await notifier('').deliverDue(), { sent: 0, failed: 0, retried: 1 });
      assert.deepEqual(await figures(), {
        email: { pending: 2, oldestDue: 90 },
        webhook: { pending: 1, oldestDue: 0 },
      });
      clock.advance(retryDelayMs(1) + 15_000);
      assert.deepEqual(await figures(), {
        email: { pending: 2, oldestDue: 90 + retryDelayMs(1) / 1000 + 15 },
        webhook: { pending: 1, oldestDue: 15 },
      });

      // Delivered: both channels back to 0.
      answer = 200;
      const smtpUrl = `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`;
      assert.deepEqual(await notifier(smtpUrl).deliverDue(), { sent: 3, failed: 0, retried: 0 });
      assert.equal(smtp.mails.length, 2);
      assert.deepEqual(await figures(), { email: none, webhook: none }, 'all delivered');
    } finally {
      for (const n of notifiers) await n.stop();
      receiver.closeAllConnections();
      await new Promise((ok) => receiver.close(ok));
      await new Promise<void>((ok) => smtp.server.close(() => ok()));
      await ts.dispose();
    }
  });
}

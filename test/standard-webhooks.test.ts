import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { NOTICE_KINDS } from '../src/api/contract/lifecycle.ts';
import { CONNECTION_REQUEST_MOVES } from '../src/control/connection-requests/workflow.ts';
import { REQUEST_MOVES } from '../src/control/subscription-requests/workflow.ts';
import { VERSION_CHANGE_MOVES } from '../src/control/version-changes/workflow.ts';
import { createWebhookEndpoint } from '../src/control/webhooks.ts';
import { ManualClock } from '../src/core/clock.ts';
import { EgressPolicy } from '../src/net/egress.ts';
import { Notifier } from '../src/notify/notifier.ts';
import { enqueueNotification } from '../src/notify/outbox.ts';
import { isWebhookEventName, WEBHOOK_EVENT_TYPES } from '../src/notify/webhook-events.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { type AdminHarness, openAdminHarness, TEST_PASSWORD } from './helpers/admin-api.ts';
import { TEST_KEK } from './helpers/keys.ts';
import { storeKinds } from './helpers/stores.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers read field by field in assertions
type Json = Record<string, any>;

/**
 * A receiver as an agency would write it: it verifies every delivery with the Standard Webhooks library and the
 * `whsec_…` secret it was given, answers 400 to one that does not verify, and — to exercise retries — 503 to the
 * first verified delivery of each `webhook-id`, 204 after.
 */
interface Delivery {
  id: string | undefined;
  status: number;
  body: string;
  headers: Record<string, string>;
}
async function startVerifyingReceiver(secret: () => string) {
  const deliveries: Delivery[] = [];
  const seen = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const headers = req.headers as Record<string, string>;
      let status: number;
      try {
        new Webhook(secret()).verify(raw, headers);
        const id = headers['webhook-id']!;
        status = seen.has(id) ? 204 : 503;
        seen.add(id);
      } catch {
        status = 400;
      }
      deliveries.push({ id: headers['webhook-id'], status, body: raw.toString('utf8'), headers });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, deliveries };
}

describe('the webhook event catalogue covers every event the workflows send', () => {
  // The outbox refuses a name not in the catalogue; this names the families, so a new notice kind or decision
  // fails here, in a test, rather than in a reviewer's transaction.
  test('notices, decisions, version changes, messages, alerts', () => {
    const sent = [
      ...NOTICE_KINDS.map((k) => `notice.${k}`),
      ...Object.values(REQUEST_MOVES)
        .filter((m) => m.by === 'reviewer')
        .map((m) => `subscription_request.${m.to}`),
      ...CONNECTION_REQUEST_MOVES.map((m) => `connection_request.${m.to}`),
      ...Object.values(VERSION_CHANGE_MOVES)
        .filter((m) => m.by === 'reviewer')
        .map((m) => `version_change.${m.to}`),
      'message.delivered',
      'message.dead',
      'alert.opened',
      'alert.escalated',
      'alert.resolved',
    ];
    for (const name of sent) assert.ok(isWebhookEventName(name), `${name} is in the catalogue`);
    assert.equal(new Set(WEBHOOK_EVENT_TYPES.map((e) => e.name)).size, WEBHOOK_EVENT_TYPES.length, 'unique');
    assert.deepEqual(
      WEBHOOK_EVENT_TYPES.map((e) => e.name).sort(),
      [...new Set(sent)].sort(),
      'nothing else',
    );
  });
});

for (const kind of storeKinds) {
  describe(`Standard Webhooks (${kind})`, () => {
    let h: AdminHarness;
    let orgId: string;
    let secret = '';
    let receiver: Awaited<ReturnType<typeof startVerifyingReceiver>>;
    let egress: EgressPolicy;

    before(async () => {
      h = await openAdminHarness(kind);
      receiver = await startVerifyingReceiver(() => secret);
      egress = new EgressPolicy({ allow: [new URL(receiver.url).host] });
      orgId = (await h.registry.createOrganization({ code: '000.00.31.H01', name: 'Sở Tư pháp' }, 'test')).id;
    });
    after(async () => {
      receiver.server.closeAllConnections();
      await new Promise((ok) => (receiver.server as Server).close(ok));
      await h.dispose();
    });

    test('GET /api/v1/webhooks/event-types: every event with a description and an example body, and the scheme', async () => {
      const res = await h.call('GET', '/api/v1/webhooks/event-types');
      assert.equal(res.statusCode, 200);
      const body = res.json() as Json;
      assert.deepEqual(
        body.items.map((e: Json) => e.name),
        WEBHOOK_EVENT_TYPES.map((e) => e.name),
      );
      for (const e of body.items as Json[]) {
        // Both languages, apart: the console shows the reader's, never "Tiếng Việt / English" glued.
        assert.match(e.description.vi, /[À-ỹ]/u, `${e.name}: Vietnamese`);
        assert.match(e.description.en, /^[\x20-\x7e…]+$/, `${e.name}: English`);
        assert.doesNotMatch(`${e.description.vi}|${e.description.en}`, / \/ /, `${e.name}: not glued`);
        assert.equal(e.example.type, e.name, 'the example is a whole body');
        assert.ok(e.example.id && e.example.timestamp && e.example.data, e.name);
      }
      assert.match(body.signature.description.vi, /[À-ỹ]/u, 'the scheme in Vietnamese');
      assert.doesNotMatch(body.signature.description.en, /[À-ỹ]/u, 'the scheme in English apart');
      assert.deepEqual(body.signature.headers, ['webhook-id', 'webhook-timestamp', 'webhook-signature']);
      assert.equal(body.signature.secretFormat, 'whsec_<base64 key>');
      assert.equal(
        (await h.call('GET', '/api/v1/webhooks/event-types', undefined, { token: null })).statusCode,
        401,
        'signed-in users only',
      );
    });

    test('subscribing to an event the platform does not send is refused (400), naming where the list is', async () => {
      const res = await h.call('POST', '/api/v1/webhooks', {
        organizationId: orgId,
        url: 'https://hook.example.gov.vn/lgsp',
        events: ['version.deprecated'],
      });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().code, 'API_VALIDATION_FAILED');
      assert.match(res.json().detail, /event-types/);
    });

    test('a receiver verifies deliveries with the standardwebhooks library; a tampered body is refused; a retry keeps its webhook-id', async () => {
      // The library compares the timestamp with the wall clock: this notifier's clock is the wall clock.
      const clock = new ManualClock(Date.now());
      const created = await createWebhookEndpoint(
        h.store,
        clock,
        TEST_KEK,
        { organizationId: orgId, url: `${receiver.url}/lgsp`, events: ['notice.maintenance'] },
        'test',
        egress,
      );
      assert.match(created.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
      secret = created.secret;
      const { queued } = await h.store.db.transaction().execute((trx) =>
        enqueueNotification(
          trx,
          {
            eventType: 'notice.maintenance',
            recipients: { organizationIds: [orgId] },
            subject: 'Bảo trì hệ thống / Maintenance',
            text: '…',
            payload: { noticeId: 'ntc_1', title: 'Bảo trì ngày 20/12/2026 22:00' },
          },
          clock.nowMs(),
        ),
      );
      assert.equal(queued.length, 1);
      const notifier = new Notifier(
        h.store,
        clock,
        { smtpUrl: '', mailFrom: 'lgsp@localhost', pollIntervalMs: 60_000, maxAttempts: 8 },
        silentLogger(),
        TEST_KEK,
        { egress },
      );
      try {
        // First attempt: verified, answered 503 → retried after the backoff, with the same webhook-id and body.
        assert.deepEqual(await notifier.deliverDue(), { sent: 0, failed: 0, retried: 1 });
        clock.advance(31_000);
        assert.deepEqual(await notifier.deliverDue(), { sent: 1, failed: 0, retried: 0 });
      } finally {
        await notifier.stop();
      }
      const [first, second] = receiver.deliveries;
      assert.equal(receiver.deliveries.length, 2);
      assert.deepEqual(
        [first!.status, second!.status],
        [503, 204],
        'both verified by the library (a failed check is 400)',
      );
      assert.equal(first!.id, queued[0]!.id);
      assert.equal(second!.id, first!.id, 'the same webhook-id on the retry: receivers deduplicate on it');
      assert.equal(second!.body, first!.body);
      assert.equal(
        Number(second!.headers['webhook-timestamp']) - Number(first!.headers['webhook-timestamp']),
        31,
      );
      const sent = JSON.parse(second!.body) as Json;
      assert.equal(sent.type, 'notice.maintenance');
      assert.equal(sent.id, second!.id);
      assert.equal(sent.data.title, 'Bảo trì ngày 20/12/2026 22:00');

      // The same delivery with its body changed by one character: the receiver's check refuses it.
      const tampered = second!.body.replace('22:00', '23:00');
      const forged = await fetch(`${receiver.url}/lgsp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': second!.headers['webhook-id']!,
          'webhook-timestamp': second!.headers['webhook-timestamp']!,
          'webhook-signature': second!.headers['webhook-signature']!,
        },
        body: tampered,
      });
      assert.equal(forged.status, 400);

      // A secret issued before Standard Webhooks (the bare text) verifies too, given to the library as raw bytes.
      const bare = Buffer.from(secret.slice('whsec_'.length), 'base64').toString('utf8');
      assert.doesNotThrow(() => new Webhook(bare, { format: 'raw' }).verify(second!.body, second!.headers));
    });

    test('rotation with an overlap: deliveries carry both signatures, either secret verifies; overlap 0 ends the old one', async () => {
      const clock = new ManualClock(Date.now());
      // The API's clock too (the overlap it sets is judged by the notifier's), with a session of that time.
      h.clock.set(clock.nowMs());
      const { token } = await h.accounts.login('admin', TEST_PASSWORD);
      // A receiver that records, answers 204, and verifies nothing itself: the test verifies with each secret.
      const got: Array<{ body: string; headers: Record<string, string> }> = [];
      const plain = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          got.push({
            body: Buffer.concat(chunks).toString('utf8'),
            headers: req.headers as Record<string, string>,
          });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((ok) => plain.listen(0, '127.0.0.1', () => ok()));
      const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
      const allowPlain = new EgressPolicy({ allow: [new URL(url).host] });
      const notifier = new Notifier(
        h.store,
        clock,
        { smtpUrl: '', mailFrom: 'lgsp@localhost', pollIntervalMs: 60_000, maxAttempts: 8 },
        silentLogger(),
        TEST_KEK,
        { egress: allowPlain },
      );
      const deliver = async () => {
        await h.store.db.transaction().execute((trx) =>
          enqueueNotification(
            trx,
            {
              eventType: 'notice.announcement',
              recipients: { organizationIds: [org2] },
              subject: 'Thông báo / Announcement',
              text: '…',
              payload: { noticeId: 'ntc_2' },
            },
            clock.nowMs(),
          ),
        );
        assert.deepEqual(await notifier.deliverDue(), { sent: 1, failed: 0, retried: 0 });
        return got[got.length - 1]!;
      };
      const verifies = (secretText: string, d: { body: string; headers: Record<string, string> }) => {
        try {
          new Webhook(secretText).verify(d.body, d.headers);
          return true;
        } catch {
          return false;
        }
      };
      const org2 = (await h.registry.createOrganization({ code: '000.00.32.H01', name: 'Sở Y tế' }, 'test'))
        .id;
      try {
        const created = await createWebhookEndpoint(
          h.store,
          clock,
          TEST_KEK,
          { organizationId: org2, url: `${url}/hook` },
          'test',
          allowPlain,
        );
        const rotated = await h.call(
          'POST',
          `/api/v1/webhooks/${created.id}/rotate-secret`,
          { overlapHours: 2 },
          { token },
        );
        assert.equal(rotated.statusCode, 200, rotated.body);
        assert.equal(rotated.headers['cache-control'], 'no-store');
        const second = rotated.json() as Json;
        assert.match(second.secret, /^whsec_/);
        assert.notEqual(second.secret, created.secret);
        assert.equal(second.previousSecretExpiresAt, new Date(h.clock.nowMs() + 2 * 3_600_000).toISOString());

        const during = await deliver();
        assert.equal(
          during.headers['webhook-signature']!.split(' ').length,
          2,
          'two signatures during the overlap',
        );
        assert.ok(verifies(second.secret, during), 'the new secret verifies');
        assert.ok(verifies(created.secret, during), 'the old secret still verifies');

        const third = (
          await h.call('POST', `/api/v1/webhooks/${created.id}/rotate-secret`, { overlapHours: 0 }, { token })
        ).json() as Json;
        assert.equal(third.previousSecretExpiresAt, null);
        const afterwards = await deliver();
        assert.equal(afterwards.headers['webhook-signature']!.split(' ').length, 1);
        assert.ok(verifies(third.secret, afterwards), 'verifies(third.secret, afterwards)');
        assert.ok(!verifies(second.secret, afterwards), 'overlap 0: the replaced secret no longer verifies');
        assert.ok(!verifies(created.secret, afterwards), '!verifies(created.secret, afterwards)');
        const audit = await h.store.db
          .selectFrom('audit_events')
          .select(['action', 'details'])
          .where('object_id', '=', created.id)
          .orderBy('revision')
          .execute();
        assert.deepEqual(
          audit.map((a) => a.action),
          ['webhook.create', 'webhook.rotate_secret', 'webhook.rotate_secret'],
        );
        for (const s of [created.secret, second.secret, third.secret]) {
          assert.ok(
            !JSON.stringify(audit).includes(s.slice('whsec_'.length)),
            'no secret in the audit trail',
          );
        }
        assert.equal(
          (await h.call('POST', '/api/v1/webhooks/whk_none/rotate-secret', {}, { token })).statusCode,
          404,
        );
      } finally {
        await notifier.stop();
        plain.closeAllConnections();
        await new Promise((ok) => plain.close(ok));
      }
    });
  });
}

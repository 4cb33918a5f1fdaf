import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { pushTarget } from '../src/messaging/delivery.ts';
import { PayloadUnreadable } from '../src/messaging/payload-cipher.ts';
import type { Platform } from '../src/platform.ts';
import { getToken } from './helpers/gateway-harness.ts';
import { stopPlatformAndQueue } from './helpers/nats-queue.ts';
import { FULL_DESCRIPTION, testInSandbox } from './helpers/onboard.ts';
import { testCipher } from './helpers/payload-keys.ts';
import { platformEngines } from './helpers/queues.ts';
import { startTestPlatform, type TestPlatform } from './helpers/test-platform.ts';
import { allowEgressTo } from './helpers/upstream.ts';
import { waitFor } from './helpers/wait.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers read field by field in assertions
type Json = Record<string, any>;
const natsUrl = process.env['LGSP_TEST_NATS_URL'] ?? '';

/**
 * Issue 12 item 10: an async message keeps the resource it was sent to. `POST /hoso/3.0/vanban/42?loai=congvan`
 * reaches a pushed destination as `POST /nhan/vanban/42?loai=congvan` (its base + the path and query, as a sync
 * call is forwarded), and a pulling destination reads them in `X-LGSP-Resource-Path` / `-Query` / `-Template`. The
 * path and query are sealed with the payload's key and cleared once the message is delivered. On every
 * engine: the embedded queue on PGlite (and PostgreSQL when LGSP_TEST_DATABASE_URL is set), NATS JetStream when
 * LGSP_TEST_NATS_URL is set.
 */

test('pushTarget: the base, then the path and query; the version itself or an old message goes to the base', () => {
  assert.equal(
    pushTarget({ basePath: '/nhan' }, { path: '/vanban/42', query: '?loai=congvan' }),
    '/nhan/vanban/42?loai=congvan',
  );
  assert.equal(pushTarget({ basePath: '' }, { path: '/vanban/42', query: '' }), '/vanban/42');
  assert.equal(pushTarget({ basePath: '/nhan' }, { path: '', query: '' }), '/nhan');
  assert.equal(pushTarget({ basePath: '' }, { path: '', query: '?a=1' }), '/?a=1');
  assert.equal(pushTarget({ basePath: '/nhan' }, { path: '/', query: '' }), '/nhan/');
  assert.equal(pushTarget({ basePath: '/nhan' }, null), '/nhan');
  assert.equal(pushTarget({ basePath: '' }, null), '/');
});

test('a sealed target opens only for its message and only while its key lives', () => {
  const cipher = testCipher({ nowMs: Date.parse('2026-12-04T08:00:00Z'), epochMs: 60_000, ttlMs: 60_000 });
  const at = Date.parse('2026-12-04T08:00:10Z');
  const sealed = cipher.sealTarget('msg_a', at, '/congdan/001099012345?hoTen=Nguyen');
  assert.doesNotMatch(sealed, /001099012345|Nguyen/);
  assert.equal(cipher.openTarget('msg_a', sealed), '/congdan/001099012345?hoTen=Nguyen');
  assert.throws(() => cipher.openTarget('msg_b', sealed), PayloadUnreadable, 'bound to its message id');
  const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('AA') ? 'AB' : 'AA'}`;
  assert.throws(() => cipher.openTarget('msg_a', tampered), PayloadUnreadable);
  // Its epoch over and no message holding it: the key is destroyed, and the target with it.
  const later = at + 10 * 60_000;
  cipher.keys.ensureAhead(later);
  cipher.keys.destroy(later + 3 * 3_600_000, new Set());
  assert.throws(() => cipher.openTarget('msg_a', sealed), PayloadUnreadable, 'erased with the payload key');
});

for (const setup of platformEngines) {
  describe(`async messages keep their resource — ${setup.name}`, () => {
    let started: TestPlatform | null = null;
    const prefix = `res${randomBytes(4).toString('hex')}`;
    let platform: Platform;
    /** The pushed destination: every request line it was sent, by message id. */
    const pushed = new Map<string, { method: string; url: string; body: string }>();
    const destination = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        pushed.set(String(req.headers['x-lgsp-message-id']), { method: req.method!, url: req.url!, body });
        res.writeHead(200).end('{}');
      });
    });
    let source: { consumerKey: string; consumerSecret: string };
    let puller: { consumerKey: string; consumerSecret: string };

    const send = async (path: string, body: string) => {
      const token = await getToken(platform.gatewayUrl, source.consumerKey, source.consumerSecret);
      const res = await fetch(`${platform.gatewayUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
      const answer = (await res.json()) as Json;
      assert.equal(res.status, 202, JSON.stringify(answer));
      return answer['messageId'] as string;
    };
    const row = async (id: string) =>
      platform.store.db
        .selectFrom('messages')
        .select(['resource_template', 'sealed_target', 'state'])
        .where('id', '=', id)
        .executeTakeFirst();
    const metaOf = (id: string) => platform.messaging.queue.get(id);

    before(async () => {
      await new Promise<void>((r) => destination.listen(0, '127.0.0.1', r));
      const destinationUrl = `http://127.0.0.1:${(destination.address() as AddressInfo).port}`;
      started = await startTestPlatform(setup.store, {
        messaging: { engine: setup.engine, natsUrl, natsPrefix: prefix, pollIntervalMs: 50 },
      });
      platform = started.platform;
      allowEgressTo(platform.egress, destinationUrl);
      const { registry } = platform;
      const provider = await registry.createOrganization(
        { code: '000.00.31.H01', name: 'Sở Nội vụ', contact: { name: 'A', email: 'a@x.vn' } },
        'test',
      );
      const consumer = await registry.createOrganization(
        { code: '000.00.12.H01', name: 'Văn phòng UBND', contact: { name: 'B', email: 'b@x.vn' } },
        'test',
      );
      const dest = await registry.createSystem(
        {
          organizationId: provider.id,
          name: 'Hệ thống quản lý văn bản',
          isProvider: true,
          isConsumer: false,
        },
        'test',
      );
      const src = await registry.createSystem(
        { organizationId: consumer.id, name: 'Hệ thống một cửa', isProvider: false, isConsumer: true },
        'test',
      );
      const version = async (context: string, upstreams: Json) => {
        const service = await registry.createService(
          { context, name: context, providerSystemId: dest.id, description: FULL_DESCRIPTION },
          'test',
        );
        const v = await registry.createVersion(
          service.id,
          {
            version: '3.0',
            mode: 'async',
            upstreams,
            resources: [
              { method: 'POST', path: '/vanban/{so}' },
              { method: 'POST', path: '/tiepnhan' },
            ],
          },
          'test',
        );
        // Sandbox test: routable in the sandbox, where this suite sends (its test message is one more message).
        await testInSandbox(platform, v.id);
        await registry.createSubscription(
          { systemId: src.id, versionId: v.id, environment: 'sandbox' },
          'test',
        );
        return v;
      };
      await version('hoso', { sandbox: `${destinationUrl}/nhan` });
      await version('vanthu', {});
      source = await registry.issueCredential(src.id, 'sandbox', 'test');
      puller = await registry.issueCredential(dest.id, 'sandbox', 'test');
      await platform.snapshots.refresh();
    });

    after(async () => {
      await stopPlatformAndQueue(started, natsUrl, prefix);
      destination.closeAllConnections();
      destination.close();
    });

    test('push: the destination gets its base + the resource path and query, byte for byte', async () => {
      const id = await send('/hoso/3.0/vanban/42?loai=congvan', '{"so":42}');
      // While it waits, the path and query are stored sealed, never as text (R-02: they may name a citizen).
      const waiting = await metaOf(id);
      assert.equal(waiting?.resourceTemplate, '/vanban/{so}');
      // Whole path and query words: a sealed value's key id (an epoch time) or its base64 may hold '42' by chance.
      if (waiting?.state !== 'delivered')
        assert.doesNotMatch(String(waiting?.sealedTarget), /vanban\/42|congvan/);

      await waitFor(() => pushed.has(id), { what: 'the push' });
      assert.deepEqual(pushed.get(id), {
        method: 'POST',
        url: '/nhan/vanban/42?loai=congvan',
        body: '{"so":42}',
      });

      // Percent-encoded text is forwarded as the source sent it, not decoded or re-encoded.
      const encoded = await send('/hoso/3.0/vanban/s%E1%BB%91%2042?loai=c%C3%B4ng+v%C4%83n&nam=2026', '{}');
      await waitFor(() => pushed.has(encoded), { what: 'the second push' });
      assert.equal(pushed.get(encoded)!.url, '/nhan/vanban/s%E1%BB%91%2042?loai=c%C3%B4ng+v%C4%83n&nam=2026');

      const plain = await send('/hoso/3.0/tiepnhan', '{}');
      await waitFor(() => pushed.has(plain), { what: 'the third push' });
      assert.equal(pushed.get(plain)!.url, '/nhan/tiepnhan');

      // Delivered: the template stays (metadata), the sealed path and query are gone with the payload.
      await waitFor(async () => (await metaOf(id))?.state === 'delivered', { what: 'delivered' });
      const done = await metaOf(id);
      assert.equal(done?.resourceTemplate, '/vanban/{so}');
      assert.equal(done?.sealedTarget ?? null, null);
      if (setup.engine === 'embedded') {
        const stored = await row(id);
        assert.equal(stored?.sealed_target, null);
        assert.equal(stored?.resource_template, '/vanban/{so}');
      }
      // The delivery leg's record names the template, like a sync call's.
      await platform.recorder.flush();
      const legs = await platform.store.db
        .selectFrom('transactions')
        .select(['leg', 'resource_template'])
        .where('message_id', '=', id)
        .execute();
      assert.deepEqual(legs.map((l) => `${l.leg} ${l.resource_template}`).sort(), [
        'delivery /vanban/{so}',
        'intake /vanban/{so}',
      ]);
      const token = await getToken(platform.gatewayUrl, source.consumerKey, source.consumerSecret);
      const status = (await (
        await fetch(`${platform.gatewayUrl}/_lgsp/messages/${id}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as Json;
      assert.equal(status['resourceTemplate'], '/vanban/{so}');
      assert.doesNotMatch(JSON.stringify(status), /congvan/);
    });

    test('pull: the resource path, query and template in headers', async () => {
      const id = await send('/vanthu/3.0/vanban/42?loai=congvan&nam=2026', 'văn bản');
      const token = await getToken(platform.gatewayUrl, puller.consumerKey, puller.consumerSecret);
      // The inbox may hold the sandbox test message first: take and acknowledge until ours comes.
      let found: Response | null = null;
      for (let i = 0; i < 5 && found === null; i++) {
        const res = await fetch(`${platform.gatewayUrl}/_lgsp/inbox`, {
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(res.status, 200);
        const messageId = res.headers.get('x-lgsp-message-id')!;
        if (messageId === id) {
          found = res;
          break;
        }
        await res.arrayBuffer();
        await fetch(`${platform.gatewayUrl}/_lgsp/inbox/${messageId}/ack`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'x-lgsp-receipt-handle': res.headers.get('x-lgsp-receipt-handle')!,
          },
        });
      }
      assert.ok(found, 'the message is in the inbox');
      assert.equal(found.headers.get('x-lgsp-resource-path'), '/vanban/42');
      assert.equal(found.headers.get('x-lgsp-resource-query'), 'loai=congvan&nam=2026');
      assert.equal(found.headers.get('x-lgsp-resource-template'), '/vanban/{so}');
      assert.equal(found.headers.get('x-lgsp-service'), 'vanthu/3.0');
      assert.equal(await found.text(), 'văn bản');
      const acked = await fetch(`${platform.gatewayUrl}/_lgsp/inbox/${id}/ack`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'x-lgsp-receipt-handle': found.headers.get('x-lgsp-receipt-handle')!,
        },
      });
      assert.equal(acked.status, 200);
      await acked.arrayBuffer();
      assert.equal((await metaOf(id))?.sealedTarget ?? null, null, 'cleared with the payload');

      // Without a query there is no query header.
      const bare = await send('/vanthu/3.0/tiepnhan', 'x');
      const res = await fetch(`${platform.gatewayUrl}/_lgsp/inbox`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.headers.get('x-lgsp-message-id'), bare);
      assert.equal(res.headers.get('x-lgsp-resource-path'), '/tiepnhan');
      assert.equal(res.headers.get('x-lgsp-resource-query'), null);
      await res.arrayBuffer();
    });

    test('R-02: no stored metadata holds the path or query as text', async () => {
      if (setup.engine !== 'embedded') return;
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM messages m
        WHERE m::text LIKE '%congvan%' OR m::text LIKE '%vanban/42%'`.execute(platform.store.db);
      assert.equal(rows[0]?.n, 0);
    });
  });
}

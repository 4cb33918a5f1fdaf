import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../src/core/clock.ts';
import { type AdminHarness, openAdminHarness, TEST_PASSWORD } from './helpers/admin-api.ts';
import { getToken, startGatewayHarness } from './helpers/gateway-harness.ts';
import { seedProvince } from './helpers/seed.ts';
import { storeKinds } from './helpers/stores.ts';
import { startUpstream } from './helpers/upstream.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies in assertions
type Json = Record<string, any>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Cancelling an announced maintenance window and a scheduled decommission through the admin API:
 * the gateway serves again at once, the parties told are told of the cancellation (a notice, the Atom feed, the
 * outbox), each cancellation is audited, and what cannot be cancelled is refused with its own code.
 */
for (const kind of storeKinds) {
  describe(`cancelling announcements on ${kind}: maintenance windows and decommissions (R-21, R-24)`, () => {
    const clock = new ManualClock(Date.now());
    let g: Awaited<ReturnType<typeof startGatewayHarness>>;
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    let seed: Awaited<ReturnType<typeof seedProvince>>;
    let h: AdminHarness;
    /** The operator's calls, signed in afresh: the clock jumps days ahead, past any session. */
    const a = {
      async call(method: string, url: string, body?: unknown, options: { token?: null } = {}) {
        const token = options.token === null ? null : (await h.accounts.login('admin', TEST_PASSWORD)).token;
        return h.call(method, url, body, { token });
      },
      counts: () => h.counts(),
      get lifecycle() {
        return h.lifecycle;
      },
    };

    const callDancu = async () => {
      await g.snapshots.refresh();
      const token = await getToken(g.url, seed.credential.consumerKey, seed.credential.consumerSecret);
      return fetch(`${g.url}/dancu/1.0/congdan/1`, { headers: { authorization: `Bearer ${token}` } });
    };
    const audited = async (action: string, objectId: string) =>
      g.store.db
        .selectFrom('audit_events')
        .select(['actor', 'details'])
        .where('action', '=', action)
        .where('object_id', '=', objectId)
        .execute();
    const queuedFor = async (email: string) =>
      (
        await g.store.db
          .selectFrom('notifications')
          .select(['event_type', 'subject', 'payload'])
          .where('recipient', '=', email)
          .execute()
      ).map((n) => ({ type: n.event_type, subject: n.subject, payload: n.payload as Json }));
    const refused = (res: { statusCode: number; json(): unknown }, status: number, code: string) => {
      assert.equal(res.statusCode, status, JSON.stringify(res.json()));
      assert.equal((res.json() as Json)['code'], code);
    };

    before(async () => {
      upstream = await startUpstream();
      g = await startGatewayHarness(kind, { clock });
      seed = await seedProvince(g, upstream.url);
      h = await openAdminHarness(kind, { shared: { store: g.store, registry: g.registry, clock } });
    });
    after(async () => {
      await h.dispose();
      await g.close();
      await upstream.close();
    });

    test('a maintenance window under way is cancelled: the gateway serves again, the parties are told, it is audited', async () => {
      const start = clock.nowMs() + 25 * HOUR;
      const announced = await a.call('POST', '/api/v1/maintenance', {
        serviceId: seed.dancu.id,
        startsAt: new Date(start).toISOString(),
        endsAt: new Date(start + 2 * HOUR).toISOString(),
        title: 'Bảo trì CSDL dân cư / Population database maintenance',
        body: 'Nâng cấp máy chủ / Server upgrade',
      });
      assert.equal(announced.statusCode, 201, announced.body);
      const noticeId = (announced.json() as Json)['id'] as string;

      clock.set(start + 10 * 60_000);
      const during = await callDancu();
      assert.equal(during.status, 503, 'inside the announced window');

      const cancelled = await a.call('POST', `/api/v1/maintenance/${noticeId}/cancel`, {
        reason: 'Nhập nhầm ngày / wrong date typed',
      });
      assert.equal(cancelled.statusCode, 200, cancelled.body);
      const cancellation = cancelled.json() as Json;
      assert.equal(cancellation['kind'], 'maintenance_cancelled');
      assert.equal(cancellation['cancelsNoticeId'], noticeId);
      assert.equal(cancellation['serviceId'], seed.dancu.id);
      assert.match(cancellation['title'], /^Huỷ lịch bảo trì: .* \/ Maintenance cancelled: /);
      // Vietnamese first, the window in Vietnam time, the reason published.
      assert.match(
        cancellation['body'],
        /^Lịch bảo trì \d\d\/\d\d\/\d{4} \d\d:\d\d – .*\(UTC\+07:00\).*đã được huỷ/,
      );
      assert.match(cancellation['body'], /Lý do: Nhập nhầm ngày/);

      assert.equal((await callDancu()).status, 200, 'served again inside the former window');

      const listed = await a.call('GET', '/api/v1/notices?kind=maintenance');
      const original = ((listed.json() as Json)['items'] as Json[]).find((n) => n['id'] === noticeId)!;
      // The cancelled notice names its cancellation and when (cancelledBy), in the list and on its public page.
      const cancelledBy = { id: cancellation['id'], at: new Date(clock.nowMs()).toISOString() };
      assert.deepEqual(original['cancelledBy'], cancelledBy, 'the original notice names its cancellation');
      assert.equal(original['cancelsNoticeId'], null);
      const publicOriginal = await a.call('GET', `/api/v1/public/notices/${noticeId}`, undefined, {
        token: null,
      });
      assert.deepEqual((publicOriginal.json() as Json)['cancelledBy'], cancelledBy);
      assert.equal(cancellation['cancelledBy'], null, 'the cancellation itself stands');
      // The cancellation keeps the cancelled window's dates (documented): they are what it speaks of.
      assert.equal(cancellation['startsAt'], new Date(start).toISOString());
      assert.equal(cancellation['endsAt'], new Date(start + 2 * HOUR).toISOString());

      const feed = await a.call('GET', '/api/v1/public/notices.atom', undefined, { token: null });
      assert.equal(feed.statusCode, 200);
      assert.match(feed.body, /<title type="text">\[Đã huỷ \/ Cancelled\] Bảo trì CSDL dân cư/);
      assert.match(
        feed.body,
        /<category term="maintenance_cancelled" label="Huỷ bảo trì \/ Maintenance cancelled"\/>/,
      );
      const entryOf = (id: string) =>
        feed.body.split('<entry>').find((e) => e.includes(`:notice/${id}</id>`)) ?? '';
      // The cancellation reads as one, never as a window starting then; each entry links to the other.
      const window = '\\d\\d/\\d\\d/\\d{4} \\d\\d:\\d\\d \\(UTC\\+07:00\\)';
      assert.match(
        entryOf(cancellation['id']),
        new RegExp(
          `<content type="text" xml:lang="vi">Đã huỷ bảo trì dự kiến từ ${window} đến ${window} / ` +
            `Cancelled: maintenance planned from ${window} to ${window}\n`,
        ),
      );
      assert.match(
        entryOf(cancellation['id']),
        new RegExp(
          `<link rel="related" type="text/html" href="[^"]*/portal/notices/${noticeId}" title="Thông báo bị huỷ`,
        ),
      );
      const originalEntry = entryOf(noticeId);
      assert.match(
        originalEntry,
        new RegExp(`<content type="text" xml:lang="vi">Bảo trì từ ${window} đến ${window}`),
      );
      assert.match(originalEntry, new RegExp(`Đã huỷ lúc ${window}, xem / Cancelled at ${window}, see: `));
      assert.match(
        originalEntry,
        new RegExp(
          `<link rel="related" type="text/html" href="[^"]*/portal/notices/${cancellation['id']}" title="Thông báo huỷ`,
        ),
      );

      const told = (await queuedFor('stp@angiang.gov.vn')).filter(
        (n) => n.type === 'notice.maintenance_cancelled',
      );
      assert.equal(told.length, 1, 'the subscriber told of the announcement is told of the cancellation');
      assert.equal(told[0]!.payload['cancelsNoticeId'], noticeId);

      const events = await audited('maintenance.cancel', noticeId);
      assert.equal(events.length, 1);
      assert.equal((events[0]!.details as Json)['cancellationNoticeId'], cancellation['id']);
      assert.equal((events[0]!.details as Json)['reason'], 'Nhập nhầm ngày / wrong date typed');

      refused(
        await a.call('POST', `/api/v1/maintenance/${noticeId}/cancel`, {}),
        409,
        'CP_MAINTENANCE_CANCELLED',
      );
    });

    test('refused: an unknown id, a notice that is no window, a window that has ended — and nothing is written', async () => {
      refused(
        await a.call('POST', '/api/v1/maintenance/ntc_0000000000000000000000000/cancel', {}),
        404,
        'CP_MAINTENANCE_NOT_FOUND',
      );
      const start = clock.nowMs() + 25 * HOUR;
      const announced = await a.call('POST', '/api/v1/maintenance', {
        serviceId: null,
        startsAt: new Date(start).toISOString(),
        endsAt: new Date(start + HOUR).toISOString(),
        title: 'Bảo trì toàn hệ thống / Platform maintenance',
        body: 'Nâng cấp / Upgrade',
      });
      const noticeId = (announced.json() as Json)['id'] as string;
      clock.set(start + 2 * HOUR);
      const before = await a.counts();
      const ended = await a.call('POST', `/api/v1/maintenance/${noticeId}/cancel`, {});
      refused(ended, 409, 'CP_MAINTENANCE_ENDED');
      assert.match((ended.json() as Json)['detail'], /đã kết thúc/);
      assert.deepEqual(await a.counts(), before, 'a refusal changes nothing');
      // A notice of another kind is not a window.
      const cancellation = (
        (await a.call('GET', '/api/v1/notices?kind=maintenance_cancelled')).json() as Json
      )['items'][0] as Json;
      refused(
        await a.call('POST', `/api/v1/maintenance/${cancellation['id']}/cancel`, {}),
        404,
        'CP_MAINTENANCE_NOT_FOUND',
      );
    });

    test('a scheduled decommission is cancelled before its date: the service carries on past it, the consumers are told', async () => {
      const at = clock.nowMs() + 61 * DAY;
      const scheduled = await a.call('POST', `/api/v1/services/${seed.dancu.id}/decommission`, {
        at: new Date(at).toISOString(),
        reason: 'Chuyển sang CSDL quốc gia',
      });
      assert.equal(scheduled.statusCode, 200, scheduled.body);
      // The consumer's subscription says it ends, in the list the agency's console reads (no call per row).
      const ending = async () =>
        ((await a.call('GET', `/api/v1/subscriptions/${seed.subscription.id}`)).json() as Json)['ending'];
      const endingIds = async () =>
        (
          (
            await a.call('GET', `/api/v1/subscriptions?ending=true&organizationId=${seed.consumer.id}`)
          ).json() as Json
        )['items'].map((s: Json) => s['id']);
      const standing = ((await a.call('GET', `/api/v1/notices?serviceId=${seed.dancu.id}`)).json() as Json)[
        'items'
      ].find((n: Json) => n['kind'] === 'decommission');
      assert.deepEqual(await ending(), {
        kind: 'service_decommission',
        endsAt: new Date(at).toISOString(),
        noticeId: standing['id'],
        replacementVersionId: null,
        replacementVersion: null,
      });
      assert.deepEqual(await endingIds(), [seed.subscription.id]);
      const notEnding = (
        await a.call('GET', `/api/v1/subscriptions?ending=false&organizationId=${seed.consumer.id}`)
      ).json() as Json;
      assert.equal(
        notEnding['items'].some((s: Json) => s['id'] === seed.subscription.id),
        false,
        'ending=false leaves it out',
      );
      refused(await a.call('GET', '/api/v1/subscriptions?ending=perhaps'), 400, 'API_VALIDATION_FAILED');
      // Put back a day: a second notice of the end, both standing until the cancellation.
      const moved = await a.call('POST', `/api/v1/services/${seed.dancu.id}/decommission`, {
        at: new Date(at + DAY).toISOString(),
        reason: 'Chuyển sang CSDL quốc gia',
      });
      assert.equal(moved.statusCode, 200, moved.body);
      const cancelled = await a.call('POST', `/api/v1/services/${seed.dancu.id}/cancel-decommission`, {
        reason: 'Quyết định lùi lại / postponed',
      });
      assert.equal(cancelled.statusCode, 200, cancelled.body);
      assert.equal((cancelled.json() as Json)['decommissionAt'], null);
      // A cancelled end stops showing at once.
      assert.equal(await ending(), null);
      assert.deepEqual(await endingIds(), []);

      const notices = ((await a.call('GET', `/api/v1/notices?serviceId=${seed.dancu.id}`)).json() as Json)[
        'items'
      ] as Json[];
      const announcements = notices.filter((n) => n['kind'] === 'decommission');
      const announcement = announcements[0]!;
      const cancellation = notices.find((n) => n['kind'] === 'decommission_cancelled')!;
      assert.equal(announcements.length, 2);
      for (const n of announcements)
        assert.equal(
          n['cancelledBy']?.['id'],
          cancellation['id'],
          'every standing notice names the cancellation',
        );
      assert.equal(cancellation['cancelsNoticeId'], announcement['id'], 'the newest');
      assert.equal(cancellation['startsAt'], new Date(at + DAY).toISOString(), 'the cancelled date');
      assert.match(
        cancellation['body'],
        /^Dịch vụ "Tra cứu công dân" tiếp tục được cung cấp: lịch ngừng từ .* đã được huỷ\. Lý do: Quyết định lùi lại/,
      );

      // In the feed a withdrawal and the cancellation of one are not told apart by 'cancelled' alone.
      const feed = await a.call('GET', '/api/v1/public/notices.atom', undefined, { token: null });
      assert.match(feed.body, /label="Ngừng cung cấp dịch vụ \/ Service withdrawn \(R-21\)"/);
      assert.match(feed.body, /label="Huỷ ngừng cung cấp dịch vụ \/ Service end cancelled"/);
      assert.match(
        feed.body,
        /xml:lang="vi">Đã huỷ lịch ngừng cung cấp dự kiến từ \d\d\/\d\d\/\d{4} \d\d:\d\d \(UTC\+07:00\) \/ Cancelled: service end planned for /,
      );

      const told = (await queuedFor('stp@angiang.gov.vn')).filter(
        (n) => n.type === 'notice.decommission_cancelled',
      );
      assert.equal(told.length, 1, 'the consumer told of the end is told it is cancelled');
      assert.match(told[0]!.subject, /Huỷ ngừng cung cấp dịch vụ dancu/);

      const events = await audited('service.decommission.cancel', seed.dancu.id);
      assert.equal(events.length, 1);
      assert.equal((events[0]!.details as Json)['at'], new Date(at + DAY).toISOString());
      assert.equal((events[0]!.details as Json)['scheduledReason'], 'Chuyển sang CSDL quốc gia');

      refused(
        await a.call('POST', `/api/v1/services/${seed.dancu.id}/cancel-decommission`, {}),
        409,
        'CP_DECOMMISSION_CANCELLED',
      );

      clock.set(at + DAY + HOUR);
      assert.equal((await callDancu()).status, 200, 'served past the former date');
      assert.deepEqual((await a.lifecycle.runDue()).decommissionedServices, [], 'nothing falls due');
    });

    test('refused: an unknown service, one with no end scheduled, one whose date has come', async () => {
      refused(
        await a.call('POST', '/api/v1/services/svc_0000000000000000000000000/cancel-decommission', {}),
        404,
        'CP_SERVICE_NOT_FOUND',
      );
      refused(
        await a.call('POST', `/api/v1/services/${seed.thue.id}/cancel-decommission`, {}),
        409,
        'CP_DECOMMISSION_NOT_SCHEDULED',
      );
      const at = clock.nowMs() + 60 * DAY + 60_000;
      await a.call('POST', `/api/v1/services/${seed.thue.id}/decommission`, {
        at: new Date(at).toISOString(),
        reason: 'Hết nhu cầu',
      });
      clock.set(at);
      const before = await a.counts();
      const late = await a.call('POST', `/api/v1/services/${seed.thue.id}/cancel-decommission`, {});
      refused(late, 409, 'CP_SERVICE_DECOMMISSIONED');
      assert.match((late.json() as Json)['detail'], /không huỷ được/);
      assert.deepEqual(await a.counts(), before, 'a refusal changes nothing');
    });

    test('a new date and a cancellation at the same moment: the notices standing say what the service does', {
      skip: kind === 'pglite' ? 'one session: changes never overlap' : false,
    }, async () => {
      const standingNotices = () =>
        g.store.db
          .selectFrom('notices')
          .select('starts_at')
          .where('kind', '=', 'decommission')
          .where('service_id', '=', seed.dancu.id)
          .where('cancelled_at', 'is', null)
          .orderBy('published_at', 'desc')
          .execute();
      for (let round = 0; round < 6; round++) {
        const first = clock.nowMs() + 61 * DAY;
        const moved = first + DAY;
        const scheduled = await a.call('POST', `/api/v1/services/${seed.dancu.id}/decommission`, {
          at: new Date(first).toISOString(),
          reason: 'Chuyển sang CSDL quốc gia',
        });
        assert.equal(scheduled.statusCode, 200, scheduled.body);
        await Promise.all([
          a.call('POST', `/api/v1/services/${seed.dancu.id}/decommission`, {
            at: new Date(moved).toISOString(),
            reason: 'Lùi một ngày',
          }),
          a.call('POST', `/api/v1/services/${seed.dancu.id}/cancel-decommission`, {}),
        ]);
        const service = await g.store.db
          .selectFrom('services')
          .select('decommission_at')
          .where('id', '=', seed.dancu.id)
          .executeTakeFirstOrThrow();
        const standing = await standingNotices();
        if (service.decommission_at === null) {
          assert.deepEqual(standing, [], `round ${round}: no end, so no notice of one stands`);
        } else {
          assert.equal(
            new Date(standing[0]!.starts_at!).getTime(),
            new Date(service.decommission_at).getTime(),
            `round ${round}: the newest notice standing names the date the service ends`,
          );
          const reset = await a.call('POST', `/api/v1/services/${seed.dancu.id}/cancel-decommission`, {});
          assert.equal(reset.statusCode, 200, reset.body);
        }
      }
    });
  });
}

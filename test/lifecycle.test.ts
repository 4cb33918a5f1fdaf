import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { Lifecycle } from '../src/control/lifecycle/index.ts';
import { ManualClock } from '../src/core/clock.ts';
import { LgspError } from '../src/core/errors.ts';
import { getToken, startGatewayHarness } from './helpers/gateway-harness.ts';
import { OPENAPI_DOC, testInSandbox } from './helpers/onboard.ts';
import { seedProvince } from './helpers/seed.ts';
import { storeKinds } from './helpers/stores.ts';
import { startUpstream } from './helpers/upstream.ts';

const DAY = 86_400_000;
const code = async (res: Response) => ((await res.json()) as { code: string }).code;
const refusedWith = (c: string) => (err: unknown) => err instanceof LgspError && err.code === c;

for (const kind of storeKinds) {
  describe(`lifecycle on ${kind}: versions, rotation, decommission, maintenance (R-18, R-19, R-21, R-24)`, () => {
    const clock = new ManualClock(Date.now());
    let h: Awaited<ReturnType<typeof startGatewayHarness>>;
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    let seed: Awaited<ReturnType<typeof seedProvince>>;
    let lifecycle: Lifecycle;
    const call = (path: string, token: string) =>
      fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    /** Notifications queued for an address, by event type (the outbox; delivery is tested in notifications.test.ts). */
    const queuedFor = async (email: string) =>
      (
        await h.store.db
          .selectFrom('notifications')
          .select(['event_type', 'subject'])
          .where('recipient', '=', email)
          .execute()
      ).map((n) => n.event_type);
    const count = async (table: 'notices' | 'audit_events') =>
      (await h.store.db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n;

    before(async () => {
      upstream = await startUpstream();
      h = await startGatewayHarness(kind, { clock });
      seed = await seedProvince(h, upstream.url);
      lifecycle = new Lifecycle(h.store, h.registry, clock);
      await h.snapshots.refresh();
    });
    after(async () => {
      await h.close();
      await upstream.close();
    });

    test('a new version deprecates the old one: headers, a notice, the consumers still calling, 410 after sunset', async () => {
      const token = await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret);
      const v2 = await h.registry.createVersion(
        seed.dancu.id,
        {
          version: '2.0',
          upstreams: { sandbox: `${upstream.url}/sandbox/dancu`, production: `${upstream.url}/api/dancu` },
          resources: [{ method: 'GET', path: '/congdan/{soDinhDanh}' }],
        },
        'test',
      );
      await testInSandbox(h, v2.id);

      const notices = await count('notices');
      await assert.rejects(
        lifecycle.publishVersion(
          v2.id,
          { previousSunsetAt: new Date(clock.nowMs() + 179 * DAY).toISOString() },
          'test',
        ),
        refusedWith('CP_SUNSET_TOO_EARLY'),
      );
      assert.equal(
        (await h.registry.getVersion(v2.id)).status,
        'sandbox_test',
        'a refused publish changes nothing',
      );
      assert.equal(await count('notices'), notices);

      await lifecycle.publishVersion(v2.id, {}, 'test');
      await h.snapshots.refresh();
      const v1 = await h.registry.getVersion(seed.v1.id);
      assert.equal(v1.status, 'deprecated');
      assert.equal(v1.successorVersionId, v2.id);
      const sunsetMs = Date.parse(v1.sunsetAt!);
      assert.ok(sunsetMs >= clock.nowMs() + 180 * DAY - 1000);

      const res = await call('/dancu/1.0/congdan/1', token);
      assert.equal(res.status, 200, 'the old version keeps working until its sunset');
      assert.match(res.headers.get('deprecation') ?? '', /^@\d+$/);
      assert.equal(res.headers.get('sunset'), new Date(sunsetMs).toUTCString());
      assert.equal(res.headers.get('link'), '</dancu/2.0>; rel="successor-version"');

      // The consumer organization subscribed to 1.0 is told, at its contact point.
      assert.ok((await queuedFor('stp@angiang.gov.vn')).includes('notice.deprecation'));
      assert.ok(
        (await lifecycle.listNotices()).some((n) => n.kind === 'deprecation' && n.versionId === seed.v1.id),
      );

      await h.recorder.flush();
      const still = await lifecycle.consumersOfVersion(seed.v1.id);
      assert.deepEqual(
        still.filter((c) => c.environment === 'production').map((c) => c.systemId),
        [seed.consumerSystem.id],
      );

      clock.set(sunsetMs + 1000);
      const later = await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret);
      const gone = await call('/dancu/1.0/congdan/1', later);
      assert.equal(gone.status, 410, 'after the sunset, at once, without any job having run');
      assert.equal(gone.headers.get('link'), '</dancu/2.0>; rel="successor-version"');
      const problem = (await gone.json()) as { code: string; successor: string };
      assert.equal(problem.code, 'GW_VERSION_SUNSET');
      assert.equal(problem.successor, '/dancu/2.0');
      const due = await lifecycle.runDue();
      assert.deepEqual(due.retiredVersions, [seed.v1.id]);
      await h.snapshots.refresh();
      assert.equal(
        (await call('/dancu/1.0/congdan/1', later)).status,
        410,
        'a retired version still points at its successor',
      );
    });

    test('onboarding refuses illegal moves and changes nothing (R-11)', async () => {
      const draft = await h.registry.createVersion(
        seed.thue.id,
        { version: '9.0', upstreams: { sandbox: `${upstream.url}/sandbox/thue` } },
        'test',
      );
      const before = { events: await count('audit_events'), version: await h.registry.getVersion(draft.id) };
      await assert.rejects(
        lifecycle.publishVersion(draft.id, {}, 'test'),
        refusedWith('CP_SANDBOX_TEST_REQUIRED'),
      );
      await assert.rejects(
        h.registry.updateVersion(draft.id, { status: 'published' }, 'test'),
        refusedWith('CP_VERSION_STATE'),
      );
      await assert.rejects(
        h.registry.createVersion(seed.thue.id, { version: '9.1', status: 'published' }, 'test'),
        refusedWith('CP_VERSION_STATE'),
      );
      await assert.rejects(
        lifecycle.submitVersion(
          draft.id,
          { technicalDocument: '<html>không phải</html>', documentType: 'openapi' },
          'test',
        ),
        refusedWith('CP_DESCRIPTION_INCOMPLETE'),
      );
      const bare = await h.registry.createService(
        { context: 'thieu-mo-ta', name: 'Thiếu mô tả', providerSystemId: seed.providerSystem.id },
        'test',
      );
      const bareV = await h.registry.createVersion(bare.id, { version: '1.0' }, 'test');
      await assert.rejects(
        lifecycle.submitVersion(
          bareV.id,
          { technicalDocument: OPENAPI_DOC, documentType: 'openapi' },
          'test',
        ),
        refusedWith('CP_DESCRIPTION_INCOMPLETE'),
      );
      await lifecycle.submitVersion(
        draft.id,
        { technicalDocument: OPENAPI_DOC, documentType: 'openapi' },
        'test',
      );
      await lifecycle.startSandboxTest(draft.id, 'test');
      const eventsBefore = await count('audit_events');
      await assert.rejects(
        lifecycle.publishVersion(draft.id, {}, 'test'),
        refusedWith('CP_SANDBOX_TEST_REQUIRED'),
        'no sandbox call yet',
      );
      assert.equal((await h.registry.getVersion(draft.id)).status, 'sandbox_test');
      assert.equal(await count('audit_events'), eventsBefore, 'a refusal writes nothing');
      const rejected = await lifecycle.rejectVersion(
        draft.id,
        'Thiếu tài liệu WSDL cho dịch vụ SOAP',
        'test',
      );
      assert.equal(rejected.status, 'rejected');
      assert.equal(rejected.rejectionReason, 'Thiếu tài liệu WSDL cho dịch vụ SOAP');
      assert.equal(
        (await h.registry.updateVersion(draft.id, { status: 'draft' }, 'test')).status,
        'draft',
        'back to draft to rework',
      );
      assert.ok(before.events < (await count('audit_events')));
    });

    test('an upstream endpoint change of a version in use is published and sent to its consumers (R-19)', async () => {
      const v2 = (await h.registry.listVersions({ serviceId: seed.dancu.id })).find(
        (v) => v.version === '2.0',
      )!;
      // The consumer moves to 2.0 (the maintenance test below relies on this subscription too).
      await h.registry.createSubscription(
        { systemId: seed.consumerSystem.id, versionId: v2.id, environment: 'production' },
        'test',
      );
      const before = (await queuedFor('stp@angiang.gov.vn')).filter(
        (e) => e === 'notice.endpoint_change',
      ).length;
      await h.registry.updateVersion(
        v2.id,
        { upstreams: { production: `${upstream.url}/api/dancu-v2` } },
        'test',
      );
      assert.ok(
        (await lifecycle.listNotices()).some((n) => n.kind === 'endpoint_change' && n.versionId === v2.id),
      );
      const after = (await queuedFor('stp@angiang.gov.vn')).filter(
        (e) => e === 'notice.endpoint_change',
      ).length;
      assert.equal(after, before + 1);
    });

    test('rotation: both secrets work during the overlap, then only the new one', async () => {
      const sys = await h.registry.createSystem(
        { organizationId: seed.consumer.id, name: 'Hệ thống xoay khoá', isProvider: false, isConsumer: true },
        'test',
      );
      await h.registry.createSubscription(
        { systemId: sys.id, versionId: seed.thueV1.id, environment: 'production' },
        'test',
      );
      const old = await h.registry.issueCredential(sys.id, 'production', 'test');
      await h.snapshots.refresh();

      const fresh = await lifecycle.rotateCredential(old.id, 1, 'test');
      clock.advance(30 * 60_000);
      // Taken half-way through the overlap, so the token itself is still valid when the overlap ends.
      const oldToken = await getToken(h.url, old.consumerKey, old.consumerSecret);
      await h.snapshots.refresh();
      await assert.rejects(
        lifecycle.rotateCredential(old.id, 1, 'test'),
        refusedWith('CP_CREDENTIAL_ROTATED'),
      );
      const newToken = await getToken(h.url, fresh.consumerKey, fresh.consumerSecret);
      assert.equal((await call('/thue/1.0/x', oldToken)).status, 200, 'old token works in the overlap');
      assert.equal((await call('/thue/1.0/x', newToken)).status, 200);
      await getToken(h.url, old.consumerKey, old.consumerSecret); // the old secret still gets tokens too

      clock.advance(30 * 60_000 + 1000);
      const stopped = await call('/thue/1.0/x', oldToken);
      assert.equal(stopped.status, 401);
      assert.equal(await code(stopped), 'GW_CREDENTIAL_EXPIRED');
      await assert.rejects(getToken(h.url, old.consumerKey, old.consumerSecret), /invalid_client/);
      assert.equal(
        (await call('/thue/1.0/x', await getToken(h.url, fresh.consumerKey, fresh.consumerSecret))).status,
        200,
      );
      const due = await lifecycle.runDue();
      assert.ok(due.revokedCredentials.includes(old.id));
      assert.equal((await h.registry.getCredential(old.id)).status, 'revoked');
    });

    test('maintenance: announced ahead, 503 with Retry-After inside the window only', async () => {
      const v2 = (await h.registry.listVersions({ serviceId: seed.dancu.id })).find(
        (v) => v.version === '2.0',
      )!;
      await h.snapshots.refresh();
      assert.ok(v2, 'subscribed in the endpoint-change test above');
      const token = await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret);
      const now = clock.nowMs();
      await assert.rejects(
        lifecycle.announceMaintenance(
          {
            serviceId: seed.dancu.id,
            startsAt: new Date(now - 1000).toISOString(),
            endsAt: new Date(now + 3_600_000).toISOString(),
            title: 'x',
            body: 'x',
          },
          'test',
        ),
        refusedWith('CP_MAINTENANCE_NOT_AHEAD'),
      );
      await lifecycle.announceMaintenance(
        {
          serviceId: seed.dancu.id,
          startsAt: new Date(now + 3_600_000).toISOString(),
          endsAt: new Date(now + 7_200_000).toISOString(),
          title: 'Bảo trì CSDL dân cư',
          body: 'Nâng cấp máy chủ',
        },
        'test',
      );
      await h.snapshots.refresh();
      assert.ok(
        (await queuedFor('stp@angiang.gov.vn')).includes('notice.maintenance'),
        'subscribers told ahead (R-24)',
      );
      assert.equal((await call('/dancu/2.0/congdan/1', token)).status, 200, 'before the window');
      clock.advance(3_600_000 + 60_000);
      const during = await call(
        '/dancu/2.0/congdan/1',
        await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret),
      );
      assert.equal(during.status, 503);
      assert.equal(await code(during), 'GW_MAINTENANCE');
      const retryAfter = Number(during.headers.get('retry-after'));
      assert.ok(retryAfter > 3000 && retryAfter <= 3540, `Retry-After ${retryAfter}`);
      clock.advance(3_600_000);
      const afterToken = await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret);
      assert.equal((await call('/dancu/2.0/congdan/1', afterToken)).status, 200, 'after the window');
    });

    test('decommission: refused under 60 days, published at once, 410 on its date, then subscriptions and credentials revoked', async () => {
      const notices = await count('notices');
      const events = await count('audit_events');
      await assert.rejects(
        lifecycle.scheduleDecommission(
          seed.thue.id,
          { at: new Date(clock.nowMs() + 59 * DAY).toISOString(), reason: 'x' },
          'test',
        ),
        refusedWith('CP_DECOMMISSION_TOO_EARLY'),
      );
      assert.equal(await count('notices'), notices, 'nothing published');
      assert.equal(await count('audit_events'), events, 'nothing audited');

      const sys = await h.registry.createSystem(
        { organizationId: seed.consumer.id, name: 'Hệ thống thuế', isProvider: false, isConsumer: true },
        'test',
      );
      const sub = await h.registry.createSubscription(
        { systemId: sys.id, versionId: seed.thueV1.id, environment: 'production' },
        'test',
      );
      const cred = await h.registry.issueCredential(sys.id, 'production', 'test');
      const at = clock.nowMs() + 60 * DAY + 1000;
      await lifecycle.scheduleDecommission(
        seed.thue.id,
        { at: new Date(at).toISOString(), reason: 'Chuyển sang hệ thống quốc gia' },
        'test',
      );
      assert.ok(
        (await lifecycle.listNotices()).some(
          (n) => n.kind === 'decommission' && n.serviceId === seed.thue.id,
        ),
        'published at once',
      );
      await h.snapshots.refresh();
      const token = await getToken(h.url, cred.consumerKey, cred.consumerSecret);
      assert.equal((await call('/thue/1.0/x', token)).status, 200);

      clock.set(at);
      const ended = await call('/thue/1.0/x', await getToken(h.url, cred.consumerKey, cred.consumerSecret));
      assert.equal(ended.status, 410);
      assert.equal(await code(ended), 'GW_SERVICE_DECOMMISSIONED');
      const due = await lifecycle.runDue();
      assert.deepEqual(due.decommissionedServices, [seed.thue.id]);
      assert.equal((await h.registry.getSubscription(sub.id)).status, 'revoked');
      assert.equal(
        (await h.registry.getCredential(cred.id)).status,
        'revoked',
        'no other subscription needed it',
      );
      assert.equal(
        (await h.registry.getCredential(seed.credential.id)).status,
        'active',
        'a credential still needed elsewhere stays',
      );
    });

    test('a consumer cancelling its subscription loses its credentials at once', async () => {
      const sys = await h.registry.createSystem(
        { organizationId: seed.consumer.id, name: 'Hệ thống huỷ', isProvider: false, isConsumer: true },
        'test',
      );
      const v2 = (await h.registry.listVersions({ serviceId: seed.dancu.id })).find(
        (v) => v.version === '2.0',
      )!;
      const sub = await h.registry.createSubscription(
        { systemId: sys.id, versionId: v2.id, environment: 'production' },
        'test',
      );
      const cred = await h.registry.issueCredential(sys.id, 'production', 'test');
      await h.snapshots.refresh();
      const token = await getToken(h.url, cred.consumerKey, cred.consumerSecret);
      assert.equal((await call('/dancu/2.0/congdan/1', token)).status, 200);
      const { revokedCredentials } = await lifecycle.cancelSubscription(sub.id, 'test');
      assert.deepEqual(revokedCredentials, [cred.id]);
      await h.snapshots.refresh();
      assert.equal((await call('/dancu/2.0/congdan/1', token)).status, 401);
    });
  });
}

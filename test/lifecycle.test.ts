import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { DEFAULT_LIFECYCLE_SETTINGS, Lifecycle } from '../src/control/lifecycle/index.ts';
import { Registry } from '../src/control/registry/index.ts';
import { ManualClock } from '../src/core/clock.ts';
import { LgspError } from '../src/core/errors.ts';
import type { Store } from '../src/store/port.ts';
import { PostgresStore } from '../src/store/postgres-store.ts';
import { getToken, startGatewayHarness } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION, OPENAPI_DOC, testInSandbox } from './helpers/onboard.ts';
import { seedProvince } from './helpers/seed.ts';
import { openTestStore, storeKinds } from './helpers/stores.ts';
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
      assert.ok(sunsetMs >= clock.nowMs() + 180 * DAY - 1000, 'sunsetMs >= clock.nowMs() + 180 * DAY - 1000');

      const res = await call('/dancu/1.0/congdan/1', token);
      assert.equal(res.status, 200, 'the old version keeps working until its sunset');
      assert.match(res.headers.get('deprecation') ?? '', /^@\d+$/);
      assert.equal(res.headers.get('sunset'), new Date(sunsetMs).toUTCString());
      assert.equal(res.headers.get('link'), '</dancu/2.0>; rel="successor-version"');

      // The consumer organization subscribed to 1.0 is told, at its contact point.
      assert.ok(
        (await queuedFor('stp@angiang.gov.vn')).includes('notice.deprecation'),
        "(await queuedFor('stp@angiang.gov.vn')).includes('notice.deprecation')",
      );
      const deprecation = (await lifecycle.listNotices()).find(
        (n) => n.kind === 'deprecation' && n.versionId === seed.v1.id,
      );
      assert.ok(deprecation, 'the deprecation is a public notice');
      // Its date as data too, as the notice.deprecation webhook's example shows and as a decommission carries its own:
      // a feed reader or the portal's "từ / from" need not read it out of the text.
      assert.equal(deprecation.startsAt, new Date(sunsetMs).toISOString());
      // The consumer's subscription to 1.0 says so itself (the agency console's tag): the date, the notice, 2.0.
      assert.deepEqual((await h.registry.getSubscription(seed.subscription.id)).ending, {
        kind: 'version_sunset',
        endsAt: new Date(sunsetMs).toISOString(),
        noticeId: deprecation.id,
        replacementVersionId: v2.id,
        replacementVersion: '2.0',
      });
      const [queued] = await h.store.db
        .selectFrom('notifications')
        .select('payload')
        .where('event_type', '=', 'notice.deprecation')
        .where('recipient', '=', 'stp@angiang.gov.vn')
        .execute();
      assert.equal(
        (queued?.payload as { startsAt?: string } | undefined)?.startsAt,
        new Date(sunsetMs).toISOString(),
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
      assert.ok(
        before.events < (await count('audit_events')),
        "before.events < (await count('audit_events'))",
      );
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
        "(await lifecycle.listNotices()).some((n) => n.kind === 'endpoint_change' && n.versionId...",
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
      assert.ok(due.revokedCredentials.includes(old.id), 'due.revokedCredentials.includes(old.id)');
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
      // R-24 with the default notice (24 h): an hour ahead is refused, the refusal saying the earliest start.
      await assert.rejects(
        lifecycle.announceMaintenance(
          {
            serviceId: seed.dancu.id,
            startsAt: new Date(now + 3_600_000).toISOString(),
            endsAt: new Date(now + 7_200_000).toISOString(),
            title: 'x',
            body: 'x',
          },
          'test',
        ),
        (err: unknown) =>
          refusedWith('CP_MAINTENANCE_NOTICE_TOO_SHORT')(err) &&
          (err as LgspError).extra['earliestAllowedAt'] ===
            new Date(Math.ceil((now + DAY) / 60_000) * 60_000).toISOString(),
      );
      // A platform configured for one hour's notice accepts it.
      const hourNotice = new Lifecycle(h.store, h.registry, clock, {
        ...DEFAULT_LIFECYCLE_SETTINGS,
        maintenanceMinNoticeHours: 1,
      });
      await hourNotice.announceMaintenance(
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

    test('an ended service is not announced to end again, nor given a new version (R-21)', async () => {
      // The service of the test above has ended: a second "ends on …" notice would tell consumers of the public
      // portal that a service already gone is still running until then, and a new version would reach the
      // catalogue's review and the consumers' requests while every call to it is 410.
      assert.ok((await h.registry.getService(seed.thue.id)).decommissionedAt, 'ended above');
      const notices = await count('notices');
      const events = await count('audit_events');
      await assert.rejects(
        lifecycle.scheduleDecommission(
          seed.thue.id,
          { at: new Date(clock.nowMs() + 90 * DAY).toISOString(), reason: 'lần hai' },
          'test',
        ),
        refusedWith('CP_SERVICE_DECOMMISSIONED'),
      );
      await assert.rejects(
        h.registry.createVersion(seed.thue.id, { version: '3.0' }, 'test'),
        refusedWith('CP_SERVICE_DECOMMISSIONED'),
      );
      assert.equal(await count('notices'), notices, 'nothing published');
      assert.equal(await count('audit_events'), events, 'nothing audited');
      const err = (await lifecycle
        .scheduleDecommission(
          seed.thue.id,
          { at: new Date(clock.nowMs() + 90 * DAY).toISOString(), reason: 'x' },
          'test',
        )
        .catch((e: unknown) => e)) as LgspError;
      assert.match(
        String(err.detail),
        /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2} \(UTC\+07:00\)/,
        'when it ended, Vietnam time',
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

for (const kind of storeKinds) {
  describe(`lifecycle on ${kind}: two nodes run what is due at the same time (issue 9)`, () => {
    test('each due row is changed by one of them, with one audit event', async () => {
      const t = await openTestStore(kind);
      // Two nodes: on PostgreSQL two connection pools on one database; PGlite is owned by one process, so there
      // the two run at once on the same store.
      const other: Store = kind === 'postgres' ? await PostgresStore.open(t.databaseUrl) : t.store;
      try {
        const clock = new ManualClock(Date.now());
        const registry = new Registry(t.store, clock);
        const org = await registry.createOrganization(
          { code: '000.00.31.H01', name: 'Công an tỉnh' },
          'test',
        );
        const provider = await registry.createSystem(
          { organizationId: org.id, name: 'CSDL', isProvider: true, isConsumer: false },
          'test',
        );
        const consumer = await registry.createSystem(
          { organizationId: org.id, name: 'Hộ tịch', isProvider: false, isConsumer: true },
          'test',
        );
        const service = async (context: string) =>
          registry.createService(
            { context, name: context, providerSystemId: provider.id, description: FULL_DESCRIPTION },
            'test',
          );
        const version = async (serviceId: string, v: string) =>
          (await registry.createVersion(serviceId, { version: v, upstreams: {} }, 'test')).id;
        const past = new Date(clock.nowMs() - DAY);

        // Due: five versions past their sunset, one service past its decommission date (its subscription and the
        // consumer's production credential end with it), five credentials past their rotation overlap.
        const old = await service('cu');
        const sunsetVersions = await Promise.all(
          ['1.0', '1.1', '1.2', '1.3', '1.4'].map((v) => version(old.id, v)),
        );
        await t.store.db
          .updateTable('service_versions')
          .set({ status: 'deprecated', sunset_at: past })
          .where('id', 'in', sunsetVersions)
          .execute();
        const ending = await service('ketthuc');
        const endingVersion = await version(ending.id, '1.0');
        await registry.createSubscription(
          { systemId: consumer.id, versionId: endingVersion, environment: 'production' },
          'test',
        );
        const production = await registry.issueCredential(consumer.id, 'production', 'test');
        await t.store.db
          .updateTable('services')
          .set({ decommission_at: past })
          .where('id', '=', ending.id)
          .execute();
        const rotated: string[] = [];
        for (let i = 0; i < 5; i++)
          rotated.push((await registry.issueCredential(consumer.id, 'sandbox', 'test')).id);
        await t.store.db
          .updateTable('credentials')
          .set({ expires_at: past })
          .where('id', 'in', rotated)
          .execute();

        const nodes = [
          new Lifecycle(t.store, registry, clock),
          new Lifecycle(other, new Registry(other, clock), clock),
        ];
        const [a, b] = await Promise.all(nodes.map((node) => node.runDue()));
        const both = (key: 'retiredVersions' | 'decommissionedServices' | 'revokedCredentials') =>
          [...a![key], ...b![key]].sort();
        assert.deepEqual(both('retiredVersions'), [...sunsetVersions].sort(), 'each version retired once');
        assert.deepEqual(both('decommissionedServices'), [ending.id]);
        assert.deepEqual(both('revokedCredentials'), [...rotated, production.id].sort(), 'each revoked once');

        const events = await t.store.db
          .selectFrom('audit_events')
          .select(['object_id', 'action', sql<number>`count(*)`.as('n')])
          .where('action', 'in', ['version.retire', 'service.decommission', 'credential.revoke'])
          .groupBy(['object_id', 'action'])
          .execute();
        assert.deepEqual(
          events.map((e) => `${e.object_id} ${e.action}`).sort(),
          [
            ...sunsetVersions.map((id) => `${id} version.retire`),
            `${ending.id} service.decommission`,
            ...rotated.map((id) => `${id} credential.revoke`),
          ].sort(),
        );
        assert.ok(
          events.every((e) => Number(e.n) === 1),
          `one audit event each: ${JSON.stringify(events)}`,
        );
        const again = await nodes[1]!.runDue();
        assert.deepEqual(again, { retiredVersions: [], decommissionedServices: [], revokedCredentials: [] });
      } finally {
        if (other !== t.store) await other.close();
        await t.dispose();
      }
    });
  });
}

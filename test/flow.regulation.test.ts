import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConnectionRequests } from '../src/control/connection-requests/index.ts';
import { SubscriptionRequests } from '../src/control/subscription-requests/index.ts';
import { ManualClock } from '../src/core/clock.ts';
import { getToken, startGatewayHarness } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION, publishThroughSandbox } from './helpers/onboard.ts';
import { storeKinds } from './helpers/stores.ts';
import { allowEgressTo, startUpstream } from './helpers/upstream.ts';

const DAY = 86_400_000;
const contact = (name: string, email: string) => ({
  name,
  title: 'Chuyên viên',
  unit: 'Văn phòng',
  phone: '0296 3800 000',
  email,
});

/**
 * The whole regulation in one walk (issue 3): connection request → approval → provider service published via
 * the sandbox → consumer registration → sandbox credentials → sandbox call → production credentials → production
 * call → new version → deprecation headers → rotation with overlap → decommission notice → the service stops on
 * its date (a controllable clock) → credentials revoked. Every step through the platform's own services and a
 * real gateway; nothing is written behind their backs.
 */
for (const kind of storeKinds) {
  describe(`the regulation, start to end, on ${kind}`, () => {
    const clock = new ManualClock(Date.parse('2026-11-24T02:00:00Z')); // Tuesday 09:00 in Vietnam
    let h: Awaited<ReturnType<typeof startGatewayHarness>>;
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    const call = (path: string, token: string) =>
      fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

    before(async () => {
      upstream = await startUpstream();
      h = await startGatewayHarness(kind, { clock });
      allowEgressTo(h.egress, upstream.url); // issue 10: this test's provider, exactly
    });
    after(async () => {
      await h.close();
      await upstream.close();
    });

    test('every step, in order', async () => {
      const { registry, lifecycle } = h;
      const connections = new ConnectionRequests(h.store, registry);
      const subscriptions = new SubscriptionRequests(h.store, registry, clock, {
        timezoneOffsetMinutes: 420,
        holidays: [],
        responseDeadlineWorkingDays: 2,
      });

      // two agencies with their contact points apply to connect a system each; the operator approves.
      const police = await registry.createOrganization(
        {
          code: '000.00.31.H01',
          name: 'Công an tỉnh',
          contact: contact('Trần Thị Bình', 'pc06@angiang.gov.vn'),
        },
        'admin',
      );
      const justice = await registry.createOrganization(
        { code: '000.00.12.H01', name: 'Sở Tư pháp', contact: contact('Lê Văn Cường', 'stp@angiang.gov.vn') },
        'admin',
      );
      const apply = async (org: typeof police, name: string, provider: boolean) => {
        const request = await connections.submit(
          {
            organizationId: org.id,
            systemName: name,
            isProvider: provider,
            isConsumer: !provider,
            purpose: 'Chia sẻ dữ liệu dân cư',
            scopeOfUse: 'Toàn tỉnh',
            contact: org.contact!,
          },
          'agency',
        );
        return (await connections.approve(request.id, 'reviewer')).system;
      };
      const population = await apply(police, 'CSDL Dân cư tỉnh', true);
      const civil = await apply(justice, 'Hệ thống Hộ tịch', false);
      assert.equal(population.status, 'active');

      // the provider describes and submits its service; the operator tests it in the sandbox and publishes.
      const dancu = await registry.createService(
        {
          context: 'dancu',
          name: 'Tra cứu công dân',
          providerSystemId: population.id,
          description: FULL_DESCRIPTION,
        },
        'agency',
      );
      const v1 = await registry.createVersion(
        dancu.id,
        {
          version: '1.0',
          upstreams: { sandbox: `${upstream.url}/sandbox/dancu`, production: `${upstream.url}/api/dancu` },
          resources: [{ method: 'GET', path: '/congdan/{soDinhDanh}' }],
        },
        'agency',
      );
      await publishThroughSandbox(h, v1.id);
      assert.equal((await registry.getVersion(v1.id)).status, 'published');
      assert.ok(
        (await registry.getVersion(v1.id)).sandboxEvidenceTransactionId,
        'the sandbox call is kept as evidence',
      );

      // the consumer registers; sandbox credentials are issued and collected once; a sandbox call works.
      const request = await subscriptions.submit(
        {
          systemId: civil.id,
          versionId: v1.id,
          application: 'Phần mềm hộ tịch',
          purpose: 'Xác minh nhân thân khi đăng ký khai sinh',
          frequencyPerDay: 5000,
          frequencyPerMinute: 60,
          timeOfUse: '07:00-17:30',
        },
        'agency',
      );
      assert.equal(request.status, 'submitted');
      await subscriptions.approveSandbox(request.id, 'reviewer');
      const sandboxKey = await subscriptions.collectCredential(request.id, 'sandbox', 'agency');
      await h.snapshots.refresh();
      const sandboxToken = await getToken(h.url, sandboxKey.consumerKey, sandboxKey.consumerSecret);
      assert.equal((await call('/dancu/1.0/congdan/001099012345', sandboxToken)).status, 200, 'sandbox call');
      await h.recorder.flush();

      // …then asks for production; production credentials; a production call works.
      await subscriptions.requestProduction(request.id, 'agency');
      await subscriptions.approveProduction(request.id, 'reviewer');
      const productionKey = await subscriptions.collectCredential(request.id, 'production', 'agency');
      await h.snapshots.refresh();
      const productionToken = await getToken(h.url, productionKey.consumerKey, productionKey.consumerSecret);
      assert.equal(
        (await call('/dancu/1.0/congdan/001099012345', productionToken)).status,
        200,
        'production call',
      );

      // a new version; the old one keeps working with Deprecation, Sunset and a Link to its successor.
      const v2 = await registry.createVersion(
        dancu.id,
        {
          version: '2.0',
          upstreams: { sandbox: `${upstream.url}/sandbox/dancu`, production: `${upstream.url}/api/dancu` },
          resources: [{ method: 'GET', path: '/congdan/{soDinhDanh}' }],
        },
        'agency',
      );
      await publishThroughSandbox(h, v2.id);
      const deprecated = await call('/dancu/1.0/congdan/001099012345', productionToken);
      assert.equal(deprecated.status, 200);
      assert.match(deprecated.headers.get('deprecation') ?? '', /^@\d+$/);
      assert.ok(deprecated.headers.get('sunset'), "deprecated.headers.get('sunset')");
      assert.equal(deprecated.headers.get('link'), '</dancu/2.0>; rel="successor-version"');

      // the consumer rotates its production key; both work during the overlap, then only the new one.
      const rotated = await lifecycle.rotateCredential(productionKey.credentialId, 2, 'agency');
      await h.snapshots.refresh();
      const newToken = await getToken(h.url, rotated.consumerKey, rotated.consumerSecret);
      assert.equal(
        (await call('/dancu/1.0/congdan/1', productionToken)).status,
        200,
        'old key in the overlap',
      );
      assert.equal((await call('/dancu/1.0/congdan/1', newToken)).status, 200, 'new key');
      clock.advance(2 * 3_600_000 + 1000);
      const afterOverlap = await getToken(h.url, rotated.consumerKey, rotated.consumerSecret);
      assert.equal(
        (await call('/dancu/1.0/congdan/1', afterOverlap)).status,
        200,
        'only the new key from now on',
      );
      await assert.rejects(
        getToken(h.url, productionKey.consumerKey, productionKey.consumerSecret),
        /invalid_client/,
      );

      // the provider announces the end ≥ 60 days ahead; published at once; the service stops on its date.
      const endsAt = clock.nowMs() + 61 * DAY;
      await lifecycle.scheduleDecommission(
        dancu.id,
        { at: new Date(endsAt).toISOString(), reason: 'Chuyển sang NDXP' },
        'agency',
      );
      assert.ok(
        (await lifecycle.listNotices()).some((n) => n.kind === 'decommission' && n.serviceId === dancu.id),
        "(await lifecycle.listNotices()).some((n) => n.kind === 'decommission' && n.serviceId ==...",
      );
      await h.snapshots.refresh();
      clock.set(endsAt);
      const lastToken = await getToken(h.url, rotated.consumerKey, rotated.consumerSecret);
      const stopped = await call('/dancu/2.0/congdan/1', lastToken);
      assert.equal(stopped.status, 410);
      assert.equal(((await stopped.json()) as { code: string }).code, 'GW_SERVICE_DECOMMISSIONED');

      // …and its subscriptions and the credentials only they needed are revoked.
      const due = await lifecycle.runDue();
      assert.deepEqual(due.decommissionedServices, [dancu.id]);
      await h.snapshots.refresh();
      for (const credential of await registry.listCredentials({ systemId: civil.id })) {
        assert.equal(
          credential.status,
          'revoked',
          `${credential.environment} credential ${credential.consumerKey}`,
        );
      }
      assert.equal((await call('/dancu/2.0/congdan/1', lastToken)).status, 401);
    });
  });
}

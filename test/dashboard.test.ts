import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../src/core/ids.ts';
import type { TransactionRecord } from '../src/telemetry/record.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';
import { FULL_DESCRIPTION, OPENAPI_DOC } from './helpers/onboard.ts';
import { callRecord } from './helpers/records.ts';
import { storeKinds } from './helpers/stores.ts';

/**
 * Issue 11: the operator console's dashboard — traffic and error rate over time, top services and consumers,
 * open alerts, the async backlog, and what waits for review against the 2-working-day deadline (Decree 194/2025).
 * The harness's clock stands at Saturday 2025-03-01 02:00 UTC (09:00 in Vietnam).
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;
const NOW = Date.parse('2025-03-01T02:00:00Z');
const MIN = 60_000;
const HOUR = 3_600_000;
const A_CODE = '000.00.12.H01';
const B_CODE = '000.00.31.H01';
const PASSWORD = 'mat-khau-can-bo-01';

for (const kind of storeKinds) {
  describe(`GET /api/v1/dashboard (${kind})`, () => {
    let h: AdminHarness;
    let agencyToken: string;
    const ids: Record<string, string> = {};

    before(async () => {
      h = await openAdminHarness(kind, { startMs: NOW });
      const r = h.registry;
      const orgA = await r.createOrganization({ code: A_CODE, name: 'Sở Tư pháp' }, 't');
      const orgB = await r.createOrganization({ code: B_CODE, name: 'Công an tỉnh' }, 't');
      const sysA = await r.createSystem(
        { organizationId: orgA.id, name: 'Hệ thống Hộ tịch', isProvider: false, isConsumer: true },
        't',
      );
      const sysB = await r.createSystem(
        { organizationId: orgB.id, name: 'CSDL Dân cư', isProvider: true, isConsumer: true },
        't',
      );
      const tester = await r.createSystem(
        { organizationId: orgB.id, name: 'Máy khách thử', isProvider: false, isConsumer: true },
        't',
      );
      const svc = await r.createService(
        {
          context: 'dancu',
          name: 'Tra cứu công dân',
          providerSystemId: sysB.id,
          description: FULL_DESCRIPTION,
        },
        't',
      );
      const upstreams = { sandbox: 'http://127.0.0.1:9/s', production: null };
      h.registry.egress.allowTargets('127.0.0.1:9');
      const v1 = await r.createVersion(svc.id, { version: '1.0', upstreams }, 't');
      Object.assign(ids, {
        orgA: orgA.id,
        orgB: orgB.id,
        sysA: sysA.id,
        sysB: sysB.id,
        svc: svc.id,
        v1: v1.id,
        tester: tester.id,
      });

      // The platform's test client: a row marks it; it is never counted as a customer.
      const credential = await r.issueCredential(tester.id, 'sandbox', 't');
      await h.store.db
        .insertInto('platform_test_client')
        .values({
          id: 1,
          organization_id: orgB.id,
          system_id: tester.id,
          credential_id: credential.id,
          consumer_key: credential.consumerKey,
          secret_sealed: new Uint8Array([1]),
          created_at: new Date(NOW),
          updated_at: new Date(NOW),
        })
        .execute();

      // Traffic in the last hour: A calls B's service 3 times at 01:10 (one 5xx), B calls itself at 01:20, the
      // test client calls 5 times at 01:30, and a /token request at 01:10 that is no service call. At 01:12 the
      // gateway refuses two of A's calls itself (no subscription): never sent on, so refused, not errors.
      const call = (atMs: number, consumer: [string, string], over: Partial<TransactionRecord> = {}) =>
        callRecord(atMs, {
          consumerSystemId: consumer[0],
          consumerOrgCode: consumer[1],
          providerSystemId: sysB.id,
          providerOrgCode: B_CODE,
          serviceId: svc.id,
          serviceContext: 'dancu',
          versionId: v1.id,
          version: '1.0',
          ...over,
        });
      const t = (m: number) => NOW - HOUR + m * MIN;
      await insertTransactions(h.store, [
        call(t(10), [sysA.id, A_CODE]),
        call(t(10) + 1000, [sysA.id, A_CODE]),
        call(t(10) + 2000, [sysA.id, A_CODE], { consumerStatus: 502, providerStatus: 500 }),
        call(t(20), [sysB.id, B_CODE]),
        ...[0, 1].map((i) =>
          call(t(12) + i, [sysA.id, A_CODE], {
            providerStatus: null,
            consumerStatus: 403,
            errorCode: 'GW_SUBSCRIPTION_REQUIRED',
            requestOutAt: null,
            responseInAt: null,
          }),
        ),
        ...Array.from({ length: 5 }, (_, i) => call(t(30) + i, [tester.id, B_CODE])),
        callRecord(t(10) + 3000, {
          consumerSystemId: sysA.id,
          consumerOrgCode: A_CODE,
          resourceTemplate: '/token',
          method: 'POST',
          kind: 'token_request',
        }),
      ]);

      // Alerts: a warning for B, a critical one for everyone (no organization), and a resolved one.
      const alert = (
        severity: 'warning' | 'critical',
        state: 'open' | 'resolved',
        organizationIds: string[],
        m: number,
      ) => ({
        id: newId('alr', t(m)),
        kind: 'message.dead',
        key: `k-${m}`,
        severity,
        state,
        subject: `Cảnh báo ${m}`,
        details: JSON.stringify({}),
        occurrences: 1,
        opened_at: new Date(t(m)),
        last_seen_at: new Date(t(m)),
        resolved_at: state === 'resolved' ? new Date(t(m + 1)) : null,
        organization_ids: organizationIds,
      });
      await h.store.db
        .insertInto('alerts')
        .values([
          alert('warning', 'open', [orgB.id], 5),
          alert('critical', 'open', [], 6),
          alert('warning', 'resolved', [orgB.id], 7),
        ])
        .execute();

      // Async backlog: two messages from A to B's version waiting, the older accepted 30 minutes ago; one delivered.
      const message = (m: number, state: 'accepted' | 'delivered') => ({
        id: newId('msg', t(m)),
        source_system_id: sysA.id,
        destination_version_id: v1.id,
        environment: 'production' as const,
        idempotency_key: null,
        content_type: 'application/json',
        accepted_at: new Date(t(m)),
        expires_at: new Date(NOW + 24 * HOUR),
        state,
        size_bytes: 10,
        sha256: 'ab'.repeat(32),
        next_attempt_at: new Date(NOW),
        last_error: null,
        delivered_at: state === 'delivered' ? new Date(NOW) : null,
        has_payload: state !== 'delivered',
        claim_token: null,
        lease_until: null,
      });
      await h.store.db
        .insertInto('messages')
        .values([message(30, 'accepted'), message(50, 'accepted'), message(40, 'delivered')])
        .execute();

      // Waiting for review: A's subscription requests, one since Tuesday (overdue since Thursday 09:00 in
      // Vietnam), one since Thursday (due Monday 09:00); B's version submitted now.
      const request = (stageStartedMs: number) => ({
        id: newId('req', stageStartedMs),
        system_id: sysA.id,
        version_id: v1.id,
        application: 'Phần mềm hộ tịch',
        purpose: 'Xác minh công dân',
        frequency_per_day: 100,
        frequency_per_minute: null,
        time_of_use: null,
        other_notes: null,
        status: 'submitted' as const,
        requested_by: 't',
        submitted_at: new Date(stageStartedMs),
        stage_started_at: new Date(stageStartedMs),
        updated_at: new Date(stageStartedMs),
      });
      const tuesday = request(Date.parse('2025-02-25T02:00:00Z'));
      const thursday = request(Date.parse('2025-02-27T02:00:00Z'));
      await h.store.db.insertInto('subscription_requests').values([tuesday, thursday]).execute();
      Object.assign(ids, { tuesday: tuesday.id, thursday: thursday.id });
      await h.lifecycle.submitVersion(
        v1.id,
        { technicalDocument: OPENAPI_DOC, documentType: 'openapi' },
        't',
      );

      await h.accounts.createUser(
        {
          username: 'canbo-a',
          displayName: 'Cán bộ A',
          password: PASSWORD,
          role: 'agency',
          organizationId: orgA.id,
        },
        't',
      );
      agencyToken = (await h.accounts.login('canbo-a', PASSWORD)).token;
    });
    after(() => h?.dispose());

    const get = async (query: string, token?: string) => {
      const res = await h.call('GET', `/api/v1/dashboard${query}`, undefined, token ? { token } : {});
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as Json;
    };

    test('minute steps for the last hour: every minute present, errors counted, /token requests left out', async () => {
      const d = await get(`?from=${new Date(NOW - HOUR).toISOString()}&to=${new Date(NOW).toISOString()}`);
      assert.equal(d.bucket, 'minute');
      assert.equal(d.traffic.points.length, 60);
      const at = (m: number) =>
        d.traffic.points.find((p: Json) => p.at === new Date(NOW - HOUR + m * MIN).toISOString());
      assert.deepEqual(at(10), { at: at(10).at, calls: 3, refused: 0, errors: 1, errorRate: 0.3333 });
      assert.equal(at(20).calls, 1);
      assert.deepEqual(at(11), { at: at(11).at, calls: 0, refused: 0, errors: 0, errorRate: null });
      // Refused by the gateway: counted apart, no error of the service, no error rate (nothing reached it).
      assert.deepEqual(at(12), { at: at(12).at, calls: 2, refused: 2, errors: 0, errorRate: null });
      assert.equal(at(30).calls, 0, 'the platform’s try-it client is no customer');
      assert.equal(d.traffic.calls, 6, 'six service calls; the /token request is not one');
      assert.equal(d.traffic.refused, 2);
      assert.equal(d.traffic.errors, 1);
      assert.equal(d.traffic.errorRate, 0.25, 'one error over the four calls passed on');
    });

    test('hour steps by default over 24 hours, day steps on Vietnam days over a month', async () => {
      const day = await get('');
      assert.equal(day.bucket, 'hour');
      assert.equal(day.traffic.points.length, 24);
      assert.equal(day.to, new Date(NOW).toISOString());
      const lastHour = day.traffic.points.at(-1);
      assert.equal(lastHour.at, new Date(NOW - HOUR).toISOString());
      assert.ok(lastHour.calls >= 4, 'the last hour holds the calls');
      // The same split in hour steps (read from the statistics): 6 calls, 2 refused, 1 error over the 4 passed on.
      assert.deepEqual(
        [lastHour.calls, lastHour.refused, lastHour.errors, lastHour.errorRate],
        [6, 2, 1, 0.25],
      );
      const month = await get(`?from=${new Date(NOW - 30 * 24 * HOUR).toISOString()}`);
      assert.equal(month.bucket, 'day');
      // Days start at 00:00 in Vietnam, 17:00 UTC the day before: 09:00 Saturday is in the day that began Friday 17:00.
      assert.equal(month.traffic.points.at(-1).at, '2025-02-28T17:00:00.000Z');
      assert.ok(month.traffic.points.at(-1).calls >= 4, 'month.traffic.points.at(-1).calls >= 4');
    });

    test('top services and consumers, without the platform’s test client', async () => {
      const d = await get('');
      assert.deepEqual(
        d.topServices.map((s: Json) => [s.id, s.calls]),
        [[ids['svc'], 6]],
      );
      assert.match(d.topServices[0].label, /dancu — Tra cứu công dân/);
      assert.deepEqual(
        d.topConsumers.map((c: Json) => [c.id, c.calls, c.refused, c.errors]),
        [
          [ids['sysA'], 5, 2, 1],
          [ids['sysB'], 1, 0, 0],
        ],
      );
      // Read by a person: the system's name and its organization's, no id.
      assert.match(d.topConsumers[0].label, / — Sở Tư pháp$/);
      assert.doesNotMatch(d.topConsumers[0].label, /sys_/);
    });

    test('the statistics do not count the platform’s try-it client as a customer either', async () => {
      const period = `from=${new Date(NOW - HOUR).toISOString()}&to=${new Date(NOW).toISOString()}`;
      const res = await h.call('GET', `/api/v1/reports/statistics?${period}&groupBy=consumerSystem`);
      assert.equal(res.statusCode, 200, res.body);
      const consumers = res.json().rows.map((r: Json) => r.key.consumerSystem);
      assert.ok(consumers.includes(ids['sysA']), "consumers.includes(ids['sysA'])");
      assert.ok(!consumers.includes(ids['tester']), "!consumers.includes(ids['tester'])");
    });

    test('open alerts by severity with the latest; the async backlog with its oldest message’s age', async () => {
      const d = await get('');
      assert.deepEqual(d.alerts.open, { info: 0, warning: 1, critical: 1, total: 2 });
      assert.deepEqual(
        d.alerts.latest.map((a: Json) => a.subject),
        ['Cảnh báo 6', 'Cảnh báo 5'],
      );
      assert.equal(d.backlog.engine, 'embedded');
      assert.equal(d.backlog.waiting, 2);
      assert.equal(d.backlog.oldestAgeSeconds, 30 * 60);
      assert.deepEqual(
        d.backlog.queues.map((q: Json) => [q.label, q.environment, q.waiting]),
        [['dancu/1.0', 'production', 2]],
      );
    });

    test('requests waiting for review, oldest first, with their age against 2 working days and overdue', async () => {
      const d = await get('');
      assert.equal(d.reviews.waiting, 3);
      assert.equal(d.reviews.overdue, 1);
      assert.deepEqual(d.reviews.byKind.subscriptionRequest, { waiting: 2, overdue: 1 });
      assert.deepEqual(d.reviews.byKind.serviceSubmission, { waiting: 1, overdue: 0 });
      const [first, second, third] = d.reviews.items;
      assert.equal(first.id, ids['tuesday']);
      assert.equal(first.age.overdue, true);
      assert.equal(first.age.deadlineAt, '2025-02-27T02:00:00.000Z');
      assert.equal(first.organizationName, 'Sở Tư pháp');
      assert.equal(second.id, ids['thursday']);
      assert.equal(second.age.overdue, false);
      // Thursday 09:00 + 2 working days, the weekend skipped: Monday 09:00 in Vietnam.
      assert.equal(second.age.deadlineAt, '2025-03-03T02:00:00.000Z');
      assert.equal(second.age.workingDays, 1.63);
      assert.equal(third.kind, 'serviceSubmission');
      assert.equal(third.age.workingDays, 0, 'submitted on a Saturday: no working time yet');
    });

    test('an agency user gets the same shape for its own organization only', async () => {
      const d = await get(`?from=${new Date(NOW - HOUR).toISOString()}`, agencyToken);
      assert.equal(d.scope.organizationCode, A_CODE);
      assert.equal(d.traffic.calls, 5, 'only the calls where A is a party');
      assert.deepEqual(
        d.topConsumers.map((c: Json) => c.id),
        [ids['sysA']],
      );
      assert.equal(d.alerts.open.total, 0, 'no alert is addressed to A');
      assert.equal(d.backlog.waiting, 2, 'A sent the waiting messages');
      assert.equal(d.reviews.waiting, 2, 'A’s own requests, not B’s version');
    });

    test('a bad period is a clear 400, never a 5xx', async () => {
      for (const query of [
        `?from=${new Date(NOW).toISOString()}&to=${new Date(NOW - HOUR).toISOString()}`,
        `?from=2020-01-01T00:00:00Z&to=2025-01-01T00:00:00Z`,
        `?from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00Z&bucket=minute`,
      ]) {
        const res = await h.call('GET', `/api/v1/dashboard${query}`);
        assert.equal(res.statusCode, 400, `${query} → ${res.body}`);
        assert.equal(res.json().code, 'RP_DASHBOARD_INVALID');
      }
      const bad = await h.call('GET', '/api/v1/dashboard?bucket=week');
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'API_VALIDATION_FAILED');
    });
  });
}

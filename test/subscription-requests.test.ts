import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createAdminApi } from '../src/api/server.ts';
import { Accounts } from '../src/control/accounts.ts';
import { Registry } from '../src/control/registry/index.ts';
import { SubscriptionRequests } from '../src/control/subscription-requests/index.ts';
import { type Clock, ManualClock } from '../src/core/clock.ts';
import { ConfigError, loadConfig } from '../src/core/config.ts';
import { LgspError } from '../src/core/errors.ts';
import { deadlineOf, VIETNAM_HOLIDAYS_2026, workingDaysBetween } from '../src/core/working-days.ts';
import { requestWorkflows } from '../src/platform.ts';
import { Alerts } from '../src/telemetry/alerts.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { getToken, startGatewayHarness } from './helpers/gateway-harness.ts';
import { TEST_KEK, testKeys } from './helpers/keys.ts';
import { FULL_DESCRIPTION, OPENAPI_DOC } from './helpers/onboard.ts';
import { seedProvince } from './helpers/seed.ts';
import { storeKinds } from './helpers/stores.ts';
import { startUpstream } from './helpers/upstream.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

const VN = { timezoneOffsetMinutes: 420, holidays: VIETNAM_HOLIDAYS_2026 };
/** A local Vietnamese time (UTC+7), e.g. `local('2026-03-06T16:00')`. */
const local = (at: string) => Date.parse(`${at}:00+07:00`);
const HOUR = 3_600_000;
const PASSWORD = 'subreq-test-password';

describe('working days, local time UTC+7 (Decree 194/2025: 2 working days)', () => {
  test('a request of Friday 16:00 has used 0.75 working day on Monday 10:00; its deadline is Tuesday 16:00', () => {
    // 2026-03-06 is a Friday; no holiday that week.
    assert.equal(workingDaysBetween(local('2026-03-06T16:00'), local('2026-03-09T10:00'), VN), 0.75);
    assert.equal(deadlineOf(local('2026-03-06T16:00'), 2, VN), local('2026-03-10T16:00'));
    assert.ok(
      workingDaysBetween(local('2026-03-06T16:00'), local('2026-03-11T17:00'), VN) > 2,
      "workingDaysBetween(local('2026-03-06T16:00'), local('2026-03-11T17:00'), VN) > 2",
    );
  });

  test('weekends count nothing; a request of Saturday runs from Monday 00:00', () => {
    assert.equal(workingDaysBetween(local('2026-03-07T10:00'), local('2026-03-08T20:00'), VN), 0);
    assert.equal(deadlineOf(local('2026-03-07T10:00'), 2, VN), local('2026-03-11T00:00'));
    assert.equal(
      workingDaysBetween(local('2026-03-09T00:00'), local('2026-03-07T00:00'), VN),
      0,
      'backwards',
    );
  });

  test('holidays are skipped: Giỗ Tổ (27/4), 30/4–1/5, Tết (16–20/2)', () => {
    // Friday 24/4 16:00: Monday 27/4 is the day off for Giỗ Tổ Hùng Vương → Wednesday 29/4 16:00.
    assert.equal(deadlineOf(local('2026-04-24T16:00'), 2, VN), local('2026-04-29T16:00'));
    assert.equal(workingDaysBetween(local('2026-04-24T16:00'), local('2026-04-29T10:00'), VN), 1.75);
    // Wednesday 29/4 12:00: Thursday 30/4, Friday 1/5 and the weekend are off → Tuesday 5/5 12:00.
    assert.equal(deadlineOf(local('2026-04-29T12:00'), 2, VN), local('2026-05-05T12:00'));
    // Friday 13/2 before Tết → Tuesday 24/2.
    assert.equal(deadlineOf(local('2026-02-13T16:00'), 2, VN), local('2026-02-24T16:00'));
    // Without the holiday list, the same Friday ends on Tuesday 17/2.
    assert.equal(
      deadlineOf(local('2026-02-13T16:00'), 2, { timezoneOffsetMinutes: 420, holidays: [] }),
      local('2026-02-17T16:00'),
    );
  });

  test('days are local: crossing midnight at UTC+7, and a UTC Friday evening that is already Saturday', () => {
    // Monday 23:00 → Tuesday 01:00 local: two hours of working time, across the local midnight.
    assert.equal(workingDaysBetween(local('2026-03-09T23:00'), local('2026-03-10T01:00'), VN), 2 / 24);
    // Friday 20:00 UTC is Saturday 03:00 in Vietnam: nothing until Monday, whereas in UTC it would be 4 h.
    const fridayEveningUtc = Date.parse('2026-03-06T20:00:00Z');
    assert.equal(workingDaysBetween(fridayEveningUtc, fridayEveningUtc + 24 * HOUR, VN), 0);
    assert.equal(
      workingDaysBetween(fridayEveningUtc, fridayEveningUtc + 24 * HOUR, {
        timezoneOffsetMinutes: 0,
        holidays: [],
      }),
      4 / 24,
    );
    // A holiday is a local date: 2026-04-30 starts at 17:00 UTC on 29/4.
    assert.equal(
      workingDaysBetween(Date.parse('2026-04-29T17:00:00Z'), Date.parse('2026-04-30T17:00:00Z'), VN),
      0,
    );
  });

  test('configuration: 2026 holidays by default, LGSP_HOLIDAYS comma-separated, bad dates refused', () => {
    const defaults = loadConfig({ env: {} });
    assert.deepEqual(defaults.workflow.holidays, [...VIETNAM_HOLIDAYS_2026]);
    assert.equal(defaults.workflow.responseDeadlineWorkingDays, 2);
    const set = loadConfig({ env: { LGSP_HOLIDAYS: '2027-01-01, 2027-02-08,' } });
    assert.deepEqual(set.workflow.holidays, ['2027-01-01', '2027-02-08']);
    assert.deepEqual(loadConfig({ env: { LGSP_HOLIDAYS: '' } }).workflow.holidays, []);
    assert.throws(
      () => loadConfig({ env: { LGSP_HOLIDAYS: '2027-13-01' } }),
      (err: unknown) => err instanceof ConfigError && /workflow\.holidays/.test(err.message),
    );
  });
});

/** An admin API over the gateway harness's store, as the platform wires it, with its own clock. */
async function adminOver(
  h: Awaited<ReturnType<typeof startGatewayHarness>>,
  clock: Clock,
  registry: Registry,
): Promise<{
  app: FastifyInstance;
  accounts: Accounts;
  call: (method: string, url: string, token: string, body?: unknown) => Promise<LightMyRequestResponse>;
}> {
  const accounts = new Accounts(h.store, clock, 12, loadConfig({ env: {} }).limits, TEST_KEK);
  const config = loadConfig({ env: {} });
  const app = await createAdminApi({
    config,
    store: h.store,
    registry,
    lifecycle: h.lifecycle,
    accounts,
    ...requestWorkflows(h.store, registry, clock, config),
    alerts: new Alerts(h.store, clock, config.alerts, silentLogger()),
    logger: silentLogger(),
    clock,
    health: () => ({ status: 'ok' }),
    jwks: async () => ({ keys: [] }),
    ...testKeys(registry),
  });
  const call = (method: string, url: string, token: string, body?: unknown) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  return { app, accounts, call };
}

/** A time-of-use window around the current local (UTC+7) hour, so real gateway calls fall inside it. */
function windowAroundNow(): string {
  const hour = new Date(Date.now() + 7 * HOUR).getUTCHours();
  const hh = (h: number) => `${String((h + 24) % 24).padStart(2, '0')}:00`;
  return `${hh(hour - 3)}-${hh(hour + 3)}`;
}

for (const kind of storeKinds) {
  describe(`subscription requests, R-12 (${kind})`, () => {
    let h: Awaited<ReturnType<typeof startGatewayHarness>>;
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    let seed: Awaited<ReturnType<typeof seedProvince>>;
    let api: Awaited<ReturnType<typeof adminOver>>;
    /** The consumer agency (Sở Tư pháp), the provider agency (another organization), a reviewer, the admin. */
    const token = { consumer: '', provider: '', reviewer: '', admin: '' };
    /** A consumer system with no credential yet, so the approvals issue them. */
    let portal: { id: string };
    let flowRequestId = '';

    const expectStatus = (res: LightMyRequestResponse, status: number): Json => {
      assert.equal(res.statusCode, status, res.body);
      return res.body ? (res.json() as Json) : {};
    };

    /** Rows of what a step may write, and the config revision. */
    async function counts(): Promise<Record<string, number>> {
      const out: Record<string, number> = {};
      for (const table of [
        'subscription_requests',
        'subscriptions',
        'credentials',
        'notifications',
        'audit_events',
      ] as const) {
        const row = await h.store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        out[table] = Number(row.n);
      }
      const state = await h.store.db.selectFrom('config_state').select('revision').executeTakeFirstOrThrow();
      out['revision'] = Number(state.revision);
      return out;
    }

    /** Refused with `code`, and nothing written: no row, no audit event, no revision bump. */
    async function expectRefused(
      res: Promise<LightMyRequestResponse>,
      status: number,
      code: string,
    ): Promise<Json> {
      const before = await counts();
      const problem = expectStatus(await res, status);
      assert.equal(problem['code'], code, JSON.stringify(problem));
      assert.deepEqual(await counts(), before, `${code}: nothing written`);
      return problem;
    }

    const post = (path: string, as: string, body?: unknown) =>
      api.call('POST', `/api/v1/subscription-requests${path}`, as, body);
    const get = (path: string, as: string) => api.call('GET', `/api/v1/subscription-requests${path}`, as);

    async function notification(requestId: string, eventType: string) {
      const rows = await h.store.db
        .selectFrom('notifications')
        .selectAll()
        .where('event_type', '=', eventType)
        .execute();
      return rows.filter((r) => (r.payload as Json)['requestId'] === requestId);
    }

    async function gatewayCall(consumerKey: string, consumerSecret: string): Promise<number> {
      await h.snapshots.refresh();
      const bearer = await getToken(h.url, consumerKey, consumerSecret);
      const res = await fetch(`${h.url}/dancu/1.0/congdan/001099000001`, {
        headers: { authorization: `Bearer ${bearer}` },
      });
      await res.arrayBuffer();
      return res.status;
    }

    before(async () => {
      upstream = await startUpstream();
      h = await startGatewayHarness(kind);
      seed = await seedProvince(h, upstream.url);
      const clock = { nowMs: () => Date.now() };
      api = await adminOver(h, clock, h.registry);
      await api.accounts.ensureOperator(PASSWORD);
      token.admin = (await api.accounts.login('admin', PASSWORD)).token;
      const users = [
        ['stp-canbo', 'agency', seed.consumer.id, 'consumer'],
        ['ca-canbo', 'agency', seed.provider.id, 'provider'],
        ['thamdinh', 'operator_reviewer', null, 'reviewer'],
      ] as const;
      for (const [username, role, organizationId, who] of users) {
        await api.accounts.createUser(
          { username, displayName: username, password: PASSWORD, role, organizationId },
          'test',
        );
        token[who] = (await api.accounts.login(username, PASSWORD)).token;
      }
      portal = await h.registry.createSystem(
        {
          organizationId: seed.consumer.id,
          name: 'Cổng dịch vụ công tỉnh',
          isProvider: false,
          isConsumer: true,
        },
        'test',
      );
    });
    after(async () => {
      await api?.app.close();
      await h?.close();
      await upstream?.close();
    });

    test('submit → sandbox approved → secret collected once → sandbox call → production → production call', async () => {
      const window = windowAroundNow();
      const form = {
        systemId: portal.id,
        versionId: seed.v1.id,
        application: 'Cổng dịch vụ công tỉnh An Giang',
        purpose: 'Tra cứu thông tin công dân khi tiếp nhận hồ sơ thủ tục hành chính',
        frequencyPerDay: 5000,
        frequencyPerMinute: 60,
        timeOfUse: window,
        otherNotes: 'Đề nghị cấp tài khoản trước ngày 15',
      };

      // Only the consumer's own organization registers its system (or an operator administrator for it).
      // Another organization's system is answered as an unknown id (docs/security.md §2.10).
      await expectRefused(post('', token.provider, form), 404, 'CP_SYSTEM_NOT_FOUND');
      await expectRefused(post('', token.reviewer, form), 403, 'API_FORBIDDEN');
      const created = expectStatus(await post('', token.consumer, form), 201);
      flowRequestId = created['id'];
      assert.match(created['id'], /^req_/);
      assert.equal(created['status'], 'submitted');
      assert.equal(created['organizationId'], seed.consumer.id);
      assert.equal(created['context'], 'dancu');
      assert.equal(created['timeOfUse'], window);
      assert.equal(created['age']['overdue'], false);
      assert.ok(
        Date.parse(created['age']['deadlineAt']) > Date.now() + 2 * 86_400_000 - 60_000,
        "Date.parse(created['age']['deadlineAt']) > Date.now() + 2 * 86_400_000 - 60_000",
      );
      assert.deepEqual(created['reasons'], []);
      await expectRefused(get(`/${created['id']}`, token.provider), 404, 'CP_REQUEST_NOT_FOUND');
      assert.equal(expectStatus(await get(`/${created['id']}`, token.consumer), 200)['id'], created['id']);
      // A second open request for the same system and version is refused.
      await expectRefused(post('', token.consumer, form), 409, 'CP_REQUEST_STATE');

      // Illegal moves from `submitted`, each changing nothing.
      const id = created['id'] as string;
      await expectRefused(post(`/${id}/request-production`, token.consumer), 409, 'CP_REQUEST_STATE');
      await expectRefused(post(`/${id}/approve-production`, token.reviewer), 409, 'CP_REQUEST_STATE');
      await expectRefused(
        post(`/${id}/credentials/sandbox/collect`, token.consumer),
        409,
        'CP_REQUEST_STATE',
      );
      await expectRefused(post(`/${id}/resubmit`, token.consumer, {}), 409, 'CP_REQUEST_STATE');
      await expectRefused(get(`/${id}/guide`, token.consumer), 409, 'CP_REQUEST_STATE');
      await expectRefused(post(`/${id}/approve-sandbox`, token.consumer), 403, 'API_FORBIDDEN');

      // The reviewer approves the sandbox: subscription with the request's terms, a credential, no secret shown.
      const before = await counts();
      const approvedRes = await post(`/${id}/approve-sandbox`, token.reviewer);
      const approved = expectStatus(approvedRes, 200);
      assert.ok(!approvedRes.body.includes('consumerSecret'), 'the reviewer never sees the secret');
      assert.equal(approved['status'], 'sandbox_approved');
      assert.equal(approved['age'], null, 'no longer waiting for the operator');
      assert.match(approved['sandboxSubscriptionId'], /^sub_/);
      assert.match(approved['sandboxCredentialId'], /^cred_/);
      assert.equal(approved['sandboxCredentialCollectedAt'], null);
      const after = await counts();
      assert.equal(after['subscriptions']! - before['subscriptions']!, 1);
      assert.equal(after['credentials']! - before['credentials']!, 1);
      assert.equal(
        after['revision']! - before['revision']!,
        3,
        'subscription, credential and decision events',
      );
      const sandbox = await h.registry.getSubscription(approved['sandboxSubscriptionId']);
      assert.equal(sandbox.environment, 'sandbox');
      assert.equal(sandbox.status, 'active');
      assert.equal(sandbox.systemId, portal.id);
      assert.equal(sandbox.versionId, seed.v1.id);
      assert.equal(sandbox.quotaPerDay, 5000, 'frequency per day → daily quota');
      assert.equal(sandbox.quotaPerMinute, 60);
      assert.equal(sandbox.timeOfUse, window, 'time of use → window');
      const [decision] = await h.registry.listAuditEvents({ objectId: id, limit: 1 });
      assert.equal(decision?.action, 'subscription_request.approve_sandbox');
      const [issued] = await h.registry.listAuditEvents({
        objectId: approved['sandboxCredentialId'],
        limit: 1,
      });
      assert.equal(issued?.action, 'credential.issue');
      assert.equal(issued?.details['subscriptionRequestId'], id);

      // The consumer organization is told, in Vietnamese first, how to collect the key and read the guide.
      const [told] = await notification(id, 'subscription_request.sandbox_approved');
      assert.equal(told?.recipient, 'stp@angiang.gov.vn');
      assert.match(told?.subject ?? '', /^Đăng ký khai thác dancu 1\.0 được duyệt/);
      assert.match(told?.body_text ?? '', /đã được phê duyệt ở môi trường thử nghiệm/);
      assert.match(told?.body_text ?? '', new RegExp(`lgsp subreq collect ${id} --env sandbox`));
      assert.ok(
        !JSON.stringify(told).includes('consumerSecret'),
        "!JSON.stringify(told).includes('consumerSecret')",
      );

      // The technical guide: the R-11 description and the version's OpenAPI document.
      await expectRefused(get(`/${id}/guide`, token.provider), 404, 'CP_REQUEST_NOT_FOUND');
      const guide = expectStatus(await get(`/${id}/guide`, token.consumer), 200);
      assert.deepEqual(guide['service']['description'], FULL_DESCRIPTION);
      // The document as the provider wrote it, its server being the version's path on the gateway (security.md §2.1).
      assert.deepEqual(JSON.parse(guide['version']['technicalDocument']), {
        ...JSON.parse(OPENAPI_DOC),
        servers: [{ url: '/dancu/1.0' }],
      });
      assert.equal(guide['version']['technicalDocumentType'], 'openapi');
      assert.equal(guide['gateway']['basePath'], '/dancu/1.0');
      // How to call, in each language apart: the console shows the reader's (the CLI prints both).
      assert.match(
        guide['gateway']['howToCall']['vi'],
        /^Lấy token: POST \/token.*\/dancu\/1\.0\/<tài nguyên>/,
      );
      assert.match(
        guide['gateway']['howToCall']['en'],
        /^Get a token at POST \/token.*\/dancu\/1\.0\/<resource>/,
      );
      assert.doesNotMatch(guide['gateway']['howToCall']['vi'], /Get a token/);
      assert.equal(guide['environments'].length, 1);
      assert.equal(guide['environments'][0]['environment'], 'sandbox');
      assert.equal(guide['environments'][0]['timeOfUse'], window);
      const credential = await h.registry.getCredential(approved['sandboxCredentialId']);
      assert.equal(guide['environments'][0]['consumerKey'], credential.consumerKey);

      // Production is refused before a successful sandbox call by THIS system (the operator's own test call to
      // the same version, made when it was published, does not count).
      await expectRefused(post(`/${id}/request-production`, token.consumer), 409, 'CP_SANDBOX_CALL_REQUIRED');
      assert.equal(expectStatus(await get(`/${id}`, token.consumer), 200)['status'], 'sandbox_approved');

      // The consumer collects its secret, once; another organization cannot.
      await expectRefused(
        post(`/${id}/credentials/sandbox/collect`, token.provider),
        404,
        'CP_REQUEST_NOT_FOUND',
      );
      await expectRefused(post(`/${id}/credentials/sandbox/collect`, token.reviewer), 403, 'API_FORBIDDEN');
      const collectRes = await post(`/${id}/credentials/sandbox/collect`, token.consumer);
      const collected = expectStatus(collectRes, 201);
      assert.equal(collectRes.headers['cache-control'], 'no-store');
      assert.equal(collected['consumerKey'], credential.consumerKey, 'the consumer key is kept');
      assert.equal(collected['credentialId'], credential.id);
      assert.ok(collected['consumerSecret'].length >= 40, "collected['consumerSecret'].length >= 40");
      await expectRefused(
        post(`/${id}/credentials/sandbox/collect`, token.consumer),
        409,
        'CP_REQUEST_STATE',
      );
      assert.ok(
        expectStatus(await get(`/${id}`, token.consumer), 200)['sandboxCredentialCollectedAt'],
        "expectStatus(await get(`/id}`, token.consumer), 200)['sandboxCredentialCollectedAt']",
      );
      const secretRow = await h.store.db
        .selectFrom('credentials')
        .select('secret_sha256')
        .where('id', '=', credential.id)
        .executeTakeFirstOrThrow();
      assert.ok(!secretRow.secret_sha256.includes(collected['consumerSecret']), 'only the hash is stored');

      // A real call through the gateway in the sandbox, with the collected secret.
      assert.equal(await gatewayCall(collected['consumerKey'], collected['consumerSecret']), 200);
      await h.recorder.flush();

      const asked = expectStatus(await post(`/${id}/request-production`, token.consumer), 200);
      assert.equal(asked['status'], 'production_requested');
      assert.match(asked['sandboxEvidenceTransactionId'], /^txn_/);
      assert.equal(asked['age']['overdue'], false);
      await expectRefused(post(`/${id}/request-production`, token.consumer), 409, 'CP_REQUEST_STATE');

      const live = expectStatus(await post(`/${id}/approve-production`, token.reviewer), 200);
      assert.equal(live['status'], 'production_approved');
      assert.match(live['productionCredentialId'], /^cred_/);
      const production = await h.registry.getSubscription(live['productionSubscriptionId']);
      assert.equal(production.environment, 'production');
      assert.equal(production.quotaPerDay, 5000);
      assert.equal(production.quotaPerMinute, 60);
      assert.equal(production.timeOfUse, window);
      assert.equal((await notification(id, 'subscription_request.production_approved')).length, 1);

      const productionKey = expectStatus(
        await post(`/${id}/credentials/production/collect`, token.consumer),
        201,
      );
      assert.equal(await gatewayCall(productionKey['consumerKey'], productionKey['consumerSecret']), 200);
      await expectRefused(
        post(`/${id}/credentials/production/collect`, token.consumer),
        409,
        'CP_REQUEST_STATE',
      );

      // A finished request moves no more.
      await expectRefused(post(`/${id}/approve-production`, token.reviewer), 409, 'CP_REQUEST_STATE');
      await expectRefused(
        post(`/${id}/reject`, token.reviewer, { reasons: ['Muộn'] }),
        409,
        'CP_REQUEST_STATE',
      );
      await expectRefused(
        post(`/${id}/needs-completion`, token.reviewer, { reasons: ['x'] }),
        409,
        'CP_REQUEST_STATE',
      );
      // A new request for a version the system already uses in production is refused.
      await expectRefused(post('', token.consumer, form), 409, 'CP_SUBSCRIPTION_EXISTS');
    });

    test('the technical guide names the gateway where the provider wrote its upstream (docs/security.md §2.1)', async () => {
      // The provider describes its "address and interface" and documents its API as its own server sees them: the
      // upstreams the platform was given for dancu 1.0 (`${upstream.url}/sandbox/dancu`, `…/api/dancu`).
      const description = {
        ...FULL_DESCRIPTION,
        addressAndInterface: `REST tại ${upstream.url}/api/dancu, thử nghiệm ở ${upstream.url}/sandbox/dancu`,
      };
      const document = JSON.stringify({
        ...JSON.parse(OPENAPI_DOC),
        info: { title: 'Dịch vụ mẫu', version: '1.0', description: `Máy chủ: ${upstream.url}` },
        paths: {
          '/congdan/{soDinhDanh}': {
            get: {
              responses: {
                '200': {
                  description: 'Công dân',
                  content: {
                    'application/json': { example: { self: `${upstream.url}/api/dancu/congdan/1` } },
                  },
                },
              },
            },
          },
        },
      });
      const written = await h.store.db
        .selectFrom('service_versions')
        .select('technical_document')
        .where('id', '=', seed.v1.id)
        .executeTakeFirstOrThrow();
      await h.registry.updateService(seed.dancu.id, { description }, 'test');
      await h.store.db
        .updateTable('service_versions')
        .set({ technical_document: document })
        .where('id', '=', seed.v1.id)
        .execute();
      try {
        const guide = expectStatus(await get(`/${flowRequestId}/guide`, token.consumer), 200);
        assert.ok(!JSON.stringify(guide).includes(upstream.url), 'no upstream anywhere in the guide');
        assert.equal(
          guide['service']['description']['addressAndInterface'],
          'REST tại /dancu/1.0, thử nghiệm ở /dancu/1.0',
          'each upstream, its path too, is the version on the gateway',
        );
        assert.equal(guide['service']['description']['capacity'], FULL_DESCRIPTION.capacity);
        const doc = JSON.parse(guide['version']['technicalDocument']) as Json;
        assert.equal(doc['info']['description'], 'Máy chủ: /dancu/1.0');
        assert.deepEqual(
          doc['paths']['/congdan/{soDinhDanh}']['get']['responses']['200']['content']['application/json'][
            'example'
          ],
          { self: '/dancu/1.0/congdan/1' },
        );
      } finally {
        await h.registry.updateService(seed.dancu.id, { description: FULL_DESCRIPTION }, 'test');
        await h.store.db
          .updateTable('service_versions')
          .set({ technical_document: written.technical_document })
          .where('id', '=', seed.v1.id)
          .execute();
      }
    });

    test('needs completion, with the items in Vietnamese → resubmitted with changes → approved', async () => {
      const created = expectStatus(
        await post('', token.consumer, {
          systemId: portal.id,
          versionId: seed.thueV1.id,
          application: 'Cổng dịch vụ công tỉnh An Giang',
          purpose: 'Tra cứu mã số thuế',
          frequencyPerDay: 20000,
        }),
        201,
      );
      const id = created['id'] as string;
      assert.equal(created['timeOfUse'], null);
      await expectRefused(
        post(`/${id}/needs-completion`, token.reviewer, { reasons: [] }),
        400,
        'API_VALIDATION_FAILED',
      );
      await expectRefused(
        post(`/${id}/needs-completion`, token.reviewer, { reasons: ['  '] }),
        400,
        'API_VALIDATION_FAILED',
      );
      await expectRefused(
        post(`/${id}/needs-completion`, token.consumer, { reasons: ['x'] }),
        403,
        'API_FORBIDDEN',
      );
      const items = [
        'Nêu rõ thời gian khai thác trong ngày',
        'Tần suất 20.000 lượt/ngày vượt năng lực dịch vụ',
      ];
      const asked = expectStatus(
        await post(`/${id}/needs-completion`, token.reviewer, { reasons: items }),
        200,
      );
      assert.equal(asked['status'], 'needs_completion');
      assert.deepEqual(asked['reasons'], items);
      assert.equal(asked['age'], null, 'waiting for the consumer, not the operator');
      const [told] = await notification(id, 'subscription_request.needs_completion');
      assert.equal(told?.recipient, 'stp@angiang.gov.vn');
      assert.match(told?.subject ?? '', /cần bổ sung/);
      assert.match(
        told?.body_text ?? '',
        /cần được bổ sung các nội dung sau:\n {2}- Nêu rõ thời gian khai thác/,
      );
      assert.deepEqual((told?.payload as Json | undefined)?.['reasons'], items);

      await expectRefused(post(`/${id}/approve-sandbox`, token.reviewer), 409, 'CP_REQUEST_STATE');
      await expectRefused(post(`/${id}/resubmit`, token.provider, {}), 404, 'CP_REQUEST_NOT_FOUND');
      await expectRefused(
        post(`/${id}/resubmit`, token.consumer, { changes: { timeOfUse: '25:00-26:00' } }),
        400,
        'CP_TIME_WINDOW_INVALID',
      );
      const again = expectStatus(
        await post(`/${id}/resubmit`, token.consumer, {
          changes: { timeOfUse: '07:00-17:00', frequencyPerDay: 2000 },
        }),
        200,
      );
      assert.equal(again['status'], 'submitted');
      assert.deepEqual(again['reasons'], []);
      assert.equal(again['frequencyPerDay'], 2000);
      assert.ok(
        Date.parse(again['stageStartedAt']) >= Date.parse(created['stageStartedAt']),
        "Date.parse(again['stageStartedAt']) >= Date.parse(created['stageStartedAt'])",
      );
      assert.equal(again['age']['overdue'], false);

      const approved = expectStatus(await post(`/${id}/approve-sandbox`, token.reviewer), 200);
      const sandbox = await h.registry.getSubscription(approved['sandboxSubscriptionId']);
      assert.equal(sandbox.quotaPerDay, 2000);
      assert.equal(sandbox.quotaPerMinute, null);
      assert.equal(sandbox.timeOfUse, '07:00-17:00');
      // The system already holds an active sandbox credential: none is issued, nothing to collect.
      assert.equal(approved['sandboxCredentialId'], null);
      await expectRefused(
        post(`/${id}/credentials/sandbox/collect`, token.consumer),
        409,
        'CP_REQUEST_STATE',
      );
      const guide = expectStatus(await get(`/${id}/guide`, token.consumer), 200);
      assert.equal(guide['environments'][0]['credentialIssuedByThisRequest'], false);
      assert.ok(guide['environments'][0]['consumerKey'], 'the key the system already has');
    });

    test('rejected with reasons; a rejection is final; bad submissions are refused', async () => {
      const created = expectStatus(
        await post('', token.admin, {
          systemId: seed.consumerSystem.id,
          versionId: seed.thueV1.id,
          application: 'Hệ thống Hộ tịch',
          purpose: 'Đối chiếu mã số thuế',
          frequencyPerDay: 100,
        }),
        201,
      );
      const id = created['id'] as string;
      await expectRefused(post(`/${id}/reject`, token.reviewer, {}), 400, 'API_VALIDATION_FAILED');
      const reasons = ['Mục đích khai thác không thuộc phạm vi chia sẻ của dịch vụ'];
      const rejected = expectStatus(await post(`/${id}/reject`, token.reviewer, { reasons }), 200);
      assert.equal(rejected['status'], 'rejected');
      assert.deepEqual(rejected['reasons'], reasons);
      assert.equal(rejected['sandboxSubscriptionId'], null);
      const [told] = await notification(id, 'subscription_request.rejected');
      assert.match(told?.subject ?? '', /không được chấp thuận/);
      assert.match(told?.body_text ?? '', /Lý do \/ Reasons:\n {2}- Mục đích khai thác không thuộc phạm vi/);
      const [event] = await h.registry.listAuditEvents({ objectId: id, limit: 1 });
      assert.equal(event?.action, 'subscription_request.reject');
      assert.deepEqual(event?.details['reasons'], reasons);

      for (const step of ['approve-sandbox', 'request-production', 'resubmit']) {
        await expectRefused(
          post(`/${id}/${step}`, step === 'approve-sandbox' ? token.reviewer : token.consumer),
          409,
          'CP_REQUEST_STATE',
        );
      }
      await expectRefused(post(`/${id}/reject`, token.reviewer, { reasons }), 409, 'CP_REQUEST_STATE');
      await expectRefused(post('/req_nope/approve-sandbox', token.reviewer), 404, 'CP_REQUEST_NOT_FOUND');

      // A rejected request does not block a new one.
      const draft = await h.registry.createVersion(seed.dancu.id, { version: '3.0' }, 'test');
      const form = {
        systemId: seed.consumerSystem.id,
        versionId: draft.id,
        application: 'x',
        purpose: 'x',
        frequencyPerDay: 1,
      };
      // Another organization's draft is not in the catalogue: to the consumer agency it is an unknown id
      // (docs/security.md §2.10); the operator, who sees it, is told it is not published.
      await expectRefused(post('', token.consumer, form), 404, 'CP_VERSION_NOT_FOUND');
      await expectRefused(post('', token.admin, form), 409, 'CP_VERSION_NOT_PUBLISHED');
      await expectRefused(
        post('', token.consumer, { ...form, versionId: seed.v1.id }),
        409,
        'CP_SUBSCRIPTION_EXISTS',
      );
      await expectRefused(
        post('', token.consumer, { ...form, versionId: seed.thueV1.id, timeOfUse: '8h-17h' }),
        400,
        'CP_TIME_WINDOW_INVALID',
      );
      await expectRefused(
        post('', token.consumer, { ...form, versionId: seed.thueV1.id, frequencyPerDay: 0 }),
        400,
        'API_VALIDATION_FAILED',
      );
      // Another organization's system, answered as an unknown id (docs/security.md §2.10).
      await expectRefused(
        post('', token.consumer, { ...form, systemId: seed.providerSystem.id, versionId: seed.thueV1.id }),
        404,
        'CP_SYSTEM_NOT_FOUND',
      );
      const providerOnly = await h.registry.createSystem(
        { organizationId: seed.consumer.id, name: 'Chỉ cung cấp', isProvider: true, isConsumer: false },
        'test',
      );
      await expectRefused(
        post('', token.consumer, { ...form, systemId: providerOnly.id, versionId: seed.thueV1.id }),
        409,
        'CP_SYSTEM_NOT_CONSUMER',
      );
      expectStatus(await post('', token.consumer, { ...form, versionId: seed.thueV1.id }), 201);
    });

    test('a request refused at the production stage loses its sandbox subscription', async () => {
      const clerk = await h.registry.createSystem(
        { organizationId: seed.consumer.id, name: 'Một cửa điện tử', isProvider: false, isConsumer: true },
        'test',
      );
      const reqs = new SubscriptionRequests(
        h.store,
        h.registry,
        { nowMs: () => Date.now() },
        {
          ...VN,
          responseDeadlineWorkingDays: 2,
        },
      );
      const created = await reqs.submit(
        {
          systemId: clerk.id,
          versionId: seed.v1.id,
          application: 'Một cửa',
          purpose: 'Tra cứu',
          frequencyPerDay: 10,
          timeOfUse: windowAroundNow(),
        },
        'test',
      );
      await reqs.approveSandbox(created.id, 'reviewer');
      const { consumerKey, consumerSecret } = await reqs.collectCredential(created.id, 'sandbox', 'test');
      assert.equal(await gatewayCall(consumerKey, consumerSecret), 200);
      await h.recorder.flush();
      await reqs.requestProduction(created.id, 'test');
      const items = ['Bổ sung biên bản kiểm thử kết nối'];
      const asked = await reqs.needsCompletion(created.id, items, 'reviewer');
      assert.equal(asked.status, 'needs_completion');
      const back = await reqs.resubmit(created.id, {}, 'test');
      assert.equal(back.status, 'production_requested', 'back to the stage it was asked from');
      const rejected = await reqs.reject(created.id, ['Không đáp ứng yêu cầu an toàn thông tin'], 'reviewer');
      assert.equal(rejected.status, 'rejected');
      const sandbox = await h.registry.getSubscription(rejected.sandboxSubscriptionId!);
      assert.equal(sandbox.status, 'revoked');
      assert.equal(await gatewayCall(consumerKey, consumerSecret), 403, 'no subscription any more');
    });

    test('age against 2 working days: Friday 16:00 is not overdue on Monday 10:00, is on Wednesday 17:00', async () => {
      const clock = new ManualClock(local('2026-03-06T16:00'));
      const registry = new Registry(h.store, clock);
      const reqs = new SubscriptionRequests(h.store, registry, clock, {
        ...VN,
        responseDeadlineWorkingDays: 2,
      });
      const system = async (name: string) =>
        registry.createSystem(
          { organizationId: seed.consumer.id, name, isProvider: false, isConsumer: true },
          'test',
        );
      const form = (systemId: string) => ({
        systemId,
        versionId: seed.thueV1.id,
        application: 'Ứng dụng',
        purpose: 'Tra cứu',
        frequencyPerDay: 10,
      });
      const friday = await reqs.submit(form((await system('Hệ thống A')).id), 'test');
      assert.deepEqual(friday.age, {
        workingDays: 0,
        deadlineAt: new Date(local('2026-03-10T16:00')).toISOString(),
        overdue: false,
      });

      clock.set(local('2026-03-09T10:00'));
      assert.deepEqual((await reqs.get(friday.id)).age, {
        workingDays: 0.75,
        deadlineAt: new Date(local('2026-03-10T16:00')).toISOString(),
        overdue: false,
      });
      assert.ok(
        !(await reqs.list({ overdue: true })).some((r) => r.id === friday.id),
        '!(await reqs.list({ overdue: true })).some((r) => r.id === friday.id)',
      );

      clock.set(local('2026-03-11T17:00'));
      const late = await reqs.get(friday.id);
      assert.equal(late.age?.overdue, true);
      assert.equal(late.age?.workingDays, 3.04);
      const overdue = await reqs.list({ overdue: true });
      assert.deepEqual(
        overdue.map((r) => r.id),
        [friday.id],
      );
      assert.equal(await reqs.countOverdue(), 1);
      assert.equal(await reqs.countOverdue({ organizationId: seed.provider.id }), 0);

      // Holidays: Friday 24/4 16:00; Monday 27/4 (Giỗ Tổ) is skipped → due Wednesday 29/4 16:00.
      clock.set(local('2026-04-24T16:00'));
      const beforeHoliday = await reqs.submit(form((await system('Hệ thống B')).id), 'test');
      assert.equal(beforeHoliday.age?.deadlineAt, new Date(local('2026-04-29T16:00')).toISOString());
      clock.set(local('2026-04-29T10:00'));
      assert.deepEqual((await reqs.get(beforeHoliday.id)).age, {
        workingDays: 1.75,
        deadlineAt: new Date(local('2026-04-29T16:00')).toISOString(),
        overdue: false,
      });
      clock.set(local('2026-04-29T17:00'));
      assert.equal((await reqs.get(beforeHoliday.id)).age?.overdue, true);

      // Flagged to the operator over the API: the overdue filter and the count in every list.
      const flagged = await adminOver(h, clock, registry);
      try {
        const reviewer = (await flagged.accounts.login('thamdinh', PASSWORD)).token;
        const listed = expectStatus(
          await flagged.call('GET', '/api/v1/subscription-requests?overdue=true', reviewer),
          200,
        );
        assert.deepEqual(
          listed['items'].map((r: Json) => r['id']).sort(),
          [friday.id, beforeHoliday.id].sort(),
        );
        assert.equal(listed['overdueCount'], 2);
        assert.ok(
          listed['items'].every((r: Json) => r['age']['overdue'] === true),
          "listed['items'].every((r: Json) => r['age']['overdue'] === true)",
        );
        const all = expectStatus(await flagged.call('GET', '/api/v1/subscription-requests', reviewer), 200);
        assert.equal(all['overdueCount'], 2);
        assert.ok(all['items'].length > 2, "all['items'].length > 2");
        // The reviewer's queue opens on what waits for a decision, sandbox and production alike.
        const waiting = expectStatus(
          await flagged.call('GET', '/api/v1/subscription-requests?waiting=true', reviewer),
          200,
        );
        assert.ok(waiting['items'].length >= 2, "waiting['items'].length >= 2");
        assert.ok(
          waiting['items'].every((r: Json) => ['submitted', 'production_requested'].includes(r['status'])),
          "waiting['items'].every((r: Json) => ['submitted', 'production_requested'].includes(r['s...",
        );
        assert.ok(
          all['items'].some((r: Json) => !['submitted', 'production_requested'].includes(r['status'])) ||
            all['total'] === waiting['total'],
          "all['items'].some((r: Json) => !['submitted', 'production_requested'].includes(r['statu...",
        );
        const other = (await flagged.accounts.login('ca-canbo', PASSWORD)).token;
        const none = expectStatus(
          await flagged.call('GET', '/api/v1/subscription-requests?overdue=true', other),
          200,
        );
        assert.deepEqual(
          none,
          { items: [], total: 0, overdueCount: 0 },
          'another organization sees none of them',
        );
      } finally {
        await flagged.app.close();
      }

      // The answer stops the clock; a decision on a late request is still allowed.
      const decided = await reqs.approveSandbox(friday.id, 'reviewer');
      assert.equal(decided.age, null);
      assert.equal(await reqs.countOverdue(), 1);
    });

    test('lgsp subreq: list, show with the age, collect refused twice', async () => {
      await api.app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}`;
      const dir = mkdtempSync(join(tmpdir(), 'lgsp-subreq-'));
      const lgsp = (as: string, ...args: string[]) => runCli(args, adminEnv(url, as, dir));
      try {
        const help = await lgsp(token.consumer, 'subreq', '--help');
        assert.equal(help.code, 0);
        assert.match(help.out, /lgsp subreq collect <id> --env sandbox\|production/);
        const shown = await lgsp(token.consumer, 'subreq', 'show', flowRequestId);
        assert.equal(shown.code, 0, shown.err);
        assert.match(shown.out, /đã duyệt chính thức\/production approved/);
        const listed = await lgsp(token.reviewer, 'subreq', 'list', '--json');
        assert.equal(listed.code, 0, listed.err);
        assert.ok(
          JSON.parse(listed.out).items.some((r: Json) => r['id'] === flowRequestId),
          "JSON.parse(listed.out).items.some((r: Json) => r['id'] === flowRequestId)",
        );
        const twice = await lgsp(token.consumer, 'subreq', 'collect', flowRequestId, '--env', 'sandbox');
        assert.equal(twice.code, 1);
        assert.match(twice.err, /CP_REQUEST_STATE \(HTTP 409\)/);
        const noReason = await lgsp(token.reviewer, 'subreq', 'reject', flowRequestId);
        assert.equal(noReason.code, 2);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

test('domain errors are LgspErrors with the registry codes', () => {
  assert.equal(new LgspError('CP_SANDBOX_CALL_REQUIRED').status, 409);
  assert.equal(new LgspError('CP_VERSION_NOT_PUBLISHED').status, 409);
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { PLATFORM_TEST_CLIENT } from '../src/api/contract/sandbox-try.ts';
import { PLATFORM_TEST_ORGANIZATION } from '../src/control/sandbox-test-client.ts';
import type { Platform } from '../src/platform.ts';
import { migrate } from '../src/store/migrate.ts';
import { FULL_DESCRIPTION, OPENAPI_DOC } from './helpers/onboard.ts';
import { storeKinds } from './helpers/stores.ts';
import { startTestPlatform, TEST_PLATFORM_PASSWORD, type TestPlatform } from './helpers/test-platform.ts';
import { allowEgressTo, startUpstream } from './helpers/upstream.ts';

/**
 * Issue 11: the sandbox "try it" with the platform's own test client. No hand-made test organization, system,
 * subscription or credential; the call goes through the real gateway; the try answers once its record is durable,
 * so publishing right after succeeds — with the recorder's timer set to a minute, so only the try's own flush can
 * have written it.
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;
const AGENCY_PASSWORD = 'mat-khau-can-bo-01';

for (const kind of storeKinds) {
  describe(`POST /api/v1/versions/:id/try (${kind})`, () => {
    let platform: Platform;
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    let started: TestPlatform | null = null;
    const tokens: Record<'operator' | 'provider' | 'other', string> = {
      operator: '',
      provider: '',
      other: '',
    };
    let versionId: string;
    let draftId: string;

    const api = async (
      method: string,
      path: string,
      body?: unknown,
      as: keyof typeof tokens = 'operator',
    ) => {
      const res = await fetch(`${platform.adminUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${tokens[as]}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, headers: res.headers, json: (await res.json()) as Json };
    };
    const count = async (table: 'organizations' | 'systems' | 'credentials' | 'subscriptions') =>
      Number(
        (
          await platform.store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    before(async () => {
      upstream = await startUpstream();
      started = await startTestPlatform(kind, {
        // A minute between the recorder's own flushes: a record durable at once was flushed by the try.
        recorder: { flushIntervalMs: 60_000 },
      });
      platform = started.platform;
      const { registry, lifecycle, accounts } = platform;
      allowEgressTo(registry.egress, upstream.url);
      const provider = await registry.createOrganization(
        { code: '000.00.31.H01', name: 'Công an tỉnh' },
        't',
      );
      const other = await registry.createOrganization({ code: '000.00.12.H01', name: 'Sở Tư pháp' }, 't');
      const system = await registry.createSystem(
        { organizationId: provider.id, name: 'CSDL Dân cư', isProvider: true, isConsumer: false },
        't',
      );
      const service = await registry.createService(
        {
          context: 'dancu',
          name: 'Tra cứu công dân',
          providerSystemId: system.id,
          description: FULL_DESCRIPTION,
        },
        't',
      );
      const resources = [
        { method: 'GET', path: '/congdan/{soDinhDanh}' },
        { method: 'POST', path: '/hoso' },
        { method: 'GET', path: '/dong' },
      ];
      const upstreams = { sandbox: `${upstream.url}/sandbox/dancu`, production: `${upstream.url}/api/dancu` };
      const version = await registry.createVersion(service.id, { version: '1.0', upstreams, resources }, 't');
      await lifecycle.submitVersion(
        version.id,
        { technicalDocument: OPENAPI_DOC, documentType: 'openapi' },
        't',
      );
      await lifecycle.startSandboxTest(version.id, 't');
      versionId = version.id;
      draftId = (await registry.createVersion(service.id, { version: '2.0', upstreams, resources }, 't')).id;
      for (const [username, organizationId] of [
        ['canbo-cong-an', provider.id],
        ['canbo-tu-phap', other.id],
      ] as const) {
        await accounts.createUser(
          { username, displayName: username, password: AGENCY_PASSWORD, role: 'agency', organizationId },
          't',
        );
      }
      tokens.operator = (await accounts.login('admin', TEST_PLATFORM_PASSWORD)).token;
      tokens.provider = (await accounts.login('canbo-cong-an', AGENCY_PASSWORD)).token;
      tokens.other = (await accounts.login('canbo-tu-phap', AGENCY_PASSWORD)).token;
    });
    after(async () => {
      await started?.stop();
      await upstream?.close();
    });

    test('the operator tries a version in sandbox test and publishes it at once, with no test client of its own', async () => {
      const organizationsBefore = await count('organizations');
      const tried = await api('POST', `/api/v1/versions/${versionId}/try`, {
        method: 'GET',
        path: '/congdan/001099012345',
        query: 'truong=hoTen',
        headers: { accept: 'application/json', 'x-request-id': 'thu-01' },
      });
      assert.equal(tried.status, 200, JSON.stringify(tried.json));
      assert.equal(tried.headers.get('cache-control'), 'no-store');
      const r = tried.json;
      assert.equal(r.status, 200);
      assert.equal(r.bodyEncoding, 'utf8');
      assert.equal(r.bodyTruncated, false);
      const echoed = JSON.parse(r.body);
      assert.equal(echoed.hoTen, 'Nguyễn Văn An');
      // It went through the gateway to the sandbox upstream, with the query and the allowed header.
      assert.equal(echoed.seen.url, '/sandbox/dancu/congdan/001099012345?truong=hoTen');
      const seen = upstream.seen.at(-1)!;
      assert.equal(seen.headers['x-request-id'], 'thu-01');
      assert.equal(seen.headers['x-lgsp-environment'], 'sandbox');
      assert.match(r.transactionId, /^txn_/);
      assert.equal(r.headers['x-lgsp-transaction-id'], r.transactionId);

      // Durable already: the record is in the store, and publishing right after finds it as its evidence.
      const record = await platform.store.db
        .selectFrom('transactions')
        .selectAll()
        .where('id', '=', r.transactionId)
        .executeTakeFirstOrThrow();
      assert.equal(record.environment, 'sandbox');
      assert.equal(record.version_id, versionId);
      const published = await api('POST', `/api/v1/versions/${versionId}/publish`, {});
      assert.equal(published.status, 200, JSON.stringify(published.json));
      assert.equal(published.json.status, 'published');
      assert.equal(published.json.sandboxEvidenceTransactionId, r.transactionId);

      // The platform made its own test client: one platform organization, marked by its reserved code.
      assert.equal(await count('organizations'), organizationsBefore + 1);
      const orgs = await platform.registry.listOrganizations();
      assert.ok(
        orgs.some((o) => o.code === PLATFORM_TEST_ORGANIZATION.code),
        'orgs.some((o) => o.code === PLATFORM_TEST_ORGANIZATION.code)',
      );
      // The secret is kept sealed, never in plaintext; the consumer key is public.
      const client = await platform.store.db
        .selectFrom('platform_test_client')
        .selectAll()
        .executeTakeFirstOrThrow();
      assert.equal(record.consumer_system_id, client.system_id);
      const credential = await platform.registry.getCredential(client.credential_id);
      assert.equal(credential.environment, 'sandbox');
    });

    test('trying again reuses the test client: nothing new is made', async () => {
      const before = {
        organizations: await count('organizations'),
        systems: await count('systems'),
        credentials: await count('credentials'),
        subscriptions: await count('subscriptions'),
      };
      const tried = await api('POST', `/api/v1/versions/${versionId}/try`, {
        method: 'POST',
        path: '/hoso',
        headers: { 'content-type': 'application/json' },
        body: '{"hoTen":"Trần Thị Bình"}',
      });
      assert.equal(tried.status, 200, JSON.stringify(tried.json));
      assert.equal(tried.json.status, 200);
      assert.equal(upstream.seen.at(-1)!.bodyBytes, Buffer.byteLength('{"hoTen":"Trần Thị Bình"}'));
      assert.deepEqual(
        {
          organizations: await count('organizations'),
          systems: await count('systems'),
          credentials: await count('credentials'),
          subscriptions: await count('subscriptions'),
        },
        before,
      );
    });

    test('the test client is stored with its Vietnamese names, and the names an earlier version glued are migrated', async () => {
      const { db } = platform.store;
      const client = await db.selectFrom('platform_test_client').selectAll().executeTakeFirstOrThrow();
      const names = async () => {
        const organization = await platform.registry.getOrganization(client.organization_id);
        const system = await platform.registry.getSystem(client.system_id);
        return [organization.name, system.name, system.description];
      };
      const stored = [
        PLATFORM_TEST_CLIENT.organizationName.vi,
        PLATFORM_TEST_CLIENT.systemName.vi,
        PLATFORM_TEST_CLIENT.systemDescription.vi,
      ];
      assert.deepEqual(await names(), stored);
      // Any agency reads the client by its id (it names the caller in providers' records); none may change it.
      const read = await api('GET', `/api/v1/systems/${client.system_id}`, undefined, 'other');
      assert.equal(read.status, 200, JSON.stringify(read.json));
      assert.equal(read.json.organizationCode, PLATFORM_TEST_CLIENT.organizationCode);
      const renamed = await api('PATCH', `/api/v1/systems/${client.system_id}`, { name: 'x' }, 'other');
      assert.equal(renamed.status, 404);
      // A store an earlier version made: both languages in one string, then this version's migration.
      await sql`UPDATE organizations SET name = 'Nền tảng LGSP — gọi thử sandbox / LGSP platform — sandbox tries'
        WHERE id = ${client.organization_id}`.execute(db);
      await sql`UPDATE systems SET name = 'Máy khách gọi thử của nền tảng / Platform try-it client',
        description = 'Do nền tảng tạo để gọi thử phiên bản dịch vụ ở môi trường sandbox; không bao giờ có quyền production. / Made by the platform to try service versions in the sandbox; never given production access.'
        WHERE id = ${client.system_id}`.execute(db);
      await sql`DELETE FROM schema_migrations WHERE version = '0041_platform_test_client_names'`.execute(db);
      await migrate(platform.store);
      assert.deepEqual(await names(), stored);
    });

    test('a long answer is cut to 64 KiB and said so; a binary one comes as base64', async () => {
      const tried = await api('POST', `/api/v1/versions/${versionId}/try`, { method: 'GET', path: '/dong' });
      assert.equal(tried.status, 200, JSON.stringify(tried.json));
      assert.equal(tried.json.bodyTruncated, true);
      assert.equal(tried.json.bodyBytes, 100 * 16_384);
      assert.equal(tried.json.bodyEncoding, 'base64');
      assert.equal(Buffer.from(tried.json.body, 'base64').length, 65_536);
    });

    test('the test client never gets production access, whoever asks', async () => {
      const client = await platform.store.db
        .selectFrom('platform_test_client')
        .select('system_id')
        .executeTakeFirstOrThrow();
      const credential = await api('POST', `/api/v1/systems/${client.system_id}/credentials`, {
        environment: 'production',
      });
      assert.equal(credential.status, 409);
      assert.equal(credential.json.code, 'CP_PLATFORM_TEST_CLIENT_SANDBOX_ONLY');
      const subscription = await api('POST', '/api/v1/subscriptions', {
        systemId: client.system_id,
        versionId,
        environment: 'production',
      });
      assert.equal(subscription.status, 409);
      assert.equal(subscription.json.code, 'CP_PLATFORM_TEST_CLIENT_SANDBOX_ONLY');
    });

    test('the providing agency tries its own version; another agency is refused', async () => {
      const own = await api(
        'POST',
        `/api/v1/versions/${versionId}/try`,
        { method: 'GET', path: '/congdan/1' },
        'provider',
      );
      assert.equal(own.status, 200, JSON.stringify(own.json));
      assert.equal(own.json.status, 200);
      const other = await api(
        'POST',
        `/api/v1/versions/${versionId}/try`,
        { method: 'GET', path: '/congdan/1' },
        'other',
      );
      assert.equal(other.status, 403);
      assert.equal(other.json.code, 'API_FORBIDDEN');
    });

    test("the test client's sandbox subscription is the platform's: no agency lists or reads it, the operator does", async () => {
      const client = await platform.store.db
        .selectFrom('platform_test_client')
        .select('system_id')
        .executeTakeFirstOrThrow();
      const own = await platform.registry.listSubscriptions({ systemId: client.system_id, versionId });
      assert.equal(own.length, 1, 'the tries subscribed the client in the sandbox');
      const subscription = own[0]!;
      assert.equal(subscription.environment, 'sandbox');
      // The provider's "granted subscriptions" (GET /subscriptions, the console's "Đăng ký đã được cấp").
      for (const as of ['provider', 'other'] as const) {
        const listed = await api('GET', '/api/v1/subscriptions?limit=100', undefined, as);
        assert.equal(listed.status, 200, JSON.stringify(listed.json));
        assert.deepEqual(
          listed.json.items.filter((s: Json) => s.systemId === client.system_id),
          [],
          `${as}: the platform's test subscription is granted to no agency`,
        );
        const searched = await api('GET', `/api/v1/subscriptions?q=${subscription.id}`, undefined, as);
        assert.equal(searched.json.total, 0, `${as}: not found by its id either`);
        const read = await api('GET', `/api/v1/subscriptions/${subscription.id}`, undefined, as);
        assert.equal(read.status, 404, `${as}: read as an unknown id`);
        assert.equal(read.json.code, 'CP_SUBSCRIPTION_NOT_FOUND');
      }
      // The operator lists it with the others (every subscription is the operator's to see).
      const listed = await api('GET', `/api/v1/subscriptions?systemId=${client.system_id}`);
      assert.deepEqual(
        listed.json.items.map((s: Json) => s.id),
        [subscription.id],
      );
      assert.equal((await api('GET', `/api/v1/subscriptions/${subscription.id}`)).status, 200);
    });

    test('hostile input is refused with a clear 4xx before any call', async () => {
      const seen = upstream.seen.length;
      const cases: Array<[unknown, number, string]> = [
        [{ method: 'GET', path: '/../../thue/1.0/x' }, 400, 'API_VALIDATION_FAILED'],
        [{ method: 'GET', path: '/%2e%2e/%2E%2E/thue/1.0/x' }, 400, 'API_VALIDATION_FAILED'],
        [{ method: 'GET', path: '/a%2fb' }, 400, 'API_VALIDATION_FAILED'],
        [{ method: 'GET', path: '/congdan//1' }, 400, 'API_VALIDATION_FAILED'],
        [{ method: 'GET', path: '/%252e%252e/thue/1.0/x' }, 400, 'API_VALIDATION_FAILED'],
        [{ method: 'GET', path: '/%c0%ae%c0%ae/thue/1.0/x' }, 400, 'API_VALIDATION_FAILED'],
        [{ method: 'GET', path: '/congdan/1?x=1' }, 400, 'API_VALIDATION_FAILED'],
        [
          { method: 'GET', path: '/congdan/1', headers: { authorization: 'Bearer x' } },
          400,
          'API_VALIDATION_FAILED',
        ],
        [
          { method: 'GET', path: '/congdan/1', headers: { accept: 'a\r\nx-lgsp-consumer-system: y' } },
          400,
          'API_VALIDATION_FAILED',
        ],
        [{ method: 'GET', path: '/congdan/1', body: 'x' }, 400, 'API_VALIDATION_FAILED'],
        [{ method: 'TRACE', path: '/congdan/1' }, 400, 'API_VALIDATION_FAILED'],
        [{ method: 'POST', path: '/hoso', body: 'x'.repeat(65_537) }, 400, 'API_VALIDATION_FAILED'],
      ];
      for (const [body, status, code] of cases) {
        const res = await api('POST', `/api/v1/versions/${versionId}/try`, body);
        assert.equal(
          res.status,
          status,
          `${JSON.stringify(body).slice(0, 80)} → ${JSON.stringify(res.json)}`,
        );
        assert.equal(res.json.code, code);
      }
      const draft = await api('POST', `/api/v1/versions/${draftId}/try`, {
        method: 'GET',
        path: '/congdan/1',
      });
      assert.equal(draft.status, 409);
      assert.equal(draft.json.code, 'CP_SANDBOX_TRY_UNAVAILABLE');
      const unknown = await api('POST', '/api/v1/versions/ver_khongco/try', { method: 'GET', path: '/x' });
      assert.equal(unknown.status, 404);
      assert.equal(upstream.seen.length, seen, 'no refused try reached the provider');
    });
  });
}

/**
 * With the gateway in worker processes, the try's record reaches the primary's recorder over IPC after the answer
 * and the new subscription reaches the workers as a pushed snapshot: the try still answers only once its record
 * is durable, and publishing right after succeeds.
 */
describe('POST /api/v1/versions/:id/try through gateway workers', () => {
  let platform: Platform;
  let started: TestPlatform | null = null;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;

  before(async () => {
    upstream = await startUpstream();
    started = await startTestPlatform('pglite', {
      gateway: { workers: 2 },
      recorder: { flushIntervalMs: 60_000 },
      egress: { allow: [new URL(upstream.url).host] },
    });
    platform = started.platform;
  });
  after(async () => {
    await started?.stop();
    await upstream?.close();
  });

  test('try, then publish at once', async () => {
    const { registry, lifecycle, accounts } = platform;
    const org = await registry.createOrganization({ code: '000.00.31.H01', name: 'Công an tỉnh' }, 't');
    const system = await registry.createSystem(
      { organizationId: org.id, name: 'CSDL Dân cư', isProvider: true, isConsumer: false },
      't',
    );
    const service = await registry.createService(
      {
        context: 'dancu',
        name: 'Tra cứu công dân',
        providerSystemId: system.id,
        description: FULL_DESCRIPTION,
      },
      't',
    );
    const version = await registry.createVersion(
      service.id,
      {
        version: '1.0',
        upstreams: { sandbox: `${upstream.url}/sandbox/dancu`, production: `${upstream.url}/api/dancu` },
        resources: [{ method: 'GET', path: '/congdan/{soDinhDanh}' }],
      },
      't',
    );
    await lifecycle.submitVersion(
      version.id,
      { technicalDocument: OPENAPI_DOC, documentType: 'openapi' },
      't',
    );
    await lifecycle.startSandboxTest(version.id, 't');
    const token = (await accounts.login('admin', TEST_PLATFORM_PASSWORD)).token;
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${platform.adminUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as Json };
    };
    const tried = await post(`/api/v1/versions/${version.id}/try`, { method: 'GET', path: '/congdan/1' });
    assert.equal(tried.status, 200, JSON.stringify(tried.json));
    assert.equal(tried.json.status, 200);
    const published = await post(`/api/v1/versions/${version.id}/publish`, {});
    assert.equal(published.status, 200, JSON.stringify(published.json));
    assert.equal(published.json.sandboxEvidenceTransactionId, tried.json.transactionId);
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mockDocument } from '../src/control/api-examples.ts';
import { loadConfig } from '../src/core/config.ts';
import type { Route } from '../src/gateway/compiled-snapshot.ts';
import { environment } from '../src/gateway/policy.ts';
import { chooseMock, compileMock, parsePrefer } from '../src/gateway/sandbox-mock-table.ts';
import { localUrl, type Platform, startPlatform } from '../src/platform.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { getToken } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION } from './helpers/onboard.ts';
import { storeKinds } from './helpers/stores.ts';
import { startTestPlatform, TEST_PLATFORM_PASSWORD, type TestPlatform } from './helpers/test-platform.ts';
import { wsdl11 } from './helpers/wsdl.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;
const WSDL = wsdl11({ name: 'HoTich', operation: 'TraCuu' });

/**
 * Issue 12 item 9: a version in the sandbox with no sandbox upstream answers sandbox calls from its OpenAPI
 * examples — by operation (method and path template), status chosen by `Prefer: code=` / `example=` as Prism does,
 * else the lowest 2xx with an example — marked `X-LGSP-Mock: true` and recorded as a sandbox transaction (never as
 * the provider's sandbox evidence). No example: a clear problem, not a 502. Production never mocks.
 */
/** The production upstream of every version here: the provider's server, never named to a consumer. */
const UPSTREAM = 'https://dancu.example.gov.vn/api';
/** A table read as consumers of `/dancu/1.0` read the document (api-examples.ts). */
const AS_CONSUMERS = { gatewayAddress: 'https://lgsp.example.gov.vn/dancu/1.0', upstreams: [UPSTREAM] };

const DOCUMENT = {
  openapi: '3.0.3',
  info: { title: 'Tra cứu công dân', version: '1.0' },
  paths: {
    '/congdan/{soDinhDanh}': {
      parameters: [{ name: 'soDinhDanh', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        operationId: 'layCongDan',
        responses: {
          '200': {
            description: 'Công dân',
            content: {
              'application/json': {
                examples: {
                  nam: { value: { soDinhDanh: '001099012345', hoTen: 'Nguyễn Văn An', gioiTinh: 'Nam' } },
                  nu: { $ref: '#/components/examples/CongDanNu' },
                },
              },
              'application/xml': { example: '<congDan><hoTen>Nguyễn Văn An</hoTen></congDan>' },
            },
          },
          '404': {
            description: 'Không có',
            content: {
              'application/problem+json': { example: { title: 'Không tìm thấy công dân', status: 404 } },
            },
          },
          default: {
            description: 'Lỗi',
            content: { 'application/json': { example: { loi: 'khác' } } },
          },
        },
      },
    },
    '/congdan/tracuu': {
      get: {
        responses: { '200': { description: 'literal', content: { 'text/plain': { example: 'tra cứu' } } } },
      },
    },
    '/hoso': {
      post: {
        responses: {
          '400': { description: 'sai', content: { 'application/json': { example: { loi: 'sai' } } } },
          '201': {
            description: 'Đã nhận',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/HoSo' } } },
          },
        },
      },
    },
    '/hoso/{ma}': {
      parameters: [{ name: 'ma', in: 'path', required: true, schema: { type: 'string' } }],
      // As a provider's generator writes it: the links name the provider's own server (the version's upstream).
      get: {
        responses: {
          '200': {
            description: 'Hồ sơ',
            content: {
              'application/json': {
                example: {
                  maHoSo: 'HS-2026-000123',
                  tenHoSo: 'Đăng ký thường trú',
                  self: `${UPSTREAM}/hoso/HS-2026-000123`,
                  tepDinhKem: `HTTPS://DANCU.example.gov.vn:443/tep/don.pdf`,
                },
              },
              'application/xml': {
                example: `<hoSo xlink:href="${UPSTREAM}/hoso/HS-2026-000123">Đăng ký thường trú</hoSo>`,
              },
            },
          },
        },
      },
      delete: {
        responses: { '204': { description: 'Đã xoá' } },
      },
    },
    '/khongvidu': {
      get: {
        responses: {
          '200': {
            description: 'không ví dụ',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
        },
      },
    },
  },
  components: {
    examples: {
      CongDanNu: { value: { soDinhDanh: '001199012345', hoTen: 'Trần Thị Bình', gioiTinh: 'Nữ' } },
    },
    schemas: {
      HoSo: {
        type: 'object',
        properties: {
          maHoSo: { type: 'string', example: 'HS-2026-000123' },
          trangThai: { type: 'string', enum: ['moi', 'dang_xu_ly'] },
          soTrang: { type: 'integer', default: 1 },
          tepDinhKem: { type: 'array', items: { type: 'string', example: 'don.pdf' } },
          ghiChu: { type: 'string' },
        },
      },
    },
  },
};

test('chooseMock: by operation, Prefer code / example, lowest 2xx with an example, Accept', () => {
  const mock = compileMock(mockDocument('openapi', JSON.stringify(DOCUMENT), AS_CONSUMERS));
  const choose = (method: string, path: string, prefer = '', accept?: string) => {
    const c = chooseMock(mock, method, path, parsePrefer(prefer || undefined), accept);
    return c.ok
      ? `${c.status} ${c.content?.mediaType ?? '-'} ${c.example?.body.toString() ?? ''}`
      : `${c.code} ${c.detail}`;
  };
  const an = JSON.stringify({ soDinhDanh: '001099012345', hoTen: 'Nguyễn Văn An', gioiTinh: 'Nam' });
  const binh = JSON.stringify({ soDinhDanh: '001199012345', hoTen: 'Trần Thị Bình', gioiTinh: 'Nữ' });
  assert.equal(choose('GET', '/congdan/001099012345'), `200 application/json ${an}`);
  assert.equal(choose('HEAD', '/congdan/001099012345'), `200 application/json ${an}`, 'HEAD as GET');
  assert.equal(choose('GET', '/congdan/x', 'example=nu'), `200 application/json ${binh}`, 'a $ref example');
  assert.equal(choose('GET', '/congdan/x', 'code=200, example="nu"'), `200 application/json ${binh}`);
  assert.equal(
    choose('GET', '/congdan/x', '', 'application/xml'),
    '200 application/xml <congDan><hoTen>Nguyễn Văn An</hoTen></congDan>',
  );
  assert.equal(
    choose('GET', '/congdan/x', '', 'text/html;q=0.9, application/*;q=0.5').split(' ')[1],
    'application/json',
  );
  assert.equal(
    choose('GET', '/congdan/x', 'code=404'),
    '404 application/problem+json {"title":"Không tìm thấy công dân","status":404}',
  );
  assert.equal(choose('GET', '/congdan/x', 'code=503'), '503 application/json {"loi":"khác"}', 'default');
  assert.equal(
    choose('GET', '/congdan/tracuu'),
    '200 text/plain tra cứu',
    'a literal path before a template',
  );
  assert.equal(
    choose('POST', '/hoso'),
    '201 application/json {"maHoSo":"HS-2026-000123","trangThai":"moi","soTrang":1,"tepDinhKem":["don.pdf"]}',
    'the lowest 2xx, composed from the schema',
  );
  assert.equal(choose('DELETE', '/hoso/HS-1'), '204 - ', 'a response without a body');
  assert.match(choose('GET', '/congdan/x', 'example=khong'), /^GW_MOCK_PREFER_UNMATCHED /);
  assert.match(choose('POST', '/hoso', 'code=418'), /^GW_MOCK_PREFER_UNMATCHED .*code=418/);
  assert.match(choose('POST', '/hoso', 'code=abc'), /^GW_MOCK_PREFER_UNMATCHED /);
  assert.match(choose('GET', '/khongvidu'), /^GW_MOCK_UNAVAILABLE .*no 2xx response with an example/);
  assert.match(choose('PUT', '/hoso'), /^GW_MOCK_UNAVAILABLE .*no PUT operation/);
  assert.match(
    chooseMock(compileMock(mockDocument('wsdl', '<x/>', AS_CONSUMERS)), 'GET', '/a', {}, undefined).ok
      ? ''
      : 'refused',
    /refused/,
  );
});

test('production never mocks: a version without a production upstream is not in production', () => {
  const route = {
    status: 'published',
    mode: 'sync',
    upstreams: { sandbox: null, production: null },
    composite: null,
    sandboxMock: compileMock(mockDocument('openapi', JSON.stringify(DOCUMENT), AS_CONSUMERS)),
  } as unknown as Route;
  assert.equal(environment(route, 'sandbox').ok, true);
  const refused = environment(route, 'production');
  assert.equal(refused.ok ? null : refused.code, 'GW_NOT_IN_ENVIRONMENT');
  assert.equal(environment({ ...route, sandboxMock: null } as Route, 'sandbox').ok, false);
});

for (const kind of storeKinds) {
  describe(`sandbox mocks through the gateway (${kind})`, () => {
    let platform: Platform;
    let started: TestPlatform | null = null;
    let token = '';
    let ids: Record<string, string> = {};

    const call = async (path: string, headers: Record<string, string> = {}, method = 'GET') => {
      const res = await fetch(`${platform.gatewayUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...headers },
      });
      return { status: res.status, headers: res.headers, text: await res.text() };
    };

    before(async () => {
      started = await startTestPlatform(kind);
      platform = started.platform;
      const { registry, lifecycle } = platform;
      const provider = await registry.createOrganization(
        { code: '000.00.31.H01', name: 'Công an tỉnh' },
        't',
      );
      const consumer = await registry.createOrganization({ code: '000.00.12.H01', name: 'Sở Tư pháp' }, 't');
      const system = await registry.createSystem(
        { organizationId: provider.id, name: 'CSDL Dân cư', isProvider: true, isConsumer: false },
        't',
      );
      const client = await registry.createSystem(
        { organizationId: consumer.id, name: 'Hộ tịch', isProvider: false, isConsumer: true },
        't',
      );
      const version = async (context: string, document: string, type: 'openapi' | 'wsdl' = 'openapi') => {
        const service = await registry.createService(
          { context, name: context, providerSystemId: system.id, description: FULL_DESCRIPTION },
          't',
        );
        const v = await registry.createVersion(
          service.id,
          {
            version: '1.0',
            // Only a production upstream (never called here): the sandbox has none.
            upstreams: { production: UPSTREAM },
            resources: [
              { method: 'GET', path: '/congdan/{soDinhDanh}' },
              { method: 'GET', path: '/khongvidu' },
              { method: 'POST', path: '/hoso' },
              { method: 'GET', path: '/hoso/{ma}' },
            ],
          },
          't',
        );
        await lifecycle.submitVersion(v.id, { technicalDocument: document, documentType: type }, 't');
        return v;
      };
      const dancu = await version('dancu', JSON.stringify(DOCUMENT));
      await lifecycle.startSandboxTest(dancu.id, 't');
      const bare = await version(
        'trong',
        JSON.stringify({ openapi: '3.0.3', info: { title: 'x', version: '1' }, paths: {} }),
      );
      await lifecycle.startSandboxTest(bare.id, 't');
      for (const v of [dancu, bare]) {
        await registry.createSubscription(
          { systemId: client.id, versionId: v.id, environment: 'sandbox' },
          't',
        );
      }
      const credential = await registry.issueCredential(client.id, 'sandbox', 't');
      await platform.snapshots.refresh();
      token = await getToken(platform.gatewayUrl, credential.consumerKey, credential.consumerSecret);
      ids = { dancu: dancu.id, bare: bare.id, system: system.id };
    });
    after(async () => {
      await started?.stop();
    });

    test('a sandbox call is answered from the examples, marked as a mock and recorded in the sandbox', async () => {
      const res = await call('/dancu/1.0/congdan/001099012345', { accept: 'application/json' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-lgsp-mock'), 'true');
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual(JSON.parse(res.text), {
        soDinhDanh: '001099012345',
        hoTen: 'Nguyễn Văn An',
        gioiTinh: 'Nam',
      });
      const txn = res.headers.get('x-lgsp-transaction-id')!;
      await platform.recorder.flush();
      const row = await platform.store.db
        .selectFrom('transactions')
        .select(['environment', 'consumer_status', 'provider_status', 'resource_template', 'version_id'])
        .where('id', '=', txn)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, {
        environment: 'sandbox',
        consumer_status: 200,
        // No provider was called: a mock is never the sandbox evidence publishing needs.
        provider_status: null,
        resource_template: '/congdan/{soDinhDanh}',
        version_id: ids['dancu'],
      });
      await assert.rejects(platform.lifecycle.publishVersion(ids['dancu']!, {}, 't'), (err: Error) => {
        assert.match(String(err), /CP_SANDBOX_TEST_REQUIRED/);
        // The provider who just saw a 200 is told why it does not count.
        assert.match(err.message, /câu trả lời mẫu .* không được tính/);
        assert.match(err.message, /an answer made from the document's examples .* does not count/);
        return true;
      });
    });

    test('Prefer picks the status and the named example; one the document lacks is a 400 problem', async () => {
      const notFound = await call('/dancu/1.0/congdan/0', { prefer: 'code=404' });
      assert.equal(notFound.status, 404);
      assert.equal(notFound.headers.get('x-lgsp-mock'), 'true');
      assert.equal(JSON.parse(notFound.text).title, 'Không tìm thấy công dân');
      const nu = await call('/dancu/1.0/congdan/0', { prefer: 'example=nu' });
      assert.equal(JSON.parse(nu.text).hoTen, 'Trần Thị Bình');
      const created = await call('/dancu/1.0/hoso', { 'content-type': 'application/json' }, 'POST');
      assert.equal(created.status, 201);
      assert.equal(JSON.parse(created.text).maHoSo, 'HS-2026-000123');
      // `default` answers any status the operation does not list; without one, the status is refused.
      const other = await call('/dancu/1.0/congdan/0', { prefer: 'code=418' });
      assert.equal(other.status, 418);
      assert.deepEqual(JSON.parse(other.text), { loi: 'khác' });
      const teapot = await call('/dancu/1.0/hoso', { prefer: 'code=418' }, 'POST');
      assert.equal(teapot.status, 400);
      assert.equal(teapot.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.equal(JSON.parse(teapot.text).code, 'GW_MOCK_PREFER_UNMATCHED');
    });

    test('an example naming the provider’s server answers with the version’s address on the gateway (security.md §2.1)', async () => {
      // Where consumers call the gateway, as the portal and the published documents name it.
      const branding = await fetch(`${platform.adminUrl}/api/v1/public/branding`);
      const gateway = ((await branding.json()) as Json).gatewayUrl as string;
      assert.match(
        gateway,
        /^http:\/\/127\.0\.0\.1:\d+$/,
        'no gateway.publicUrl here: where the gateway listens',
      );
      const json = await call('/dancu/1.0/hoso/HS-2026-000123', { accept: 'application/json' });
      assert.equal(json.status, 200, json.text);
      assert.equal(json.headers.get('x-lgsp-mock'), 'true');
      assert.doesNotMatch(json.text, /dancu\.example/i, 'no upstream reaches the consumer');
      assert.deepEqual(JSON.parse(json.text), {
        maHoSo: 'HS-2026-000123',
        tenHoSo: 'Đăng ký thường trú',
        // The upstream's path too: the same resource, through the gateway — the absolute address a consumer
        // follows, as the version's published document gives it (it was a bare `/dancu/1.0/…`).
        self: `${gateway}/dancu/1.0/hoso/HS-2026-000123`,
        tepDinhKem: `${gateway}/dancu/1.0/tep/don.pdf`,
      });
      assert.equal(
        json.headers.get('content-length'),
        String(Buffer.byteLength(json.text)),
        'the length of the body served',
      );
      const xml = await call('/dancu/1.0/hoso/HS-1', { accept: 'application/xml' });
      assert.equal(xml.status, 200, xml.text);
      assert.equal(
        xml.text,
        `<hoSo xlink:href="${gateway}/dancu/1.0/hoso/HS-2026-000123">Đăng ký thường trú</hoSo>`,
      );
      assert.equal(xml.headers.get('content-length'), String(Buffer.byteLength(xml.text)));
      // The record's hash is of what the consumer received (R-02: the sandbox log is evidence).
      await platform.recorder.flush();
      const row = await platform.store.db
        .selectFrom('transactions')
        .select(['response_sha256', 'response_bytes'])
        .where('id', '=', xml.headers.get('x-lgsp-transaction-id')!)
        .executeTakeFirstOrThrow();
      assert.equal(row.response_sha256, createHash('sha256').update(xml.text).digest('hex'));
      assert.equal(Number(row.response_bytes), Buffer.byteLength(xml.text));
    });

    if (kind === 'postgres')
      test('a node started over a store that holds a mocked version answers with the absolute address too, from every gateway worker', async () => {
        // A second node of the same cluster: its first snapshot is built before its gateway listens, when where
        // consumers call is not known yet (no gateway.publicUrl); nothing changes after it starts, so only the
        // snapshot built again once it listens can name it — in each of its gateway's worker processes too.
        const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-mocks-node-'));
        const node = await startPlatform(
          loadConfig({
            env: {},
            overrides: {
              dataDir,
              databaseUrl: platform.config.databaseUrl,
              // The cluster's key-encryption key: the first node's file, as every node of a cluster shares it.
              keys: { encryptionKeyFile: `${platform.config.dataDir.replace(/\/+$/, '')}.kek` },
              gateway: { port: 0, host: '127.0.0.1', workers: 2 },
              admin: { port: 0, password: TEST_PLATFORM_PASSWORD },
              logLevel: 'silent',
            },
          }),
          { logger: silentLogger() },
        );
        try {
          const gateway = localUrl(node.gatewayUrl);
          for (let i = 0; i < 6; i++) {
            const res = await fetch(`${gateway}/dancu/1.0/hoso/HS-2026-000123`, {
              headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
            });
            const text = await res.text();
            assert.equal(res.status, 200, text);
            assert.equal(JSON.parse(text).self, `${gateway}/dancu/1.0/hoso/HS-2026-000123`, `call ${i + 1}`);
          }
        } finally {
          await node.stop();
          rmSync(dataDir, { recursive: true, force: true });
        }
      });

    test('no example to answer with: a clear 501 problem, never a 502', async () => {
      for (const path of ['/dancu/1.0/khongvidu', '/trong/1.0/congdan/1']) {
        const res = await call(path);
        assert.equal(res.status, 501, path);
        const problem = JSON.parse(res.text);
        assert.equal(problem.code, 'GW_MOCK_UNAVAILABLE');
        assert.ok(problem.transactionId, 'problem.transactionId');
      }
      // The declared resources still decide first: an undeclared one is the usual 404.
      assert.equal((await call('/dancu/1.0/khac')).status, 404);
    });

    test('a WSDL version without a sandbox upstream cannot open its sandbox test (nothing to mock from)', async () => {
      const service = await platform.registry.createService(
        {
          context: 'hotich',
          name: 'Hộ tịch',
          providerSystemId: ids['system']!,
          description: FULL_DESCRIPTION,
        },
        't',
      );
      const v = await platform.registry.createVersion(
        service.id,
        {
          version: '1.0',
          protocol: 'SOAP',
          upstreams: { production: 'https://hotich.example.gov.vn/ws' },
          resources: [{ method: 'POST', path: '/ws' }],
        },
        't',
      );
      await platform.lifecycle.submitVersion(v.id, { technicalDocument: WSDL, documentType: 'wsdl' }, 't');
      await assert.rejects(platform.lifecycle.startSandboxTest(v.id, 't'), /CP_UPSTREAM_URL_INVALID/);
    });

    test('the try-it path works without a sandbox upstream and shows the mock', async () => {
      const { token: admin } = await platform.accounts.login('admin', TEST_PLATFORM_PASSWORD);
      const res = await fetch(`${platform.adminUrl}/api/v1/versions/${ids['dancu']}/try`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          method: 'GET',
          path: '/congdan/001099012345',
          headers: { accept: 'application/json' },
        }),
      });
      const body = (await res.json()) as Json;
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body['status'], 200);
      assert.equal(body['headers']['x-lgsp-mock'], 'true');
      assert.match(body['body'], /Nguyễn Văn An/);
    });
  });
}

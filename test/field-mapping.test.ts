import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { LgspError } from '../src/core/errors.ts';
import { applyFieldMapping, fieldMappingProblems, normalizeFieldMapping } from '../src/core/field-mapping.ts';
import { type AdminHarness, openAdminHarness, seedProvince } from './helpers/admin-api.ts';
import { getToken, startGatewayHarness } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION, publishThroughSandbox } from './helpers/onboard.ts';
import { storeKinds } from './helpers/stores.ts';
import { allowEgressTo, startUpstream } from './helpers/upstream.ts';

// Issue 12 item 6: JSON field mapping as data — rename, drop, constant — on any version and in composites.

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const LIMIT_MS = 1_500;

describe('field mapping (pure)', () => {
  test('allow → drop → mapping → constants, never in place; "__proto__" stays a field', () => {
    const input = JSON.parse(
      '{"__proto__":{"polluted":true},"hoTen":"An","biMat":"x","chuHo":{"hoTen":"Binh","soDinhDanh":"1"},"n":1}',
    );
    const copy = structuredClone(input);
    const out = applyFieldMapping(
      input,
      normalizeFieldMapping({
        drop: ['biMat', 'chuHo.soDinhDanh', 'khongCo.x'],
        mapping: { hoTen: 'tenCongDan' },
        constants: { nguon: 'LGSP', n: 2 },
      }),
    );
    assert.equal(
      JSON.stringify(out),
      '{"__proto__":{"polluted":true},"tenCongDan":"An","chuHo":{"hoTen":"Binh"},"n":2,"nguon":"LGSP"}',
    );
    assert.deepEqual(input, copy, 'the input is not changed');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    const kept = applyFieldMapping(input, normalizeFieldMapping({ allow: ['chuHo.hoTen', 'n'] }));
    assert.equal(JSON.stringify(kept), '{"chuHo":{"hoTen":"Binh"},"n":1}');
    assert.deepEqual(applyFieldMapping([1, 2], normalizeFieldMapping({ constants: { a: 1 } })), [1, 2]);
  });

  test('problems are named with where they are', () => {
    assert.deepEqual(
      fieldMappingProblems(
        { drop: ['a..b'], mapping: { x: 'z', y: 'z', __proto__x: 'ok' }, constants: { 'bad name': 1 } },
        '/fieldMapping/request',
      ).map((p) => p.path),
      [
        '/fieldMapping/request/drop/0',
        '/fieldMapping/request/mapping/y',
        '/fieldMapping/request/constants/bad name',
      ],
    );
    assert.deepEqual(fieldMappingProblems({ allow: ['__proto__.x'] }, '').length, 1);
  });
});

for (const kind of storeKinds) {
  describe(`field mapping on a running gateway on ${kind}`, () => {
    let h: Awaited<ReturnType<typeof startGatewayHarness>>;
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    let token: string;
    let providerId: string;
    let plainVersionId: string;

    const call = (path: string, init: RequestInit = {}) =>
      fetch(`${h.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
      });

    before(async () => {
      upstream = await startUpstream();
      // A short answer limit: the upstream's `/dong` answer takes 2 s; every other answer comes at once.
      h = await startGatewayHarness(kind, { upstreamTimeoutMs: LIMIT_MS });
      allowEgressTo(h.registry.egress, upstream.url);
      const r = h.registry;
      const police = await r.createOrganization({ code: '000.00.31.H01', name: 'Công an tỉnh' }, 'test');
      const operator = await r.createOrganization({ code: '000.00.17.H01', name: 'Sở TT&TT' }, 'test');
      const justice = await r.createOrganization({ code: '000.00.12.H01', name: 'Sở Tư pháp' }, 'test');
      const provider = await r.createSystem(
        { organizationId: police.id, name: 'CSDL dân cư', isProvider: true, isConsumer: false },
        'test',
      );
      const aggregator = await r.createSystem(
        { organizationId: operator.id, name: 'Dịch vụ tổng hợp LGSP', isProvider: true, isConsumer: false },
        'test',
      );
      const consumer = await r.createSystem(
        { organizationId: justice.id, name: 'Hộ tịch', isProvider: false, isConsumer: true },
        'test',
      );
      providerId = provider.id;
      const service = async (context: string, providerId: string) =>
        r.createService(
          { context, name: context, providerSystemId: providerId, description: FULL_DESCRIPTION },
          'test',
        );

      // A plain REST version that maps the consumer's JSON request and the provider's JSON answer.
      const plain = await r.createVersion(
        (await service('dancu', provider.id)).id,
        {
          version: '1.0',
          upstreams: { sandbox: `${upstream.url}/sandbox`, production: `${upstream.url}/api` },
          resources: [
            { method: 'GET', path: '/congdan/{soDinhDanh}' },
            { method: 'POST', path: '/tracuu' },
            { method: 'GET', path: '/xml' },
          ],
          fieldMapping: {
            request: {
              drop: ['ghiChu'],
              mapping: { soCCCD: 'soDinhDanh' },
              constants: { maDonViYeuCau: '000.00.12.H01' },
            },
            response: { drop: ['seen.url'], mapping: { hoTen: 'tenCongDan' }, constants: { nguon: 'LGSP' } },
          },
        },
        'test',
      );
      plainVersionId = plain.id;
      await publishThroughSandbox(h, plain.id);
      // An unmapped version on the same provider: its composite backend maps with drop and constants.
      const raw = await r.createVersion(
        (await service('dancuthuan', provider.id)).id,
        {
          version: '1.0',
          upstreams: { sandbox: `${upstream.url}/sandbox`, production: `${upstream.url}/api` },
          resources: [{ method: 'GET', path: '/congdan/{soDinhDanh}' }],
        },
        'test',
      );
      await publishThroughSandbox(h, raw.id);
      const composite = await r.createVersion(
        (await service('tonghop', aggregator.id)).id,
        {
          version: '1.0',
          resources: [{ method: 'GET', path: '/congdan/{soDinhDanh}' }],
          composite: {
            backends: [
              {
                target: '/dancuthuan/1.0',
                path: '/congdan/{soDinhDanh}',
                required: true,
                drop: ['seen'],
                mapping: { hoTen: 'tenCongDan' },
                constants: { nguon: 'CSDL dân cư' },
                group: 'congDan',
              },
            ],
          },
        },
        'test',
      );
      await publishThroughSandbox(h, composite.id);
      for (const versionId of [plain.id, composite.id])
        await r.createSubscription({ systemId: consumer.id, versionId, environment: 'production' }, 'test');
      const credential = await r.issueCredential(consumer.id, 'production', 'test');
      await h.snapshots.refresh();
      token = await getToken(h.url, credential.consumerKey, credential.consumerSecret);
    });
    after(async () => {
      await h?.close();
      await upstream?.close();
    });

    test('request: renamed, dropped and constant fields reach the provider; the answer is mapped too', async () => {
      const sent = JSON.stringify({ soCCCD: '089201001234', ghiChu: 'nội bộ', nam: 2026 });
      const res = await call('/dancu/1.0/tracuu', {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: sent,
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      const mappedRequest = JSON.stringify({
        soDinhDanh: '089201001234',
        nam: 2026,
        maDonViYeuCau: '000.00.12.H01',
      });
      assert.deepEqual(JSON.parse(text), {
        tenCongDan: 'Nguyễn Văn An',
        seen: { method: 'POST', bodySha256: sha256(mappedRequest) },
        nguon: 'LGSP',
      });
      assert.equal(upstream.seen.at(-1)!.bodyBytes, Buffer.byteLength(mappedRequest));
      assert.equal(Number(res.headers.get('content-length')), Buffer.byteLength(text));
      // The record keeps the consumer's leg: the body it sent, the answer it received.
      await h.recorder.flush();
      const row = await h.store.db
        .selectFrom('transactions')
        .select(['request_sha256', 'response_sha256', 'request_bytes', 'response_bytes', 'consumer_status'])
        .where('id', '=', res.headers.get('x-lgsp-transaction-id')!)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, {
        request_sha256: sha256(sent),
        response_sha256: sha256(text),
        request_bytes: Buffer.byteLength(sent),
        response_bytes: Buffer.byteLength(text),
        consumer_status: 200,
      });
    });

    test('bodies that are not JSON pass untouched; JSON that does not parse is refused, nothing sent', async () => {
      const form = 'soCCCD=1&ghiChu=x';
      const res = await call('/dancu/1.0/tracuu', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { seen: { bodySha256: string } }).seen.bodySha256, sha256(form));
      const xml = await call('/dancu/1.0/xml');
      assert.equal(xml.status, 200);
      assert.match(await xml.text(), /<KetQua>Hợp lệ<\/KetQua>/);
      const before = upstream.seen.length;
      const bad = await call('/dancu/1.0/tracuu', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"soCCCD":',
      });
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { code: string }).code, 'GW_REQUEST_NOT_JSON');
      assert.equal(upstream.seen.length, before);
    });

    test('an answer relayed unmapped (not JSON) that outlasts the limit is cut and recorded as a timeout (R-03)', async () => {
      // The provider streams 1.6 MB over 2 s, every chunk in time: only the whole-answer deadline ends it.
      const started = Date.now();
      const res = await call('/dancu/1.0/congdan/dong');
      assert.equal(res.status, 200);
      await assert.rejects(res.arrayBuffer(), 'the consumer sees the answer break off, never a whole one');
      const elapsedMs = Date.now() - started;
      assert.ok(elapsedMs >= LIMIT_MS - 20 && elapsedMs < 2_000, `cut after ${elapsedMs} ms`);
      await h.recorder.flush();
      const row = await h.store.db
        .selectFrom('transactions')
        .select(['error_code', 'provider_status'])
        .where('id', '=', res.headers.get('x-lgsp-transaction-id')!)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { error_code: 'GW_UPSTREAM_TIMEOUT', provider_status: 200 });
    });

    test('a composite backend drops, renames and sets constants with the same mapping', async () => {
      const res = await call('/tonghop/1.0/congdan/089201001234');
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { congDan: { tenCongDan: 'Nguyễn Văn An', nguon: 'CSDL dân cư' } });
      const version = (await h.registry.listVersions()).find((v) => v.context === 'tonghop')!;
      assert.deepEqual(version.composite!.backends[0]!.drop, ['seen']);
    });

    test('a mapping is checked when saved (400 naming each problem), and fixed once published', async () => {
      const svc = await h.registry.createService(
        { context: 'kiemtra', name: 'kiemtra', providerSystemId: providerId, description: FULL_DESCRIPTION },
        'test',
      );
      const err = await h.registry
        .createVersion(
          svc.id,
          { version: '1.0', fieldMapping: { response: { mapping: { a: 'x', b: 'x' }, drop: ['..'] } } },
          'test',
        )
        .then(
          () => null,
          (e: unknown) => e,
        );
      assert.ok(err instanceof LgspError, 'refused');
      assert.equal(err.code, 'CP_FIELD_MAPPING_INVALID');
      assert.deepEqual(
        (err.extra as { errors: Array<{ path: string }> }).errors.map((e) => e.path),
        ['/fieldMapping/response/drop/0', '/fieldMapping/response/mapping/b'],
      );
      const published = await h.registry.updateVersion(plainVersionId, { fieldMapping: null }, 'test').then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(published instanceof LgspError, 'a published version keeps its mapping');
      assert.equal(published.code, 'CP_VERSION_STATE');
    });
  });
}

for (const kind of storeKinds) {
  describe(`field mapping and SOAP-as-REST through the admin API on ${kind}`, () => {
    let h: AdminHarness;
    let serviceId: string;
    before(async () => {
      h = await openAdminHarness(kind);
      serviceId = (await seedProvince(h)).service.id;
    });
    after(async () => h?.dispose());

    test('an invalid mapping or SOAP setting is a 400 problem naming each problem; nothing is written', async () => {
      const before = await h.counts();
      for (const [body, code, path] of [
        [
          { version: '2.0', fieldMapping: { request: { mapping: { a: 'x', b: 'x' } } } },
          'CP_FIELD_MAPPING_INVALID',
          '/fieldMapping/request/mapping/b',
        ],
        [
          { version: '2.0', fieldMapping: { request: { rename: { a: 'b' } } } },
          'API_VALIDATION_FAILED',
          null,
        ],
        [{ version: '2.0', soapRest: {} }, 'CP_SOAP_REST_INVALID', '/soapRest'],
        [
          { version: '2.0', mode: 'async', fieldMapping: { response: { drop: ['x'] } } },
          'CP_FIELD_MAPPING_INVALID',
          '/fieldMapping',
        ],
      ] as const) {
        const res = await h.call('POST', `/api/v1/services/${serviceId}/versions`, body);
        assert.equal(res.statusCode, 400, res.body);
        assert.match(String(res.headers['content-type']), /application\/problem\+json/);
        const problem = res.json() as { code: string; errors?: Array<{ path: string }> };
        assert.equal(problem.code, code);
        if (path)
          assert.deepEqual(
            problem.errors?.map((e) => e.path),
            [path],
          );
      }
      assert.deepEqual(await h.counts(), before);
    });

    test('a valid mapping is saved and shown as it applies', async () => {
      const res = await h.call('POST', `/api/v1/services/${serviceId}/versions`, {
        version: '3.0',
        fieldMapping: { response: { drop: ['biMat'], constants: { nguon: 'LGSP' } } },
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual((res.json() as { fieldMapping: unknown }).fieldMapping, {
        request: null,
        response: { allow: null, drop: ['biMat'], mapping: {}, constants: { nguon: 'LGSP' } },
      });
    });
  });
}

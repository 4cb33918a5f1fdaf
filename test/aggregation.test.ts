import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { CompositeInput } from '../src/api/contract/index.ts';
import { parseTemplate } from '../src/core/composite.ts';
import { compileComposite, fill, mergeInto, newAnswer, shape } from '../src/gateway/composite-plan.ts';
import { statistics } from '../src/reports/statistics.ts';
import { queryTransactions } from '../src/telemetry/transactions.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';
import { getToken, startGatewayHarness } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION, publishThroughSandbox } from './helpers/onboard.ts';
import { storeKinds } from './helpers/stores.ts';
import { allowEgressTo } from './helpers/upstream.ts';

// Issue 12 item 5: composite services declared as data, run by the gateway against real upstreams.

const CITIZEN_ID = '089201001234';
const TAX_ID = '0301234567';

type Mode = 'ok' | 'down' | 'slow' | 'big';

/** A provider on a real socket: `/{api|sandbox}/{service}/…`, answering as `mode()` says. */
async function startProvider(mode: () => Mode) {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    seen.push(url);
    req.resume();
    const m = mode();
    if (m === 'down') {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"loi":"hỏng"}');
      return;
    }
    if (m === 'slow') {
      const timer = setTimeout(() => res.end('{}'), 5_000);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    let body: unknown = { khongTimThay: url };
    let match = /\/dancu\/congdan\/([^/?]+)/.exec(url);
    if (match) {
      body = {
        soDinhDanh: decodeURIComponent(match[1]!),
        hoTen: 'Nguyễn Văn An',
        ngaySinh: '1990-05-17',
        maSoThue: TAX_ID,
        chuHo: { hoTen: 'Nguyễn Văn Bình', quanHe: 'Cha' },
        biMat: 'không được lộ',
      };
    }
    match = /\/thue\/doanhnghiep\/([^/?]+)/.exec(url);
    if (match) body = { maSoThue: match[1], tenDoanhNghiep: 'Công ty TNHH Mẫu' };
    match = /\/bhxh\/so\/([^/?]+)/.exec(url);
    if (match)
      body = m === 'big' ? { dem: 'x'.repeat(4096) } : { soBhxh: `BH${match[1]}`, __proto__: { x: 1 } };
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('composite plan (pure)', () => {
  test('templates: params, query and earlier answers, always percent-encoded', () => {
    const parts = parseTemplate('/a/{id}/{resp0.x.y}?q={query.nam}');
    assert.ok(Array.isArray(parts), 'Array.isArray(parts)');
    const filled = fill(parts, {
      params: new Map([['id', '1/2']]),
      query: new URLSearchParams('nam=2026'),
      answers: [{ x: { y: '../z' } }],
    });
    assert.equal(filled, '/a/1%2F2/..%2Fz?q=2026');
    const missing = fill(parts, { params: new Map(), query: new URLSearchParams(), answers: [] });
    assert.deepEqual(missing, { problem: '{id}: không có giá trị / no value' });
    assert.equal(typeof parseTemplate('/a/{resp0}'), 'string');
    assert.equal(typeof parseTemplate('/a/{1x}'), 'string');
    assert.equal(typeof parseTemplate('/a/{x'), 'string');
    assert.equal(typeof parseTemplate('/a/{query.a.b}'), 'string');
  });

  test('allow-list (dotted), renames, groups and merge; "__proto__" stays a field', () => {
    const answer = newAnswer();
    const evil = JSON.parse('{"__proto__":{"polluted":true},"a":1,"b":{"c":2,"d":3}}');
    mergeInto(answer, { group: null }, shape(evil, { allow: null, mapping: { a: 'alpha' } }));
    mergeInto(answer, { group: 'g' }, shape(evil, { allow: ['b.c'], mapping: {} }));
    mergeInto(answer, { group: null }, [1, 2]);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(
      JSON.stringify(answer),
      '{"__proto__":{"polluted":true},"alpha":1,"b":{"c":2,"d":3},"g":{"b":{"c":2}},"collection":[1,2]}',
    );
    assert.equal(Object.getPrototypeOf(answer), null);
    const compiled = compileComposite({
      sequential: true,
      backends: [
        {
          target: '/a/1',
          versionId: 'ver_x',
          path: '/x/{resp0.id}',
          query: { q: '{id}' },
          timeoutMs: 100,
          required: true,
          allow: null,
          mapping: {},
          group: null,
        },
      ],
    });
    assert.equal(compiled.backends[0]!.queryParts[0]![0], 'q');
  });
});

for (const kind of storeKinds) {
  describe(`composite services on ${kind}`, () => {
    let h: Awaited<ReturnType<typeof startGatewayHarness>>;
    let stable: Awaited<ReturnType<typeof startProvider>>;
    let flaky: Awaited<ReturnType<typeof startProvider>>;
    let flakyMode: Mode = 'ok';
    let token: string;
    let strangerToken: string;
    let consumerSystemId: string;
    let compositeSystemId: string;
    const versions: Record<string, string> = {};

    const call = (path: string, bearer = token) =>
      fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${bearer}` } });

    before(async () => {
      stable = await startProvider(() => 'ok');
      flaky = await startProvider(() => flakyMode);
      h = await startGatewayHarness(kind, { gateway: { compositeMaxResponseBytes: 2048 } });
      allowEgressTo(h.registry.egress, stable.url, flaky.url);
      const actor = 'test';
      const r = h.registry;
      const police = await r.createOrganization({ code: '000.00.31.H01', name: 'Công an tỉnh' }, actor);
      const operator = await r.createOrganization({ code: '000.00.17.H01', name: 'Sở TT&TT' }, actor);
      const justice = await r.createOrganization({ code: '000.00.12.H01', name: 'Sở Tư pháp' }, actor);
      const provider = await r.createSystem(
        { organizationId: police.id, name: 'CSDL', isProvider: true, isConsumer: false },
        actor,
      );
      const aggregator = await r.createSystem(
        { organizationId: operator.id, name: 'Dịch vụ tổng hợp LGSP', isProvider: true, isConsumer: false },
        actor,
      );
      compositeSystemId = aggregator.id;
      const consumer = await r.createSystem(
        { organizationId: justice.id, name: 'Hộ tịch', isProvider: false, isConsumer: true },
        actor,
      );
      consumerSystemId = consumer.id;
      const stranger = await r.createSystem(
        { organizationId: justice.id, name: 'Chưa đăng ký', isProvider: false, isConsumer: true },
        actor,
      );

      // Three plain services: two on a provider that always answers, one on a provider the tests break.
      const plain = async (context: string, resource: string, base: string) => {
        const svc = await r.createService(
          { context, name: context, providerSystemId: provider.id, description: FULL_DESCRIPTION },
          actor,
        );
        const v = await r.createVersion(
          svc.id,
          {
            version: '1.0',
            upstreams: { sandbox: `${base}/sandbox/${context}`, production: `${base}/api/${context}` },
            resources: [{ method: 'GET', path: resource }],
          },
          actor,
        );
        await publishThroughSandbox(h, v.id);
        versions[context] = v.id;
      };
      await plain('dancu', '/congdan/{soDinhDanh}', stable.url);
      await plain('thue', '/doanhnghiep/{maSoThue}', stable.url);
      await plain('bhxh', '/so/{soDinhDanh}', flaky.url);

      const composite = async (context: string, definition: CompositeInput) => {
        const svc = await r.createService(
          { context, name: context, providerSystemId: aggregator.id, description: FULL_DESCRIPTION },
          actor,
        );
        const v = await r.createVersion(
          svc.id,
          {
            version: '1.0',
            resources: [{ method: 'GET', path: '/congdan/{soDinhDanh}' }],
            composite: definition,
          },
          actor,
        );
        await publishThroughSandbox(h, v.id);
        await r.createSubscription(
          { systemId: consumer.id, versionId: v.id, environment: 'production' },
          actor,
        );
        versions[context] = v.id;
      };
      // Parallel: the citizen (required, allow-listed, renamed, grouped) and social insurance (optional, 300 ms).
      await composite('tonghop', {
        backends: [
          {
            target: '/dancu/1.0',
            path: '/congdan/{soDinhDanh}',
            required: true,
            allow: ['hoTen', 'ngaySinh', 'chuHo.hoTen'],
            mapping: { hoTen: 'tenCongDan' },
            group: 'congDan',
          },
          { target: '/bhxh/1.0', path: '/so/{soDinhDanh}', timeoutMs: 300 },
        ],
      });
      // Sequential: the business is looked up by the tax id in the citizen's answer.
      await composite('hoso', {
        sequential: true,
        backends: [
          {
            target: '/dancu/1.0',
            path: '/congdan/{soDinhDanh}',
            required: true,
            allow: ['hoTen', 'maSoThue'],
          },
          {
            target: '/thue/1.0',
            path: '/doanhnghiep/{resp0.maSoThue}',
            query: { nguon: '{query.nguon}' },
            group: 'doanhNghiep',
          },
        ],
      });
      // Every backend optional, all on the provider the tests break; and one with a required breakable backend.
      await composite('tatca', {
        backends: [
          { target: '/bhxh/1.0', path: '/so/{soDinhDanh}', group: 'a' },
          { target: '/bhxh/1.0', path: '/so/{soDinhDanh}', group: 'b' },
        ],
      });
      await composite('batbuoc', {
        backends: [
          { target: '/bhxh/1.0', path: '/so/{soDinhDanh}', required: true },
          { target: '/dancu/1.0', path: '/congdan/{soDinhDanh}', group: 'congDan' },
        ],
      });
      const credential = await r.issueCredential(consumer.id, 'production', actor);
      const strangerCredential = await r.issueCredential(stranger.id, 'production', actor);
      await h.snapshots.refresh();
      token = await getToken(h.url, credential.consumerKey, credential.consumerSecret);
      strangerToken = await getToken(
        h.url,
        strangerCredential.consumerKey,
        strangerCredential.consumerSecret,
      );
    });
    after(async () => {
      await h.close();
      await stable.close();
      await flaky.close();
    });

    test('publishing a composite granted its provider system audited subscriptions to each backend', async () => {
      const subs = await h.registry.listSubscriptions({ systemId: compositeSystemId });
      const granted = subs.filter((s) => s.versionId === versions['dancu']).map((s) => s.environment);
      assert.deepEqual(granted.sort(), ['production', 'sandbox']);
      const grants = await h.store.db.selectFrom('composite_grants').selectAll().execute();
      assert.ok(
        grants.some((g) => g.composite_version_id === versions['tonghop']),
        "grants.some((g) => g.composite_version_id === versions['tonghop'])",
      );
    });

    test('parallel: 200 JSON, complete, allow-list, rename and group applied', async () => {
      flakyMode = 'ok';
      const res = await call(`/tonghop/1.0/congdan/${CITIZEN_ID}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-lgsp-completed'), 'true');
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      const body = await res.json();
      assert.deepEqual(body, {
        congDan: { tenCongDan: 'Nguyễn Văn An', ngaySinh: '1990-05-17', chuHo: { hoTen: 'Nguyễn Văn Bình' } },
        soBhxh: `BH${CITIZEN_ID}`,
      });
    });

    test('sequential: a later backend uses a field of an earlier answer', async () => {
      const before = stable.seen.length;
      const res = await call(`/hoso/1.0/congdan/${CITIZEN_ID}?nguon=hotich`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-lgsp-completed'), 'true');
      assert.deepEqual(await res.json(), {
        hoTen: 'Nguyễn Văn An',
        maSoThue: TAX_ID,
        doanhNghiep: { maSoThue: TAX_ID, tenDoanhNghiep: 'Công ty TNHH Mẫu' },
      });
      assert.deepEqual(stable.seen.slice(before), [
        `/api/dancu/congdan/${CITIZEN_ID}`,
        `/api/thue/doanhnghiep/${TAX_ID}?nguon=hotich`,
      ]);
    });

    test('one optional backend down: 200 with X-LGSP-Completed: false', async () => {
      flakyMode = 'down';
      const res = await call(`/tonghop/1.0/congdan/${CITIZEN_ID}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-lgsp-completed'), 'false');
      const body = (await res.json()) as Record<string, unknown>;
      assert.ok(body['congDan'], "body['congDan']");
      assert.equal(body['soBhxh'], undefined);
    });

    test('every backend down: 502 problem+json GW_COMPOSITE_INCOMPLETE', async () => {
      flakyMode = 'down';
      const res = await call(`/tatca/1.0/congdan/${CITIZEN_ID}`);
      assert.equal(res.status, 502);
      assert.equal(res.headers.get('x-lgsp-completed'), 'false');
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      const problem = (await res.json()) as {
        code: string;
        backends: Array<{ ok: boolean; status: number }>;
      };
      assert.equal(problem.code, 'GW_COMPOSITE_INCOMPLETE');
      assert.deepEqual(
        problem.backends.map((b) => [b.ok, b.status]),
        [
          [false, 500],
          [false, 500],
        ],
      );
    });

    test('a required backend down: 502, though another answered', async () => {
      flakyMode = 'down';
      const res = await call(`/batbuoc/1.0/congdan/${CITIZEN_ID}`);
      assert.equal(res.status, 502);
      assert.equal(((await res.json()) as { code: string }).code, 'GW_COMPOSITE_INCOMPLETE');
      flakyMode = 'ok';
      assert.equal((await call(`/batbuoc/1.0/congdan/${CITIZEN_ID}`)).status, 200);
    });

    test('a backend past its own timeout is cut: the answer comes without it, incomplete', async () => {
      flakyMode = 'slow';
      const started = Date.now();
      const res = await call(`/tonghop/1.0/congdan/${CITIZEN_ID}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-lgsp-completed'), 'false');
      assert.ok(Date.now() - started < 3_000, 'the 300 ms backend timeout held');
      const txn = res.headers.get('x-lgsp-transaction-id')!;
      await h.recorder.flush();
      const children = await queryTransactions(h.store, { parentTransactionId: txn });
      const bhxh = children.items.find((c) => c.service.versionId === versions['bhxh'])!;
      assert.equal(bhxh.errorCode, 'GW_UPSTREAM_TIMEOUT');
      flakyMode = 'ok';
    });

    test('answers past gateway.compositeMaxResponseBytes: 502 GW_COMPOSITE_TOO_LARGE, nothing returned', async () => {
      flakyMode = 'big';
      const res = await call(`/tonghop/1.0/congdan/${CITIZEN_ID}`);
      assert.equal(res.status, 502);
      assert.equal(((await res.json()) as { code: string }).code, 'GW_COMPOSITE_TOO_LARGE');
      flakyMode = 'ok';
    });

    test('records: one consumer transaction, the backend calls its children under the composite provider', async () => {
      flakyMode = 'ok';
      const res = await call(`/tonghop/1.0/congdan/${CITIZEN_ID}`);
      assert.equal(res.status, 200);
      const txn = res.headers.get('x-lgsp-transaction-id')!;
      await h.recorder.flush();
      const [parent] = (await queryTransactions(h.store, { transactionId: txn })).items;
      assert.equal(parent!.consumer.systemId, consumerSystemId);
      assert.equal(parent!.service.versionId, versions['tonghop']);
      assert.equal(parent!.provider.systemId, compositeSystemId);
      assert.equal(parent!.consumerStatus, 200);
      assert.equal(parent!.parentTransactionId, null);
      assert.match(parent!.responseSha256 ?? '', /^[0-9a-f]{64}$/);
      const children = (await queryTransactions(h.store, { parentTransactionId: txn })).items;
      assert.equal(children.length, 2);
      for (const child of children) {
        assert.equal(child.consumer.systemId, compositeSystemId);
        assert.equal(child.consumer.credentialId, null);
        assert.equal(child.consumerStatus, 200);
        assert.equal(child.environment, 'production');
      }
      assert.deepEqual(children.map((c) => c.resourceTemplate).sort(), [
        '/congdan/{soDinhDanh}',
        '/so/{soDinhDanh}',
      ]);
      // The consumer's call is counted once, under the consumer: its system has no backend records.
      const ofConsumer = await queryTransactions(h.store, { consumerSystemId, limit: 1000 });
      assert.equal(ofConsumer.items.filter((t) => t.parentTransactionId !== null).length, 0);
    });

    test('statistics: the consumer counted once per call, on composites only; backend calls under the composite system', async () => {
      await h.recorder.flush();
      const stats = await statistics(h.store, {
        from: new Date(Date.now() - 3_600_000).toISOString(),
        to: new Date(Date.now() + 3_600_000).toISOString(),
        groupBy: ['consumerSystem', 'version'],
      });
      const composites = new Set(['tonghop', 'hoso', 'tatca', 'batbuoc'].map((c) => versions[c]));
      const backends = new Set(['dancu', 'thue', 'bhxh'].map((c) => versions[c]));
      const ofConsumer = stats.rows.filter((r) => r.key.consumerSystem === consumerSystemId);
      const ofComposite = stats.rows.filter((r) => r.key.consumerSystem === compositeSystemId);
      assert.ok(
        ofConsumer.length > 0 && ofConsumer.every((r) => composites.has(r.key.version)),
        'ofConsumer.length > 0 && ofConsumer.every((r) => composites.has(r.key.version))',
      );
      assert.ok(
        ofComposite.length > 0 && ofComposite.every((r) => backends.has(r.key.version)),
        'ofComposite.length > 0 && ofComposite.every((r) => backends.has(r.key.version))',
      );
      const consumerCalls = (
        await queryTransactions(h.store, { consumerSystemId, kind: 'service_call', limit: 1000 })
      ).items.length;
      assert.equal(
        ofConsumer.reduce((n, r) => n + r.calls, 0),
        consumerCalls,
      );
    });

    test('a consumer not subscribed to the composite: 403 like any service, no backend called', async () => {
      const before = stable.seen.length + flaky.seen.length;
      const res = await call(`/tonghop/1.0/congdan/${CITIZEN_ID}`, strangerToken);
      assert.equal(res.status, 403);
      assert.equal(((await res.json()) as { code: string }).code, 'GW_SUBSCRIPTION_REQUIRED');
      assert.equal(stable.seen.length + flaky.seen.length, before);
    });

    test('a backend whose subscription is suspended is refused like a direct call (403), recorded as a child', async () => {
      const sub = (await h.registry.listSubscriptions({ systemId: compositeSystemId })).find(
        (s) => s.versionId === versions['bhxh'] && s.environment === 'production',
      )!;
      await h.registry.updateSubscription(sub.id, { status: 'suspended' }, 'test');
      await h.snapshots.refresh();
      try {
        const res = await call(`/tonghop/1.0/congdan/${CITIZEN_ID}`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('x-lgsp-completed'), 'false');
        await h.recorder.flush();
        const children = (
          await queryTransactions(h.store, { parentTransactionId: res.headers.get('x-lgsp-transaction-id')! })
        ).items;
        assert.ok(
          children.some((c) => c.errorCode === 'GW_SUBSCRIPTION_REQUIRED' && c.consumerStatus === 403),
          "children.some((c) => c.errorCode === 'GW_SUBSCRIPTION_REQUIRED' && c.consumerStatus ===...",
        );
      } finally {
        await h.registry.updateSubscription(sub.id, { status: 'active' }, 'test');
        await h.snapshots.refresh();
      }
    });

    test('refused when saved, with the problem named: a composite of a composite, bad templates, upstreams', async () => {
      const svc = (await h.registry.listServices()).find((s) => s.context === 'tonghop')!;
      const attempt = (composite: CompositeInput, extra: Record<string, unknown> = {}) =>
        h.registry.createVersion(
          svc.id,
          {
            version: `x${Math.random().toString(36).slice(2, 8)}`,
            resources: [{ method: 'GET', path: '/congdan/{soDinhDanh}' }],
            composite,
            ...extra,
          },
          'test',
        );
      const refused = async (promise: Promise<unknown>, pattern: RegExp) => {
        await assert.rejects(promise, (err: { code?: string; message?: string }) => {
          assert.equal(err.code, 'CP_COMPOSITE_INVALID');
          assert.match(err.message ?? '', pattern);
          return true;
        });
      };
      await refused(
        attempt({ backends: [{ target: '/hoso/1.0', path: '/congdan/{soDinhDanh}' }] }),
        /không gộp dịch vụ tổng hợp vào dịch vụ tổng hợp/,
      );
      await refused(
        attempt({ backends: [{ target: '/khongco/1.0', path: '/x' }] }),
        /không có phiên bản dịch vụ này/,
      );
      await refused(
        attempt({
          backends: [
            { target: '/dancu/1.0', path: '/congdan/{soDinhDanh}' },
            { target: '/thue/1.0', path: '/doanhnghiep/{resp0.maSoThue}' },
          ],
        }),
        /sequential: true/,
      );
      await refused(
        attempt({ backends: [{ target: '/dancu/1.0', path: '/congdan/{maHoSo}' }] }),
        /\{maHoSo\}/,
      );
      await refused(
        attempt({
          sequential: true,
          backends: [
            { target: '/dancu/1.0', path: '/congdan/{soDinhDanh}', timeoutMs: 20_000 },
            { target: '/thue/1.0', path: '/doanhnghiep/1', timeoutMs: 20_000 },
          ],
        }),
        /30 s/,
      );
      await refused(
        attempt(
          { backends: [{ target: '/dancu/1.0', path: '/congdan/{soDinhDanh}' }] },
          { upstreams: { production: stable.url } },
        ),
        /không có địa chỉ dịch vụ nguồn riêng/,
      );
      await refused(
        attempt({ backends: [{ target: '/dancu/1.0', path: '/congdan/{soDinhDanh}' }] }, { mode: 'async' }),
        /dịch vụ đồng bộ/,
      );
      // A published composite's definition is fixed: a change is a new version.
      await assert.rejects(
        h.registry.updateVersion(versions['tonghop']!, { composite: null }, 'test'),
        (err: { code?: string }) => err.code === 'CP_VERSION_STATE',
      );
    });
  });
}

describe('composite definitions through the admin API', () => {
  let api: AdminHarness;
  before(async () => {
    api = await openAdminHarness('pglite');
  });
  after(async () => {
    await api.dispose();
  });

  test('a wrong definition: 400 problem+json CP_COMPOSITE_INVALID naming each problem, Vietnamese first', async () => {
    const org = await api.registry.createOrganization({ code: '000.00.17.H01', name: 'Sở TT&TT' }, 'test');
    const system = await api.registry.createSystem(
      { organizationId: org.id, name: 'Tổng hợp', isProvider: true, isConsumer: false },
      'test',
    );
    const service = await api.registry.createService(
      { context: 'tonghop', name: 'Tổng hợp', providerSystemId: system.id },
      'test',
    );
    const before = await api.counts();
    const res = await api.call('POST', `/api/v1/services/${service.id}/versions`, {
      version: '1.0',
      resources: [{ method: 'GET', path: '/congdan/{soDinhDanh}' }],
      composite: {
        backends: [
          { target: '/khongco/1.0', path: '/x' },
          { target: '/dancu/1.0', path: '/congdan/{resp0.maSo}' },
        ],
      },
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.headers['content-type'] as string, /application\/problem\+json/);
    const problem = res.json() as { code: string; detail: string; errors: Array<{ path: string }> };
    assert.equal(problem.code, 'CP_COMPOSITE_INVALID');
    assert.match(
      problem.detail,
      /^\/composite\/backends\/0\/target: "\/khongco\/1.0": không có phiên bản dịch vụ này/,
    );
    assert.deepEqual(
      problem.errors.map((e) => e.path),
      ['/composite/backends/0/target', '/composite/backends/1/path', '/composite/backends/1/target'],
    );
    assert.deepEqual(await api.counts(), before, 'nothing written');
    const schema = await api.call('POST', `/api/v1/services/${service.id}/versions`, {
      version: '1.0',
      composite: { backends: [] },
    });
    assert.equal(schema.statusCode, 400);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { nodeHealthServer } from '../src/api/node-health-server.ts';
import { problemFor } from '../src/api/problems.ts';
import { loadConfig } from '../src/core/config.ts';
import { type ErrorCode, problemType } from '../src/core/errors.ts';
import { TelemetryMetrics } from '../src/telemetry/metrics.ts';
import { type AdminHarness, openAdminHarness, seedProvince } from './helpers/admin-api.ts';
import { storeKinds } from './helpers/stores.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;
const PROBLEM = /^application\/problem\+json/;
const TXN = 'x-lgsp-transaction-id';
const REQUEST_ID = /^api_[0-9a-z]{25}$/;

for (const kind of storeKinds) {
  describe(`admin API rejects bad input with a stable code and writes nothing (${kind})`, () => {
    let h: AdminHarness;
    let seed: Awaited<ReturnType<typeof seedProvince>>;
    before(async () => {
      h = await openAdminHarness(kind);
      seed = await seedProvince(h);
    });
    after(() => h.dispose());

    /** Sends a request that must be refused: checks the problem and that no row nor audit event was written. */
    async function refused(
      request: () => ReturnType<AdminHarness['call']>,
      status: number,
      code: string,
    ): Promise<Json> {
      const before = await h.counts();
      const res = await request();
      assert.equal(res.statusCode, status, res.body);
      assert.match(String(res.headers['content-type']), PROBLEM);
      const problem = res.json();
      assert.equal(problem.code, code);
      assert.equal(problem.status, status);
      // The code's page on the portal (test/error-pages.test.ts follows it); relative here: no listener set it.
      assert.equal(problem.type, problemType(code as ErrorCode));
      assert.equal(problem.type, `/portal/errors/${code}`);
      assert.ok(problem.title.includes(' / '), 'title is Vietnamese / English');
      assert.ok(problem.instance.startsWith('/api/v1/'), "problem.instance.startsWith('/api/v1/')");
      // What the refused person quotes to the operator (the console shows it): this request's own id.
      assert.match(problem.transactionId, /^api_[0-9a-z]{25}$/, 'the request id, to quote');
      // …and the same id in the header, where a proxy's log and a browser's network tab see it.
      assert.equal(res.headers[TXN], problem.transactionId, 'the header names the same request');
      assert.deepEqual(await h.counts(), before, 'nothing was written');
      return problem;
    }

    test('malformed JSON → 400 API_MALFORMED_JSON', async () => {
      await refused(
        () => h.call('POST', '/api/v1/organizations', '{"code": "000.00.31.H02",'),
        400,
        'API_MALFORMED_JSON',
      );
      await refused(
        () => h.call('PATCH', `/api/v1/systems/${seed.consumer.id}`, '{status:'),
        400,
        'API_MALFORMED_JSON',
      );
      await refused(() => h.call('POST', '/api/v1/organizations', ''), 400, 'API_MALFORMED_JSON');
    });

    test('an unknown field → 400 API_VALIDATION_FAILED naming it, never silently dropped', async () => {
      const problem = await refused(
        () =>
          h.call('POST', '/api/v1/organizations', {
            code: '000.00.31.H02',
            name: 'Sở Y tế',
            contact: { name: 'Nguyễn Văn A', email: 'syt@angiang.gov.vn' },
            adminNote: 'x',
          }),
        400,
        'API_VALIDATION_FAILED',
      );
      assert.deepEqual(problem.errors, [
        { in: 'body', path: '/adminNote', message: 'trường không được phép / unknown field' },
      ]);
      const nested = await refused(
        () =>
          h.call('POST', '/api/v1/organizations', {
            code: '000.00.31.H02',
            name: 'Sở Y tế',
            contact: { name: 'A', fax: '1' },
          }),
        400,
        'API_VALIDATION_FAILED',
      );
      assert.ok(
        nested.errors.some((e: { path: string }) => e.path === '/contact/fax'),
        "nested.errors.some((e: { path: string }) => e.path === '/contact/fax')",
      );
      // A misspelt field next to a good one must not apply the good one alone.
      await refused(
        () =>
          h.call('PATCH', `/api/v1/systems/${seed.consumer.id}`, { name: 'Đổi tên', stauts: 'suspended' }),
        400,
        'API_VALIDATION_FAILED',
      );
      assert.equal(
        (await h.call('GET', `/api/v1/systems/${seed.consumer.id}`)).json().name,
        seed.consumer.name,
      );
      await refused(
        () =>
          h.call('POST', `/api/v1/services/${seed.service.id}/versions`, {
            version: '3.0',
            resources: [{ method: 'GET', path: '/a', extra: true }],
          }),
        400,
        'API_VALIDATION_FAILED',
      );
    });

    test('wrong types are not coerced, missing fields are named, empty patches refused', async () => {
      const problem = await refused(
        () =>
          h.call('POST', '/api/v1/subscriptions', {
            systemId: seed.consumer.id,
            versionId: seed.version.id,
            environment: 'sandbox',
            quotaPerMinute: '60',
          }),
        400,
        'API_VALIDATION_FAILED',
      );
      assert.ok(
        problem.errors.some((e: { path: string }) => e.path === '/quotaPerMinute'),
        "problem.errors.some((e: { path: string }) => e.path === '/quotaPerMinute')",
      );
      await refused(
        () =>
          h.call('POST', '/api/v1/subscriptions', {
            systemId: seed.consumer.id,
            versionId: seed.version.id,
            environment: 'sandbox',
            quotaPerDay: 0,
          }),
        400,
        'API_VALIDATION_FAILED',
      );
      const missing = await refused(
        () =>
          h.call('POST', '/api/v1/organizations', {
            name: 'Sở Y tế',
            contact: { name: 'Nguyễn Văn A', email: 'syt@angiang.gov.vn' },
          }),
        400,
        'API_VALIDATION_FAILED',
      );
      // Named by the field's Vietnamese label from the contract (issue 11 item 7).
      assert.deepEqual(missing.errors, [
        { in: 'body', path: '/code', message: '"Mã định danh điện tử của cơ quan": bắt buộc / required' },
      ]);
      await refused(() => h.call('POST', '/api/v1/organizations', [1, 2]), 400, 'API_VALIDATION_FAILED');
      await refused(
        () => h.call('PATCH', `/api/v1/organizations/${seed.org.id}`, {}),
        400,
        'API_VALIDATION_FAILED',
      );
      await refused(
        () => h.call('PATCH', `/api/v1/systems/${seed.consumer.id}`, { isConsumer: 'false' }),
        400,
        'API_VALIDATION_FAILED',
      );
      await refused(
        () => h.call('POST', `/api/v1/services/${seed.service.id}/versions`, { version: '../admin' }),
        400,
        'API_VALIDATION_FAILED',
      );
    });

    test('a body over the limit → 413 API_BODY_TOO_LARGE', async () => {
      const name = 'x'.repeat(h.config.admin.bodyLimitBytes + 1);
      await refused(
        () => h.call('POST', '/api/v1/organizations', { code: '000.00.31.H02', name }),
        413,
        'API_BODY_TOO_LARGE',
      );
    });

    test('a body that is not JSON → 415 API_UNSUPPORTED_MEDIA_TYPE', async () => {
      await refused(
        () =>
          h.call('POST', '/api/v1/organizations', 'code=000.00.31.H02&name=x', {
            headers: { 'content-type': 'text/plain' },
          }),
        415,
        'API_UNSUPPORTED_MEDIA_TYPE',
      );
      await refused(
        () =>
          h.call('POST', '/api/v1/organizations', 'code=000.00.31.H02&name=x', {
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }),
        415,
        'API_UNSUPPORTED_MEDIA_TYPE',
      );
    });

    test('domain rules → their own codes: bad organization code 400, duplicates 409', async () => {
      await refused(
        () =>
          h.call('POST', '/api/v1/organizations', {
            code: 'SO-Y-TE',
            name: 'Sở Y tế',
            contact: { name: 'Nguyễn Văn A', email: 'syt@angiang.gov.vn' },
          }),
        400,
        'CP_ORGANIZATION_CODE_INVALID',
      );
      await refused(
        () =>
          h.call('POST', '/api/v1/organizations', {
            code: seed.org.code,
            name: 'Trùng mã',
            contact: { name: 'Nguyễn Văn A', email: 'syt@angiang.gov.vn' },
          }),
        409,
        'CP_ORGANIZATION_CODE_TAKEN',
      );
      await refused(
        () =>
          h.call('POST', '/api/v1/services', {
            context: 'hotich',
            name: 'Trùng context',
            providerSystemId: seed.provider.id,
          }),
        409,
        'CP_SERVICE_CONTEXT_TAKEN',
      );
      await refused(
        () => h.call('POST', '/api/v1/systems', { organizationId: 'org_nope', name: 'X', isConsumer: true }),
        404,
        'CP_ORGANIZATION_NOT_FOUND',
      );
      await refused(
        () =>
          h.call('POST', '/api/v1/subscriptions', {
            systemId: seed.consumer.id,
            versionId: seed.version.id,
            environment: 'production',
            timeOfUse: '7h-17h',
          }),
        400,
        'CP_TIME_WINDOW_INVALID',
      );
    });

    test('query strings are validated too: unknown parameters, bad filters, out-of-range limits', async () => {
      await refused(() => h.call('GET', '/api/v1/transactions?stauts=500'), 400, 'API_VALIDATION_FAILED');
      await refused(() => h.call('GET', '/api/v1/transactions?status=600'), 400, 'API_VALIDATION_FAILED');
      await refused(() => h.call('GET', '/api/v1/transactions?from=yesterday'), 400, 'API_VALIDATION_FAILED');
      await refused(() => h.call('GET', '/api/v1/transactions?limit=0'), 400, 'API_VALIDATION_FAILED');
      await refused(() => h.call('GET', '/api/v1/audit-events?limit=abc'), 400, 'API_VALIDATION_FAILED');
    });

    test('a date-time outside 1970–9999 UTC, a leap second or an hours-only offset → the same 400 on every store, naming the parameter', async () => {
      // Each was a 200 on PostgreSQL and a 400 (year 0, year 10000 once in UTC) or a 500 (no `Date` at all) on PGlite.
      const outside = [
        '0000-01-01T00:00:00Z',
        '0001-01-01T00:00:00+07:00',
        '1969-12-31T23:59:59.999Z',
        '9999-12-31T23:00:00-05:00',
        '2026-06-30T23:59:60Z',
        '2026-01-01T00:00:00+07',
      ];
      const to = 'to=2026-01-01T00:00:00Z';
      for (const value of outside) {
        const v = encodeURIComponent(value);
        const queries: Array<[string, string]> = [
          [`/api/v1/transactions?from=${v}`, 'from'],
          [`/api/v1/transactions?to=${v}`, 'to'],
          [`/api/v1/audit-events?from=${v}`, 'from'],
          [`/api/v1/sign-ins?to=${v}`, 'to'],
          [`/api/v1/dashboard?from=${v}`, 'from'],
          [`/api/v1/reports/statistics?from=${v}&${to}`, 'from'],
          [`/api/v1/federation/ledger?from=${v}&${to}`, 'from'],
          [`/api/v1/federation/ledger/export?from=${v}&${to}`, 'from'],
        ];
        const bodies: Array<[string, Json]> = [
          [
            '/api/v1/reconciliations',
            { systemId: seed.consumer.id, from: value, to: '2026-01-01T00:00:00Z', csv: '' },
          ],
          ['/api/v1/federation/reconciliations', { from: value, to: '2026-01-01T00:00:00Z', entries: [] }],
        ];
        const problems = [
          ...(await Promise.all(
            queries.map(async ([url, name]) => ({
              name,
              where: 'querystring',
              problem: await refused(() => h.call('GET', url), 400, 'API_VALIDATION_FAILED'),
            })),
          )),
          ...(await Promise.all(
            bodies.map(async ([url, body]) => ({
              name: 'from',
              where: 'body',
              problem: await refused(() => h.call('POST', url, body), 400, 'API_VALIDATION_FAILED'),
            })),
          )),
        ];
        for (const { name, where, problem } of problems) {
          assert.deepEqual(
            problem.errors.map((e: Json) => [e.in, e.path]),
            [[where, `/${name}`]],
            `${value}: ${problem.instance}`,
          );
          assert.match(problem.errors[0].message, /từ năm 1970 đến năm 9999.* \/ .*from year 1970 to 9999/);
        }
      }
      // The bounds themselves, and an offset that lands on them, are accepted.
      for (const [from, until] of [
        ['1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z'],
        ['1970-01-01T07:00:00+07:00', '9999-12-31T18:59:59-05:00'],
      ]) {
        const period = `from=${encodeURIComponent(from!)}&to=${encodeURIComponent(until!)}`;
        for (const list of ['transactions', 'audit-events', 'sign-ins']) {
          const res = await h.call('GET', `/api/v1/${list}?${period}`);
          assert.equal(res.statusCode, 200, res.body);
        }
      }
    });

    test('a period given with offsets, or ending before it starts, reads the same on every store', async () => {
      // The seed's audit events were all written at the harness clock's instant.
      const at = h.clock.nowMs();
      const seeded = (await h.call('GET', '/api/v1/audit-events?limit=1000')).json().items.length;
      assert.ok(seeded > 0, 'the seed wrote audit events');
      const withOffset = (ms: number, minutes: number) => {
        const sign = minutes < 0 ? '-' : '+';
        const hh = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0');
        const mm = String(Math.abs(minutes) % 60).padStart(2, '0');
        return encodeURIComponent(
          `${new Date(ms + minutes * 60_000).toISOString().slice(0, -1)}${sign}${hh}:${mm}`,
        );
      };
      for (const minutes of [420, -210, 0]) {
        const instant = withOffset(at, minutes);
        const count = async (query: string) =>
          (await h.call('GET', `/api/v1/audit-events?limit=1000&${query}`)).json().items.length;
        assert.equal(await count(`from=${instant}`), seeded, `from is inclusive (${minutes} min)`);
        assert.equal(await count(`to=${instant}`), 0, `to is exclusive (${minutes} min)`);
        assert.equal(
          await count(`from=${withOffset(at + 1, minutes)}`),
          0,
          `a millisecond later (${minutes} min)`,
        );
      }
      // A list whose `to` is before its `from` is empty; a report over such a period is refused, on every store.
      const backwards = 'from=2026-01-02T00:00:00%2B07:00&to=2026-01-01T00:00:00Z';
      for (const list of ['transactions', 'audit-events', 'sign-ins']) {
        const res = await h.call('GET', `/api/v1/${list}?${backwards}`);
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json(), { items: [], nextCursor: null });
      }
      await refused(() => h.call('GET', `/api/v1/dashboard?${backwards}`), 400, 'RP_DASHBOARD_INVALID');
      await refused(
        () => h.call('GET', `/api/v1/reports/statistics?${backwards}`),
        400,
        'RP_STATISTICS_INVALID',
      );
      await refused(
        () => h.call('GET', `/api/v1/federation/ledger?${backwards}`),
        400,
        'RP_RECONCILIATION_PERIOD_INVALID',
      );
    });

    test('text no store can hold (NUL, lone surrogates, invalid UTF-8) → 400 naming where, never 500 (issue 10 item 8)', async () => {
      // No login needed to reach the login route: it was 500 with a stack trace at error level.
      const login = await refused(
        () =>
          h.call('POST', '/api/v1/auth/login', { username: 'admin\u0000', password: 'x' }, { token: null }),
        400,
        'API_VALIDATION_FAILED',
      );
      assert.deepEqual(
        login.errors.map((e: Json) => [e.in, e.path]),
        [['body', '/username']],
      );
      const nul = await refused(() => h.call('GET', '/api/v1/versions/%00'), 400, 'API_VALIDATION_FAILED');
      assert.equal(nul.errors[0].in, 'params');
      const head = await h.call('HEAD', '/api/v1/versions/%00');
      assert.equal(head.statusCode, 400);
      await refused(
        () => h.call('GET', `/api/v1/organizations/${seed.org.id}%00`),
        400,
        'API_VALIDATION_FAILED',
      );
      await refused(
        () => h.call('GET', '/api/v1/transactions?consumerSystemId=a%00'),
        400,
        'API_VALIDATION_FAILED',
      );
      const surrogate = await refused(
        () => h.call('PATCH', `/api/v1/organizations/${seed.org.id}`, '{"name":"S\\ud800 Y tế"}'),
        400,
        'API_VALIDATION_FAILED',
      );
      assert.equal(surrogate.errors[0].path, '/name');
      await refused(
        () => h.call('PATCH', `/api/v1/organizations/${seed.org.id}`, { contact: { ['a\u0000']: 1 } }),
        400,
        'API_VALIDATION_FAILED',
      );
      // Invalid UTF-8 is refused, where the default parser silently stored U+FFFD instead.
      await refused(
        () =>
          h.app.inject({
            method: 'PATCH',
            url: `/api/v1/organizations/${seed.org.id}`,
            headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
            payload: Buffer.concat([Buffer.from('{"name":"S'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
          }),
        400,
        'API_MALFORMED_JSON',
      );
      // A URL that cannot be decoded at all: problem+json too.
      await refused(() => h.call('GET', '/api/v1/versions/%ff'), 400, 'API_BAD_REQUEST');
    });
  });
}

// The header does not depend on the store, so PGlite alone is enough here.
describe('every answer of the admin port names its request in X-LGSP-Transaction-Id', () => {
  let h: AdminHarness;
  const lines: string[] = [];
  before(async () => {
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    h = await openAdminHarness('pglite', { logger });
  });
  after(() => h.dispose());

  /** The id an answer names: ours, in the header and — when it is a problem — the same in the body. */
  function idOf(res: Awaited<ReturnType<AdminHarness['call']>>, where: string): string {
    const id = String(res.headers[TXN]);
    assert.match(id, REQUEST_ID, `${where}: the header names the request`);
    if (PROBLEM.test(String(res.headers['content-type'])))
      assert.equal(res.json().transactionId, id, `${where}: the problem quotes the header's id`);
    return id;
  }

  test('a success, an API refusal, Fastify’s own refusals, an unknown path and an undecodable URL', async () => {
    const ok = await h.call('GET', '/api/v1/organizations');
    assert.equal(ok.statusCode, 200);
    const okId = idOf(ok, 'a list');
    // What the operator looks up: the request's one log line carries the same id as reqId.
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.reqId === okId);
    assert.equal(line?.route, '/api/v1/organizations', 'the log line of that request');

    const signedOut = await h.call('GET', '/api/v1/organizations', undefined, { token: null });
    assert.equal(signedOut.statusCode, 401);
    idOf(signedOut, 'a 401');
    const badJson = await h.call('POST', '/api/v1/organizations', '{"code":');
    assert.equal(badJson.json().code, 'API_MALFORMED_JSON');
    idOf(badJson, 'malformed JSON');
    const tooLarge = await h.call('POST', '/api/v1/organizations', {
      name: 'x'.repeat(h.config.admin.bodyLimitBytes + 1),
    });
    assert.equal(tooLarge.json().code, 'API_BODY_TOO_LARGE');
    idOf(tooLarge, 'a body too large');
    for (const [method, url] of [
      ['GET', '/api/v1/nothing-here'],
      ['DELETE', '/nothing-here'],
      ['GET', '/healthz/x'],
    ]) {
      const missing = await h.call(method!, url!);
      assert.equal(missing.statusCode, 404, `${method} ${url}`);
      idOf(missing, `${method} ${url}`);
    }
    // Refused before routing (Fastify's frameworkErrors), where no hook runs.
    const undecodable = await h.call('GET', '/api/v1/organizations/%ff');
    assert.equal(undecodable.json().code, 'API_BAD_REQUEST');
    idOf(undecodable, 'an undecodable URL');
  });

  test('the console, the portal, their files, the error pages and /healthz', async () => {
    const page = await h.call('GET', '/', undefined, { token: null });
    assert.equal(page.statusCode, 200);
    idOf(page, 'the console page');
    idOf(await h.call('GET', '/portal/services', undefined, { token: null }), 'a portal page');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    assert.ok(script, 'the page loads its script from /assets (web/dist is built)');
    const file = await h.call('GET', script, undefined, { token: null });
    assert.equal(file.statusCode, 200);
    idOf(file, 'a console file');
    const errorPage = await h.call('GET', '/portal/errors/API_NOT_FOUND', undefined, { token: null });
    assert.equal(errorPage.statusCode, 200);
    idOf(errorPage, 'an error page');
    const health = await h.call('GET', '/healthz', undefined, { token: null });
    assert.equal(health.statusCode, 200);
    idOf(health, '/healthz');
  });

  test('each request its own id; an id the caller sends is never taken as ours', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) ids.add(idOf(await h.call('GET', '/api/v1/me'), 'GET /api/v1/me'));
    assert.equal(ids.size, 3, 'three requests, three ids');
    // A caller could otherwise make its requests' log lines pass for another's, or write into our log.
    const forged = 'api_0000000000000000000000000';
    const headers = { [TXN]: forged, 'x-request-id': forged, 'request-id': forged };
    const ok = await h.call('GET', '/api/v1/me', undefined, { headers });
    assert.notEqual(idOf(ok, 'a success sent an id'), forged);
    const refused = await h.call('GET', '/api/v1/nothing-here', undefined, { headers });
    assert.notEqual(idOf(refused, 'a refusal sent an id'), forged);
    assert.ok(!lines.some((l) => l.includes(forged)), 'the sent id is in no log line');
  });

  test('a gateway or worker node’s admin port too', async () => {
    const app = await nodeHealthServer(
      loadConfig({ env: {} }),
      () => ({ ready: true }),
      new TelemetryMetrics(),
    );
    try {
      const ids = new Set<string>();
      for (const url of ['/healthz', '/portal/errors/API_NOT_FOUND', '/api/v1/organizations', '/%ff']) {
        const res = await app.inject({
          method: 'GET',
          url,
          headers: { [TXN]: 'api_0000000000000000000000000' },
        });
        ids.add(idOf(res, `node port ${url}`));
      }
      assert.equal(ids.size, 4, 'four requests, four ids');
    } finally {
      await app.close();
    }
  });
});

test('a database data exception the guard did not foresee is the client’s 400, not a 500', () => {
  for (const code of ['22021', '22P05', '22P02', '22003', '22008']) {
    const { problem, internal } = problemFor(Object.assign(new Error('invalid input'), { code }));
    assert.deepEqual([problem.status, problem.code, internal], [400, 'API_VALIDATION_FAILED', false]);
  }
  assert.equal(problemFor(Object.assign(new Error('x'), { code: '23505' })).problem.status, 500);
});

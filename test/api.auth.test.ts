import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { createAdminApi } from '../src/api/server.ts';
import { Accounts } from '../src/control/accounts.ts';
import { Lifecycle } from '../src/control/lifecycle/index.ts';
import { Registry } from '../src/control/registry/index.ts';
import { ManualClock } from '../src/core/clock.ts';
import { loadConfig } from '../src/core/config.ts';
import { requestWorkflows } from '../src/platform.ts';
import { Alerts } from '../src/telemetry/alerts.ts';
import { type AdminHarness, openAdminHarness, TEST_PASSWORD } from './helpers/admin-api.ts';
import { TEST_KEK, testKeys } from './helpers/keys.ts';
import { openTestStore, storeKinds } from './helpers/stores.ts';

const PROBLEM = /^application\/problem\+json/;

for (const kind of storeKinds) {
  describe(`admin API sign-in and access (${kind})`, () => {
    let h: AdminHarness;
    before(async () => {
      h = await openAdminHarness(kind);
    });
    after(() => h.dispose());

    test('login with the right password answers a session; the token opens /me', async () => {
      const res = await h.call(
        'POST',
        '/api/v1/auth/login',
        { username: 'admin', password: TEST_PASSWORD },
        {
          token: null,
        },
      );
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['cache-control'], 'no-store');
      const session = res.json();
      assert.match(session.token, /^lgsp_/);
      assert.equal(session.user.username, 'admin');
      assert.equal(session.user.role, 'operator_admin');
      assert.ok(
        Date.parse(session.expiresAt) > h.clock.nowMs(),
        'Date.parse(session.expiresAt) > h.clock.nowMs()',
      );
      const me = await h.call('GET', '/api/v1/me', undefined, { token: session.token });
      assert.equal(me.statusCode, 200);
      assert.equal(me.json().id, session.user.id);
    });

    test('a wrong password and an unknown user fail alike with API_LOGIN_FAILED', async () => {
      for (const body of [
        { username: 'admin', password: 'wrong' },
        { username: 'nobody', password: TEST_PASSWORD },
      ]) {
        const res = await h.call('POST', '/api/v1/auth/login', body, { token: null });
        assert.equal(res.statusCode, 401);
        assert.match(String(res.headers['content-type']), PROBLEM);
        assert.equal(res.json().code, 'API_LOGIN_FAILED');
        assert.equal(res.json().instance, '/api/v1/auth/login');
      }
    });

    test('protected routes answer 401 API_UNAUTHORIZED without a valid bearer token', async () => {
      for (const token of [null, 'lgsp_not-a-session', '']) {
        for (const [method, url] of [
          ['GET', '/api/v1/organizations'],
          ['GET', '/api/v1/me'],
          ['GET', '/api/v1/transactions'],
          ['POST', '/api/v1/auth/logout'],
        ] as const) {
          const res = await h.call(method, url, undefined, { token });
          assert.equal(res.statusCode, 401, `${method} ${url} with ${token}`);
          assert.match(String(res.headers['content-type']), PROBLEM);
          assert.equal(res.json().code, 'API_UNAUTHORIZED');
        }
      }
      const basic = await h.call('GET', '/api/v1/me', undefined, {
        token: null,
        headers: { authorization: 'Basic YWRtaW46dGVzdC1wYXNzd29yZA==' },
      });
      assert.equal(basic.statusCode, 401);
    });

    test('an anonymous write is refused before its body is read, and writes nothing', async () => {
      const before = await h.counts();
      const res = await h.call(
        'POST',
        '/api/v1/organizations',
        { code: '000.00.31.H09', name: 'X' },
        {
          token: null,
        },
      );
      assert.equal(res.statusCode, 401);
      assert.deepEqual(await h.counts(), before);
    });

    test('a session expires after its lifetime', async () => {
      const session = await h.accounts.login('admin', TEST_PASSWORD);
      assert.equal((await h.call('GET', '/api/v1/me', undefined, { token: session.token })).statusCode, 200);
      h.clock.advance(h.config.admin.sessionTtlHours * 3_600_000 + 1);
      try {
        const res = await h.call('GET', '/api/v1/me', undefined, { token: session.token });
        assert.equal(res.statusCode, 401);
        assert.equal(res.json().code, 'API_UNAUTHORIZED');
      } finally {
        h.clock.advance(-(h.config.admin.sessionTtlHours * 3_600_000 + 1));
      }
    });

    test('logout ends exactly that session', async () => {
      const a = await h.accounts.login('admin', TEST_PASSWORD);
      const b = await h.accounts.login('admin', TEST_PASSWORD);
      const res = await h.call('POST', '/api/v1/auth/logout', undefined, { token: a.token });
      assert.equal(res.statusCode, 204);
      assert.equal((await h.call('GET', '/api/v1/me', undefined, { token: a.token })).statusCode, 401);
      assert.equal((await h.call('GET', '/api/v1/me', undefined, { token: b.token })).statusCode, 200);
    });

    test('openapi.json, jwks.json and /healthz are public', async () => {
      const openapi = await h.call('GET', '/api/v1/openapi.json', undefined, { token: null });
      assert.equal(openapi.statusCode, 200);
      assert.equal(openapi.json().openapi, '3.1.0');
      const jwks = await h.call('GET', '/api/v1/jwks.json', undefined, { token: null });
      assert.equal(jwks.statusCode, 200);
      assert.equal(jwks.json().keys[0].kid, 'test');
      const health = await h.call('GET', '/healthz', undefined, { token: null });
      assert.equal(health.statusCode, 200);
      assert.deepEqual(health.json(), { status: 'ok', revision: 1 });
    });

    test('an unknown route is a 404 API_NOT_FOUND problem, its instance without the query', async () => {
      const res = await h.call('GET', '/api/v1/nothing-here?soDinhDanh=001099000001', undefined, {
        token: null,
      });
      assert.equal(res.statusCode, 404);
      assert.match(String(res.headers['content-type']), PROBLEM);
      assert.equal(res.json().code, 'API_NOT_FOUND');
      assert.equal(res.json().instance, '/api/v1/nothing-here');
    });
  });
}

describe('admin API internal errors and request logs', () => {
  test('an unexpected error is a 500 API_INTERNAL without internals; logs hold no password or token', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const { store, dispose } = await openTestStore('pglite');
    try {
      const clock = new ManualClock(Date.parse('2025-03-01T02:00:00Z'));
      const accounts = new Accounts(store, clock, 12, loadConfig({ env: {} }).limits, TEST_KEK);
      await accounts.ensureOperator(TEST_PASSWORD);
      const registry = new Registry(store, clock);
      const config = loadConfig({ env: {} });
      const app = await createAdminApi({
        config,
        store,
        registry,
        lifecycle: new Lifecycle(store, registry, clock),
        accounts,
        ...requestWorkflows(store, registry, clock, config),
        alerts: new Alerts(store, clock, config.alerts, logger),
        logger,
        clock,
        health: () => {
          throw new Error('snapshot holder exploded at /srv/lgsp/secret-path');
        },
        jwks: async () => ({ keys: [] }),
        ...testKeys(registry),
      });
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'admin', password: TEST_PASSWORD },
      });
      const token = login.json().token as string;
      const me = await app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(me.statusCode, 200);

      const res = await app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(res.statusCode, 500);
      assert.match(String(res.headers['content-type']), PROBLEM);
      assert.equal(res.json().code, 'API_INTERNAL');
      assert.ok(
        !res.body.includes('exploded') && !res.body.includes('/srv/lgsp'),
        'no internals in the answer',
      );
      await app.close();

      const log = lines.join('');
      assert.match(log, /lỗi nội bộ của API quản trị \/ admin API internal error/);
      // The id the answer gives to quote finds the cause: the error's log line carries it as reqId.
      const quoted = res.json().transactionId as string;
      assert.match(quoted, /^api_/, 'the problem names its request');
      const errorLine = lines.find((l) => l.includes('admin API internal error'));
      assert.equal(JSON.parse(errorLine ?? '{}').reqId, quoted, 'the error line carries the quoted id');
      assert.match(log, /exploded/, 'the cause is in the server log');
      assert.match(log, /"route":"\/api\/v1\/me"/);
      assert.ok(!log.includes(TEST_PASSWORD), 'no password in the log');
      assert.ok(!log.includes(token), 'no bearer token in the log');
    } finally {
      await dispose();
    }
  });
});

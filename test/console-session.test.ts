import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { type AdminHarness, openAdminHarness, TEST_PASSWORD } from './helpers/admin-api.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { storeKinds } from './helpers/stores.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

/** The Set-Cookie lines of an answer. */
function setCookies(res: LightMyRequestResponse): string[] {
  const header = res.headers['set-cookie'];
  return header === undefined ? [] : [header].flat().map(String);
}

/** The one `lgsp_session` Set-Cookie line of an answer, split into its value and its attributes. */
function sessionCookieOf(res: LightMyRequestResponse): { value: string; attributes: string[] } {
  const lines = setCookies(res).filter((l) => l.startsWith('lgsp_session='));
  assert.equal(lines.length, 1, `one lgsp_session cookie in ${JSON.stringify(setCookies(res))}`);
  const [pair, ...attributes] = lines[0]!.split(';').map((p) => p.trim());
  return { value: pair!.slice('lgsp_session='.length), attributes };
}

for (const kind of storeKinds) {
  describe(`console cookie sessions with CSRF protection (${kind})`, () => {
    let h: AdminHarness;

    /** A request as the console makes it: the session cookie, and the CSRF token when given. */
    const asConsole = (
      method: string,
      url: string,
      cookie: string,
      options: { csrf?: string; body?: unknown; headers?: Record<string, string> } = {},
    ) =>
      h.app.inject({
        method: method as 'GET',
        url,
        headers: {
          host: '127.0.0.1:9080',
          cookie: `lgsp_session=${cookie}`,
          ...(options.csrf !== undefined ? { 'x-csrf-token': options.csrf } : {}),
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}),
      });

    const signIn = async (username = 'admin', password = TEST_PASSWORD) => {
      const res = await h.call('POST', '/api/v1/auth/session', { username, password }, { token: null });
      assert.equal(res.statusCode, 200, res.body);
      return { res, cookie: sessionCookieOf(res).value, csrf: res.json().csrfToken as string };
    };

    before(async () => {
      h = await openAdminHarness(kind);
    });
    after(() => h.dispose());

    test('signing in sets an HttpOnly SameSite=Strict cookie; the body has the user and the CSRF token, never the session token', async () => {
      const { res, cookie, csrf } = await signIn();
      const body = res.json() as Json;
      assert.deepEqual(Object.keys(body).sort(), ['csrfToken', 'mustChangePassword', 'signedInWith', 'user']);
      assert.equal(body.user.username, 'admin');
      assert.equal(body.user.role, 'operator_admin');
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.ok(cookie.length >= 40, 'an opaque token');
      assert.equal(res.body.includes(cookie), false, 'the session token is not in the body');
      assert.notEqual(csrf, cookie);
      // The store keeps the token's SHA-256 only, as a console session.
      const stored = await h.store.db.selectFrom('sessions').select(['token_sha256', 'kind']).execute();
      assert.equal(
        stored.some((r) => r.token_sha256 === cookie),
        false,
      );
      assert.ok(
        stored.some((r) => r.kind === 'console'),
        "stored.some((r) => r.kind === 'console')",
      );
      const { attributes } = sessionCookieOf(res);
      assert.ok(attributes.includes('HttpOnly'), attributes.join('; '));
      assert.ok(attributes.includes('SameSite=Strict'), "attributes.includes('SameSite=Strict')");
      assert.ok(attributes.includes('Path=/'), "attributes.includes('Path=/')");
      assert.ok(
        attributes.includes(`Max-Age=${h.config.admin.sessionTtlHours * 3600}`),
        'attributes.includes(`Max-Age=h.config.admin.sessionTtlHours * 3600}`)',
      );
      // Plain-HTTP loopback (npm start): a Secure cookie would be dropped by the browser, so none is set.
      assert.equal(attributes.includes('Secure'), false);
    });

    test('a wrong password sets no cookie and answers like login (401 API_LOGIN_FAILED)', async () => {
      const res = await h.call(
        'POST',
        '/api/v1/auth/session',
        { username: 'admin', password: 'wrong-password' },
        { token: null },
      );
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, 'API_LOGIN_FAILED');
      assert.deepEqual(setCookies(res), []);
    });

    test('GET /auth/session and reads work with the cookie alone; without it, 200 with no user (not an error), reads 401', async () => {
      const { cookie, csrf } = await signIn();
      const session = await asConsole('GET', '/api/v1/auth/session', cookie);
      assert.equal(session.statusCode, 200);
      assert.equal(session.json().csrfToken, csrf);
      assert.equal(session.json().user.username, 'admin');
      assert.equal((await asConsole('GET', '/api/v1/me', cookie)).json().username, 'admin');
      // A visitor not signed in is the sign-in page's ordinary case: 200, no user, no CSRF token, no cookie set.
      const none = await h.call('GET', '/api/v1/auth/session', undefined, { token: null });
      assert.equal(none.statusCode, 200, none.body);
      assert.deepEqual(none.json(), { user: null, csrfToken: null, mustChangePassword: false });
      assert.equal(none.headers['cache-control'], 'no-store');
      assert.deepEqual(setCookies(none), []);
      // A bearer token is no console session.
      const bearer = await h.call('GET', '/api/v1/auth/session');
      assert.deepEqual(bearer.json(), { user: null, csrfToken: null, mustChangePassword: false });
      const unknown = await asConsole('GET', '/api/v1/me', 'lgsp_made-up');
      assert.equal(unknown.statusCode, 401);
      // A cookie that opens no session: no user, and the stale cookie is cleared.
      const stale = await asConsole('GET', '/api/v1/auth/session', 'lgsp_made-up');
      assert.equal(stale.statusCode, 200);
      assert.deepEqual(stale.json(), { user: null, csrfToken: null, mustChangePassword: false });
      assert.equal(sessionCookieOf(stale).value, '');
      // A live cookie sent from another origin is refused, as on every cookie call.
      const foreign = await asConsole('GET', '/api/v1/auth/session', cookie, {
        headers: { origin: 'https://evil.example' },
      });
      assert.equal(foreign.statusCode, 403);
      assert.equal(foreign.json().code, 'API_CSRF_INVALID');
    });

    test('a cookie call that changes something needs x-csrf-token: missing or wrong → 403 API_CSRF_INVALID, nothing written', async () => {
      const { cookie, csrf } = await signIn();
      const body = {
        code: '000.00.41.H01',
        name: 'Sở Xây dựng',
        contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
      };
      // The last character changed (to another one: a token may already end in 'A').
      const altered = `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}`;
      for (const wrong of [undefined, '', 'x', altered]) {
        const before = await h.counts();
        const res = await asConsole('POST', '/api/v1/organizations', cookie, {
          body,
          ...(wrong !== undefined ? { csrf: wrong } : {}),
        });
        assert.equal(res.statusCode, 403, `csrf ${JSON.stringify(wrong)}: ${res.body}`);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
        assert.equal(res.json().code, 'API_CSRF_INVALID');
        assert.match(res.json().title, /^Thiếu hoặc sai mã chống giả mạo/);
        assert.deepEqual(await h.counts(), before);
      }
      const ok = await asConsole('POST', '/api/v1/organizations', cookie, { body, csrf });
      assert.equal(ok.statusCode, 201, ok.body);
    });

    test('a cookie call from another origin is refused even with the right CSRF token; the console’s own origin passes', async () => {
      const { cookie, csrf } = await signIn();
      const evil = await asConsole('POST', '/api/v1/organizations', cookie, {
        csrf,
        body: {
          code: '000.00.42.H01',
          name: 'Sở A',
          contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
        },
        headers: { origin: 'https://evil.example' },
      });
      assert.equal(evil.statusCode, 403);
      assert.equal(evil.json().code, 'API_CSRF_INVALID');
      const own = await asConsole('POST', '/api/v1/organizations', cookie, {
        csrf,
        body: {
          code: '000.00.42.H01',
          name: 'Sở A',
          contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
        },
        headers: { origin: 'http://127.0.0.1:9080' },
      });
      assert.equal(own.statusCode, 201, own.body);
    });

    test('bearer calls need no CSRF token; a cookie is no bearer token and a bearer token no cookie', async () => {
      const res = await h.call('POST', '/api/v1/organizations', {
        code: '000.00.43.H01',
        name: 'Sở B',
        contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
      });
      assert.equal(res.statusCode, 201, res.body);
      const { cookie } = await signIn();
      const cookieAsBearer = await h.call('GET', '/api/v1/me', undefined, { token: cookie });
      assert.equal(cookieAsBearer.statusCode, 401);
      const bearerAsCookie = await asConsole('GET', '/api/v1/me', h.token);
      assert.equal(bearerAsCookie.statusCode, 401);
    });

    test('signing out needs the CSRF token, ends the session on the server and clears the cookie', async () => {
      const { cookie, csrf } = await signIn();
      const forged = await asConsole('DELETE', '/api/v1/auth/session', cookie);
      assert.equal(forged.statusCode, 403);
      assert.equal(forged.json().code, 'API_CSRF_INVALID');
      const out = await asConsole('DELETE', '/api/v1/auth/session', cookie, { csrf });
      assert.equal(out.statusCode, 204);
      const cleared = sessionCookieOf(out);
      assert.equal(cleared.value, '');
      assert.ok(cleared.attributes.includes('Max-Age=0'), "cleared.attributes.includes('Max-Age=0')");
      // The old cookie, replayed, is no longer a session.
      assert.equal((await asConsole('GET', '/api/v1/me', cookie)).statusCode, 401);
      const replayed = await asConsole('GET', '/api/v1/auth/session', cookie);
      assert.equal(replayed.statusCode, 200);
      assert.deepEqual(replayed.json(), { user: null, csrfToken: null, mustChangePassword: false });
    });

    test('a console session expires like a bearer session', async () => {
      const { cookie } = await signIn();
      assert.equal((await asConsole('GET', '/api/v1/me', cookie)).statusCode, 200);
      h.clock.advance(h.config.admin.sessionTtlHours * 3_600_000 + 1000);
      try {
        assert.equal((await asConsole('GET', '/api/v1/me', cookie)).statusCode, 401);
      } finally {
        h.clock.advance(-(h.config.admin.sessionTtlHours * 3_600_000 + 1000));
      }
    });

    test('disabling a user ends its console and bearer sessions at once, and it cannot sign in again', async () => {
      const org = await h.call('POST', '/api/v1/organizations', {
        code: '000.00.44.H01',
        name: 'Sở C',
        contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
      });
      await h.accounts.createUser(
        {
          username: 'canbo-c',
          displayName: 'Cán bộ C',
          password: TEST_PASSWORD,
          role: 'agency',
          organizationId: org.json().id,
        },
        'test',
      );
      const { cookie } = await signIn('canbo-c');
      const bearer = (await h.accounts.login('canbo-c', TEST_PASSWORD)).token;
      assert.equal((await asConsole('GET', '/api/v1/me', cookie)).statusCode, 200);
      const disabled = await h.call('POST', '/api/v1/users/canbo-c/disable');
      assert.equal(disabled.statusCode, 200, disabled.body);
      assert.equal((await asConsole('GET', '/api/v1/me', cookie)).statusCode, 401);
      assert.equal((await h.call('GET', '/api/v1/me', undefined, { token: bearer })).statusCode, 401);
      const again = await h.call(
        'POST',
        '/api/v1/auth/session',
        { username: 'canbo-c', password: TEST_PASSWORD },
        { token: null },
      );
      assert.equal(again.statusCode, 401);
      assert.equal(again.json().code, 'API_LOGIN_FAILED');
      const events = await h.store.db
        .selectFrom('audit_events')
        .select(['action', 'details'])
        .where('action', '=', 'user.disable')
        .execute();
      assert.equal(events.length, 1);
    });

    test('the console sign-in shares the brute-force limits of login', async () => {
      let last: LightMyRequestResponse | undefined;
      // The free failures, one more that starts a block, then an attempt inside the block.
      for (let i = 0; i < h.config.limits.loginFreeFailures + 2; i++) {
        last = await h.call(
          'POST',
          '/api/v1/auth/session',
          { username: 'locked-out', password: 'wrong-password' },
          { token: null },
        );
      }
      assert.equal(last!.statusCode, 429);
      assert.equal(last!.json().code, 'API_LOGIN_LOCKED');
    });

    test('sign-in options: local accounts, SSO off when no issuer is configured', async () => {
      const res = await h.call('GET', '/api/v1/auth/options', undefined, { token: null });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { local: true, oidc: { enabled: false, label: null } });
      const start = await h.call('GET', '/api/v1/auth/oidc/start', undefined, { token: null });
      assert.equal(start.statusCode, 302);
      assert.equal(start.headers.location, '/?signin_error=oidc_not_configured');
    });
  });
}

describe('console cookie over HTTPS', () => {
  let h: AdminHarness;
  before(async () => {
    h = await openAdminHarness('pglite', { overrides: { admin: { publicUrl: 'https://lgsp.tinh.gov.vn' } } });
  });
  after(() => h.dispose());

  test('is Secure when the console’s public address is https, and that origin is accepted', async () => {
    const res = await h.call(
      'POST',
      '/api/v1/auth/session',
      { username: 'admin', password: TEST_PASSWORD },
      { token: null },
    );
    assert.equal(res.statusCode, 200);
    const line = setCookies(res).find((l) => l.startsWith('lgsp_session='))!;
    assert.match(line, /; Secure(;|$)/);
    const cookie = line.split(';')[0]!.slice('lgsp_session='.length);
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers: {
        // Behind a TLS-terminating proxy the Host may be internal; the public origin is what the browser sends.
        host: '10.0.0.5:9080',
        origin: 'https://lgsp.tinh.gov.vn',
        cookie: `lgsp_session=${cookie}`,
        'x-csrf-token': res.json().csrfToken,
        'content-type': 'application/json',
      },
      payload: JSON.stringify({
        code: '000.00.45.H01',
        name: 'Sở D',
        contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
      }),
    });
    assert.equal(created.statusCode, 201, created.body);
  });
});

describe('lgsp user disable', () => {
  let h: AdminHarness;
  let dir: string;
  before(async () => {
    h = await openAdminHarness('pglite', { startMs: Date.now() });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    dir = mkdtempSync(join(tmpdir(), 'lgsp-disable-'));
  });
  after(async () => {
    await h?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('disables the user and ends its sessions; an unknown name is an error', async () => {
    await h.accounts.createUser(
      {
        username: 'kiem-toan',
        displayName: 'Kiểm toán',
        password: TEST_PASSWORD,
        role: 'auditor',
        organizationId: null,
      },
      'test',
    );
    const token = (await h.accounts.login('kiem-toan', TEST_PASSWORD)).token;
    const url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    const run = await runCli(['user', 'disable', 'kiem-toan'], adminEnv(url, h.token, dir));
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /Đã vô hiệu hóa người dùng \/ User disabled/);
    assert.equal(await h.accounts.authenticate(token), null);
    const unknown = await runCli(['user', 'disable', 'khong-co'], adminEnv(url, h.token, dir));
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.err, /API_NOT_FOUND/);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PASSWORD_CHANGE_REASON } from '../src/api/contract/index.ts';
import { Accounts } from '../src/control/accounts.ts';
import { systemClock } from '../src/core/clock.ts';
import { loadConfig } from '../src/core/config.ts';
import { loadKeyEncryptionKey } from '../src/keys/index.ts';
import { migrate } from '../src/store/migrate.ts';
import { PgliteStore } from '../src/store/pglite-store.ts';
import { type AdminHarness, openAdminHarness, TEST_PASSWORD } from './helpers/admin-api.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { migratedTemplate, storeKinds } from './helpers/stores.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

/**
 * Passwords after an account is created: a person changes their own (the current one checked under the sign-in
 * brute-force counters), an operator resets someone's (a new random one answered once). docs/security.md §2.11.
 */
for (const kind of storeKinds) {
  describe(`changing and resetting passwords (${kind})`, () => {
    let h: AdminHarness;
    let orgId: string;
    const login = async (username: string, password: string) =>
      h.call('POST', '/api/v1/auth/login', { username, password }, { token: null });
    const tokenOf = async (username: string, password: string) => {
      const res = await login(username, password);
      assert.equal(res.statusCode, 200, res.body);
      return res.json().token as string;
    };
    const me = async (token: string) => (await h.call('GET', '/api/v1/me', undefined, { token })).statusCode;
    /** What the users list (GET /api/v1/users) says of one user. */
    const listed = async (username: string) => {
      const res = await h.call('GET', `/api/v1/users?q=${encodeURIComponent(username)}`);
      assert.equal(res.statusCode, 200, res.body);
      return (res.json().items as Json[]).find((u) => u.username === username);
    };
    const failuresOf = async (username: string) =>
      (
        await h.store.db
          .selectFrom('login_throttle')
          .select('failures')
          .where('subject', '=', `user:${username}`)
          .executeTakeFirst()
      )?.failures ?? 0;

    before(async () => {
      h = await openAdminHarness(kind);
      const org = await h.call('POST', '/api/v1/organizations', {
        code: '000.00.31.H01',
        name: 'Sở Tư pháp',
        contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
      });
      orgId = org.json().id;
      for (const [username, role, organizationId] of [
        ['an', 'auditor', null],
        ['binh', 'agency', orgId],
        ['chi', 'operator_reviewer', null],
      ] as const) {
        const res = await h.call('POST', '/api/v1/users', {
          username,
          displayName: username,
          password: `${username}-first-password`,
          role,
          organizationId,
          // These accounts test the change itself; the forced change of a created account has its own test.
          mustChangePassword: false,
        });
        assert.equal(res.statusCode, 201, res.body);
      }
    });
    after(() => h.dispose());

    test('change own password: a wrong current one is refused and counted; the right one ends the other sessions', async () => {
      const current = 'an-first-password';
      const mine = await tokenOf('an', current);
      const other = await tokenOf('an', current);
      const change = (token: string, body: Json) => h.call('POST', '/api/v1/auth/password', body, { token });

      const wrong = await change(mine, {
        currentPassword: 'not-the-password',
        newPassword: 'an-second-password',
      });
      assert.equal(wrong.statusCode, 400, wrong.body);
      assert.equal(wrong.json().code, 'API_CURRENT_PASSWORD_WRONG');
      assert.equal(await failuresOf('an'), 1, 'a wrong current password counts as a failed sign-in');
      assert.equal(await me(mine), 200, 'a wrong current password does not end the session');

      const short = await change(mine, { currentPassword: current, newPassword: 'short' });
      assert.equal(short.statusCode, 400);
      assert.equal(short.json().code, 'API_VALIDATION_FAILED');
      const same = await change(mine, { currentPassword: current, newPassword: current });
      assert.equal(same.statusCode, 400);
      assert.equal(same.json().code, 'API_VALIDATION_FAILED');

      const ok = await change(mine, { currentPassword: current, newPassword: 'an-second-password' });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.headers['cache-control'], 'no-store');
      assert.deepEqual(ok.json(), { sessionsEnded: 1 });
      assert.equal(await me(mine), 200, 'the session that changed it stays');
      assert.equal(await me(other), 401, 'every other session ends');
      assert.equal((await login('an', current)).statusCode, 401, 'the old password is refused');
      assert.equal((await login('an', 'an-second-password')).statusCode, 200, 'the new one signs in');
      assert.equal(await failuresOf('an'), 0, 'a success forgets the failures, as a sign-in does');

      const audited = await h.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'user.password_change')
        .execute();
      assert.equal(audited.length, 1);
      const text = JSON.stringify(audited);
      assert.equal(
        text.includes('an-second-password') || text.includes(current),
        false,
        'no password audited',
      );
    });

    test('while the username is locked even the right current password is refused (429)', async () => {
      const token = await tokenOf('chi', 'chi-first-password');
      let last = 0;
      for (let i = 0; i < 30 && last !== 429; i++) {
        const res = await h.call(
          'POST',
          '/api/v1/auth/password',
          { currentPassword: `wrong-${i}-password`, newPassword: 'chi-second-password' },
          { token },
        );
        last = res.statusCode;
      }
      assert.equal(last, 429, 'repeated wrong current passwords lock the username');
      const right = await h.call(
        'POST',
        '/api/v1/auth/password',
        { currentPassword: 'chi-first-password', newPassword: 'chi-second-password' },
        { token },
      );
      assert.equal(right.statusCode, 429);
      assert.equal(right.json().code, 'API_LOGIN_LOCKED');
      assert.equal((await login('chi', 'chi-first-password')).statusCode, 429, 'sign-in is locked too');

      // Each refusal is in the account's sign-in history, as its owner and the operator read it, saying what it was.
      const own = (await h.call('GET', '/api/v1/me/sign-ins?limit=100', undefined, { token })).json();
      const operators = (await h.call('GET', '/api/v1/sign-ins?username=chi&limit=100')).json();
      for (const history of [own.items, operators.items] as Json[][]) {
        const changes = history.filter((s) => s.reason === PASSWORD_CHANGE_REASON);
        const wrong = changes.filter((s) => s.outcome === 'wrong_password');
        assert.ok(wrong.length >= 5, `every wrong current password: ${JSON.stringify(history)}`);
        // Refusals while locked check no password: one row for the hour and address, counting them.
        const locked = changes.filter((s) => s.outcome === 'locked');
        assert.deepEqual(
          locked.map((s) => [s.attempts, s.folded]),
          [[2, 'address']],
          'the locked attempt and the right password refused, in one row that counts them',
        );
        for (const s of changes) {
          assert.equal(s.username, 'chi');
          assert.equal(s.method, 'password', 'through the API: as a bearer session signs in');
          assert.ok(!JSON.stringify(s).includes('wrong-'), 'never the password typed');
        }
        // The sign-in itself stays a sign-in, with no reason.
        assert.ok(
          history.some((s) => s.outcome === 'success' && s.reason === null),
          'the sign-in, recorded without a reason',
        );
        assert.ok(
          history.some((s) => s.outcome === 'locked' && s.reason === null),
          'the locked sign-in, recorded without a reason',
        );
      }
    });

    test('an operator resets a password: answered once, sessions ended, lock lifted, the user must change it', async () => {
      const binh = await tokenOf('binh', 'binh-first-password');
      const auditor = await tokenOf('an', 'an-second-password');
      for (const token of [binh, auditor]) {
        const refused = await h.call('POST', '/api/v1/users/chi/password', {}, { token });
        assert.equal(refused.statusCode, 403, refused.body);
        assert.equal(refused.json().code, 'API_FORBIDDEN');
      }
      assert.equal((await h.call('POST', '/api/v1/users/nobody/password', {})).statusCode, 404);
      // chi is locked out by the test before: the reset lifts it.
      assert.equal((await login('chi', 'chi-first-password')).statusCode, 429);

      const reset = await h.call('POST', '/api/v1/users/binh/password', {});
      assert.equal(reset.statusCode, 200, reset.body);
      assert.equal(reset.headers['cache-control'], 'no-store');
      const body = reset.json();
      assert.equal(body.username, 'binh');
      assert.equal(body.mustChangePassword, true);
      assert.equal(body.sessionsEnded, 1);
      const password = body.password as string;
      assert.ok(password.length >= 10, 'a new password of at least 10 characters');
      assert.equal(await me(binh), 401, 'the user’s sessions end');
      assert.equal((await login('binh', 'binh-first-password')).statusCode, 401);
      assert.equal(
        (await listed('binh'))?.mustChangePassword,
        true,
        'the users list says the password is temporary',
      );
      assert.equal((await listed('an'))?.mustChangePassword, false, 'an changed hers');

      const chiReset = await h.call('POST', '/api/v1/users/chi/password', {});
      assert.equal(chiReset.statusCode, 200);
      assert.equal(await failuresOf('chi'), 0, 'the username’s lock is cleared');
      assert.equal((await login('chi', chiReset.json().password)).statusCode, 200);

      // The console is told to send the user to the change page, until they change it.
      const consoleSignIn = await h.app.inject({
        method: 'POST',
        url: '/api/v1/auth/session',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ username: 'binh', password }),
      });
      assert.equal(consoleSignIn.statusCode, 200, consoleSignIn.body);
      assert.equal(consoleSignIn.json().mustChangePassword, true);
      const newToken = await tokenOf('binh', password);
      const changed = await h.call(
        'POST',
        '/api/v1/auth/password',
        { currentPassword: password, newPassword: 'binh-own-password' },
        { token: newToken },
      );
      assert.equal(changed.statusCode, 200, changed.body);
      assert.equal(
        await h.accounts.mustChangePassword(await userId('binh')),
        false,
        'changing clears the flag',
      );
      assert.equal((await listed('binh'))?.mustChangePassword, false, 'and the users list says so');

      // Returned once: in no later answer, and not in the audit trail.
      const later = [
        await h.call('GET', '/api/v1/users'),
        await h.call('GET', '/api/v1/audit-events?limit=200'),
        await h.call('GET', '/api/v1/me'),
      ];
      for (const res of later) {
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.body.includes(password), false, 'the reset password appears in no later answer');
      }
      const audited = await h.store.db.selectFrom('audit_events').selectAll().execute();
      assert.equal(JSON.stringify(audited).includes(password), false, 'nor in the audit events');
      const resets = audited.filter((e) => e.action === 'user.password_reset');
      assert.equal(resets.length, 2);
    });

    test('until the user changes a reset password, every signed-in call but the change, /me and sign-out is 403 API_PASSWORD_CHANGE_REQUIRED', async () => {
      const created = await h.call('POST', '/api/v1/users', {
        username: 'dao',
        displayName: 'dao',
        password: 'dao-first-password',
        role: 'operator_admin',
        organizationId: null,
      });
      assert.equal(created.statusCode, 201, created.body);
      const reset = await h.call('POST', '/api/v1/users/dao/password', {});
      assert.equal(reset.statusCode, 200, reset.body);
      const password = reset.json().password as string;

      const signedIn = await login('dao', password);
      assert.equal(signedIn.statusCode, 200, signedIn.body);
      assert.equal(signedIn.json().mustChangePassword, true);
      const token = signedIn.json().token as string;
      const asDao = (method: string, url: string, body?: unknown, t = token) =>
        h.call(method, url, body, { token: t });
      const organizations = async () =>
        (await h.store.db.selectFrom('organizations').select('id').execute()).length;
      const newOrganization = {
        code: '000.00.32.H01',
        name: 'Sở Xây dựng',
        contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
      };

      // Held: a read, a write (nothing written), an operator-only call — before its role or its body is looked at.
      const before = await organizations();
      for (const [method, url, body] of [
        ['GET', '/api/v1/organizations', undefined],
        ['POST', '/api/v1/organizations', newOrganization],
        ['GET', '/api/v1/users', undefined],
        ['POST', '/api/v1/users/an/password', {}],
        ['POST', '/api/v1/organizations', { not: 'valid' }],
      ] as const) {
        const res = await asDao(method, url, body);
        assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
        assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
        assert.equal(res.json().code, 'API_PASSWORD_CHANGE_REQUIRED', `${method} ${url}`);
        assert.match(res.json().detail, /lgsp user password/);
      }
      assert.equal(await organizations(), before, 'nothing written');
      // The operator's own account, whose password was configured, is not held.
      assert.equal((await login('admin', TEST_PASSWORD)).json().mustChangePassword, false);
      // Still served: who am I, the public portal, and (below) the change and sign-out.
      assert.equal((await asDao('GET', '/api/v1/me')).json().username, 'dao');
      assert.equal((await asDao('GET', '/api/v1/public/notices')).statusCode, 200);

      // The console's session says so too, and its calls are held alike; its sign-out is served.
      const consoleSignIn = await h.call(
        'POST',
        '/api/v1/auth/session',
        { username: 'dao', password },
        { token: null },
      );
      assert.equal(consoleSignIn.statusCode, 200, consoleSignIn.body);
      const cookie = /lgsp_session=([^;]*)/.exec(String(consoleSignIn.headers['set-cookie']))?.[1] ?? '';
      const csrf = consoleSignIn.json().csrfToken as string;
      const asConsole = (method: string, url: string, body?: unknown) =>
        h.app.inject({
          method: method as 'GET',
          url,
          headers: {
            host: '127.0.0.1:9080',
            cookie: `lgsp_session=${cookie}`,
            'x-csrf-token': csrf,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
        });
      const state = await asConsole('GET', '/api/v1/auth/session');
      assert.equal(state.statusCode, 200, state.body);
      assert.equal(state.json().mustChangePassword, true);
      assert.equal(state.json().user.username, 'dao');
      const consoleRead = await asConsole('GET', '/api/v1/organizations');
      assert.equal(consoleRead.statusCode, 403, consoleRead.body);
      assert.equal(consoleRead.json().code, 'API_PASSWORD_CHANGE_REQUIRED');
      assert.equal((await asConsole('DELETE', '/api/v1/auth/session')).statusCode, 204, 'sign-out served');
      const spare = await tokenOf('dao', password);
      assert.equal((await asDao('POST', '/api/v1/auth/logout', undefined, spare)).statusCode, 204);

      // The change is served; from that call on, the same session is no longer held.
      const changed = await asDao('POST', '/api/v1/auth/password', {
        currentPassword: password,
        newPassword: 'dao-own-password',
      });
      assert.equal(changed.statusCode, 200, changed.body);
      const read = await asDao('GET', '/api/v1/organizations');
      assert.equal(read.statusCode, 200, read.body);
      const write = await asDao('POST', '/api/v1/organizations', newOrganization);
      assert.equal(write.statusCode, 201, write.body);
      assert.equal((await login('dao', 'dao-own-password')).json().mustChangePassword, false);

      // Another reset holds the user again: every session ends, the next one is held.
      const again = await h.call('POST', '/api/v1/users/dao/password', {});
      assert.equal(again.statusCode, 200, again.body);
      assert.equal((await asDao('GET', '/api/v1/organizations')).statusCode, 401, 'the reset ended it');
      const next = await tokenOf('dao', again.json().password);
      const held = await asDao('GET', '/api/v1/organizations', undefined, next);
      assert.equal(held.json().code, 'API_PASSWORD_CHANGE_REQUIRED');
    });

    test('an account an operator creates with a password must change it first, unless created as its own (false)', async () => {
      const create = (username: string, extra: Json) =>
        h.call('POST', '/api/v1/users', {
          username,
          displayName: username,
          password: `${username}-operator-chose`,
          role: 'auditor',
          ...extra,
        });
      const created = await create('dung', {});
      assert.equal(created.statusCode, 201, created.body);
      assert.equal((await listed('dung'))?.mustChangePassword, true, 'listed with a temporary password');
      const token = await tokenOf('dung', 'dung-operator-chose');
      const refused = await h.call('GET', '/api/v1/organizations', undefined, { token });
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(refused.json().code, 'API_PASSWORD_CHANGE_REQUIRED');
      const changed = await h.call(
        'POST',
        '/api/v1/auth/password',
        { currentPassword: 'dung-operator-chose', newPassword: 'dung-own-password' },
        { token },
      );
      assert.equal(changed.statusCode, 200, changed.body);
      assert.equal((await h.call('GET', '/api/v1/organizations', undefined, { token })).statusCode, 200);
      assert.equal((await listed('dung'))?.mustChangePassword, false, 'changed: no longer temporary');

      const own = await create('giang', { mustChangePassword: false });
      assert.equal((await listed('giang'))?.mustChangePassword, false, 'an account its creator uses');
      assert.equal(own.statusCode, 201, own.body);
      const ownToken = await tokenOf('giang', 'giang-operator-chose');
      assert.equal(
        (await h.call('GET', '/api/v1/organizations', undefined, { token: ownToken })).statusCode,
        200,
      );
    });

    test('the users list never calls an SSO-only account’s password temporary: it has none here', async () => {
      // Even a stray flag on the row (none is ever set: a reset of such an account is 409) does not make it one.
      await h.store.db
        .insertInto('users')
        .values({
          id: 'usr_sso_only_list',
          username: 'hoa-sso',
          display_name: 'Hoa (SSO)',
          password_hash: null,
          role: 'auditor',
          organization_id: null,
          created_at: new Date(),
          oidc_issuer: 'https://idp.example.vn',
          oidc_subject: 'hoa',
          must_change_password: true,
        })
        .execute();
      const item = await listed('hoa-sso');
      assert.equal(item?.mustChangePassword, false);
      assert.equal((await listed('binh'))?.mustChangePassword, false);
    });

    async function userId(username: string): Promise<string> {
      const row = await h.store.db
        .selectFrom('users')
        .select('id')
        .where('username', '=', username)
        .executeTakeFirstOrThrow();
      return row.id;
    }
  });
}

describe('lgsp user password / lgsp user reset-password (through the API)', () => {
  let h: AdminHarness;
  let url: string;
  let configHome: string;
  before(async () => {
    h = await openAdminHarness('pglite', { startMs: Date.now() });
    await h.accounts.createUser(
      {
        username: 'dung',
        displayName: 'Dũng',
        password: 'dung-first-password',
        role: 'auditor',
        organizationId: null,
      },
      'test',
    );
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    configHome = mkdtempSync(join(tmpdir(), 'lgsp-password-'));
  });
  after(async () => {
    await h.dispose();
    rmSync(configHome, { recursive: true, force: true });
  });

  test('an operator resets, the user changes it with --password-stdin (current, then new)', async () => {
    const reset = await runCli(['user', 'reset-password', 'dung'], adminEnv(url, h.token, configHome));
    assert.equal(reset.code, 0, reset.err);
    const password = /^ {2}(\S+)$/m.exec(reset.out)?.[1] ?? '';
    assert.ok(password.length >= 10, reset.out);
    assert.match(reset.out, /chỉ hiện một lần \/ shown once only/);

    // `lgsp user list` says who still has a temporary password; --json as the API gives it.
    const dungRow = async () => {
      const listed = await runCli(['user', 'list', '--search', 'dung'], adminEnv(url, h.token, configHome));
      assert.equal(listed.code, 0, listed.err);
      assert.match(listed.out, /Mật khẩu tạm \/ Temporary password/);
      return listed.out.split('\n').find((line) => / dung /.test(line)) ?? '';
    };
    assert.match(await dungRow(), /chưa đổi \/ not changed yet/);
    const json = await runCli(
      ['user', 'list', '--search', 'dung', '--json'],
      adminEnv(url, h.token, configHome),
    );
    assert.equal(json.code, 0, json.err);
    assert.deepEqual(
      (JSON.parse(json.out).items as Json[]).map((u) => [u.username, u.mustChangePassword, u.lockedUntil]),
      [['dung', true, null]],
    );

    const session = await h.accounts.login('dung', password);
    assert.equal(session.mustChangePassword, true);
    const cliLogin = await runCli(
      ['login', '--user', 'dung', '--password-stdin'],
      { LGSP_ADMIN_URL: url, XDG_CONFIG_HOME: configHome },
      { stdin: password },
    );
    assert.equal(cliLogin.code, 0, cliLogin.err);
    assert.match(cliLogin.out, /change it now — lgsp user password/);
    // Until it is changed, every other command is refused, with what to do — in Vietnamese first.
    const held = await runCli(['org', 'list'], adminEnv(url, session.token, configHome));
    assert.equal(held.code, 1, held.out);
    assert.match(held.err, /API_PASSWORD_CHANGE_REQUIRED \(HTTP 403\)/);
    assert.match(
      held.err,
      /Mật khẩu của bạn là mật khẩu tạm \(do quản trị viên đặt hoặc hệ thống tạo\): hãy đổi mật khẩu trước, bằng lệnh `lgsp user password`[^\n]*\n {2}Your password is a temporary one \(set by an operator or generated\): change it first with `lgsp user password`/,
    );
    const whoami = await runCli(['whoami'], adminEnv(url, session.token, configHome));
    assert.equal(whoami.code, 0, whoami.err);
    const wrong = await runCli(
      ['user', 'password', '--password-stdin'],
      adminEnv(url, session.token, configHome),
      {
        stdin: 'not-the-password\ndung-second-password\n',
      },
    );
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.err, /API_CURRENT_PASSWORD_WRONG/);
    const changed = await runCli(
      ['user', 'password', '--password-stdin'],
      adminEnv(url, session.token, configHome),
      {
        stdin: `${password}\ndung-second-password\n`,
      },
    );
    assert.equal(changed.code, 0, changed.err);
    assert.match(changed.out, /Đã đổi mật khẩu \/ Password changed/);
    assert.doesNotMatch(await dungRow(), /chưa đổi/, 'changed: no longer a temporary password');
    const served = await runCli(['org', 'list'], adminEnv(url, session.token, configHome));
    assert.equal(served.code, 0, served.err);
    assert.equal((await h.accounts.login('dung', 'dung-second-password')).user.username, 'dung');
  });
});

describe('lgsp user reset-password --offline (the store itself, the platform stopped)', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'lgsp-recover-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('a lost first-start password is recovered: a new one printed once, sessions ended, the lock lifted', async () => {
    const dir = join(work, 'data');
    const config = loadConfig({ env: {} });
    // The platform's key file beside its data dir, as its first start writes it: the command uses it too.
    const { kek } = loadKeyEncryptionKey({ ...config, dataDir: dir }, { mayGenerate: true });
    const accountsOf = (store: PgliteStore) =>
      new Accounts(store, systemClock, config.admin.sessionTtlHours, config.limits, kek);
    // The first start: `admin` with a generated password that was then lost; a session open, a failure counted.
    const first = await PgliteStore.open(dir, { loadDataDir: await migratedTemplate() });
    await migrate(first);
    const generated = (await accountsOf(first).ensureOperator(''))?.generatedPassword ?? '';
    const session = await accountsOf(first).login('admin', generated);
    // Printed on a terminal, so seen: like a reset one, it opens nothing but changing it (a configured one is the
    // operator's own: every other suite signs in with one and is served).
    assert.equal(session.mustChangePassword, true, 'a generated first-start password must be changed');
    assert.equal((await accountsOf(first).authenticateBearer(session.token))?.mustChangePassword, true);
    await accountsOf(first)
      .login('admin', 'wrong-password')
      .catch(() => undefined);

    // While the platform holds the embedded store, the command says to stop it first.
    const locked = await runCli(['user', 'reset-password', 'admin', '--offline'], { LGSP_DATA_DIR: dir });
    assert.equal(locked.code, 1);
    assert.match(locked.err, /chỉ chạy khi nền tảng đã dừng/);
    assert.match(locked.err, /runs only while the platform is stopped/);
    await first.close();

    const nobody = await runCli(['user', 'reset-password', 'nobody', '--offline'], { LGSP_DATA_DIR: dir });
    assert.equal(nobody.code, 1);
    assert.match(nobody.err, /No such user: nobody/);
    const typo = await runCli(['user', 'reset-password', 'admin', '--offline'], {
      LGSP_DATA_DIR: join(work, 'typo'),
    });
    assert.equal(typo.code, 1, 'a mistyped data dir is not a store to create');
    assert.match(typo.err, /No LGSP store at/);

    const run = await runCli(['user', 'reset-password', 'admin', '--offline', '--json'], {
      LGSP_DATA_DIR: dir,
    });
    assert.equal(run.code, 0, run.err);
    const answer = JSON.parse(run.out);
    assert.equal(answer.username, 'admin');
    assert.equal(answer.sessionsEnded, 1);
    assert.equal(answer.mustChangePassword, true);

    const after = await PgliteStore.open(dir);
    try {
      const accounts = accountsOf(after);
      assert.equal(await accounts.authenticate(session.token), null, 'the old session ended');
      await assert.rejects(accounts.login('admin', generated), /API_LOGIN_FAILED/);
      assert.equal((await accounts.login('admin', answer.password)).user.username, 'admin');
      const throttled = await after.db
        .selectFrom('login_throttle')
        .selectAll()
        .where('subject', '=', 'user:admin')
        .execute();
      assert.deepEqual(throttled, [], 'the username’s failures are forgotten');
      const events = await after.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'user.password_reset')
        .execute();
      assert.equal(events.length, 1);
      assert.match(events[0]!.actor, /^local:/, 'the audit says it was done locally');
      assert.equal(JSON.stringify(events).includes(answer.password), false, 'never the password');
    } finally {
      await after.close();
    }
  });
});

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import {
  HTTP_TIMEOUT_SECONDS,
  localUsername,
  mapClaims,
  type OidcRule,
  OidcSignIn,
  SignInFailed,
} from '../src/api/oidc.ts';
import type { Accounts } from '../src/control/accounts.ts';
import { ConfigError, loadConfig } from '../src/core/config.ts';
import { EgressPolicy } from '../src/net/egress.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';
import { TEST_KEK } from './helpers/keys.ts';
import { startOidcProvider } from './helpers/oidc-provider.ts';
import { storeKinds } from './helpers/stores.ts';
import { type Flood, flood, TRICKLES, type Trickle, trickle } from './helpers/trickle.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

/**
 * Issue 11 item 5: single sign-on against a real OpenID Connect provider (`oidc-provider`, the certified
 * implementation, started here on port 0) — the platform's own OIDC client (`openid-client`) is not mocked. The
 * browser is played by hand: every redirect is followed with fetch (provider) or inject (admin API), carrying each
 * side's cookies, through the provider's development login and consent pages.
 */

const CLIENT_ID = 'lgsp-console';
const CLIENT_SECRET = 'bi-mat-client-kiem-thu-0123456789';
const ORG_A = '000.00.31.H01';
const ORG_B = '000.00.12.H01';
/** The admin API's address as the provider knows it (configured, never listened on: requests go by inject). */
const CONSOLE = 'http://127.0.0.1:9080';
const CALLBACK = `${CONSOLE}/api/v1/auth/oidc/callback`;

/** The provider's people and their claims; a test changes them between sign-ins. */
const PEOPLE: Record<string, Json> = {
  'agency-a': {
    preferred_username: 'nguyen.van.a',
    name: 'Nguyễn Văn A',
    email: 'a@tuphap.tinh.gov.vn',
    org_code: ORG_A,
  },
  operator: { preferred_username: 'tran.thi.b', name: 'Trần Thị B', groups: ['lgsp-operators', 'staff'] },
  'email-only': { preferred_username: 'le.van.c', name: 'Lê Văn C', email: 'c@stp.tinh.gov.vn' },
  stranger: { preferred_username: 'khach', name: 'Khách', email: 'khach@example.com' },
  'unknown-org': { preferred_username: 'pham.d', name: 'Phạm D', org_code: '999.99.99.H99' },
  /** Signs in once, is then disabled by an operator, and tries again. */
  leaver: { preferred_username: 'vo.thi.e', name: 'Võ Thị E', org_code: ORG_A },
};

/** The cookies one side (the provider) set for the "browser", sent back on every request to it. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** One cookie value out of Set-Cookie lines of the admin API (inject). */
function cookieFrom(res: LightMyRequestResponse, name: string): { value: string; line: string } | null {
  const lines = [res.headers['set-cookie'] ?? []].flat().map(String);
  const line = lines.find((l) => l.startsWith(`${name}=`));
  return line ? { value: line.split(';')[0]!.slice(name.length + 1), line } : null;
}

// On every store. (This suite once seemed to hang in its PostgreSQL teardown: it was a failing `assert.ok` without a
// message, in a later suite — Node 20 builds that message by parsing the source file with acorn, and on a file that
// tsx transpiled the positions do not match the TypeScript text, so it parses for minutes at full CPU
// (nodejs/node#52677, #52962). Every `assert.ok` here carries its own message, so a failure is reported at once.)
for (const kind of storeKinds) {
  describe(`OIDC single sign-on against a real provider (${kind})`, () => {
    let h: AdminHarness;
    let issuer: string;
    let stopProvider: (() => Promise<void>) | undefined;
    const org: Record<string, string> = {};
    const system: Record<string, string> = {};
    /** Every log line of the admin API, to show that no secret of the flow reaches one. */
    const logLines: string[] = [];

    before(async () => {
      ({ issuer, stop: stopProvider } = await startOidcProvider({
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        consoleUrl: CONSOLE,
        people: PEOPLE,
      }));
      h = await openAdminHarness(kind, {
        logger: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }),
        overrides: {
          oidc: {
            issuer,
            clientId: CLIENT_ID,
            clientSecret: CLIENT_SECRET,
            label: 'Đăng nhập bằng SSO tỉnh / Province SSO',
            rules: [
              { claim: 'groups', equals: 'lgsp-operators', role: 'operator_admin' },
              { claim: 'org_code', role: 'agency', organizationFromClaim: 'org_code' },
              { claim: 'email', matches: '@stp\\.tinh\\.gov\\.vn$', role: 'agency', organization: ORG_B },
            ],
          },
        },
      });
      for (const [key, code, name] of [
        ['a', ORG_A, 'Sở Tư pháp'],
        ['b', ORG_B, 'Sở Thông tin và Truyền thông'],
      ] as const) {
        const created = await h.call('POST', '/api/v1/organizations', {
          code,
          name,
          contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
        });
        assert.equal(created.statusCode, 201, created.body);
        org[key] = created.json().id;
        const sys = await h.call('POST', '/api/v1/systems', {
          organizationId: org[key],
          name: `Hệ thống ${name}`,
          isConsumer: true,
        });
        assert.equal(sys.statusCode, 201, sys.body);
        system[key] = sys.json().id;
      }
    });
    after(async () => {
      await h?.dispose();
      await stopProvider?.();
    });

    /** GET a provider URL as the browser, not following redirects. */
    const visit = async (jar: CookieJar, url: string, init: RequestInit = {}) => {
      const res = await fetch(url, {
        ...init,
        redirect: 'manual',
        headers: { cookie: jar.header(), ...(init.headers as Record<string, string>) },
      });
      jar.take(res);
      return res;
    };

    /**
     * Signs `person` in at the provider from the authorization URL, answering its login and consent pages, and
     * returns the redirect back to the platform (the callback URL with code and state).
     */
    const atProvider = async (authorizationUrl: string, person: string): Promise<URL> => {
      const jar = new CookieJar();
      let res = await visit(jar, authorizationUrl);
      for (let step = 0; step < 10; step++) {
        const location = res.headers.get('location');
        assert.ok(location, `a redirect at step ${step}: ${res.status} ${await res.text()}`);
        const next = new URL(location, issuer);
        if (next.href.startsWith(CALLBACK)) return next;
        res = await visit(jar, next.href);
        if (res.status === 200 && next.pathname.startsWith('/interaction/')) {
          const page = await res.text();
          const prompt = page.includes('name="login"') ? 'login' : 'consent';
          const form = new URLSearchParams({
            prompt,
            ...(prompt === 'login' ? { login: person, password: 'x' } : {}),
          });
          res = await visit(jar, next.href, {
            method: 'POST',
            body: form.toString(),
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          });
        }
      }
      throw new Error('the provider never redirected back');
    };

    const start = async () => {
      const res = await h.call('GET', '/api/v1/auth/oidc/start', undefined, { token: null });
      assert.equal(res.statusCode, 302, res.body);
      const flow = cookieFrom(res, 'lgsp_oidc');
      assert.ok(flow, 'the flow cookie');
      return { location: String(res.headers.location), flow };
    };

    const callback = (url: URL, flowCookie: string | null) =>
      h.app.inject({
        method: 'GET',
        url: `${url.pathname}${url.search}`,
        headers: { host: '127.0.0.1:9080', ...(flowCookie ? { cookie: `lgsp_oidc=${flowCookie}` } : {}) },
      });

    /** The whole dance for `person`: start, the provider, the callback. Returns the callback's answer. */
    const signIn = async (person: string) => {
      const { location, flow } = await start();
      return callback(await atProvider(location, person), flow.value);
    };

    const asConsole = (method: string, url: string, cookie: string, extra: Json = {}) =>
      h.app.inject({
        method: method as 'GET',
        url,
        headers: {
          host: '127.0.0.1:9080',
          cookie: `lgsp_session=${cookie}`,
          ...(extra.csrf ? { 'x-csrf-token': extra.csrf } : {}),
          ...(extra.body ? { 'content-type': 'application/json' } : {}),
        },
        ...(extra.body ? { payload: JSON.stringify(extra.body) } : {}),
      });

    test('the provider is an outbound address: refused by the egress policy until the operator allows it', async () => {
      const res = await h.call('GET', '/api/v1/auth/oidc/start', undefined, { token: null });
      assert.equal(res.statusCode, 302);
      assert.equal(res.headers.location, '/?signin_error=provider_unavailable');
      h.registry.egress.allowTargets(new URL(issuer).host);
    });

    test('sign-in options show the SSO button', async () => {
      const res = await h.call('GET', '/api/v1/auth/options', undefined, { token: null });
      assert.deepEqual(res.json(), {
        local: true,
        oidc: { enabled: true, label: 'Đăng nhập bằng SSO tỉnh / Province SSO' },
      });
    });

    test('start redirects to the provider with PKCE (S256), state and nonce; the flow waits in a sealed Lax cookie', async () => {
      const { location, flow } = await start();
      const url = new URL(location);
      assert.equal(url.origin, issuer);
      assert.equal(url.searchParams.get('client_id'), CLIENT_ID);
      assert.equal(url.searchParams.get('redirect_uri'), CALLBACK);
      assert.equal(url.searchParams.get('response_type'), 'code');
      assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
      assert.ok(url.searchParams.get('code_challenge'), 'a PKCE code challenge');
      assert.ok(url.searchParams.get('state'), 'a state');
      assert.ok(url.searchParams.get('nonce'), 'a nonce');
      assert.match(flow.line, /HttpOnly/);
      assert.match(flow.line, /SameSite=Lax/);
      assert.match(flow.line, /Path=\/api\/v1\/auth\/oidc/);
      // Sealed: neither the state nor the PKCE verifier can be read from the cookie.
      assert.equal(flow.value.includes(url.searchParams.get('state')!), false);
    });

    test('an agency user mapped by org_code signs in; /me shows role agency and its organization; lists show only it', async () => {
      const res = await signIn('agency-a');
      assert.equal(res.statusCode, 302, res.body);
      assert.equal(res.headers.location, '/');
      const session = cookieFrom(res, 'lgsp_session');
      assert.ok(session, 'the console session cookie');
      assert.match(session.line, /HttpOnly/);
      assert.match(session.line, /SameSite=Strict/);
      assert.match(session.line, /Path=\//);
      assert.equal(cookieFrom(res, 'lgsp_oidc')?.value, '', 'the flow cookie is spent');

      const me = await asConsole('GET', '/api/v1/me', session.value);
      assert.equal(me.statusCode, 200, me.body);
      assert.equal(me.json().role, 'agency');
      assert.equal(me.json().organizationId, org['a']);
      assert.equal(me.json().username, 'nguyen.van.a');
      assert.equal(me.json().displayName, 'Nguyễn Văn A');

      const systems = await asConsole('GET', '/api/v1/systems', session.value);
      assert.equal(systems.statusCode, 200, systems.body);
      assert.deepEqual(
        (systems.json().items as Json[]).map((s) => s.id),
        [system['a']],
      );
      const other = await asConsole('GET', `/api/v1/systems/${system['b']}`, session.value);
      // Another organization's system is answered as an unknown id (docs/security.md §2.10).
      assert.equal(other.statusCode, 404);

      // CSRF on the SSO session: a write without the token is refused; with it, it works.
      const state = (await asConsole('GET', '/api/v1/auth/session', session.value)).json();
      const csrf = state.csrfToken;
      // An SSO account has no password here: the console hides "Đổi mật khẩu", the API refuses (§2.11).
      assert.equal(state.signedInWith, 'oidc');
      const change = await asConsole('POST', '/api/v1/auth/password', session.value, {
        body: { currentPassword: 'anything-at-all', newPassword: 'a-new-password' },
        csrf,
      });
      assert.equal(change.statusCode, 409, change.body);
      assert.equal(change.json().code, 'API_PASSWORD_NOT_LOCAL');
      // Its own organization's name is what an agency user may edit.
      const path = `/api/v1/organizations/${org['a']}`;
      const body = { name: 'Sở Tư pháp tỉnh' };
      const forged = await asConsole('PATCH', path, session.value, { body });
      assert.equal(forged.statusCode, 403);
      assert.equal(forged.json().code, 'API_CSRF_INVALID');
      const wrong = await asConsole('PATCH', path, session.value, { body, csrf: 'sai' });
      assert.equal(wrong.json().code, 'API_CSRF_INVALID');
      const made = await asConsole('PATCH', path, session.value, { body, csrf });
      assert.equal(made.statusCode, 200, made.body);
      assert.equal(made.json().name, 'Sở Tư pháp tỉnh');
      // Single sign-on is never held to changing a password it does not have: even with the flag set on its row
      // (no reset can set it — the reset answers 409 — but a row can carry it), the SSO session is served.
      await h.store.db
        .updateTable('users')
        .set({ must_change_password: true })
        .where('oidc_subject', '=', 'agency-a')
        .execute();
      const flagged = await asConsole('GET', '/api/v1/auth/session', session.value);
      assert.equal(flagged.json().mustChangePassword, false, flagged.body);
      const stillServed = await asConsole('GET', '/api/v1/systems', session.value);
      assert.equal(stillServed.statusCode, 200, stillServed.body);
      const stillWrites = await asConsole('PATCH', path, session.value, { body, csrf });
      assert.equal(stillWrites.statusCode, 200, stillWrites.body);
      await h.store.db
        .updateTable('users')
        .set({ must_change_password: false })
        .where('oidc_subject', '=', 'agency-a')
        .execute();

      const created = await h.store.db
        .selectFrom('audit_events')
        .select(['actor', 'details'])
        .where('action', '=', 'user.sso_create')
        .execute();
      assert.equal(created.length, 1);
      assert.equal(created[0]!.actor, `oidc:${issuer}`);
    });

    test('a later sign-in updates role and organization from the rules (audited), same local user', async () => {
      const first = (
        await h.store.db
          .selectFrom('users')
          .select(['id'])
          .where('oidc_subject', '=', 'agency-a')
          .executeTakeFirstOrThrow()
      ).id;
      PEOPLE['agency-a']!['org_code'] = ORG_B;
      try {
        const res = await signIn('agency-a');
        const session = cookieFrom(res, 'lgsp_session')!;
        const me = (await asConsole('GET', '/api/v1/me', session.value)).json();
        assert.equal(me.id, first);
        assert.equal(me.organizationId, org['b']);
        const updated = await h.store.db
          .selectFrom('audit_events')
          .select('object_id')
          .where('action', '=', 'user.sso_update')
          .execute();
        assert.deepEqual(
          updated.map((e) => e.object_id),
          [first],
        );
      } finally {
        PEOPLE['agency-a']!['org_code'] = ORG_A;
      }
    });

    test('an operator is mapped by group; another by an e-mail pattern to a fixed organization', async () => {
      const operator = cookieFrom(await signIn('operator'), 'lgsp_session')!;
      const me = (await asConsole('GET', '/api/v1/me', operator.value)).json();
      assert.equal(me.role, 'operator_admin');
      assert.equal(me.organizationId, null);
      // A local account already has the provider's name for this person: it is never taken over.
      await h.accounts.createUser(
        {
          username: 'le.van.c',
          displayName: 'Tài khoản cục bộ',
          password: 'mat-khau-cuc-bo',
          role: 'auditor',
          organizationId: null,
        },
        'test',
      );
      const byEmail = cookieFrom(await signIn('email-only'), 'lgsp_session')!;
      const other = (await asConsole('GET', '/api/v1/me', byEmail.value)).json();
      assert.equal(other.role, 'agency');
      assert.equal(other.organizationId, org['b']);
      assert.match(other.username, /^le\.van\.c-sso-[0-9a-f]{8}$/);
      const local = await h.accounts.login('le.van.c', 'mat-khau-cuc-bo');
      assert.equal(local.user.role, 'auditor');
      assert.notEqual(local.user.id, other.id);
    });

    test('no matching rule, or an organization code the platform does not know → refused, no user, no session', async () => {
      for (const [person, reason] of [
        ['stranger', 'no_matching_rule'],
        ['unknown-org', 'organization_unknown'],
      ] as const) {
        const before = await h.counts();
        const res = await signIn(person);
        assert.equal(res.statusCode, 302);
        assert.equal(res.headers.location, `/?signin_error=${reason}`);
        assert.equal(cookieFrom(res, 'lgsp_session'), null);
        assert.deepEqual(await h.counts(), before, `${person}: nothing written`);
      }
    });

    test('a disabled account: the provider vouches for the person, the platform refuses — no session, the history says why', async () => {
      const first = cookieFrom(await signIn('leaver'), 'lgsp_session');
      assert.ok(first, 'the first SSO sign-in opens a session');
      const user = (await asConsole('GET', '/api/v1/me', first.value)).json();
      const disabled = await h.call('POST', '/api/v1/users/vo.thi.e/disable', {});
      assert.equal(disabled.statusCode, 200, disabled.body);
      assert.equal((await asConsole('GET', '/api/v1/me', first.value)).statusCode, 401, 'its session ended');

      // The provider now says another organization: a disabled account is not updated either.
      PEOPLE['leaver']!['org_code'] = ORG_B;
      try {
        const before = await h.counts();
        const res = await signIn('leaver');
        assert.equal(res.statusCode, 302, res.body);
        // What the person sees: back at the console with the reason, which SignIn.tsx shows under the form.
        assert.equal(res.headers.location, '/?signin_error=user_disabled');
        assert.equal(cookieFrom(res, 'lgsp_session'), null, 'no session cookie');
        assert.equal(cookieFrom(res, 'lgsp_oidc')?.value, '', 'the flow cookie is spent');
        assert.deepEqual(await h.counts(), before, 'no user, role or audit event written');
        const sessions = await h.store.db
          .selectFrom('sessions')
          .select('user_id')
          .where('user_id', '=', user.id)
          .execute();
        assert.deepEqual(sessions, [], 'no session made');
        const row = await h.store.db
          .selectFrom('users')
          .select(['organization_id', 'disabled_at'])
          .where('id', '=', user.id)
          .executeTakeFirstOrThrow();
        assert.equal(row.organization_id, org['a'], 'the provider’s new organization is not taken');
        assert.ok(row.disabled_at, 'still disabled');
      } finally {
        PEOPLE['leaver']!['org_code'] = ORG_A;
      }
      const history = await h.store.db
        .selectFrom('sign_ins')
        .select(['username', 'user_id', 'method', 'outcome', 'reason'])
        .where('username', '=', 'vo.thi.e')
        .orderBy('seq')
        .execute();
      assert.deepEqual(history, [
        { username: 'vo.thi.e', user_id: user.id, method: 'oidc', outcome: 'success', reason: null },
        {
          username: 'vo.thi.e',
          user_id: user.id,
          method: 'oidc',
          outcome: 'disabled',
          reason: 'user_disabled',
        },
      ]);
    });

    test('a tampered state, a missing or foreign flow cookie, a provider error → refused with a redirect, never a 5xx', async () => {
      const { location, flow } = await start();
      const back = await atProvider(location, 'agency-a');
      const tampered = new URL(back);
      tampered.searchParams.set('state', `${back.searchParams.get('state')}x`);
      const cases: Array<[string, LightMyRequestResponse, string]> = [
        ['tampered state', await callback(tampered, flow.value), 'invalid_response'],
        ['no flow cookie', await callback(back, null), 'signin_expired'],
        ['altered flow cookie', await callback(back, `${flow.value.slice(0, -4)}AAAA`), 'signin_expired'],
        // The flow of another browser (its own start): its state does not match this code's.
        ['another flow', await callback(back, (await start()).flow.value), 'invalid_response'],
        [
          'provider error',
          await callback(new URL(`${CALLBACK}?error=access_denied&state=x`), flow.value),
          'provider_denied',
        ],
        // No flow started in this browser: not the provider's answer, whatever the address says.
        [
          'error without a flow',
          await callback(new URL(`${CALLBACK}?error=forged_denial`), null),
          'signin_expired',
        ],
        [
          'garbage',
          await callback(new URL(`${CALLBACK}?code=%00%ff&state=`), flow.value),
          'invalid_response',
        ],
      ];
      for (const [what, res, reason] of cases) {
        assert.equal(res.statusCode, 302, `${what}: ${res.body}`);
        assert.equal(res.headers.location, `/?signin_error=${reason}`, what);
        assert.equal(cookieFrom(res, 'lgsp_session'), null, what);
      }
      // The untouched redirect still works once (the code was not spent by the refusals above).
      const ok = await callback(back, flow.value);
      assert.equal(ok.headers.location, '/');
      // The refusals are logged by reason; no code, flow cookie, session token or client secret is in a log line.
      const log = logLines.join('');
      assert.match(log, /từ chối đăng nhập OIDC \/ OIDC sign-in refused/);
      assert.match(log, /"reason":"invalid_response"/);
      for (const secret of [
        back.searchParams.get('code')!,
        flow.value,
        cookieFrom(ok, 'lgsp_session')!.value,
        CLIENT_SECRET,
      ]) {
        assert.equal(log.includes(secret), false, 'a secret in the log');
      }
      assert.equal(log.includes('forged_denial'), false, 'a flowless ?error= is logged as the provider’s');
      // …and only once: the provider refuses a code used twice.
      const replay = await callback(back, flow.value);
      assert.equal(replay.headers.location, '/?signin_error=invalid_response');
    });

    test('the sign-in history holds each SSO sign-in and refusal with its reason; never a code, a cookie or the secret', async () => {
      const rows = await h.store.db.selectFrom('sign_ins').selectAll().where('method', '=', 'oidc').execute();
      const success = rows.find((r) => r.outcome === 'success' && r.username === 'nguyen.van.a');
      assert.ok(success?.user_id, 'the agency user’s SSO sign-in, with its account');
      for (const reason of ['no_matching_rule', 'organization_unknown']) {
        const refused = rows.find((r) => r.reason === reason);
        assert.equal(refused?.outcome, 'oidc_refused', reason);
        assert.ok(refused?.username, `${reason}: the provider named the person`);
        assert.equal(refused?.user_id, null, `${reason}: no account`);
      }
      for (const reason of ['provider_denied', 'signin_expired', 'invalid_response']) {
        const refused = rows.find((r) => r.reason === reason);
        assert.equal(refused?.outcome, 'oidc_refused', reason);
        assert.equal(refused?.username, null, `${reason}: refused before anyone was named`);
      }
      const stored = JSON.stringify(rows);
      assert.equal(stored.includes(CLIENT_SECRET), false, 'no client secret');
      assert.equal(/lgsp_|code=|state=/.test(stored), false, 'no token, code or state');
    });

    test('signing out ends the session here and names the provider’s end-session URL', async () => {
      const session = cookieFrom(await signIn('agency-a'), 'lgsp_session')!;
      const csrf = (await asConsole('GET', '/api/v1/auth/session', session.value)).json().csrfToken;
      const out = await asConsole('DELETE', '/api/v1/auth/session', session.value, { csrf });
      assert.equal(out.statusCode, 200, out.body);
      const end = new URL(out.json().endSessionUrl);
      assert.equal(end.origin, issuer);
      assert.equal(end.searchParams.get('client_id'), CLIENT_ID);
      assert.equal(end.searchParams.get('post_logout_redirect_uri'), `${CONSOLE}/`);
      assert.equal(cookieFrom(out, 'lgsp_session')?.value, '');
      assert.equal((await asConsole('GET', '/api/v1/me', session.value)).statusCode, 401);
    });

    test('bearer tokens keep working without any CSRF token', async () => {
      const res = await h.call('POST', '/api/v1/systems', {
        organizationId: org['b'],
        name: 'Hệ thống gọi bằng token',
        isConsumer: true,
      });
      assert.equal(res.statusCode, 201, res.body);
    });
  });
}

describe('a provider that trickles: the sign-in ends at the provider limit (R-03)', () => {
  /**
   * The provider, played by the test: under `/<how>` its discovery trickles `how`; under `/ok-<how>` its discovery
   * answers at once and its token endpoint trickles `how`.
   */
  const provider = createServer((req, res) => {
    const [, root = '', rest] = (req.url ?? '').split('/');
    if (root === 'flood') {
      floods.push(flood(res, Number.POSITIVE_INFINITY));
      return;
    }
    if (!root.startsWith('ok-')) return trickle(res, root as Trickle);
    if (rest === 'token') return trickle(res, root.slice(3) as Trickle);
    const issuer = `${origin}/${root}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      }),
    );
  });
  let origin = '';
  /** The discovery answers sent without end, as the provider saw them. */
  const floods: Array<Promise<Flood>> = [];
  const signIns: OidcSignIn[] = [];
  const signInAt = (issuer: string) => {
    const config = loadConfig({
      env: {},
      overrides: {
        oidc: {
          issuer,
          clientId: CLIENT_ID,
          rules: [{ claim: 'groups', equals: 'lgsp-operators', role: 'operator_admin' }],
        },
      },
    });
    const oidc = new OidcSignIn(config, {
      // The provider's answers never come whole here: no account is ever read.
      accounts: {} as Accounts,
      egress: new EgressPolicy({ allow: [new URL(origin).host] }),
      kek: TEST_KEK,
      logger: silentLogger(),
      publicBaseUrl: () => CONSOLE,
    });
    signIns.push(oidc);
    return oidc;
  };
  /** Runs `step`, asserting it ended at the 10 s limit, never before, never long after. */
  const atTheLimit = async (what: string, step: () => Promise<void>) => {
    const limitMs = HTTP_TIMEOUT_SECONDS * 1000;
    const t0 = performance.now();
    await step();
    const elapsedMs = performance.now() - t0;
    assert.ok(elapsedMs >= limitMs - 20, `${what}: ended after ${elapsedMs} ms, before the limit`);
    assert.ok(elapsedMs < limitMs + 1_500, `${what}: ended after ${elapsedMs} ms`);
  };
  const unavailable = (err: unknown) => err instanceof SignInFailed && err.reason === 'provider_unavailable';

  before(async () => {
    await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const oidc of signIns) await oidc.close();
    provider.closeAllConnections();
    provider.close();
  });

  // Every case at once: the limit is a fixed 10 s.
  test('its discovery or its token endpoint trickles, or sends 103 Early Hints without end: provider_unavailable at 10 s', {
    timeout: 60_000,
  }, async () => {
    await Promise.all(
      TRICKLES.flatMap((how) => [
        atTheLimit(`discovery, ${how}`, () =>
          assert.rejects(signInAt(`${origin}/${how}`).start(Date.now()), unavailable),
        ),
        (async () => {
          const oidc = signInAt(`${origin}/ok-${how}`);
          const { location, flowCookie } = await oidc.start(Date.now());
          const state = new URL(location).searchParams.get('state')!;
          // The browser comes back with a code: its exchange at the token endpoint is what trickles.
          await atTheLimit(`code exchange, ${how}`, () =>
            assert.rejects(
              oidc.complete(`code=kiem-thu&state=${state}`, flowCookie, Date.now()),
              unavailable,
            ),
          );
        })(),
      ]),
    );
  });

  test('its discovery answers without end: provider_unavailable at 256 KiB, long before 10 s, the connection closed', {
    timeout: 30_000,
  }, async () => {
    const t0 = performance.now();
    await assert.rejects(signInAt(`${origin}/flood`).start(Date.now()), (err: unknown) => {
      assert.ok(unavailable(err), String(err));
      // openid-client wraps what our fetch threw ("something went wrong"); the reason is in the causes.
      const reasons: string[] = [];
      for (let e: unknown = err; e instanceof Error; e = e.cause) reasons.push(e.message);
      assert.ok(
        reasons.some((r) => r.includes('answer larger than 262144 bytes')),
        reasons.join(' ← '),
      );
      return true;
    });
    assert.ok(performance.now() - t0 < 5_000, 'stopped by its size, not its time');
    assert.equal(floods.length, 1);
    const sent = await floods[0]!;
    assert.equal(sent.complete, false);
    await sent.connectionClosed;
    assert.ok(sent.sentBytes < 16 * 1024 * 1024, `${sent.sentBytes} bytes sent`);
  });
});

describe('claim-mapping rules (pure): ordered, first match wins, no default role', () => {
  const rules: OidcRule[] = [
    { claim: 'groups', equals: 'lgsp-operators', role: 'operator_admin' },
    { claim: 'realm_access.roles', equals: 'lgsp-auditor', role: 'auditor' },
    { claim: 'org_code', role: 'agency', organizationFromClaim: 'org_code' },
    { claim: 'email', matches: '@stp\\.tinh\\.gov\\.vn$', role: 'agency', organization: ORG_B },
  ];
  const cases: Array<[string, Json, ReturnType<typeof mapClaims>]> = [
    [
      'group in a list',
      { groups: ['staff', 'lgsp-operators'] },
      { role: 'operator_admin', organizationCode: null, rule: 0 },
    ],
    [
      'first match wins',
      { groups: ['lgsp-operators'], org_code: ORG_A },
      { role: 'operator_admin', organizationCode: null, rule: 0 },
    ],
    [
      'dotted claim',
      { realm_access: { roles: ['lgsp-auditor'] } },
      { role: 'auditor', organizationCode: null, rule: 1 },
    ],
    ['organization from a claim', { org_code: ORG_A }, { role: 'agency', organizationCode: ORG_A, rule: 2 }],
    [
      'a list is not one organization: next rule',
      { org_code: [ORG_A, ORG_B], email: 'x@stp.tinh.gov.vn' },
      { role: 'agency', organizationCode: ORG_B, rule: 3 },
    ],
    ['pattern', { email: 'c@stp.tinh.gov.vn' }, { role: 'agency', organizationCode: ORG_B, rule: 3 }],
    ['pattern is anchored by the operator', { email: 'c@stp.tinh.gov.vn.evil.com' }, null],
    ['equals is exact', { groups: ['lgsp-operators-x', 'LGSP-OPERATORS'] }, null],
    ['empty claim', { org_code: '' }, null],
    ['an object is not a value', { groups: { name: 'lgsp-operators' } }, null],
    ['nothing', {}, null],
  ];
  for (const [what, claims, expected] of cases) {
    test(what, () => assert.deepEqual(mapClaims(rules, claims), expected));
  }

  test('local usernames from provider names', () => {
    assert.equal(localUsername('nguyễn.văn.a'), 'nguyen.van.a');
    assert.equal(localUsername('Trần Thị B'), 'Tran-Thi-B');
    assert.equal(localUsername('___'), 'sso-user');
    assert.match(localUsername('x'.repeat(300)), /^x{90}$/);
  });
});

describe('oidc configuration is checked at start, every problem at once', () => {
  const problemsOf = (oidc: Json, admin: Json = {}) => {
    try {
      loadConfig({ env: {}, overrides: { oidc, admin } });
      return [];
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.problems;
    }
  };

  test('SSO off by default; a complete https configuration passes', () => {
    assert.equal(loadConfig({ env: {} }).oidc.issuer, '');
    assert.deepEqual(
      problemsOf({
        issuer: 'https://sso.tinh.gov.vn/realms/lgsp',
        clientId: 'lgsp-console',
        rules: [{ claim: 'groups', equals: 'lgsp-operators', role: 'operator_admin' }],
      }),
      [],
    );
  });

  test('plain http off this machine, no client id, no rules, bad rules are refused', () => {
    const problems = problemsOf({
      issuer: 'http://sso.tinh.gov.vn/realms/lgsp',
      scopes: ['profile'],
      rules: [
        { claim: 'org_code', role: 'agency' },
        { claim: 'groups', role: 'operator_admin', organization: ORG_A },
        { claim: 'email', matches: '(', role: 'auditor' },
        { claim: 'email', equals: 'a', matches: 'b', role: 'auditor' },
      ],
    });
    const text = problems.join('\n');
    assert.match(text, /oidc\.issuer .*https/);
    assert.match(text, /oidc\.clientId/);
    assert.match(text, /oidc\.scopes/);
    assert.match(text, /oidc\.rules\[0\]: vai trò agency cần/);
    assert.match(text, /oidc\.rules\[1\]: chỉ vai trò agency/);
    assert.match(text, /oidc\.rules\[2\]\.matches/);
    assert.match(text, /oidc\.rules\[3\]: chỉ một trong equals, matches/);
    assert.match(
      problemsOf({ issuer: 'https://sso.tinh.gov.vn', clientId: 'x' }).join(),
      /oidc\.rules: cần ít nhất/,
    );
  });

  test('the client secret is never printed in a configuration problem', () => {
    const secret = 'bi-mat-khong-duoc-in-ra';
    const problems = problemsOf({ issuer: 'ftp://sso', clientSecret: secret, rules: [] });
    assert.ok(problems.length >= 2, problems.join('\n'));
    assert.equal(problems.join('\n').includes(secret), false);
  });
});

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SignInClient } from '../../control/sign-ins.ts';
import type { Config } from '../../core/config.ts';
import { LgspError } from '../../core/errors.ts';
import { clientAddress, TrustedProxies } from '../../net/client-address.ts';
import { currentUser } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import {
  errorName,
  FLOW_COOKIE,
  FLOW_COOKIE_PATH,
  FLOW_MAX_AGE_SECONDS,
  type OidcSignIn,
  SignInFailed,
} from '../oidc.ts';
import {
  assertConsoleRequest,
  clearedSessionCookie,
  csrfTokenFor,
  readCookie,
  SESSION_COOKIE,
  sessionCookie,
  setCookie,
} from '../session.ts';
import { route, TAGS } from './common.ts';

/** Public: signing in. Wrong name and wrong password answer alike, so names cannot be probed. */
export async function loginRoutes(
  app: FastifyInstance,
  { accounts, config, clock, logger }: AdminDeps,
  oidc: OidcSignIn,
): Promise<void> {
  const clientOf = signInClientOf(config);
  route(app, TAGS.auth, 'login', {
    handler: async (request, reply) => {
      const session = await accounts.login(request.body.username, request.body.password, clientOf(request));
      return reply.header('cache-control', 'no-store').send(session);
    },
  });

  // The console's sign-in (issue 11 item 5): the same checks as `login`; the token goes only into the cookie.
  route(app, TAGS.auth, 'createConsoleSession', {
    handler: async (request, reply) => {
      const session = await accounts.openConsoleSession(
        request.body.username,
        request.body.password,
        clientOf(request),
      );
      return reply
        .header('cache-control', 'no-store')
        .header('set-cookie', sessionCookie(config, session.token, session.expiresAt, clock.nowMs()))
        .send({
          user: session.user,
          csrfToken: csrfTokenFor(session.token),
          mustChangePassword: session.mustChangePassword,
          signedInWith: 'password' as const,
        });
    },
  });

  /*
   * Whether this browser is signed in to the console. Public, and 200 either way: the sign-in page asks it of every
   * visitor, and a visitor not signed in is its ordinary case, not a failed request in the browser's console (it
   * answered 401). Only the session cookie is a console session; a bearer token is not (`user: null`). A cookie
   * that no longer opens a session (expired, signed out, revoked) is cleared. A cookie sent from another origin is
   * refused as on every cookie call (403 API_CSRF_INVALID).
   */
  route(app, TAGS.auth, 'getConsoleSession', {
    handler: async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const cookie = readCookie(request, SESSION_COOKIE);
      const session = cookie ? await accounts.authenticateConsole(cookie) : null;
      if (!cookie || !session) {
        if (cookie) reply.header('set-cookie', clearedSessionCookie(config));
        return reply.send({ user: null, csrfToken: null, mustChangePassword: false });
      }
      assertConsoleRequest(request, cookie, config);
      return reply.send({
        user: session.user,
        csrfToken: csrfTokenFor(cookie),
        // Read with the session, as every signed-in call reads it (auth.ts): never set for a single sign-on.
        mustChangePassword: session.mustChangePassword,
        signedInWith: session.signedInWith,
      });
    },
  });

  route(app, TAGS.auth, 'getSignInOptions', {
    handler: async () => ({
      local: true as const,
      oidc: { enabled: oidc.enabled, label: oidc.enabled ? oidc.label : null },
    }),
  });

  /** Back to the console with the reason a sign-in did not happen; the console says it in words. */
  const refuse = (reply: FastifyReply, err: unknown) => {
    const reason = err instanceof SignInFailed ? err.reason : 'invalid_response';
    const cause = err instanceof SignInFailed ? err.cause : err;
    // The reason and the error's name only: never the code, a token or the provider's response body.
    logger.warn({ reason, error: errorName(cause) }, 'từ chối đăng nhập OIDC / OIDC sign-in refused');
    return reply.redirect(`/?signin_error=${reason}`, 302);
  };
  const flowCookie = (value: string, maxAgeSeconds: number) =>
    setCookie(config, FLOW_COOKIE, value, { maxAgeSeconds, sameSite: 'Lax', path: FLOW_COOKIE_PATH });

  route(app, TAGS.auth, 'startOidcSignIn', {
    handler: async (_request, reply) => {
      try {
        const { location, flowCookie: sealed } = await oidc.start(clock.nowMs());
        return reply
          .header('cache-control', 'no-store')
          .header('set-cookie', flowCookie(sealed, FLOW_MAX_AGE_SECONDS))
          .redirect(location, 302);
      } catch (err) {
        return refuse(reply, err);
      }
    },
  });

  route(app, TAGS.auth, 'completeOidcSignIn', {
    handler: async (request, reply) => {
      // The flow cookie is spent whatever happens: a callback URL can be used once.
      const cookies = [flowCookie('', 0)];
      reply.header('cache-control', 'no-store');
      try {
        const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
        const session = await oidc.complete(
          query,
          readCookie(request, FLOW_COOKIE),
          clock.nowMs(),
          clientOf(request),
        );
        cookies.push(sessionCookie(config, session.token, session.expiresAt, clock.nowMs()));
        return reply.header('set-cookie', cookies).redirect('/', 302);
      } catch (err) {
        // The callback is the SSO attempt: its refusal goes into the sign-in history (a start that could not reach
        // the provider named no one and is not one). With SSO off nobody can be signing in by it: a hit on the
        // callback is a scanner's or a stale bookmark's, no attempt, and anyone could fill the history with them.
        const failed = err instanceof SignInFailed ? err : null;
        if (failed?.reason !== 'oidc_not_configured') {
          await accounts.recordSignIn({
            username: failed?.account?.username ?? null,
            userId: failed?.account?.userId ?? null,
            method: 'oidc',
            outcome: failed?.reason === 'user_disabled' ? 'disabled' : 'oidc_refused',
            reason: failed?.reason ?? 'invalid_response',
            client: clientOf(request),
          });
        }
        return refuse(reply.header('set-cookie', cookies), err);
      }
    },
  });
}

/**
 * Protected: the current session. Any signed-in role may read itself, change its password and sign out — also
 * while it must change the password (`ALLOWED_BEFORE_PASSWORD_CHANGE` in auth.ts).
 */
export async function sessionRoutes(
  app: FastifyInstance,
  { accounts, config }: AdminDeps,
  oidc: OidcSignIn,
): Promise<void> {
  const clientOf = signInClientOf(config);
  route(app, TAGS.auth, 'logout', {
    handler: async (request, reply) => {
      if (request.sessionToken) await accounts.logout(request.sessionToken);
      return reply.code(204).send();
    },
  });

  route(app, TAGS.auth, 'getCurrentUser', {
    handler: async (request) => currentUser(request),
  });

  // Any role reads the attempts on their own account ("last sign-ins"), the failed ones too.
  route(app, TAGS.auth, 'listOwnSignIns', {
    handler: async (request) => accounts.pageOwnSignIns(currentUser(request).id, request.query),
  });

  // Any signed-in person with a local password; the session asking stays, every other one ends.
  route(app, TAGS.auth, 'changeOwnPassword', {
    handler: async (request, reply) => {
      const changed = await accounts.changeOwnPassword(
        {
          userId: currentUser(request).id,
          sessionToken: request.sessionToken,
          currentPassword: request.body.currentPassword,
          newPassword: request.body.newPassword,
        },
        clientOf(request),
        // How the person typed it, as their sign-ins say: in the console, or through the API (CLI, scripts).
        request.session?.kind === 'console' ? 'console' : 'password',
      );
      return reply.header('cache-control', 'no-store').send(changed);
    },
  });

  route(app, TAGS.auth, 'deleteConsoleSession', {
    handler: async (request, reply) => {
      await accounts.logout(consoleToken(request));
      reply.header('set-cookie', clearedSessionCookie(config));
      if (request.session?.signedInWith === 'oidc') {
        const endSessionUrl = await oidc.endSessionUrl();
        if (endSessionUrl) return reply.code(200).send({ endSessionUrl });
      }
      return reply.code(204).send();
    },
  });
}

/**
 * Who is signing in, as the brute-force limits and the sign-in history see them: the socket's address — or, behind a
 * reverse proxy listed in `admin.trustedProxies`, the client its `X-Forwarded-For` names, read from the right as the
 * gateway reads it (`clientAddress`) — and the User-Agent, bounded when stored. Behind nginx without it, every
 * sign-in came from the proxy's 127.0.0.1: one address counter for everyone (30 failures by anyone blocked every
 * sign-in through the proxy) and a history that could not say where an attempt came from.
 */
function signInClientOf(config: Config): (request: FastifyRequest) => SignInClient {
  const proxies = new TrustedProxies(config.admin.trustedProxies);
  return (request) => {
    const agent = request.headers['user-agent'];
    return {
      address: clientAddress(request.raw, proxies),
      userAgent: typeof agent === 'string' ? agent : '',
    };
  };
}

/** The console session's token; a bearer token is not a console session (401, as without a cookie). */
function consoleToken(request: FastifyRequest): string {
  if (request.session?.kind !== 'console' || !request.sessionToken) {
    throw new LgspError(
      'API_UNAUTHORIZED',
      'không có phiên bảng điều khiển (cookie lgsp_session) / no console session cookie',
    );
  }
  return request.sessionToken;
}
